package ledger

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/kasse/kasse/replicate"
)

// journalBytes is every stored journal entry, in order.
func journalBytes(t *testing.T, db *badger.DB) [][]byte {
	t.Helper()
	var out [][]byte
	err := db.View(func(txn *badger.Txn) error {
		o := badger.DefaultIteratorOptions
		o.Prefix = []byte(pfxJournal)
		it := txn.NewIterator(o)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sameJournal(t *testing.T, what string, got, want [][]byte) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d journal entries, want %d", what, len(got), len(want))
	}
	for i := range got {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("%s: journal entry %d changed", what, i+1)
		}
	}
}

// TestJournalAppendOnly: a command that tries to edit, delete or skip
// journal entries gets nothing written; the ledger halts and the journal
// is as it was and verifies.
func TestJournalAppendOnly(t *testing.T) {
	tries := map[string]handler{
		"test.journal.edit": func(a *applyCtx, _ *Envelope) (any, error) {
			a.b.set(journalKey(2), []byte(`{"seq":2,"type":"edited"}`))
			return nil, nil
		},
		"test.journal.delete": func(a *applyCtx, _ *Envelope) (any, error) {
			a.b.del(journalKey(3))
			return nil, nil
		},
		"test.journal.gap": func(a *applyCtx, _ *Envelope) (any, error) {
			a.b.set(journalKey(a.tip.Seq+2), []byte(`{}`))
			return nil, nil
		},
		"test.journal.rewrite": func(a *applyCtx, _ *Envelope) (any, error) {
			// Rewind the chain and append afresh over old entries.
			a.tip.Seq, a.tip.Hash = 1, ""
			_, err := a.journal("rewritten", 0, "", nil)
			return nil, err
		},
	}
	addHandlers(tries)
	t.Cleanup(func() {
		for typ := range tries {
			delete(handlers, typ)
		}
	})
	for typ := range tries {
		t.Run(typ, func(t *testing.T) {
			f := newFixture(t)
			id := f.open()
			f.ok(CmdSaleAdd, "", SaleAdd{Sale: id, SKU: "MELK", Qty: 1})
			f.ok(CmdPayCash, "", PayCash{Sale: id, Tendered: 5000})
			before := journalBytes(t, f.db)
			res := f.apply(typ, "", struct{}{})
			if !errors.Is(res.Err, ErrAppendOnly) || f.l.Halted() == nil {
				t.Fatalf("%s: err %v, halted %v; want the journal guard to stop it", typ, res.Err, f.l.Halted())
			}
			sameJournal(t, typ, journalBytes(t, f.db), before)
			if _, err := f.l.Verify(); err != nil {
				t.Fatalf("journal after %s: %v", typ, err)
			}
		})
	}
}

