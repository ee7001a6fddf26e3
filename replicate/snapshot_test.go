package replicate

import (
	"fmt"
	"testing"
)

// A member added after the leader compacted its log catches up by an
// installed snapshot (FSM.Restore through RestorePrefix), then by the log.
func TestCatchUpBySnapshot(t *testing.T) {
	dir1, dir2 := t.TempDir(), t.TempDir()
	c := testConfig("hub1", dir1, "127.0.0.1:0", true)
	c.TrailingLogs = 5
	c.TimeoutScale = clusterScale
	h1 := startHub(t, c, dir1)
	leader(t, h1)
	for i := range 200 {
		propose(t, h1, fmt.Sprintf("set k%d v%d", i, i))
	}
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
