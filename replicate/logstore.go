package replicate

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/hashicorp/raft"
)

// Key spaces this package owns in the shared database. A Machine's prefix
// must not overlap "raft/".
var (
	raftRoot     = []byte("raft/")
	logPrefix    = []byte("raft/log/")       // + 8-byte big-endian index
	stablePrefix = []byte("raft/stable/")    // + raft's key
	markerPrefix = []byte("raft/restoring/") // + a Machine's prefix
	// floorKey holds an index at or below the log's first entry: where
	// NewLogStore starts looking for it. Truncating the head leaves a
	// tombstone per entry until Badger compacts them away, and a seek from
	// index 0 reads every one of them (after a year of sales, the whole
	// log's tables, paged in at each start).
	floorKey = []byte("raft/floor")
)

// LogStore keeps raft's log and stable state in a synced Badger database,
// its own or (in tests and older layouts) shared with the state machine. It implements raft.LogStore and raft.StableStore
// (and says it is not a raft.MonotonicLogStore). Every write is synced
// before it returns.
type LogStore struct {
	db *badger.DB

	// mu serialises writers: raft appends from its main goroutine and
	// truncates from its snapshot goroutine.
	mu sync.Mutex
	// first and last cache the log's bounds, so FirstIndex and LastIndex
	// never iterate over the tombstones a truncation leaves behind.
	first, last atomic.Uint64
	floor       atomic.Uint64 // as stored under floorKey

	// observe, when set, receives the duration of each StoreLogs (fsync
	// included).
	observe func(time.Duration)
}

var (
	_ raft.LogStore          = (*LogStore)(nil)
	_ raft.StableStore       = (*LogStore)(nil)
	_ raft.MonotonicLogStore = (*LogStore)(nil)
)

// NewLogStore returns a LogStore over db. It reads the log's bounds once;
// afterwards it assumes it is the only writer under "raft/".
func NewLogStore(db *badger.DB) (*LogStore, error) {
	s := &LogStore{db: db}
	err := db.View(func(txn *badger.Txn) error {
		var floor uint64
		switch it, err := txn.Get(floorKey); {
		case err == nil:
			if err := it.Value(func(v []byte) error {
				if len(v) != 8 {
					return fmt.Errorf("replicate: malformed log floor %x", v)
				}
				floor = binary.BigEndian.Uint64(v)
				return nil
			}); err != nil {
				return err
			}
		case !errors.Is(err, badger.ErrKeyNotFound):
			return err
		}
		s.floor.Store(floor)
		first, err := seek(txn, logKey(floor), false)
		if err != nil {
			return err
		}
		last, err := seek(txn, logKey(^uint64(0)), true)
		s.first.Store(first)
		s.last.Store(last)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("replicate: read log bounds: %w", err)
	}
	return s, nil
}

func setFloor(txn *badger.Txn, i uint64) error {
	return txn.Set(floorKey, binary.BigEndian.AppendUint64(nil, i))
}

func logKey(i uint64) []byte {
	k := make([]byte, len(logPrefix)+8)
	copy(k, logPrefix)
	binary.BigEndian.PutUint64(k[len(logPrefix):], i)
	return k
}

// seek returns the index of the first log key at or after from (or, in
// reverse, at or before it); 0 when there is none.
func seek(txn *badger.Txn, from []byte, reverse bool) (uint64, error) {
	o := badger.DefaultIteratorOptions
	o.PrefetchValues = false
	o.Prefix = logPrefix
	o.Reverse = reverse
	it := txn.NewIterator(o)
	defer it.Close()
	it.Seek(from)
	if !it.Valid() {
		return 0, nil
	}
	k := it.Item().Key()
	if len(k) != len(logPrefix)+8 {
		return 0, fmt.Errorf("replicate: malformed log key %q", k)
	}
	return binary.BigEndian.Uint64(k[len(logPrefix):]), nil
}

// IsMonotonic is false: the store takes gaps (a follower that installs a
// snapshot beyond its log appends after the snapshot's index), so raft
// compacts up to the snapshot after installing one and keeps the entries
// after it. As a MonotonicLogStore raft (v1.8) would delete the whole log
// after every install while still believing it holds the entries it had
// received past the snapshot: a follower sent a second, older snapshot
// then panics with "log not found", and again on every start (found by the
// fault harness, hub/chaos; hashicorp/raft#697 describes it).
func (s *LogStore) IsMonotonic() bool { return false }

// FirstIndex returns the first index written, 0 for an empty log.
func (s *LogStore) FirstIndex() (uint64, error) { return s.first.Load(), nil }

// LastIndex returns the last index written, 0 for an empty log.
func (s *LogStore) LastIndex() (uint64, error) { return s.last.Load(), nil }

// GetLog reads the entry at index into l; raft.ErrLogNotFound if absent.
func (s *LogStore) GetLog(index uint64, l *raft.Log) error {
	return s.db.View(func(txn *badger.Txn) error {
		it, err := txn.Get(logKey(index))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return raft.ErrLogNotFound
		}
		if err != nil {
			return fmt.Errorf("replicate: get log %d: %w", index, err)
		}
		v, err := it.ValueCopy(nil)
		if err != nil {
			return fmt.Errorf("replicate: get log %d: %w", index, err)
		}
		if err := decodeLog(v, l); err != nil {
			return fmt.Errorf("replicate: log %d: %w", index, err)
		}
		l.Index = index
		return nil
	})
}

