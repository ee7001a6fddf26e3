package replicate

import (
	"fmt"
	"testing"
	"time"
)

// shortLogLeader starts a one-voter shop that keeps 5 entries of log after
// a snapshot, and books n commands.
func shortLogLeader(t *testing.T, n int) *hub {
	dir := t.TempDir()
	c := testConfig("hub1", dir, "127.0.0.1:0", true)
	c.TrailingLogs = 5
	c.TimeoutScale = clusterScale
	h := startHub(t, c, dir)
	leader(t, h)
	for i := range n {
		propose(t, h, fmt.Sprintf("set k%d v%d", i, i))
	}
	return h
}

// A member added after the leader compacted its log catches up by an
// installed snapshot (FSM.Restore through RestorePrefix), then by the log.
func TestCatchUpBySnapshot(t *testing.T) {
	h1, dir2 := shortLogLeader(t, 200), t.TempDir()
	if err := h1.Snapshot(ctx(t)); err != nil {
		t.Fatal(err)
	}
	c2 := testConfig("hub2", dir2, "127.0.0.1:0", false)
	c2.TimeoutScale = clusterScale
	h2 := startHub(t, c2, dir2)
	// Grow safely: a non-voter catches up without weighing on the quorum,
	// then is promoted.
	hs := []*hub{h1, h2}
	onLeader(t, hs, func(l *hub) error { return l.AddNonvoter(ctx(t), "hub2", h2.Addr()) })
	last := proposeOn(t, hs, "set after 1")
	converged(t, last.Index, hs...)
	onLeader(t, hs, func(l *hub) error { return l.AddVoter(ctx(t), "hub2", h2.Addr()) })
	last = proposeOn(t, hs, "set after 2")
	converged(t, last.Index, hs...)
	if n := h2.m.restores.Load(); n != 1 {
		t.Fatalf("hub2 restored %d snapshots, want 1", n)
	}
	if n := h2.m.applies.Load(); n >= 200 {
		t.Fatalf("hub2 applied %d entries one by one; the snapshot should have carried them", n)
	}
}

// A hub that installed a snapshot and has no log past it does not write
// the same state again as a snapshot of its own. Raft asks it to: its
// check (last log index minus snapshot index) underflows on the empty log.
func TestNoSnapshotOfAnInstalledSnapshot(t *testing.T) {
	h1, dir2 := shortLogLeader(t, 50), t.TempDir()
	// hub2 becomes a member before it runs, and the leader's snapshot then
	// holds everything, the member change included, with the log before it
	// gone: hub2 gets the snapshot and no log after it.
	addr := freeAddr(t)
	if err := h1.AddNonvoter(ctx(t), "hub2", addr); err != nil {
		t.Fatal(err)
	}
	if err := h1.Snapshot(ctx(t)); err != nil {
		t.Fatal(err)
	}
	c2 := testConfig("hub2", dir2, addr, false)
	c2.TimeoutScale = clusterScale
	c2.SnapshotInterval = 20 * time.Millisecond
	c2.SnapshotThreshold = 10
	h2 := startHub(t, c2, dir2)
	eventually(t, "hub2 to install the snapshot", func() bool { return h2.m.restores.Load() >= 1 })
	// Raft checks every 20 ms (at random up to 40 ms); a second is ~30 checks.
	time.Sleep(time.Second)
	if n := h2.m.snapshots.Load(); n != 0 {
		t.Fatalf("hub2 wrote %d snapshots of the state it had just installed", n)
	}
	// Something new is snapshotted as usual.
	for i := range 20 {
		propose(t, h1, fmt.Sprintf("set after%d x", i))
	}
	eventually(t, "hub2 to snapshot new entries", func() bool { return h2.m.snapshots.Load() > 0 })
}
