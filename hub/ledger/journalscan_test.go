package ledger

import (
	"encoding/json"
	"testing"
	"time"
)

// TestJournalScan: a scan of a real journal gives every entry's head as a
// full decode does, and the whole entry after full().
func TestJournalScan(t *testing.T) {
	f := newFixture(t)
	id := f.open()
	f.ok(CmdSaleAdd, "", SaleAdd{Sale: id, SKU: "MELK", Qty: 2})
	f.ok(CmdPayCash, "", PayCash{Sale: id, Tendered: 50000})
	f.ok(CmdLogin, "", loginReq{Employee: "E1"})
	f.ok(CmdPriceLookup, "", lookupReq{SKU: "MELK"})
	var want []Entry
	if err := f.l.Journal(1, func(e *Entry) error { want = append(want, *e); return nil }); err != nil {
		t.Fatal(err)
	}
	n, fast := 0, 0
	err := f.l.JournalScan(1, func(e *Entry, raw []byte, full func() error) error {
		if !json.Valid(raw) {
			t.Errorf("entry %d: raw is not the stored JSON", e.Seq)
		}
		w := want[n]
		n++
		head := Entry{Seq: w.Seq, Index: w.Index, Time: w.Time, Local: w.Local, Type: w.Type, Event: w.Event,
			Register: w.Register, Employee: w.Employee, Sale: w.Sale}
		if e.Prev == "" {
			fast++
			if !sameEntry(*e, head) {
				t.Errorf("entry %d: head %+v, want %+v", w.Seq, *e, head)
			}
		}
		if err := full(); err != nil {
			return err
		}
		if !sameEntry(*e, w) {
			t.Errorf("entry %d after full: %+v, want %+v", w.Seq, *e, w)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != len(want) || fast != n {
		t.Errorf("scanned %d of %d entries, %d by their head alone", n, len(want), fast)
	}
}

func sameEntry(a, b Entry) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb) && a.Time.Equal(b.Time)
}

// FuzzScanHead: whatever the bytes, scanHead does not panic, and when it
// says it read an entry's head, that head is what a full decode gives.
func FuzzScanHead(f *testing.F) {
	e := Entry{Seq: 7, Index: 12, Time: time.Date(2026, 3, 14, 11, 0, 0, 5, time.UTC), Local: "2026-03-14T12:00:00",
		Type: "sale.line", Event: 13005, Register: "K1", Employee: "E1", Sale: "S-1", Data: json.RawMessage(`{"no":1}`), Prev: "ab", Hash: "cd"}
	b, _ := json.Marshal(e)
	f.Add(b)
	f.Add([]byte(`{"seq":1,"index":2,"time":"2026-01-01T00:00:00Z","local":"2026-01-01T01:00:00","type":"x\u003c","prev":""}`))
	f.Add([]byte(`{"seq":1,"register":"K1"`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var got Entry
		if !scanHead(b, &got) {
			return
		}
		var want Entry
		if err := json.Unmarshal(b, &want); err != nil {
			return // scanHead reads only the head; the caller's full decode reports the rest
		}
		want = Entry{Seq: want.Seq, Index: want.Index, Time: want.Time, Local: want.Local, Type: want.Type, Event: want.Event,
			Register: want.Register, Employee: want.Employee, Sale: want.Sale}
		if !sameEntry(got, want) {
			t.Errorf("scanHead(%q) = %+v, full decode %+v", b, got, want)
		}
	})
}