// StoreLog stores one entry.
func (s *LogStore) StoreLog(l *raft.Log) error { return s.StoreLogs([]*raft.Log{l}) }

// StoreLogs stores entries in one synced transaction. A batch too big for
// one Badger transaction is split and committed in index order, each part
// synced before the next: a crash keeps a contiguous prefix of the batch,
// which to raft is a follower that received fewer entries (none of the
// missing ones was acknowledged), so the log stays consistent.
func (s *LogStore) StoreLogs(logs []*raft.Log) error {
	if len(logs) == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return whileBlocked(func() error { return s.storeLogs(logs) })
}

func (s *LogStore) storeLogs(logs []*raft.Log) error {
	if len(logs) == 0 {
		return nil
	}
	start := time.Now()

	txn := s.db.NewTransaction(true)
	defer func() { txn.Discard() }()
	lowest := logs[0].Index
	for _, l := range logs {
		lowest = min(lowest, l.Index)
	}
	if lowest < s.floor.Load() {
		// Entries below the floor (an older snapshot installed after a
		// newer one): lower it with them, so a restart still finds them.
		if err := setFloor(txn, lowest); err != nil {
			return fmt.Errorf("replicate: lower the log's floor: %w", err)
		}
		defer func() { s.floor.Store(min(s.floor.Load(), lowest)) }()
	}
	from := 0 // logs[from:i] are in txn, not yet committed
	for i, l := range logs {
		k, v := logKey(l.Index), encodeLog(l)
		err := txn.Set(k, v)
		if isTxnTooBig(err) && i > from {
			if err := s.commitLogs(txn, logs[from:i]); err != nil {
				return err
			}
			txn, from = s.db.NewTransaction(true), i
			err = txn.Set(k, v)
		}
		if err != nil {
			return fmt.Errorf("replicate: store log %d: %w", l.Index, err)
		}
	}
	if err := s.commitLogs(txn, logs[from:]); err != nil {
		return err
	}
	if s.observe != nil {
		s.observe(time.Since(start))
	}
	return nil
}

