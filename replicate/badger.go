package replicate

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
)

// Profile picks Badger's memory and file sizes for the machine a hub runs on.
// The zero value is SmallBoard, the safe choice for an unknown box.
type Profile int

const (
	// SmallBoard fits a Raspberry Pi with 1 GB: a hub holding 50k items and
	// 1M journal entries should stay near 100 MB RSS. Memtables, caches and
	// value-log files are small; writes stall sooner instead of buffering.
	SmallBoard Profile = iota
	// Laptop uses Badger's defaults (64 MB memtables, 256 MB block cache),
	// for development machines and big boards.
	Laptop
)

func (p Profile) String() string {
	switch p {
	case SmallBoard:
		return "small-board"
	case Laptop:
		return "laptop"
	}
	return fmt.Sprintf("Profile(%d)", int(p))
}

// StateOptions are for the state machine's database when raft's log lives
// in a database of its own (Config.LogDB, opened with LogOptions).
//
// Its writes are not synced: every command is durable in raft's log before
// it is applied, and the state keeps its applied index in the same
// transaction, so a killed process loses nothing (the kernel keeps Badger's
// pages) and comes back at most behind, which raft's log (or its newest
// snapshot, see Start) brings forward. A power cut may leave worse — a gap
// where a memtable rotated out unsynced, a value-log pointer whose value was
// lost — so the hub rebuilds the whole state from raft after one (see the
// kasse command's statetrust.go).
//
// Tools (a backup, a restore, verify) open the state with them too, so
// they read the data exactly as the hub does.
func (p Profile) StateOptions(dir string, log *slog.Logger) badger.Options {
	return p.base(dir, log).WithSyncWrites(false)
}

// LogOptions are for raft's log and stable state, and for the few records a
// hub keeps for itself that must survive a power cut (what a printer has
// printed): every write is synced before Commit returns.
func (p Profile) LogOptions(dir string, log *slog.Logger) badger.Options {
	o := p.base(dir, log).WithSyncWrites(true)
	if p == Laptop {
		return o
	}
	// The log is short (compacted after each snapshot): small memtables.
	return o.WithMemTableSize(4 << 20).WithBlockCacheSize(2 << 20).WithIndexCacheSize(2 << 20)
}

// base is what both databases share.
func (p Profile) base(dir string, log *slog.Logger) badger.Options {
	o := badger.DefaultOptions(dir).
		WithLogger(badgerLog{log: badgerLogger(log)}).
		// One write path (Raft) and one applier goroutine: there is nothing
		// for conflict detection to find, and its read sets cost memory.
		WithDetectConflicts(false).
		// Badger's expvar metrics are global to the process; we export our own.
		WithMetricsEnabled(false)
	if p == Laptop {
		return o
	}
	// Each memtable's arena is MemTableSize plus the biggest batch (15 % of
	// it), so two 8 MB memtables cost ~20 MB. A transaction may hold up to
	// 1.2 MB (15 % of the memtable); StoreLogs splits past that.
	return o.
		WithMemTableSize(8 << 20).
		WithNumMemtables(2).
		WithNumLevelZeroTables(3).
		WithNumLevelZeroTablesStall(8).
		WithBaseTableSize(2 << 20).
		WithBaseLevelSize(8 << 20).
		WithNumCompactors(2). // Badger needs two: one is reserved for L0.
		WithNumGoroutines(2).
		// Snappy blocks need a block cache; 8 MB holds the hot catalog.
		WithCompression(options.Snappy).
		WithBlockCacheSize(8 << 20).
		// Bound table indexes and bloom filters instead of keeping all of
		// them (they grow with the journal) on the heap.
		WithIndexCacheSize(8 << 20).
		// Values of 1 KB and more (big commands, receipts) go to the value
		// log, which keeps the LSM tree and its indexes small; value-log GC
		// (RunGC) reclaims what truncated Raft logs leave behind.
		WithValueThreshold(1 << 10).
		WithValueLogFileSize(64 << 20)
}

// Open opens (or creates) the state's database in dir, tuned for p
// (StateOptions: unsynced, for use with a separate log database), with
// Badger's own logging routed to log at debug level (warnings and errors
// keep their level).
func Open(dir string, p Profile, log *slog.Logger) (*badger.DB, error) {
	return open(p.StateOptions(dir, log), log)
}

