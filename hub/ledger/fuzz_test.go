package ledger

import (
	"encoding/json"
	"testing"
)

// FuzzDecode: any bytes from a log either decode to an envelope with a
// version and type, or fail with ErrBadCommand; never a panic.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"v":1,"type":"sale.add","time":"2026-01-01T00:00:00Z","body":{"sale":"S1","sku":"A","qty":1}}`))
	f.Add([]byte(`{"v":0}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"v":1,"type":"x","body":nul}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := Decode(b)
		if err != nil {
			return
		}
		if e.V < 1 || e.Type == "" {
			t.Fatalf("decoded an envelope without version or type: %+v", e)
		}
		if _, err := e.Encode(); err != nil {
			t.Fatalf("a decoded envelope does not encode: %v", err)
		}
	})
}

// FuzzApply feeds arbitrary bodies to every command type on a shop with an
// open sale: Apply never panics, never halts on a known type, and a refused
// command leaves the journal as it was.
func FuzzApply(f *testing.F) {
	types := make([]string, 0, len(handlers))
	for typ := range handlers {
		types = append(types, typ)
	}
	for i := range types {
		f.Add(uint8(i), []byte(`{"sale":"S1","sku":"MELK","qty":2}`))
		f.Add(uint8(i), []byte(`{"sale":"S1","line":1,"qty":-5,"percent":20000,"amount":-1}`))
		f.Add(uint8(i), []byte(`{"sale":"S1","tendered":99999999999999999}`))
	}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		if !json.Valid(body) {
			return // the proposer only sends JSON; Decode covers the rest
		}
		fx := newFixture(t)
		fx.ok(CmdSaleOpen, "", saleRef{Sale: "S1"})
		fx.ok(CmdSaleAdd, "", SaleAdd{Sale: "S1", SKU: "MELK", Qty: 1})
		head, _, _ := fx.l.JournalHead()
		typ := typesSorted(types)[int(which)%len(types)]
		env := &Envelope{V: Version, Type: typ, Time: fx.now, Register: "K1", Body: body}
		res := fx.applyEnv(env)
		if res.Err != nil {
			t.Fatalf("%s %s: ledger error %v", typ, body, res.Err)
		}
		if res.Reject != nil {
			if h, _, _ := fx.l.JournalHead(); h != head {
				t.Fatalf("%s refused (%v) but journaled", typ, res.Reject)
			}
		}
		if _, err := fx.l.Verify(); err != nil {
			t.Fatalf("%s %s: journal broken: %v", typ, body, err)
		}
		if s, err := fx.l.Sale("S1"); err == nil && (s.Totals.Total < 0 || s.Totals.Paid < 0) {
			t.Fatalf("%s %s: negative totals %+v", typ, body, s.Totals)
		}
	})
}

func typesSorted(ts []string) []string {
	out := append([]string(nil), ts...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}
