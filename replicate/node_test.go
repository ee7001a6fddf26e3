package replicate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/prometheus/client_golang/prometheus"
)

// testScale shrinks raft's LAN timers (heartbeat 200 ms) so tests elect
// quickly, yet leaves a loaded CI machine room for fsyncs.
const testScale = 0.4

// clusterScale keeps the production LAN timers for multi-node tests: a
// leader keeps its lease only while followers answer within it, and a busy
// machine running -race can stall them for a few hundred milliseconds.
const clusterScale = 1

// hub is one test node with its database and machine.
type hub struct {
	*Node
	id  string
	dir string
	db  *badger.DB
	m   *kv
	reg *prometheus.Registry
}

func testLog(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})).With("test", t.Name())
	}
	return nil
}

func testConfig(id, dir, bind string, bootstrap bool) Config {
	c := DefaultConfig()
	c.ID, c.Dir, c.Bind, c.Bootstrap = id, filepath.Join(dir, "raft"), bind, bootstrap
	c.TimeoutScale = testScale
	return c
}

// startHub opens (or reopens) a hub in dir.
func startHub(t testing.TB, c Config, dir string) *hub {
	t.Helper()
	db := openDB(t, filepath.Join(dir, "db"))
	h := &hub{id: c.ID, dir: dir, db: db, m: newKV(t, db), reg: prometheus.NewRegistry()}
	n, err := Start(context.Background(), c, db, h.m, testLog(t), h.reg)
	if err != nil {
		db.Close()
		t.Fatal(err)
	}
	h.Node = n
	t.Cleanup(h.stop)
	return h
}

// stop shuts the node down and closes its database; safe to call twice.
func (h *hub) stop() {
	if h.Node != nil {
		h.Shutdown()
		h.Node = nil
	}
	if h.db != nil {
		h.db.Close()
		h.db = nil
	}
}

