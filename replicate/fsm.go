package replicate

import (
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/hashicorp/raft"
)

// Entry is one committed command as the domain sees it.
type Entry struct {
	Index, Term uint64
	Data        []byte
	// Follower is set when this hub applies the entry as a follower: no
	// proposer here waits for its result (raft answers proposals on the
	// leader only), so a Machine may skip building an answer nobody reads.
	Follower bool
}

// Machine is the replicated state machine. It keeps its state and its
// applied index in Badger, in one transaction per Apply.
type Machine interface {
	// Apply applies entries in order and returns one result per entry.
	// It must be deterministic and never panic: a rejected command is a
	// result, not a failure. When it returns, Applied must be the last
	// entry's index (rejections included); if its transaction failed,
	// Applied stays put and the Node stops (see Node.Done).
	Apply(entries []Entry) []any
	// Applied is the index of the last applied entry, as stored durably.
	Applied() uint64
	// Snapshot is called on the FSM goroutine between Apply calls; it must
	// capture a consistent view cheaply (see PrefixSnapshot).
	Snapshot() (Snapshot, error)
	// Restore replaces the whole state, applied index included.
	Restore(r io.Reader) error
}

// Snapshot is a captured state, written out later while Apply goes on.
type Snapshot interface {
	WriteTo(w io.Writer) (int64, error)
	Release()
}

// FSM adapts a Machine to raft. It implements raft.BatchingFSM: each batch
// of committed logs is one Machine.Apply, hence one Badger transaction.
//
// Raft replays its log from the last snapshot on start; the FSM skips every
// entry at or below Machine.Applied, so a restart applies nothing twice.
type FSM struct {
	m   Machine
	log *slog.Logger

	mu      sync.Mutex
	applied uint64        // highest index applied or skipped
	wake    chan struct{} // closed and replaced when applied grows
	snapped uint64        // applied when the newest snapshot was taken or restored

	// Optional hooks, set by Node.
	onFatal    func(error) // the Machine did not persist a batch
	onBatch    func(n int, took time.Duration)
	leading    func() bool // whether this hub leads; nil: assume it does
	onSnapshot func(time.Duration)
	onRestore  func(time.Duration)
}

var _ raft.BatchingFSM = (*FSM)(nil)

// NewFSM wraps m.
func NewFSM(m Machine, log *slog.Logger) *FSM {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &FSM{m: m, log: log, applied: m.Applied(), wake: make(chan struct{})}
}

// Applied is the index up to which the Machine's state is current.
func (f *FSM) Applied() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.applied
}

// changed returns a channel closed the next time Applied grows.
func (f *FSM) changed() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.wake
}

func (f *FSM) advance(i uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if i > f.applied {
		f.applied = i
		close(f.wake)
		f.wake = make(chan struct{})
	}
}

// set replaces the applied index after a restore, which may move it back.
func (f *FSM) set(i uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.applied, f.snapped = i, i
	close(f.wake)
	f.wake = make(chan struct{})
}

// Apply applies one log.
func (f *FSM) Apply(l *raft.Log) any { return f.ApplyBatch([]*raft.Log{l})[0] }

// ApplyBatch hands the batch's commands above Machine.Applied to one
// Machine.Apply. Other log types, and skipped entries, get nil results.
func (f *FSM) ApplyBatch(logs []*raft.Log) []any {
	res := make([]any, len(logs))
	if len(logs) == 0 {
		return res
	}
	done := f.m.Applied()
	follower := f.leading != nil && !f.leading()
	var (
		entries []Entry
		at      []int // position in logs of each entry
	)
	for i, l := range logs {
		if l.Type != raft.LogCommand || l.Index <= done {
			continue
		}
		entries = append(entries, Entry{Index: l.Index, Term: l.Term, Data: l.Data, Follower: follower})
		at = append(at, i)
	}
	if len(entries) > 0 {
		start := time.Now()
		out := f.m.Apply(entries)
		if len(out) != len(entries) {
			// A Machine bug; raft would panic on a short slice, so fill in
			// an error for each missing result and say so loudly.
			f.log.Error("machine returned wrong number of results", "entries", len(entries), "results", len(out))
		}
		for j, i := range at {
			if j < len(out) {
				res[i] = out[j]
			} else {
				res[i] = fmt.Errorf("replicate: machine returned no result for entry %d", entries[j].Index)
			}
		}
		if f.onBatch != nil {
			f.onBatch(len(entries), time.Since(start))
		}
		// A Machine that could not commit (a disk error) is behind raft,
		// and raft will not hand these entries over again. Going on would
		// build on a state that lacks them; stopping lets a restart replay
		// them from the durable applied index.
		if got, want := f.m.Applied(), entries[len(entries)-1].Index; got < want {
			err := fmt.Errorf("replicate: machine applied up to %d, want %d: its transaction did not commit", got, want)
			f.log.Error("state machine fell behind the log; stopping", "error", err)
			if f.onFatal != nil {
				f.onFatal(err)
			}
			f.advance(got)
			return res
		}
	}
	f.advance(logs[len(logs)-1].Index)
	return res
}

// Snapshot captures the Machine's state for raft.
//
// A state the newest snapshot already holds is not written again. Raft asks
// for exactly that right after installing a snapshot, while the log holds
// nothing past it: its check (last log index minus snapshot index)
// underflows, and the hub would write its whole state a second time.
func (f *FSM) Snapshot() (raft.FSMSnapshot, error) {
	f.mu.Lock()
	at, same := f.applied, f.applied <= f.snapped
	f.mu.Unlock()
	if same {
		return nil, raft.ErrNothingNewToSnapshot // raft wants it unwrapped
	}
	s, err := f.m.Snapshot()
	if err != nil {
		return nil, fmt.Errorf("replicate: snapshot: %w", err)
	}
	return &fsmSnapshot{s: s, observe: f.onSnapshot, stored: func() { f.stored(at) }}, nil
}

// stored notes that a snapshot holding everything up to i was written.
func (f *FSM) stored(i uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.snapped = max(f.snapped, i)
}

// Restore replaces the Machine's state with a snapshot's.
func (f *FSM) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	start := time.Now()
	if err := f.m.Restore(rc); err != nil {
		return fmt.Errorf("replicate: restore: %w", err)
	}
	f.set(f.m.Applied())
	if f.onRestore != nil {
		f.onRestore(time.Since(start))
	}
	f.log.Info("state restored from snapshot", "applied", f.m.Applied(), "took", time.Since(start))
	return nil
}

type fsmSnapshot struct {
	s       Snapshot
	observe func(time.Duration)
	stored  func()
}

func (s *fsmSnapshot) Persist(sink raft.SnapshotSink) error {
	start := time.Now()
	if _, err := s.s.WriteTo(sink); err != nil {
		sink.Cancel()
		return fmt.Errorf("replicate: write snapshot: %w", err)
	}
	if err := sink.Close(); err != nil {
		return fmt.Errorf("replicate: close snapshot: %w", err)
	}
	s.stored()
	if s.observe != nil {
		s.observe(time.Since(start))
	}
	return nil
}

func (s *fsmSnapshot) Release() { s.s.Release() }