// commitLogs commits txn holding logs and widens the cached bounds.
func (s *LogStore) commitLogs(txn *badger.Txn, logs []*raft.Log) error {
	if err := txn.Commit(); err != nil {
		return fmt.Errorf("replicate: store logs %d-%d: %w", logs[0].Index, logs[len(logs)-1].Index, err)
	}
	lo, hi := logs[0].Index, logs[0].Index
	for _, l := range logs {
		lo, hi = min(lo, l.Index), max(hi, l.Index)
	}
	if f := s.first.Load(); f == 0 || lo < f {
		s.first.Store(lo)
	}
	// raft appends after truncating any conflicting suffix, so the batch's
	// end is the new end.
	s.last.Store(max(hi, s.last.Load()))
	return nil
}

// DeleteRange deletes entries min..max inclusive. It deletes by key (no
// reads) in as many synced transactions as Badger's size limit needs, in
// the direction that keeps the log contiguous if it stops half way:
// forward when trimming the head (compaction), backward when trimming the
// tail (a follower dropping conflicting entries).
func (s *LogStore) DeleteRange(lo, hi uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return whileBlocked(func() error { return s.deleteRange(lo, hi) })
}

func (s *LogStore) deleteRange(lo, hi uint64) error {
	first, last := s.first.Load(), s.last.Load()
	if first == 0 || hi < first || lo > last {
		return nil
	}
	lo, hi = max(lo, first), min(hi, last)
	head := lo == first
	tail := hi == last && !head

	txn := s.db.NewTransaction(true)
	defer func() { txn.Discard() }()
	done := func() error { // commit and move the cached bound
		if err := txn.Commit(); err != nil {
			return fmt.Errorf("replicate: delete logs %d-%d: %w", lo, hi, err)
		}
		return nil
	}
	for n := uint64(0); n <= hi-lo; n++ {
		i := lo + n
		if tail {
			i = hi - n
		}
		err := txn.Delete(logKey(i))
		if isTxnTooBig(err) {
			if err := done(); err != nil {
				return err
			}
			// Keep the cached bounds true if a later part fails.
			if tail {
				s.last.Store(i)
			} else if head {
				s.first.Store(i)
			}
			txn = s.db.NewTransaction(true)
			err = txn.Delete(logKey(i))
		}
		if err != nil {
			return fmt.Errorf("replicate: delete log %d: %w", i, err)
		}
	}
	if err := done(); err != nil {
		return err
	}
	switch {
	case head && hi == last:
		s.first.Store(0)
		s.last.Store(0)
	case head:
		// The log may have a gap after hi (a snapshot installed past it):
		// the first entry is the next one there is.
		err := s.db.View(func(txn *badger.Txn) error {
			first, err := seek(txn, logKey(hi+1), false)
			s.first.Store(first)
			return err
		})
		if err != nil {
			return fmt.Errorf("replicate: find the log's first entry: %w", err)
		}
	case tail:
		s.last.Store(lo - 1)
	}
	if head {
		// Entries up to hi are gone: the next start looks from hi+1. Written
		// after the deletes, so a crash between leaves a lower floor, which
		// is only slower.
		err := s.db.Update(func(txn *badger.Txn) error { return setFloor(txn, hi+1) })
		if err != nil {
			return fmt.Errorf("replicate: record the log's floor: %w", err)
		}
		s.floor.Store(hi + 1)
	}
	return nil
}

// Set stores a stable key (raft's current term, last vote).
func (s *LogStore) Set(key, val []byte) error {
	err := whileBlocked(func() error {
		return s.db.Update(func(txn *badger.Txn) error {
			return txn.Set(stableKey(key), bytes.Clone(val))
		})
	})
	if err != nil {
		return fmt.Errorf("replicate: set %q: %w", key, err)
	}
	return nil
}

// Get returns a stable key's value; raft expects an error reading "not
// found" for a missing key.
func (s *LogStore) Get(key []byte) ([]byte, error) {
	var v []byte
	err := s.db.View(func(txn *badger.Txn) error {
		it, err := txn.Get(stableKey(key))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return errKeyNotFound
		}
		if err != nil {
			return err
		}
		v, err = it.ValueCopy(nil)
		return err
	})
	if errors.Is(err, errKeyNotFound) {
		return nil, errKeyNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("replicate: get %q: %w", key, err)
	}
	return v, nil
}

