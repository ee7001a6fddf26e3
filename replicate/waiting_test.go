package replicate

import (
	"bytes"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/hashicorp/raft"
)

// freeAddr is a loopback address nothing listens on (yet).
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// leaderSide is a wrapped transport as a leader has it.
func leaderSide(t *testing.T) *waiting {
	t.Helper()
	s, err := newStream("127.0.0.1:0", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	w := newWaiting(raft.NewNetworkTransportWithConfig(&raft.NetworkTransportConfig{
		Stream: s, MaxPool: 1, Timeout: 5 * time.Second,
	}), s.Dial)
	t.Cleanup(func() { w.Close() })
	return w
}

// follower listens at addr and answers every RPC with success.
func follower(t *testing.T, addr string) *raft.NetworkTransport {
	t.Helper()
	s, err := newStream(addr, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	f := raft.NewNetworkTransportWithConfig(&raft.NetworkTransportConfig{Stream: s, MaxPool: 1, Timeout: 5 * time.Second})
	go func() {
		for rpc := range f.Consumer() {
			switch rpc.Command.(type) {
			case *raft.AppendEntriesRequest:
				rpc.Respond(&raft.AppendEntriesResponse{Term: 7, LastLog: 42, Success: true}, nil)
			case *raft.InstallSnapshotRequest:
				_, _ = io.Copy(io.Discard, rpc.Reader)
				rpc.Respond(&raft.InstallSnapshotResponse{Term: 7, Success: true}, nil)
			}
		}
	}()
	t.Cleanup(func() { f.Close() })
	return f
}

func TestAppendWaitsForHubToComeBack(t *testing.T) {
	w := leaderSide(t)
	addr := freeAddr(t)
	args := &raft.AppendEntriesRequest{Term: 7, PrevLogEntry: 41, PrevLogTerm: 7, LeaderCommitIndex: 41,
		Entries: []*raft.Log{{Index: 42, Term: 7, Type: raft.LogCommand, Data: []byte("sale")}}}
	var resp raft.AppendEntriesResponse
	done := make(chan error, 1)
	go func() { done <- w.AppendEntries("hub2", raft.ServerAddress(addr), args, &resp) }()

	// The hub is down: the append is held, not failed (a failure would
	// grow raft's back-off).
	select {
	case err := <-done:
		t.Fatalf("append to a hub that is down returned %v; want it held until the hub is back", err)
	case <-time.After(5 * waitPoll):
	}
	follower(t, addr)
	if err := <-done; err != nil {
		t.Fatalf("append once the hub is back: %v", err)
	}
	if !resp.Success || resp.LastLog != 42 {
		t.Fatalf("response = %+v, want the hub's answer", resp)
	}
}

func TestSnapshotToReturningHubIsResentFresh(t *testing.T) {
	w := leaderSide(t)
	addr := freeAddr(t)
	done := make(chan error, 1)
	go func() {
		var resp raft.InstallSnapshotResponse
		done <- w.InstallSnapshot("hub2", raft.ServerAddress(addr),
			&raft.InstallSnapshotRequest{Term: 7, LastLogIndex: 100, Size: 4}, &resp, bytes.NewReader([]byte("snap")))
	}()
	select {
	case err := <-done:
		t.Fatalf("snapshot to a hub that is down returned %v; want it held", err)
	case <-time.After(5 * waitPoll):
	}
	follower(t, addr)
	// The held snapshot may be old by now: raft is told to send its newest.
	if err := <-done; !errors.Is(err, errBack) {
		t.Fatalf("snapshot once the hub is back: %v, want errBack", err)
	}
	var resp raft.InstallSnapshotResponse
	if err := w.InstallSnapshot("hub2", raft.ServerAddress(addr), &raft.InstallSnapshotRequest{Term: 7, LastLogIndex: 200, Size: 4}, &resp, bytes.NewReader([]byte("snap"))); err != nil || !resp.Success {
		t.Fatalf("fresh snapshot: %v %+v", err, resp)
	}
}

func TestHeldAppendEndsOnClose(t *testing.T) {
	w := leaderSide(t)
	args := &raft.AppendEntriesRequest{Term: 7, PrevLogEntry: 1, PrevLogTerm: 7, LeaderCommitIndex: 1}
	done := make(chan error, 1)
	go func() {
		var resp raft.AppendEntriesResponse
		done <- w.AppendEntries("hub2", raft.ServerAddress(freeAddr(t)), args, &resp)
	}()
	time.Sleep(2 * waitPoll)
	w.Close()
	if err := <-done; !unreachable(err) {
		t.Fatalf("held append after Close: %v, want the dial error", err)
	}
}

func TestHeartbeatsAndVotesAreNotHeld(t *testing.T) {
	w := leaderSide(t)
	addr := raft.ServerAddress(freeAddr(t))
	var ae raft.AppendEntriesResponse
	if err := w.AppendEntries("hub2", addr, &raft.AppendEntriesRequest{Term: 7}, &ae); !unreachable(err) {
		t.Fatalf("heartbeat to a hub that is down: %v, want a dial error at once", err)
	}
	var rv raft.RequestVoteResponse
	if err := w.RequestVote("hub2", addr, &raft.RequestVoteRequest{Term: 8}, &rv); !unreachable(err) {
		t.Fatalf("vote request to a hub that is down: %v, want a dial error at once", err)
	}
	var pv raft.RequestPreVoteResponse
	if err := w.RequestPreVote("hub2", addr, &raft.RequestPreVoteRequest{Term: 8}, &pv); !unreachable(err) {
		t.Fatalf("pre-vote to a hub that is down: %v, want a dial error at once", err)
	}
}
