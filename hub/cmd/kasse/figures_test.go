package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kasse/kasse/hub/cluster"
	"github.com/kasse/kasse/hub/ledger"
)

// TestClusterFigures measures the three-hub figures (make bench-cluster):
// add-line commands/s at 1 and 32 registers next to etcd, failover from a
// SIGKILL of the leader to the first acknowledged write over 20 trials,
// and how long a hub that missed 100 000 commands takes to catch up. Run
// only with CLUSTER_FIGURES=1; TEST_KASSE_BIN and TEST_KASSELOAD_BIN name
// binaries built without the race detector.
func TestClusterFigures(t *testing.T) {
	if os.Getenv("CLUSTER_FIGURES") == "" {
		t.Skip("figures: make bench-cluster")
	}
	load := os.Getenv("TEST_KASSELOAD_BIN")
	if load == "" {
		t.Fatal("TEST_KASSELOAD_BIN names the kasseload binary")
	}
	// The hubs run on their defaults, as a shop's do (the catch-up part
	// below changes one setting).
	hub1 := newHub(t, "hub1", true, "")
	hub1.start()
	hubs := joinHubs(t, hub1)
	waitStatus(t, hubs[0], "three voters", func(st cluster.Status) bool { return len(voters(st)) == 3 })
	urls := func(hs ...*clusterProc) string {
		var u []string
		for _, h := range hs {
			u = append(u, "http://"+h.http)
		}
		return strings.Join(u, ",")
	}
	kasseload := func(args ...string) string {
		out, err := exec.Command(load, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("kasseload %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	report := func(format string, a ...any) { fmt.Printf("FIGURE "+format+"\n", a...) }
	// CLUSTER_FIGURES=1 measures everything; a comma list picks parts:
	// throughput, etcd, failover, catchup.
	want := func(part string) bool {
		v := os.Getenv("CLUSTER_FIGURES")
		return v == "1" || slices.Contains(strings.Split(v, ","), part)
	}

	// 1. Throughput: registers spread over the three hubs (two of three
	// writes are forwarded), then all on the leader.
	for _, n := range []string{"1", "32"} {
		if !want("throughput") {
			break
		}
		report("3 hubs, registers spread over all: %s", kasseload("-url", urls(hubs...), "-registers", n, "-duration", "10s"))
	}
	if lead := leaderOf(t, hubs); want("throughput") {
		// CLUSTER_FIGURES_PPROF=dir (with KASSE_HTTP_PPROF=true) keeps a
		// CPU profile of every hub from the middle of this run.
		var wg sync.WaitGroup
		if dir := os.Getenv("CLUSTER_FIGURES_PPROF"); dir != "" {
			for _, h := range hubs {
				wg.Go(func() {
					time.Sleep(3 * time.Second)
					if err := saveProfile("http://"+h.http+"/debug/pprof/profile?seconds=5", filepath.Join(dir, h.id+".prof")); err != nil {
						t.Error(err)
					}
				})
			}
		}
		report("3 hubs, registers all on the leader (%s): %s", lead.id, kasseload("-url", urls(lead), "-registers", "32", "-duration", "10s"))
		wg.Wait()
	}

	// 2. The reference: etcd, three members on this machine.
	if !want("etcd") {
	} else if etcdURLs := startEtcd(t); etcdURLs != "" {
		for _, n := range []string{"1", "32"} {
			report("etcd 3 members, 256-byte puts: %s", kasseload("-etcd", etcdURLs, "-registers", n, "-duration", "10s"))
		}
	}

	// 3. Failover: SIGKILL the leader, time until a survivor acknowledges
	// a write (retried with its idempotency key, as a register does).
	var trials []time.Duration
	for i := range 20 {
		if !want("failover") {
			break
		}
		lead := leaderOf(t, hubs)
		var via *clusterProc
		for _, h := range hubs {
			if h != lead {
				via = h
				break
			}
		}
		c := newClient(via.http, "demo-token-register-1")
		var s ledger.Sale
		if _, err := c.do("POST", "/sales", fmt.Sprintf("fo-%d-open", i), nil, &s); err != nil {
			t.Fatal(err)
		}
		t0 := time.Now()
		lead.kill()
		for attempt := 0; ; attempt++ {
			code, _ := c.do("POST", "/sales/"+s.ID+"/lines", fmt.Sprintf("fo-%d-line", i), map[string]any{"sku": "1001", "qty": 1}, nil)
			if code == http.StatusOK {
				break
			}
			if time.Since(t0) > time.Minute {
				t.Fatalf("trial %d: no write acknowledged a minute after the leader died", i)
			}
			time.Sleep(5 * time.Millisecond)
		}
		trials = append(trials, time.Since(t0))
		lead.start()
		waitStatus(t, via, "the killed hub back and caught up", func(st cluster.Status) bool {
			if len(voters(st)) != 3 {
				return false
			}
			for _, m := range st.Members {
				if m.Lag > 0 {
					return false
				}
			}
			return true
		})
	}
	if sorted := slices.Sorted(slices.Values(trials)); len(sorted) > 0 {
		report("failover, SIGKILL of the leader to the first acknowledged write, %d trials: median %s, max %s (all: %v)",
			len(trials), sorted[len(sorted)/2].Round(time.Millisecond), sorted[len(sorted)-1].Round(time.Millisecond), roundAll(trials))
	}

	// 4. Catch-up: a hub is off while the shop books 100 000 commands.
	if !want("catchup") {
		for _, h := range hubs {
			h.stop()
		}
		return
	}
	// Snapshots checked every 5 s instead of every 2 minutes, so the hub
	// that misses 100 000 commands comes back through a snapshot, as after
	// a day off. Each hub restarts with that setting, one at a time.
	for _, h := range hubs {
		cfg, err := os.ReadFile(h.config)
		if err != nil {
			t.Fatal(err)
		}
		cfg = bytes.Replace(cfg, []byte("\nhttp:\n"), []byte("\n  snapshot_interval: 5s\nhttp:\n"), 1)
		if err := os.WriteFile(h.config, cfg, 0o600); err != nil {
			t.Fatal(err)
		}
		h.stop()
		h.start()
		waitStatus(t, h, "back with three voters, none behind", func(st cluster.Status) bool {
			if len(voters(st)) != 3 || st.Leader == "" {
				return false
			}
			for _, m := range st.Members {
				if m.Lag > 0 {
					return false
				}
			}
			return true
		})
	}
	off := hubs[2]
	if off == leaderOf(t, hubs) {
		off = hubs[1]
	}
	var on []*clusterProc
	for _, h := range hubs {
		if h != off {
			on = append(on, h)
		}
	}
	before := appliedOf(t, on[0], off.id)
	off.stop()
	for appliedOf(t, on[0], on[0].id) < before+100_000 {
		kasseload("-url", urls(on...), "-registers", "32", "-duration", "10s")
	}
	target := appliedOf(t, on[0], on[0].id)
	t0 := time.Now()
	off.start()
	// The others keep selling while it catches up.
	busy := exec.Command(load, "-url", urls(on...), "-registers", "4", "-duration", "5s")
	out := make(chan string, 1)
	go func() { b, _ := busy.CombinedOutput(); out <- strings.TrimSpace(string(b)) }()
	for appliedOf(t, on[0], off.id) < target {
		if time.Since(t0) > 5*time.Minute {
			t.Fatalf("%s not caught up after 5 minutes", off.id)
		}
		time.Sleep(20 * time.Millisecond)
	}
	took := time.Since(t0)
	if dir := os.Getenv("CLUSTER_FIGURES_LOGS"); dir != "" {
		for _, h := range hubs {
			if err := os.WriteFile(filepath.Join(dir, h.id+".log"), []byte(h.log()), 0o644); err != nil {
				t.Error(err)
			}
		}
	}
	snapshot := strings.Contains(off.log(), "snapshot") || strings.Contains(off.log(), "Snapshot")
	report("catch-up: %s missed %d commands; process start to caught up: %s (installed a snapshot: %v)", off.id, target-before, took.Round(time.Millisecond), snapshot)
	report("catch-up timeline: %s", timeline(off.log(), t0))
	report("the others meanwhile, 4 registers: %s", <-out)
	for _, h := range hubs {
		h.stop()
	}
}

func roundAll(ds []time.Duration) []time.Duration {
	out := make([]time.Duration, len(ds))
	for i, d := range ds {
		out[i] = d.Round(time.Millisecond)
	}
	return out
}

// leaderOf finds the leading hub.
func leaderOf(t *testing.T, hubs []*clusterProc) *clusterProc {
	t.Helper()
	for end := time.Now().Add(time.Minute); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		var st cluster.Status
		if _, err := newClient(hubs[0].http, "demo-token-register-1").do("GET", "/cluster", "", nil, &st); err != nil {
			for _, h := range hubs[1:] {
				if _, err = newClient(h.http, "demo-token-register-1").do("GET", "/cluster", "", nil, &st); err == nil {
					break
				}
			}
		}
		for _, h := range hubs {
			if st.Leader == h.id {
				return h
			}
		}
	}
	t.Fatal("no leader")
	return nil
}

// appliedOf is hub id's applied index as hub via reports it.
func appliedOf(t *testing.T, via *clusterProc, id string) uint64 {
	t.Helper()
	var st cluster.Status
	if _, err := newClient(via.http, "demo-token-register-1").do("GET", "/cluster", "", nil, &st); err != nil {
		t.Fatal(err)
	}
	for _, m := range st.Members {
		if m.ID == id {
			return m.Applied
		}
	}
	return 0
}

// startEtcd runs three etcd members on 127.0.0.1 (fsync on, as etcd
// always does) and returns their client URLs; "" when etcd is missing.
func startEtcd(t *testing.T) string {
	bin, err := exec.LookPath("etcd")
	if err != nil {
		fmt.Println("FIGURE etcd: not installed (apt-get install etcd-server), skipped")
		return ""
	}
	port := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		return ln.Addr().String()
	}
	type member struct{ name, peer, client string }
	var ms []member
	var initial []string
	for i := 1; i <= 3; i++ {
		m := member{fmt.Sprintf("e%d", i), "http://" + port(), "http://" + port()}
		ms = append(ms, m)
		initial = append(initial, m.name+"="+m.peer)
	}
	var clients []string
	for _, m := range ms {
		cmd := exec.Command(bin, "--name", m.name, "--data-dir", filepath.Join(t.TempDir(), m.name),
			"--listen-peer-urls", m.peer, "--initial-advertise-peer-urls", m.peer,
			"--listen-client-urls", m.client, "--advertise-client-urls", m.client,
			"--initial-cluster", strings.Join(initial, ","), "--initial-cluster-state", "new",
			"--initial-cluster-token", "kasse-figures", "--log-level", "error")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		clients = append(clients, m.client)
	}
	for _, c := range clients {
		for end := time.Now().Add(time.Minute); ; time.Sleep(100 * time.Millisecond) {
			resp, err := http.Get(c + "/health")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					break
				}
			}
			if time.Now().After(end) {
				t.Fatalf("etcd at %s not healthy", c)
			}
		}
	}
	return strings.Join(clients, ",")
}

// timeline reads from a hub's log, after t0, when raft came up, when a
// snapshot began to arrive and when its state was restored.
func timeline(log string, t0 time.Time) string {
	var out []string
	seen := map[string]bool{}
	for line := range strings.Lines(log) {
		ts, _, ok := strings.Cut(strings.TrimPrefix(line, "time="), " ")
		at, err := time.Parse(time.RFC3339Nano, ts)
		if !ok || err != nil || at.Before(t0) {
			continue
		}
		for _, m := range []struct{ msg, say string }{
			{`msg="raft started"`, "raft up"},
			{`msg="creating new snapshot"`, "snapshot arriving"},
			{`msg="state restored from snapshot"`, "state restored"},
		} {
			if strings.Contains(line, m.msg) && !seen[m.say] {
				seen[m.say] = true
				out = append(out, fmt.Sprintf("%s +%s", m.say, at.Sub(t0).Round(10*time.Millisecond)))
			}
		}
	}
	return strings.Join(out, ", ")
}

func saveProfile(url, path string) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}
