package replicate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/hashicorp/raft"
	"github.com/prometheus/client_golang/prometheus"
)

// Result is what a committed proposal produced.
type Result struct {
	Index uint64 // the command's log index; pass it to WaitApplied elsewhere
	Value any    // the Machine's result for the command
}

// Node is one hub's raft member: log and state in one Badger database,
// snapshots in Config.Dir, traffic over TCP.
type Node struct {
	id    string
	raft  *raft.Raft
	fsm   *FSM
	trans *waiting
	log   *slog.Logger
	met   *metrics
	reg   prometheus.Registerer

	ready    chan struct{} // closed once raft is set
	stop     chan struct{} // closed by Shutdown
	stopOnce sync.Once
	stopErr  error

	mu    sync.Mutex
	fatal error // why the node stopped itself
}

// Start opens raft on db for Machine m and returns once raft runs; it does
// not wait for a leader. With cfg.Bootstrap and no existing state, the node
// makes itself a one-voter cluster. Metrics go to reg (nil: none); ctx
// bounds the start-up only.
func Start(ctx context.Context, cfg Config, db *badger.DB, m Machine, log *slog.Logger, reg prometheus.Registerer) (*Node, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("component", "replicate", "node", cfg.ID)
	hl := newHlog(log, "raft")
	n := &Node{id: cfg.ID, fsm: NewFSM(m, log), log: log, reg: reg, ready: make(chan struct{}), stop: make(chan struct{})}
	n.met = newMetrics(n)
	n.fsm.onBatch = func(k int, took time.Duration) {
		n.met.batch.Observe(float64(k))
		n.met.apply.Observe(took.Seconds())
	}
	n.fsm.onFatal = func(err error) {
		n.mu.Lock()
		n.fatal = err
		n.mu.Unlock()
		go func() { // not on the FSM goroutine: Shutdown waits for it
			<-n.ready
			n.Shutdown()
		}()
	}
	n.fsm.leading = func() bool {
		r := n.trans.raft.Load() // nil while raft starts: assume leading
		return r == nil || r.State() == raft.Leader
	}
	n.fsm.onSnapshot = seconds(n.met.snapshot)
	n.fsm.onRestore = seconds(n.met.restore)

	logDB := cfg.LogDB
	if logDB == nil {
		logDB = db
	}
	store, err := NewLogStore(logDB)
	if err != nil {
		return nil, err
	}
	store.observe = seconds(n.met.storeLogs)
	// Recent entries stay in memory for replication to followers.
	logs, err := raft.NewLogCache(4*cfg.MaxAppendEntries, store)
	if err != nil {
		return nil, fmt.Errorf("replicate: log cache: %w", err)
	}
	snaps, err := raft.NewFileSnapshotStoreWithLogger(cfg.Dir, 2, hl)
	if err != nil {
		return nil, fmt.Errorf("replicate: snapshot store in %s: %w", cfg.Dir, err)
	}
	restore, err := restoreOnStart(db, snaps, logs, m.Applied())
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	sl := cfg.Stream
	if sl == nil {
		if sl, err = newStream(cfg.Bind, cfg.Advertise, cfg.TLS); err != nil {
			return nil, err
		}
	}
	if len(cfg.DialVia) > 0 {
		sl = relayed{sl, cfg.DialVia}
	}
	n.trans = newWaiting(raft.NewNetworkTransportWithConfig(&raft.NetworkTransportConfig{
		Stream:  sl,
		MaxPool: 3,
		// One AppendEntries in flight per follower: raft's pipelined
		// replication can deadlock when a follower refuses an append (after
		// a partition or a hub that lost its data): the decoder stops, the
		// sender parks on a full queue, that follower gets no more entries
		// and Shutdown never returns. Seen under the fault harness
		// (hub/chaos); the same deadlock is described in grafana/pyroscope#5518.
		MaxRPCsInFlight: 1,
		Timeout:         cfg.scaled(10 * time.Second),
		Logger:          hl,
	}), sl.Dial)
	fail := func(err error) (*Node, error) {
		if n.raft != nil {
			n.raft.Shutdown().Error()
		}
		n.trans.Close()
		return nil, err
	}

	rc := cfg.raftConfig()
	rc.Logger = hl
	// The Machine keeps its state and applied index in Badger, so raft must
	// not restore the snapshot on every start (that would rewrite the whole
	// state); only when the state is behind the snapshot or torn.
	rc.NoSnapshotRestoreOnStart = !restore
	if restore {
		log.Warn("state is behind the newest snapshot or a restore was interrupted: restoring on start")
	}

	if cfg.Bootstrap {
		has, err := raft.HasExistingState(logs, store, snaps)
		if err != nil {
			return fail(fmt.Errorf("replicate: check existing state: %w", err))
		}
		if !has {
			c := raft.Configuration{Servers: []raft.Server{{ID: rc.LocalID, Address: n.trans.LocalAddr()}}}
			if err := raft.BootstrapCluster(rc, logs, store, snaps, n.trans, c); err != nil {
				return fail(fmt.Errorf("replicate: bootstrap: %w", err))
			}
			log.Info("bootstrapped a one-voter cluster", "addr", n.trans.LocalAddr())
		}
	}

	if n.raft, err = raft.NewRaft(rc, n.fsm, logs, store, snaps, n.trans); err != nil {
		return fail(fmt.Errorf("replicate: start raft: %w", err))
	}
	n.trans.raft.Store(n.raft)
	close(n.ready)
	if err := n.met.register(reg); err != nil {
		return fail(fmt.Errorf("replicate: register metrics: %w", err))
	}
	log.Info("raft started", "addr", n.trans.LocalAddr(), "applied", m.Applied(), "restore", restore)
	return n, nil
}