// TestSnapshotKeepsJournal: a snapshot, as Raft takes before it compacts
// its log and sends to a hub that lags, carries the whole journal; the
// ledger restored from it holds every entry byte for byte, verifies, and
// goes on appending to the same chain.
func TestSnapshotKeepsJournal(t *testing.T) {
	f := newFixture(t)
	for range 3 {
		id := f.open()
		f.ok(CmdSaleAdd, "", SaleAdd{Sale: id, SKU: "MELK", Qty: 2})
		f.ok(CmdPayCash, "", PayCash{Sale: id, Tendered: 5000})
	}
	want := journalBytes(t, f.db)
	snap, err := f.l.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := snap.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	snap.Release()

	db, err := badger.Open(badger.DefaultOptions(t.TempDir()).WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	l, err := Open(db, f.keys, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Restore(&buf); err != nil {
		t.Fatal(err)
	}
	sameJournal(t, "restored from a snapshot", journalBytes(t, db), want)
	f.l, f.db = l, db
	id := f.open()
	f.ok(CmdSaleAdd, "", SaleAdd{Sale: id, SKU: "MELK", Qty: 1})
	f.ok(CmdPayCash, "", PayCash{Sale: id, Tendered: 5000})
	st, err := l.Verify()
	if err != nil || st.Signatures != 4 {
		t.Fatalf("after selling on: %+v %v", st, err)
	}
}

// raftHub is a ledger behind a real Raft node over TCP on 127.0.0.1.
type raftHub struct {
	db   *badger.DB
	l    *Ledger
	node *replicate.Node
}

func startRaftHub(t *testing.T, id string, keys *Keyring, bootstrap bool) *raftHub {
	t.Helper()
	dir := t.TempDir()
	db, err := badger.Open(badger.DefaultOptions(filepath.Join(dir, "db")).WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	l, err := Open(db, keys, log)
	if err != nil {
		t.Fatal(err)
	}
	c := replicate.DefaultConfig()
	c.ID, c.Dir, c.Bind, c.Bootstrap = id, filepath.Join(dir, "raft"), "127.0.0.1:0", bootstrap
	c.TimeoutScale, c.TrailingLogs = 0.4, 4
	n, err := replicate.Start(context.Background(), c, db, l, log, nil)
	if err != nil {
		db.Close()
		t.Fatal(err)
	}
	h := &raftHub{db: db, l: l, node: n}
	t.Cleanup(func() { n.Shutdown(); db.Close() })
	return h
}

func (h *raftHub) propose(t *testing.T, typ string, body any) {
	t.Helper()
	env, err := NewEnvelope(typ, time.Date(2026, 3, 14, 11, 0, 0, 0, time.UTC), body)
	if err != nil {
		t.Fatal(err)
	}
	env.Register = "K1"
	data, err := env.Encode()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := h.node.Propose(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	if r := res.Value.(Result); r.Err != nil || r.Reject != nil {
		t.Fatalf("%s: %v %v", typ, r.Err, r.Reject)
	}
}

// TestCompactedLogKeepsJournal: Raft compacts its log after a snapshot; the
// journal is state, not log, so it stays whole, and a hub that joins after
// the compaction gets every entry from the snapshot, byte for byte.
func TestCompactedLogKeepsJournal(t *testing.T) {
	keys, err := OpenKeyring(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	pub, err := keys.Add(1, testKey(t))
	if err != nil {
		t.Fatal(err)
	}
	a := startRaftHub(t, "a", keys, true)
	deadline := time.Now().Add(30 * time.Second)
	for !a.node.IsLeader() && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	a.propose(t, CmdShopSetup, Shop{Name: "Bakeriet", OrgNr: "987654321"})
	a.propose(t, CmdKeyInstall, pub)
	a.propose(t, CmdRegisterPut, Register{ID: "K1"})
	a.propose(t, CmdItemPut, map[string]any{"items": []Item{{SKU: "MELK", Name: "Melk", Price: 2190, Rate: 1500, Unit: UnitPiece, Active: true}}})
	for i := range 10 {
		id := fmt.Sprintf("S%d", i)
		a.propose(t, CmdSaleOpen, saleRef{Sale: id})
		a.propose(t, CmdSaleAdd, SaleAdd{Sale: id, SKU: "MELK", Qty: 1})
		a.propose(t, CmdPayCash, PayCash{Sale: id, Tendered: 5000})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := a.node.Snapshot(ctx); err != nil {
		t.Fatal(err)
	}
	if first := a.node.Stats()["last_snapshot_index"]; first == "0" {
		t.Fatalf("no snapshot taken: %v", a.node.Stats())
	}
	want := journalBytes(t, a.db)

	b := startRaftHub(t, "b", nil, false)
	if err := a.node.AddVoter(ctx, "b", b.node.Addr()); err != nil {
		t.Fatal(err)
	}
	if err := b.node.WaitApplied(ctx, a.node.Applied()); err != nil {
		t.Fatal(err)
	}
	if b.node.Stats()["last_snapshot_index"] == "0" {
		t.Fatal("the joining hub did not get the state as a snapshot: was the log not compacted?")
	}
	sameJournal(t, "leader after compaction", journalBytes(t, a.db), want)
	sameJournal(t, "hub joined after compaction", journalBytes(t, b.db), want)
	if st, err := b.l.Verify(); err != nil || st.Signatures != 10 {
		t.Fatalf("joined hub's journal: %+v %v", st, err)
	}
}

// TestBackupRestore: a backup restores into an empty database only, with
// the journal byte for byte, and the restored ledger takes a new log's
// first command.
func TestBackupRestore(t *testing.T) {
	f := newFixture(t)
	id := f.open()
	f.ok(CmdSaleAdd, "", SaleAdd{Sale: id, SKU: "MELK", Qty: 2})
	f.ok(CmdPayCash, "", PayCash{Sale: id, Tendered: 5000})
	var buf bytes.Buffer
	if _, err := f.l.Backup(&buf, f.now); err != nil {
		t.Fatal(err)
	}
	want := journalBytes(t, f.db)
	if _, err := RestoreBackup(f.db, bytes.NewReader(buf.Bytes())); err == nil {
		t.Fatal("a backup restored over a ledger")
	}
	db, err := badger.Open(badger.DefaultOptions(t.TempDir()).WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, bad := range [][]byte{nil, []byte("kasse-backup 1\n{}\n"), buf.Bytes()[:buf.Len()-1]} {
		if _, err := RestoreBackup(db, bytes.NewReader(bad)); err == nil {
			t.Fatalf("a bad backup (%d bytes) restored", len(bad))
		}
	}
	db2, err := badger.Open(badger.DefaultOptions(t.TempDir()).WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db2.Close() })
	info, err := RestoreBackup(db2, &buf)
	if err != nil || len(info.PublicKeys) != 1 || info.OrgNr != "987654321" {
		t.Fatalf("restore: %+v %v", info, err)
	}
	sameJournal(t, "restored", journalBytes(t, db2), want)
	l, err := Open(db2, f.keys, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if l.Applied() != 0 {
		t.Fatalf("restored ledger applied %d; a new log starts at 1", l.Applied())
	}
	f.l, f.db, f.index = l, db2, 0
	id = f.open()
	f.ok(CmdSaleAdd, "", SaleAdd{Sale: id, SKU: "MELK", Qty: 1})
	f.ok(CmdPayCash, "", PayCash{Sale: id, Tendered: 5000})
	if st, err := l.Verify(); err != nil || st.Signatures != 2 {
		t.Fatalf("restored ledger after selling on: %+v %v", st, err)
	}
}
