package ledger

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"testing"

	"github.com/dgraph-io/badger/v4"
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