// OpenLog opens (or creates) the database for raft's log in dir
// (LogOptions: synced).
func OpenLog(dir string, p Profile, log *slog.Logger) (*badger.DB, error) {
	return open(p.LogOptions(dir, log), log)
}

// OpenReadOnly opens a stopped hub's state in dir for reading, as tools
// do (verify, export, backup). It too removes the empty files a crash
// leaves (see dropEmptyFiles), but only while no other process has the
// database open: a running hub keeps its files, and the open then fails
// on Badger's directory lock.
func OpenReadOnly(dir string, p Profile, log *slog.Logger) (*badger.DB, error) {
	return open(p.StateOptions(dir, log).WithReadOnly(true), log)
}

func open(o badger.Options, log *slog.Logger) (*badger.DB, error) {
	if err := dropEmptyFiles(o.Dir, log); err != nil {
		return nil, fmt.Errorf("replicate: open badger in %s: %w", o.Dir, err)
	}
	db, err := badger.Open(o)
	if err != nil {
		return nil, fmt.Errorf("replicate: open badger in %s: %w", o.Dir, err)
	}
	return db, nil
}

// RunGC runs value-log garbage collection every interval until ctx ends.
// Cancel ctx before closing db. One pass rewrites files while at least half
// of a file is garbage.
func RunGC(ctx context.Context, db *badger.DB, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		// ErrNoRewrite (nothing worth it), ErrRejected (closed, or a GC
		// already runs) and anything else all mean: try next tick.
		for ctx.Err() == nil && db.RunValueLogGC(0.5) == nil {
		}
	}
}

func badgerLogger(l *slog.Logger) *slog.Logger {
	if l == nil {
		l = slog.New(slog.DiscardHandler)
	}
	return l.With("component", "badger")
}

// badgerLog routes Badger's printf logging to slog. Badger reports every
// compaction and flush at info; those are debug for a shop.
type badgerLog struct{ log *slog.Logger }

func (b badgerLog) Errorf(f string, a ...any)   { b.log.Error(trim(f, a)) }
func (b badgerLog) Warningf(f string, a ...any) { b.log.Warn(trim(f, a)) }
func (b badgerLog) Infof(f string, a ...any)    { b.log.Debug(trim(f, a)) }
func (b badgerLog) Debugf(f string, a ...any)   {}

func trim(f string, a []any) string {
	s := fmt.Sprintf(f, a...)
	for len(s) > 0 && (s[len(s)-1] == '\n' || s[len(s)-1] == ' ') {
		s = s[:len(s)-1]
	}
	return s
}

// isTxnTooBig reports Badger's per-transaction size limit.
func isTxnTooBig(err error) bool { return errors.Is(err, badger.ErrTxnTooBig) }

// dropEmptyFiles removes memtable and value-log files of length zero from
// dir. Badger creates such a file and then sizes it (a value-log file
// starts with a 20-byte header); a process killed between the two leaves
// an empty file that holds nothing, and Badger refuses to open the
// database over it ("... err: Create a new file"), so the hub would not
// start again. Both were seen under the fault harness; Badger knows it as
// dgraph-io/badger#2207.
//
// It holds Badger's directory lock meanwhile and does nothing when another
// process holds it: a running hub's new file is empty only for a moment, and
// is not ours to remove.
func dropEmptyFiles(dir string, log *slog.Logger) error {
	d, err := os.Open(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // a new database
	}
	if err != nil {
		return err
	}
	defer d.Close() // releases the lock
	if err := syscall.Flock(int(d.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return nil // in use: Badger's own lock reports it
	}
	for _, ext := range []string{"*.mem", "*.vlog"} {
		files, err := filepath.Glob(filepath.Join(dir, ext))
		if err != nil {
			return err
		}
		for _, f := range files {
			fi, err := os.Stat(f)
			if err != nil || fi.Size() != 0 {
				continue
			}
			if err := os.Remove(f); err != nil {
				return fmt.Errorf("remove an empty file left by a crash: %w", err)
			}
			if log != nil {
				log.Warn("removed an empty Badger file left by a crash", "file", f)
			}
		}
	}
	return nil
}
