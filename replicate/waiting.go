package replicate

import (
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/raft"
)

// waiting wraps raft's network transport so that a leader notices at once
// when a hub that was down comes back.
//
// Raft backs off after every failed append or snapshot to a follower, up to
// ten seconds between tries, and that back-off only ends with a success. A
// hub that was off for an hour would wait up to ten seconds after its return
// before the leader tried it again. Here an append or snapshot that cannot
// even dial its hub waits instead, dialling every waitPoll, for as long as
// this hub is still the leader of the request's term and the hub is still
// a member; raft never sees the failure, so never backs off. Once the hub
// answers, an append goes out as it was (raft copes with an old request);
// a snapshot is refused once with errBack, so raft retries at once with its
// newest snapshot rather than one that may be hours old.
//
// Heartbeats and votes are not held: an election must not wait on a dead
// hub, and raft caps the heartbeat back-off itself.
type waiting struct {
	*raft.NetworkTransport
	dial func(raft.ServerAddress, time.Duration) (net.Conn, error)
	raft atomic.Pointer[raft.Raft] // set once raft runs

	once   sync.Once
	closed chan struct{}
}

// waitPoll is how often a held request dials its hub again.
const waitPoll = 200 * time.Millisecond

// errBack makes raft resend a snapshot to a hub that is back: the one it
// tried while the hub was down may be old.
var errBack = errors.New("replicate: the hub is reachable again; sending the newest snapshot")

func newWaiting(t *raft.NetworkTransport, dial func(raft.ServerAddress, time.Duration) (net.Conn, error)) *waiting {
	return &waiting{NetworkTransport: t, dial: dial, closed: make(chan struct{})}
}

func (w *waiting) AppendEntries(id raft.ServerID, target raft.ServerAddress, args *raft.AppendEntriesRequest, resp *raft.AppendEntriesResponse) error {
	err := w.NetworkTransport.AppendEntries(id, target, args, resp)
	if heartbeat(args) || !unreachable(err) || !w.await(id, target, args.Term) {
		return err
	}
	return w.NetworkTransport.AppendEntries(id, target, args, resp)
}

func (w *waiting) InstallSnapshot(id raft.ServerID, target raft.ServerAddress, args *raft.InstallSnapshotRequest, resp *raft.InstallSnapshotResponse, data io.Reader) error {
	err := w.NetworkTransport.InstallSnapshot(id, target, args, resp, data)
	if !unreachable(err) || !w.await(id, target, args.Term) {
		return err
	}
	return errBack
}

// Close stops every held request, then the transport.
func (w *waiting) Close() error {
	w.once.Do(func() { close(w.closed) })
	return w.NetworkTransport.Close()
}

// await holds until target can be dialled; false if it stopped being worth
// the wait first (closed, no longer leader of term, id no longer a member).
func (w *waiting) await(id raft.ServerID, target raft.ServerAddress, term uint64) bool {
	t := time.NewTicker(waitPoll)
	defer t.Stop()
	for {
		select {
		case <-w.closed:
			return false
		case <-t.C:
		}
		if !w.still(id, term) {
			return false
		}
		c, err := w.dial(target, waitPoll)
		if err == nil {
			c.Close()
			return true
		}
		if !unreachable(err) {
			return false
		}
	}
}

// heartbeat is raft's heartbeat request: nothing but the term and leader.
func heartbeat(a *raft.AppendEntriesRequest) bool {
	return a.PrevLogEntry == 0 && a.PrevLogTerm == 0 && len(a.Entries) == 0 && a.LeaderCommitIndex == 0
}

// unreachable says whether err is a failure to connect at all, as opposed
// to a hub that answered wrongly or a connection that broke.
func unreachable(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// still says whether a request for id on behalf of term is worth holding:
// this hub still leads in term and id is still a member.
func (w *waiting) still(id raft.ServerID, term uint64) bool {
	r := w.raft.Load()
	if r == nil {
		return true
	}
	if r.State() != raft.Leader || r.CurrentTerm() != term {
		return false
	}
	f := r.GetConfiguration()
	if f.Error() != nil {
		return false
	}
	for _, s := range f.Configuration().Servers {
		if s.ID == id {
			return true
		}
	}
	return false
}