// eventually polls ok until it holds or a generous deadline passes.
func eventually(t testing.TB, what string, ok func() bool) {
	t.Helper()
	for end := time.Now().Add(15 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if ok() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func leader(t testing.TB, hs ...*hub) *hub {
	t.Helper()
	var l *hub
	eventually(t, "a leader", func() bool {
		for _, h := range hs {
			if h.Node != nil && h.IsLeader() {
				l = h
				return true
			}
		}
		return false
	})
	return l
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	t.Cleanup(cancel)
	return c
}

func propose(t testing.TB, h *hub, cmd string) Result {
	t.Helper()
	c, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	r, err := h.Propose(c, []byte(cmd))
	if err != nil {
		t.Fatalf("propose %q: %v", cmd, err)
	}
	return r
}

func TestSingleNodeRestart(t *testing.T) {
	dir := t.TempDir()
	h := startHub(t, testConfig("hub1", dir, "127.0.0.1:0", true), dir)
	leader(t, h)

	var last Result
	for i := 1; i <= 50; i++ {
		last = propose(t, h, "incr counter")
		if last.Value != int64(i) {
			t.Fatalf("incr %d returned %v", i, last.Value)
		}
	}
	if r := propose(t, h, "bogus"); !errors.Is(r.Value.(error), errUnknown) {
		t.Fatalf("a rejected command should come back as its result, got %v", r.Value)
	}
	// A snapshot in the middle: the restart must skip it, not restore it.
	if err := h.Snapshot(ctx(t)); err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		last = propose(t, h, fmt.Sprintf("set k%d v%d", i, i))
	}
	if h.m.Applied() != last.Index || h.Applied() != last.Index {
		t.Fatalf("applied %d/%d, want %d", h.m.Applied(), h.Applied(), last.Index)
	}
	want := h.m.state(t)
	if n := h.m.applies.Load(); n != 71 {
		t.Fatalf("machine applied %d entries, want 71", n)
	}
	testMetrics(t, h)

	addr := h.Addr()
	h.stop()

	h = startHub(t, testConfig("hub1", dir, addr, true), dir)
	if h.m.Applied() != last.Index {
		t.Fatalf("applied index after restart = %d, want %d", h.m.Applied(), last.Index)
	}
	leader(t, h)
	r := propose(t, h, "incr counter")
	if r.Value != int64(51) {
		t.Fatalf("incr after restart = %v, want 51", r.Value)
	}
	if err := h.WaitApplied(ctx(t), r.Index); err != nil {
		t.Fatal(err)
	}
	// Only the new command was applied: the old log was skipped, and the
	// snapshot was not restored over the state.
	if n := h.m.applies.Load(); n != 1 {
		t.Fatalf("after restart the machine applied %d entries, want 1", n)
	}
	if n := h.m.restores.Load(); n != 0 {
		t.Fatalf("after restart the machine restored %d times, want 0", n)
	}
	want[string(h.m.dataKey("counter"))] = "51"
	if got := h.m.state(t); !maps.Equal(got, want) {
		t.Fatalf("state after restart differs:\n got %v\nwant %v", got, want)
	}
}

// A restore torn by a crash is found on start, and raft restores its
// snapshot and replays the log after it instead of skipping.
func TestTornRestoreOnStart(t *testing.T) {
	dir := t.TempDir()
	h := startHub(t, testConfig("hub1", dir, "127.0.0.1:0", true), dir)
	leader(t, h)
	for i := range 30 {
		propose(t, h, fmt.Sprintf("set a%d %d", i, i))
	}
	if err := h.Snapshot(ctx(t)); err != nil {
		t.Fatal(err)
	}
	var last Result
	for i := range 10 {
		last = propose(t, h, fmt.Sprintf("set b%d %d", i, i))
	}
	want := h.m.state(t)
	addr := h.Addr()
	snap := snapshot(t, h.db, "kv/")
	h.stop()

	// Tear a restore: the machine's keys are half gone and marked.
	db := openDB(t, filepath.Join(dir, "db"))
	if err := RestorePrefix(db, []byte("kv/"), bytesReader(snap[:len(snap)/2])); err == nil {
		t.Fatal("restore of half a snapshot succeeded")
	}
	if !RestoreIncomplete(db, []byte("kv/")) {
		t.Fatal("torn restore not detected")
	}
	db.Close()

	h = startHub(t, testConfig("hub1", dir, addr, true), dir)
	if n := h.m.restores.Load(); n != 1 {
		t.Fatalf("restores on start = %d, want 1", n)
	}
	leader(t, h)
	if err := h.WaitApplied(ctx(t), last.Index); err != nil {
		t.Fatal(err)
	}
	if got := h.m.state(t); !maps.Equal(got, want) {
		t.Fatalf("state after torn restore differs:\n got %v\nwant %v", got, want)
	}
	if RestoreIncomplete(h.db, []byte("kv/")) {
		t.Fatal("marker still set after restore on start")
	}
}

func TestTornRestoreWithoutSnapshot(t *testing.T) {
	dir := t.TempDir()
	db := openDB(t, filepath.Join(dir, "db"))
	if err := RestorePrefix(db, []byte("kv/"), bytesReader([]byte("KSNP\x01\x03kv/\x01"))); err == nil {
		t.Fatal("restore of a cut snapshot succeeded")
	}
	m := newKV(t, db)
	_, err := Start(context.Background(), testConfig("hub1", dir, "127.0.0.1:0", true), db, m, nil, nil)
	db.Close()
	if !errors.Is(err, ErrTornRestore) {
		t.Fatalf("Start = %v, want ErrTornRestore", err)
	}
}

func testMetrics(t *testing.T, h *hub) {
	t.Helper()
	fams, err := h.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, f := range fams {
		seen[f.GetName()] = true
		switch f.GetName() {
		case "kasse_raft_state":
			if v := f.GetMetric()[0].GetGauge().GetValue(); v != 2 {
				t.Errorf("kasse_raft_state = %v, want 2 (leader)", v)
			}
		case "kasse_raft_store_logs_seconds", "kasse_raft_propose_seconds":
			if c := f.GetMetric()[0].GetHistogram().GetSampleCount(); c == 0 {
				t.Errorf("%s has no samples", f.GetName())
			}
		}
	}
	for _, name := range []string{"kasse_raft_state", "kasse_raft_term", "kasse_raft_last_index",
		"kasse_raft_commit_index", "kasse_raft_applied_index", "kasse_raft_propose_seconds",
		"kasse_raft_store_logs_seconds", "kasse_raft_proposals_in_flight", "kasse_raft_snapshot_seconds"} {
		if !seen[name] {
			t.Errorf("metric %s missing", name)
		}
	}
}

func TestCluster(t *testing.T) {
	var hs []*hub
	for i := 1; i <= 3; i++ {
		dir := t.TempDir()
		c := testConfig(fmt.Sprintf("hub%d", i), dir, "127.0.0.1:0", i == 1)
		c.TimeoutScale = clusterScale
		hs = append(hs, startHub(t, c, dir))
	}
	leader(t, hs[0])
	for _, h := range hs[1:] {
		onLeader(t, hs, func(l *hub) error { return l.AddVoter(ctx(t), h.id, h.Addr()) })
	}

	// A follower refuses proposals and names the leader.
	eventually(t, "followers to know the leader", func() bool {
		id, _ := hs[1].Leader()
		return id != "" && id != "hub2"
	})
	if _, err := hs[1].Propose(ctx(t), []byte("set x 1")); !errors.Is(err, ErrNotLeader) {
		t.Fatalf("propose on a follower = %v, want ErrNotLeader", err)
	}

	var last Result
	for i := range 100 {
		last = proposeOn(t, hs, fmt.Sprintf("set k%d v%d", i, i))
	}
	converged(t, last.Index, hs...)

	// Kill the leader; the others elect a new one and go on.
	l := leader(t, hs...)
	l.stop()
	var rest []*hub
	for _, h := range hs {
		if h != l {
			rest = append(rest, h)
		}
	}
	for i := range 50 {
		last = proposeOn(t, rest, fmt.Sprintf("set k%d w%d", i, i))
	}
	converged(t, last.Index, rest...)
	if got := rest[0].m.state(t)["kv/d/k7"]; got != "w7" {
		t.Fatalf("k7 = %q, want w7", got)
	}
}

// onLeader runs op on the current leader, and again on the next one when
// leadership moves under it: a loaded machine can stall a follower past the
// leader's lease. op must be idempotent, as a register's retry is.
func onLeader(t *testing.T, hs []*hub, op func(*hub) error) {
	t.Helper()
	for end := time.Now().Add(30 * time.Second); ; {
		err := op(leader(t, hs...))
		if err == nil {
			return
		}
		moved := errors.Is(err, ErrLeadershipLost) || errors.Is(err, ErrNotLeader) || errors.Is(err, ErrNoLeader)
		if !moved || time.Now().After(end) {
			t.Fatal(err)
		}
		t.Logf("retrying on the next leader: %v", err)
	}
}

// proposeOn proposes an idempotent command on whichever hub leads.
func proposeOn(t *testing.T, hs []*hub, cmd string) Result {
	t.Helper()
	var r Result
	onLeader(t, hs, func(l *hub) (err error) {
		r, err = l.Propose(ctx(t), []byte(cmd))
		return err
	})
	return r
}

// converged waits until every hub has applied index and checks they hold
// the same state.
func converged(t *testing.T, index uint64, hs ...*hub) {
	t.Helper()
	for _, h := range hs {
		if err := h.WaitApplied(ctx(t), index); err != nil {
			t.Fatalf("%s: %v", h.id, err)
		}
	}
	want := hs[0].m.state(t)
	for _, h := range hs[1:] {
		if got := h.m.state(t); !maps.Equal(got, want) {
			t.Fatalf("%s differs from %s: %d vs %d keys", h.id, hs[0].id, len(got), len(want))
		}
	}
}

func TestConfigValidate(t *testing.T) {
	if err := DefaultConfig().Validate(); err == nil {
		t.Fatal("DefaultConfig without ID, Dir and Bind validated")
	}
	c := testConfig("hub1", t.TempDir(), "127.0.0.1:0", true)
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	c.TimeoutScale = 0
	c.Bind = "nonsense"
	err := c.Validate()
	if err == nil {
		t.Fatal("bad config validated")
	}
	t.Log(err)
}

// A Machine that cannot persist stops the node instead of running on.
func TestMachineFailureStops(t *testing.T) {
	dir := t.TempDir()
	db := openDB(t, filepath.Join(dir, "db"))
	defer db.Close()
	m := &broken{kv: newKV(t, db)}
	n, err := Start(context.Background(), testConfig("hub1", dir, "127.0.0.1:0", true), db, m, testLog(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Shutdown()
	h := &hub{Node: n}
	leader(t, h)
	ok := propose(t, h, "set a 1")
	m.fail.Store(true)
	propose(t, h, "set b 2") // the result is the Machine's error
	select {
	case <-n.Done():
	case <-time.After(15 * time.Second):
		t.Fatal("node kept running on a Machine that cannot persist")
	}
	if n.Err() == nil || n.Applied() != ok.Index {
		t.Fatalf("Err = %v, Applied = %d (want %d)", n.Err(), n.Applied(), ok.Index)
	}
	if _, err := n.Propose(ctx(t), []byte("set c 3")); !errors.Is(err, ErrShutdown) {
		t.Fatalf("propose after stop = %v, want ErrShutdown", err)
	}
}