// restoreOnStart decides whether raft must restore its newest snapshot on
// start: when a restore was torn, or when the Machine's state is behind the
// snapshot by a command (raft resumes after the snapshot, so that command
// would be lost). No-op and configuration entries are not applied by the
// Machine, so a gap made only of them does not count.
func restoreOnStart(db *badger.DB, snaps raft.SnapshotStore, logs raft.LogStore, applied uint64) (bool, error) {
	torn, err := tornRestores(db)
	if err != nil {
		return false, fmt.Errorf("replicate: look for torn restores: %w", err)
	}
	list, err := snaps.List()
	if err != nil {
		return false, fmt.Errorf("replicate: list snapshots: %w", err)
	}
	if len(torn) > 0 {
		if len(list) == 0 {
			return false, fmt.Errorf("%w (prefixes %q) and there is no snapshot to restore from: rebuild this hub's data directory and rejoin", ErrTornRestore, torn)
		}
		return true, nil
	}
	if len(list) == 0 || list[0].Index <= applied {
		return false, nil
	}
	if list[0].Index-applied > 1024 {
		return true, nil
	}
	for i := applied + 1; i <= list[0].Index; i++ {
		var l raft.Log
		if err := logs.GetLog(i, &l); err != nil || l.Type == raft.LogCommand {
			return true, nil
		}
	}
	return false, nil
}

// Propose commits data as a command and returns the Machine's result. It
// fails with ErrNotLeader or ErrNoLeader on a follower. When ctx ends first
// it returns ErrTimeout; the command may still commit later.
// Data must not be changed afterwards.
func (n *Node) Propose(ctx context.Context, data []byte) (Result, error) {
	if err := n.leading(); err != nil {
		return Result{}, err
	}
	n.met.inFlight.Inc()
	defer n.met.inFlight.Dec()
	start := time.Now()
	t, err := timeout(ctx)
	if err != nil {
		return Result{}, err
	}
	f := n.raft.Apply(data, t)
	if err := wait(ctx, f); err != nil {
		return Result{}, fmt.Errorf("replicate: propose: %w", err)
	}
	n.met.propose.Observe(time.Since(start).Seconds())
	return Result{Index: f.Index(), Value: f.Response()}, nil
}

// WaitApplied waits until this node's state includes index. Use it to read
// your own write on any node: pass the Result.Index of a command.
func (n *Node) WaitApplied(ctx context.Context, index uint64) error {
	for {
		ch := n.fsm.changed()
		at := n.fsm.Applied()
		if at >= index {
			return nil
		}
		select {
		case <-ch:
		case <-n.stop:
			return ErrShutdown
		case <-ctx.Done():
			return fmt.Errorf("%w: applied %d, waiting for %d: %w", ErrTimeout, at, index, ctx.Err())
		}
	}
}

// Applied is the index this node's state includes.
func (n *Node) Applied() uint64 { return n.fsm.Applied() }

// Barrier waits until everything committed before it is applied here; on
// a new leader that makes local reads current. Leader only.
func (n *Node) Barrier(ctx context.Context) error {
	t, err := timeout(ctx)
	if err != nil {
		return err
	}
	if err := wait(ctx, n.raft.Barrier(t)); err != nil {
		return fmt.Errorf("replicate: barrier: %w", err)
	}
	return nil
}

// IsLeader reports whether this node leads now.
func (n *Node) IsLeader() bool { return n.raft.State() == raft.Leader }

// Leader returns the leader's ID and address; empty when none is known.
func (n *Node) Leader() (id, addr string) {
	a, i := n.raft.LeaderWithID()
	return string(i), string(a)
}