// SetUint64 stores a stable uint64.
func (s *LogStore) SetUint64(key []byte, val uint64) error {
	return s.Set(key, binary.BigEndian.AppendUint64(nil, val))
}

// GetUint64 reads a stable uint64.
func (s *LogStore) GetUint64(key []byte) (uint64, error) {
	v, err := s.Get(key)
	if err != nil {
		return 0, err
	}
	if len(v) != 8 {
		return 0, fmt.Errorf("replicate: stable %q holds %d bytes, want 8", key, len(v))
	}
	return binary.BigEndian.Uint64(v), nil
}

// blockedWait bounds how long a write waits for Badger to take writes
// again (Close blocks them for good).
var blockedWait = time.Minute

// whileBlocked retries op while Badger refuses writes for a moment. A
// snapshot restore drops the state's prefix with DropPrefix, which blocks
// every write to the database until it is done — raft's own too, which
// shares it — and raft panics when it cannot store its term (found by the
// fault harness: a follower sent a snapshot while the term changed died).
// op must be safe to repeat.
func whileBlocked(op func() error) error {
	deadline := time.Now().Add(blockedWait)
	for {
		err := op()
		if !errors.Is(err, badger.ErrBlockedWrites) || time.Now().After(deadline) {
			return err
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func stableKey(k []byte) []byte { return append(bytes.Clone(stablePrefix), k...) }

// The log encoding: a version byte, then term, type, AppendedAt, Data and
// Extensions. Index lives in the key. Varints keep a small entry small.
const logVersion = 1

func encodeLog(l *raft.Log) []byte {
	b := make([]byte, 0, 1+3*binary.MaxVarintLen64+1+len(l.Data)+len(l.Extensions)+4)
	b = append(b, logVersion)
	b = binary.AppendUvarint(b, l.Term)
	b = append(b, byte(l.Type))
	var at int64 // the zero time has no UnixNano; store 0 for it
	if !l.AppendedAt.IsZero() {
		at = l.AppendedAt.UnixNano()
	}
	b = binary.AppendVarint(b, at)
	b = binary.AppendUvarint(b, uint64(len(l.Data)))
	b = append(b, l.Data...)
	b = binary.AppendUvarint(b, uint64(len(l.Extensions)))
	return append(b, l.Extensions...)
}

var errBadLog = errors.New("malformed log entry")

// decodeLog fills l from b; Data and Extensions alias b.
func decodeLog(b []byte, l *raft.Log) error {
	if len(b) < 2 || b[0] != logVersion {
		return fmt.Errorf("%w: unknown encoding", errBadLog)
	}
	b = b[1:]
	term, n := binary.Uvarint(b)
	if n <= 0 || len(b) < n+1 {
		return errBadLog
	}
	typ := raft.LogType(b[n])
	b = b[n+1:]
	at, n := binary.Varint(b)
	if n <= 0 {
		return errBadLog
	}
	b = b[n:]
	data, b, ok := chunk(b)
	if !ok {
		return errBadLog
	}
	ext, b, ok := chunk(b)
	if !ok || len(b) != 0 {
		return errBadLog
	}
	*l = raft.Log{Term: term, Type: typ, Data: data, Extensions: ext}
	if at != 0 {
		l.AppendedAt = time.Unix(0, at)
	}
	return nil
}

// chunk reads a uvarint length and that many bytes (nil when empty).
func chunk(b []byte) (c, rest []byte, ok bool) {
	n, k := binary.Uvarint(b)
	if k <= 0 || uint64(len(b)-k) < n {
		return nil, nil, false
	}
	b = b[k:]
	if n == 0 {
		return nil, b, true
	}
	return b[:n:n], b[n:], true
}
