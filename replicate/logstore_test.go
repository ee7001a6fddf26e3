package replicate

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/hashicorp/raft"
)

func openDB(t testing.TB, dir string) *badger.DB {
	t.Helper()
	db, err := OpenLog(dir, SmallBoard, nil)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func newStore(t testing.TB, db *badger.DB) *LogStore {
	t.Helper()
	s, err := NewLogStore(db)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mkLog(i uint64, size int) *raft.Log {
	return &raft.Log{
		Index:      i,
		Term:       i/10 + 1,
		Type:       raft.LogCommand,
		Data:       bytes.Repeat([]byte{byte(i)}, size),
		Extensions: []byte(fmt.Sprintf("ext%d", i)),
		AppendedAt: time.Unix(1700000000, int64(i)).UTC(),
	}
}

func mkLogs(lo, hi uint64, size int) []*raft.Log {
	var ls []*raft.Log
	for i := lo; i <= hi; i++ {
		ls = append(ls, mkLog(i, size))
	}
	return ls
}

func bounds(t *testing.T, s *LogStore) (uint64, uint64) {
	t.Helper()
	f, err := s.FirstIndex()
	if err != nil {
		t.Fatal(err)
	}
	l, err := s.LastIndex()
	if err != nil {
		t.Fatal(err)
	}
	return f, l
}

func wantBounds(t *testing.T, s *LogStore, first, last uint64) {
	t.Helper()
	if f, l := bounds(t, s); f != first || l != last {
		t.Fatalf("bounds = %d..%d, want %d..%d", f, l, first, last)
	}
}

func wantLog(t *testing.T, s *LogStore, want *raft.Log) {
	t.Helper()
	var got raft.Log
	if err := s.GetLog(want.Index, &got); err != nil {
		t.Fatalf("GetLog(%d): %v", want.Index, err)
	}
	if got.Index != want.Index || got.Term != want.Term || got.Type != want.Type ||
		!bytes.Equal(got.Data, want.Data) || !bytes.Equal(got.Extensions, want.Extensions) ||
		!got.AppendedAt.Equal(want.AppendedAt) {
		t.Fatalf("GetLog(%d) = %+v, want %+v", want.Index, got, *want)
	}
}

func wantMissing(t *testing.T, s *LogStore, i uint64) {
	t.Helper()
	var l raft.Log
	if err := s.GetLog(i, &l); !errors.Is(err, raft.ErrLogNotFound) {
		t.Fatalf("GetLog(%d) = %v, want ErrLogNotFound", i, err)
	}
}

func TestLogStore(t *testing.T) {
	dir := t.TempDir()
	db := openDB(t, dir)
	s := newStore(t, db)

	wantBounds(t, s, 0, 0)
	wantMissing(t, s, 1)
	if err := s.DeleteRange(1, 10); err != nil { // empty store: nothing to do
		t.Fatal(err)
	}

	if err := s.StoreLog(mkLog(1, 10)); err != nil {
		t.Fatal(err)
	}
	if err := s.StoreLogs(mkLogs(2, 100, 10)); err != nil {
		t.Fatal(err)
	}
	wantBounds(t, s, 1, 100)
	for _, l := range mkLogs(1, 100, 10) {
		wantLog(t, s, l)
	}
	wantMissing(t, s, 101)

	// Compaction trims the head, a follower's conflict trims the tail.
	if err := s.DeleteRange(1, 10); err != nil {
		t.Fatal(err)
	}
	wantBounds(t, s, 11, 100)
	wantMissing(t, s, 10)
	wantLog(t, s, mkLog(11, 10))
	if err := s.DeleteRange(90, 1<<40); err != nil {
		t.Fatal(err)
	}
	wantBounds(t, s, 11, 89)
	wantMissing(t, s, 90)

	// The bounds come back from disk after a restart.
	db.Close()
	db = openDB(t, dir)
	defer db.Close()
	s = newStore(t, db)
	wantBounds(t, s, 11, 89)
	wantLog(t, s, mkLog(50, 10))

	// Delete everything, as raft does after restoring a snapshot.
	if err := s.DeleteRange(0, 1<<62); err != nil {
		t.Fatal(err)
	}
	wantBounds(t, s, 0, 0)
	if err := s.StoreLogs(mkLogs(500, 510, 0)); err != nil {
		t.Fatal(err)
	}
	wantBounds(t, s, 500, 510)
	wantLog(t, s, mkLog(505, 0))
}

// A batch over Badger's transaction limit is split; deletes of large ranges
// span many transactions.
func TestLogStoreLarge(t *testing.T) {
	db := openDB(t, t.TempDir())
	defer db.Close()
	s := newStore(t, db)

	big := mkLogs(1, 2000, 900) // ~1.8 MB, over the 1.2 MB SmallBoard limit
	if err := s.StoreLogs(big); err != nil {
		t.Fatal(err)
	}
	wantBounds(t, s, 1, 2000)
	wantLog(t, s, big[0])
	wantLog(t, s, big[1999])

	for i := uint64(2001); i <= 30000; i += 2000 {
		if err := s.StoreLogs(mkLogs(i, i+1999, 1)); err != nil {
			t.Fatal(err)
		}
	}
	wantBounds(t, s, 1, 30000)
	// ~12k deletes fit one SmallBoard transaction: these take several.
	if err := s.DeleteRange(1, 28000); err != nil {
		t.Fatal(err)
	}
	wantBounds(t, s, 28001, 30000)
	wantMissing(t, s, 28000)
	wantLog(t, s, mkLog(28001, 1))
	if err := s.DeleteRange(28100, 30000); err != nil {
		t.Fatal(err)
	}
	wantBounds(t, s, 28001, 28099)
	wantMissing(t, s, 28100)

	s2 := newStore(t, db) // the cached bounds match what is on disk
	wantBounds(t, s2, 28001, 28099)
}

func TestStableStore(t *testing.T) {
	dir := t.TempDir()
	db := openDB(t, dir)
	s := newStore(t, db)

	// raft recognises a missing key by this exact text.
	if _, err := s.Get([]byte("CurrentTerm")); err == nil || err.Error() != "not found" {
		t.Fatalf("Get(missing) err = %v, want \"not found\"", err)
	}
	if _, err := s.GetUint64([]byte("CurrentTerm")); err == nil || err.Error() != "not found" {
		t.Fatalf("GetUint64(missing) err = %v, want \"not found\"", err)
	}
	if err := s.Set([]byte("LastVoteCand"), []byte("hub-2")); err != nil {
		t.Fatal(err)
	}
	if err := s.SetUint64([]byte("CurrentTerm"), 42); err != nil {
		t.Fatal(err)
	}
	db.Close() // a process kill: SyncWrites made both durable

	db = openDB(t, dir)
	defer db.Close()
	s = newStore(t, db)
	if v, err := s.Get([]byte("LastVoteCand")); err != nil || string(v) != "hub-2" {
		t.Fatalf("Get = %q, %v", v, err)
	}
	if v, err := s.GetUint64([]byte("CurrentTerm")); err != nil || v != 42 {
		t.Fatalf("GetUint64 = %d, %v", v, err)
	}
	// Stable keys do not show up as log entries.
	wantBounds(t, s, 0, 0)
}

func TestLogEncoding(t *testing.T) {
	for _, l := range []*raft.Log{
		{Term: 1, Type: raft.LogNoop},
		{Term: 1 << 60, Type: raft.LogConfiguration, Data: []byte{0}, Extensions: []byte("x")},
		mkLog(7, 300),
	} {
		var got raft.Log
		if err := decodeLog(encodeLog(l), &got); err != nil {
			t.Fatal(err)
		}
		if got.Term != l.Term || got.Type != l.Type || !bytes.Equal(got.Data, l.Data) ||
			!bytes.Equal(got.Extensions, l.Extensions) || !got.AppendedAt.Equal(l.AppendedAt) {
			t.Fatalf("round trip: got %+v, want %+v", got, *l)
		}
	}
	b := encodeLog(mkLog(7, 300))
	for _, cut := range []int{0, 1, 5, len(b) - 1} {
		var l raft.Log
		if err := decodeLog(b[:cut], &l); err == nil {
			t.Fatalf("decode of %d of %d bytes succeeded", cut, len(b))
		}
	}
}

// TestLogStoreGap: a follower that installs a snapshot past its log goes
// on after the snapshot's index, leaving a gap; compaction across the gap
// leaves FirstIndex at the first entry there is.
func TestLogStoreGap(t *testing.T) {
	db := openDB(t, t.TempDir())
	defer db.Close()
	s := newStore(t, db)
	var logs []*raft.Log
	for i := uint64(1); i <= 10; i++ {
		logs = append(logs, &raft.Log{Index: i, Term: 1, Type: raft.LogCommand, Data: []byte("x")})
	}
	for i := uint64(101); i <= 110; i++ {
		logs = append(logs, &raft.Log{Index: i, Term: 2, Type: raft.LogCommand, Data: []byte("y")})
	}
	if err := s.StoreLogs(logs); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteRange(1, 50); err != nil {
		t.Fatal(err)
	}
	first, _ := s.FirstIndex()
	last, _ := s.LastIndex()
	var l raft.Log
	if first != 101 || last != 110 || s.GetLog(101, &l) != nil || l.Term != 2 {
		t.Fatalf("after compacting across the gap: first %d, last %d, entry 101 %+v", first, last, l)
	}
}

// TestLogStoreWaitsOutDropPrefix: while a restore drops the state's prefix
// (Badger then refuses every write), raft's term and log writes wait
// instead of failing, which would make raft panic.
func TestLogStoreWaitsOutDropPrefix(t *testing.T) {
	db := openDB(t, t.TempDir())
	defer db.Close()
	s := newStore(t, db)
	// Enough state under another prefix that dropping it takes a while.
	wb := db.NewWriteBatch()
	for i := range 200_000 {
		if err := wb.Set([]byte(fmt.Sprintf("s/k%07d", i)), make([]byte, 64)); err != nil {
			t.Fatal(err)
		}
	}
	if err := wb.Flush(); err != nil {
		t.Fatal(err)
	}
	drop := make(chan error, 1)
	go func() { drop <- db.DropPrefix([]byte("s/")) }()
	var n uint64
	for done := false; !done; {
		select {
		case err := <-drop:
			if err != nil {
				t.Fatal(err)
			}
			done = true
		default:
		}
		n++
		if err := s.SetUint64([]byte("CurrentTerm"), n); err != nil {
			t.Fatalf("set the term while the state's prefix is dropped: %v", err)
		}
		if err := s.StoreLog(mkLog(n, 16)); err != nil {
			t.Fatalf("store a log entry while the state's prefix is dropped: %v", err)
		}
	}
	if got, _ := s.GetUint64([]byte("CurrentTerm")); got != n {
		t.Fatalf("term %d, want %d", got, n)
	}
}

// TestLogStoreFloor: after the head is truncated a reopened store finds its
// first entry from the recorded floor, not by reading every tombstone from
// index 0; entries stored below the floor later (an older snapshot
// installed after a newer one) lower it, so a restart still sees them.
func TestLogStoreFloor(t *testing.T) {
	db := openDB(t, t.TempDir())
	defer db.Close()
	s := newStore(t, db)
	entries := func(lo, hi uint64) []*raft.Log {
		var ls []*raft.Log
		for i := lo; i <= hi; i++ {
			ls = append(ls, &raft.Log{Index: i, Term: 1, Type: raft.LogCommand, Data: []byte("x")})
		}
		return ls
	}
	if err := s.StoreLogs(entries(1, 1000)); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteRange(1, 990); err != nil {
		t.Fatal(err)
	}
	bounds := func(want1, want2 uint64) {
		t.Helper()
		r := newStore(t, db) // as at the next start
		first, _ := r.FirstIndex()
		last, _ := r.LastIndex()
		if first != want1 || last != want2 {
			t.Fatalf("reopened: first %d, last %d; want %d, %d", first, last, want1, want2)
		}
		if f := r.floor.Load(); want1 > 0 && f > want1 {
			t.Fatalf("floor %d above the first entry %d", f, want1)
		}
	}
	bounds(991, 1000)
	if f := s.floor.Load(); f != 991 {
		t.Fatalf("floor %d after truncating to 990, want 991", f)
	}
	// Everything goes, then older entries come back.
	if err := s.DeleteRange(991, 1000); err != nil {
		t.Fatal(err)
	}
	bounds(0, 0)
	if err := s.StoreLogs(entries(500, 510)); err != nil {
		t.Fatal(err)
	}
	bounds(500, 510)
}

// TestOpenAfterKillDuringMemtableCreation: a process killed between
// creating a memtable or value-log file and sizing it leaves an empty
// file; Badger alone refuses to open the database over it, Open (and the
// tools' OpenReadOnly) removes it.
func TestOpenAfterKillDuringMemtableCreation(t *testing.T) {
	for i, open := range []func(string, Profile, *slog.Logger) (*badger.DB, error){Open, OpenLog, OpenReadOnly} {
		dir := t.TempDir()
		db, err := Open(dir, SmallBoard, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Update(func(txn *badger.Txn) error { return txn.Set([]byte("k"), []byte("v")) }); err != nil {
			t.Fatal(err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"000099.mem", "000099.vlog"} {
			empty := filepath.Join(dir, name)
			if err := os.WriteFile(empty, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			o := badger.DefaultOptions(dir).WithLogger(nil)
			if i == 2 {
				// A writable open that fails leaves a memtable of its own.
				o = o.WithReadOnly(true)
			}
			if db, err := badger.Open(o); err == nil {
				db.Close()
				t.Fatalf("Badger opened over an empty %s; this test no longer shows the case", name)
			}
			if err := os.Remove(empty); err != nil {
				t.Fatal(err)
			}
		}
		for _, name := range []string{"000099.mem", "000099.vlog"} {
			if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		db, err = open(dir, SmallBoard, nil)
		if err != nil {
			t.Fatalf("open after the crash: %v", err)
		}
		err = db.View(func(txn *badger.Txn) error {
			_, err := txn.Get([]byte("k"))
			return err
		})
		db.Close()
		if err != nil {
			t.Fatalf("data before the crash: %v", err)
		}
	}
}

// TestEmptyFilesOfARunningHub: while a hub has its database open, a tool
// opening it leaves the hub's files alone, even one that is empty for the
// moment between its creation and sizing.
func TestEmptyFilesOfARunningHub(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir, SmallBoard, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fresh := filepath.Join(dir, "000099.mem")
	if err := os.WriteFile(fresh, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if ro, err := OpenReadOnly(dir, SmallBoard, nil); err == nil {
		ro.Close()
		t.Fatal("a tool opened the database of a running hub")
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Fatalf("the running hub's new file is gone: %v", err)
	}
}
