package replicate

import (
	"path/filepath"
	"testing"

	"github.com/dgraph-io/badger/v4"
	"github.com/hashicorp/raft"
)

// A hub whose raft log lived in the state's database moves it into a log
// database of its own on start: the log, term and vote come along, the
// state's keys stay, and moving again moves nothing.
func TestMoveKeys(t *testing.T) {
	dir := t.TempDir()
	old := openDB(t, filepath.Join(dir, "db"))
	defer old.Close()
	s := newStore(t, old)
	if err := s.StoreLogs(mkLogs(5, 300, 2000)); err != nil { // some in the value log
		t.Fatal(err)
	}
	if err := s.SetUint64([]byte("CurrentTerm"), 7); err != nil {
		t.Fatal(err)
	}
	if err := old.Update(func(txn *badger.Txn) error { return txn.Set([]byte("ledger/x"), []byte("state")) }); err != nil {
		t.Fatal(err)
	}

	logDB := openDB(t, filepath.Join(dir, "raft", "log"))
	defer logDB.Close()
	n, err := MoveKeys(old, logDB, LogPrefixes...)
	if err != nil || n != 297 {
		t.Fatalf("moved %d keys (%v), want 296 entries and the term", n, err)
	}
	moved := newStore(t, logDB)
	if f, l := bounds(t, moved); f != 5 || l != 300 {
		t.Fatalf("moved log holds %d..%d, want 5..300", f, l)
	}
	var got raft.Log
	if err := moved.GetLog(123, &got); err != nil || string(got.Extensions) != "ext123" || len(got.Data) != 2000 {
		t.Fatalf("entry 123 after the move: %+v %v", got, err)
	}
	if term, err := moved.GetUint64([]byte("CurrentTerm")); err != nil || term != 7 {
		t.Fatalf("term after the move: %d %v", term, err)
	}
	if f, l := bounds(t, newStore(t, old)); f != 0 || l != 0 {
		t.Fatalf("the old database still holds log %d..%d", f, l)
	}
	if err := old.View(func(txn *badger.Txn) error { _, err := txn.Get([]byte("ledger/x")); return err }); err != nil {
		t.Fatalf("the state's key went with the log: %v", err)
	}
	if n, err := MoveKeys(old, logDB, LogPrefixes...); n != 0 || err != nil {
		t.Fatalf("a second move moved %d keys (%v)", n, err)
	}
}