// State is raft's state: Follower, Candidate, Leader or Shutdown.
func (n *Node) State() raft.RaftState { return n.raft.State() }

// Stats are raft's counters, for diagnostics.
func (n *Node) Stats() map[string]string { return n.raft.Stats() }

// Addr is the address other nodes reach this one at.
func (n *Node) Addr() string { return string(n.trans.LocalAddr()) }

// AddVoter adds (or promotes) a voting member. Leader only. Prefer adding a
// non-voter and promoting it once it has caught up.
func (n *Node) AddVoter(ctx context.Context, id, addr string) error {
	return n.change(ctx, "add voter "+id, func(t time.Duration) raft.Future {
		return n.raft.AddVoter(raft.ServerID(id), raft.ServerAddress(addr), 0, t)
	})
}

// AddNonvoter adds a member that receives the log but does not vote.
func (n *Node) AddNonvoter(ctx context.Context, id, addr string) error {
	return n.change(ctx, "add nonvoter "+id, func(t time.Duration) raft.Future {
		return n.raft.AddNonvoter(raft.ServerID(id), raft.ServerAddress(addr), 0, t)
	})
}

// RemoveServer removes a member. Leader only.
func (n *Node) RemoveServer(ctx context.Context, id string) error {
	return n.change(ctx, "remove "+id, func(t time.Duration) raft.Future {
		return n.raft.RemoveServer(raft.ServerID(id), 0, t)
	})
}

// Snapshot takes a snapshot now and compacts the log. When the newest
// snapshot already holds the whole state, there is nothing to do.
func (n *Node) Snapshot(ctx context.Context) error {
	if err := wait(ctx, n.raft.Snapshot()); err != nil && !errors.Is(err, raft.ErrNothingNewToSnapshot) {
		return fmt.Errorf("replicate: snapshot: %w", err)
	}
	return nil
}

func (n *Node) change(ctx context.Context, what string, do func(time.Duration) raft.Future) error {
	t, err := timeout(ctx)
	if err != nil {
		return err
	}
	if err := wait(ctx, do(t)); err != nil {
		return fmt.Errorf("replicate: %s: %w", what, err)
	}
	return nil
}

// Shutdown stops raft and closes the transport; it does not close the
// database. Calling it again returns the first result.
func (n *Node) Shutdown() error {
	n.stopOnce.Do(func() {
		close(n.stop)
		if err := n.raft.Shutdown().Error(); err != nil {
			n.stopErr = fmt.Errorf("replicate: shutdown: %w", translate(err))
		}
		if err := n.trans.Close(); err != nil && n.stopErr == nil {
			n.stopErr = fmt.Errorf("replicate: close transport: %w", err)
		}
		n.met.unregister(n.reg)
		n.log.Info("raft stopped")
	})
	return n.stopErr
}

// Done is closed when the node has stopped: by Shutdown, or by itself when
// the Machine failed to persist a batch (then Err says why, and the hub
// should exit and restart to replay from its durable applied index).
func (n *Node) Done() <-chan struct{} { return n.stop }

// Err is why the node stopped itself; nil while it runs or after a plain
// Shutdown.
func (n *Node) Err() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.fatal
}

// leading says why this node cannot take a proposal, if it cannot.
func (n *Node) leading() error {
	select {
	case <-n.stop: // stopping: raft may still say Leader for a moment
		return ErrShutdown
	default:
	}
	switch n.raft.State() {
	case raft.Leader:
		return nil
	case raft.Shutdown:
		return ErrShutdown
	}
	if id, addr := n.Leader(); addr != "" {
		return fmt.Errorf("%w: the leader is %s at %s", ErrNotLeader, id, addr)
	}
	return ErrNoLeader
}

// timeout turns ctx's deadline into raft's enqueue timeout (0: none).
func timeout(ctx context.Context) (time.Duration, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("%w: %w", ErrTimeout, err)
	}
	dl, ok := ctx.Deadline()
	if !ok {
		return 0, nil
	}
	return max(time.Until(dl), time.Millisecond), nil
}

// wait waits for f or ctx. Raft always completes a future (on commit, lost
// leadership or shutdown), so the helper goroutine never outlives raft.
func wait(ctx context.Context, f raft.Future) error {
	if ctx.Done() == nil {
		return translate(f.Error())
	}
	done := make(chan error, 1)
	go func() { done <- f.Error() }()
	select {
	case err := <-done:
		return translate(err)
	case <-ctx.Done():
		return fmt.Errorf("%w: %w", ErrTimeout, ctx.Err())
	}
}
