package ledger

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/kasse/kasse/hub/money"
	"github.com/kasse/kasse/replicate"
)

// fixture is a ledger on a real Badger in a temp dir, fed commands the way
// Raft would: one index after the other.
type fixture struct {
	t     testing.TB
	db    *badger.DB
	l     *Ledger
	keys  *Keyring
	index uint64
	log   []replicate.Entry
	now   time.Time
	n     int
	// approver approves, as a second employee, the commands applied while set.
	approver string
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	db, err := badger.Open(badger.DefaultOptions(t.TempDir()).WithLogger(nil).WithSyncWrites(false))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	keys, err := OpenKeyring(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	l, err := Open(db, keys, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, db: db, l: l, keys: keys, now: time.Date(2026, 3, 14, 11, 0, 0, 0, time.UTC)}
	pub, err := keys.Add(1, testKey(t))
	if err != nil {
		t.Fatal(err)
	}
	f.ok(CmdShopSetup, "", Shop{Name: "Bakeriet på hjørnet", Address: "Storgata 1, 0155 Oslo", OrgNr: "987654321", VAT: true})
	f.ok(CmdKeyInstall, "", pub)
	f.ok(CmdRegisterPut, "", Register{ID: "K1", Name: "Kasse 1"})
	f.ok(CmdRegisterPut, "", Register{ID: "K2", Name: "Kasse 2"})
	f.ok(CmdEmployeePut, "", Employee{ID: "E1", Name: "Kari", Role: RoleCashier, Active: true})
	f.ok(CmdEmployeePut, "", Employee{ID: "E2", Name: "Ola", Role: RoleSupervisor, Active: true})
	f.ok(CmdItemPut, "", itemPut{Items: []Item{
		{SKU: "MELK", Name: "Lettmelk 1 l", Group: "Meieri", Price: 2190, Rate: money.Rate15, Unit: UnitPiece, Barcodes: []string{"07038010000010"}, Active: true},
		{SKU: "OPPVASK", Name: "Oppvaskmiddel", Group: "Husholdning", Price: 3990, Rate: money.Rate25, Unit: UnitPiece, Active: true},
		{SKU: "EPLE", Name: "Epler røde", Group: "Frukt", Price: 3490, Rate: money.Rate15, Unit: UnitKg, Active: true},
		{SKU: "KINO", Name: "Kinobillett", Group: "Billetter", Price: 15000, Rate: money.Rate12, Unit: UnitPiece, Active: true},
		{SKU: "AVIS", Name: "Avis", Group: "Aviser", Price: 4000, Rate: money.Rate0, Unit: UnitPiece, Active: true},
		{SKU: "OST", Name: "Hvitost", Group: "Meieri", Price: 0, Rate: money.Rate15, Unit: UnitPiece, Active: true},
	}})
	f.ok(CmdStockAdjust, "", stockAdjust{SKU: "MELK", Delta: 100, Reason: "varemottak"})
	return f
}

var (
	keyOnce sync.Once
	key     *rsa.PrivateKey
)

// testKey is one signing key for all fixtures (making one takes a while).
func testKey(t testing.TB) *rsa.PrivateKey {
	keyOnce.Do(func() {
		var err error
		if key, err = rsa.GenerateKey(rand.Reader, KeyBits); err != nil {
			t.Fatal(err)
		}
	})
	return key
}

// replica is an empty ledger on a Badger of its own with f's signing keys,
// as another hub has: feed it f.log to replay f's commands.
func (f *fixture) replica() *Ledger {
	f.t.Helper()
	db, err := badger.Open(badger.DefaultOptions(f.t.TempDir()).WithLogger(nil))
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { db.Close() })
	l, err := Open(db, f.keys, f.l.log)
	if err != nil {
		f.t.Fatal(err)
	}
	return l
}

// apply proposes one command from register K1 (or none for "").
func (f *fixture) apply(typ, key string, body any) Result {
	f.t.Helper()
	env, err := NewEnvelope(typ, f.now, body)
	if err != nil {
		f.t.Fatal(err)
	}
	env.Register, env.Employee, env.Key, env.Approver = "K1", "E1", key, f.approver
	if key != "" {
		env.ReqHash = fmt.Sprintf("%x", env.Body)
	}
	return f.applyEnv(env)
}

func (f *fixture) applyEnv(env *Envelope) Result {
	f.t.Helper()
	data, err := env.Encode()
	if err != nil {
		f.t.Fatal(err)
	}
	f.index++
	f.now = f.now.Add(time.Second)
	e := replicate.Entry{Index: f.index, Term: 1, Data: data}
	f.log = append(f.log, e)
	return f.l.Apply([]replicate.Entry{e})[0].(Result)
}

func (f *fixture) ok(typ, key string, body any) Result {
	f.t.Helper()
	res := f.apply(typ, key, body)
	if res.Err != nil || res.Reject != nil {
		f.t.Fatalf("%s: err %v, rejected %v", typ, res.Err, res.Reject)
	}
	return res
}

func (f *fixture) rejected(code, typ string, body any) {
	f.t.Helper()
	res := f.apply(typ, "", body)
	if res.Reject == nil || res.Reject.Code != code {
		f.t.Fatalf("%s: want rejection %q, got %+v (err %v)", typ, code, res.Reject, res.Err)
	}
}

func (f *fixture) open() string {
	f.n++
	id := fmt.Sprintf("S%d", f.n)
	f.ok(CmdSaleOpen, "", saleRef{Sale: id})
	return id
}

func saleOf(t testing.TB, r Result) *Sale {
	t.Helper()
	var v struct {
		*Sale
		Inner *Sale `json:"sale"`
	}
	if err := json.Unmarshal(r.Value, &v); err != nil {
		t.Fatal(err)
	}
	if v.Inner != nil {
		return v.Inner
	}
	return v.Sale
}

type vat struct {
	rate           money.Rate
	gross, net, tx money.Øre
}

func checkTotals(t *testing.T, s *Sale, total, net, disc money.Øre, vats []vat) {
	t.Helper()
	if s.Totals.Total != total || s.Totals.Net != net || s.Totals.Discount != disc {
		t.Errorf("total %d net %d discount %d; want %d %d %d", s.Totals.Total, s.Totals.Net, s.Totals.Discount, total, net, disc)
	}
	if len(s.Totals.VAT) != len(vats) {
		t.Fatalf("VAT lines %+v, want %+v", s.Totals.VAT, vats)
	}
	for i, v := range vats {
		got := s.Totals.VAT[i]
		if got.Rate != v.rate || got.Gross != v.gross || got.Net != v.net || got.VAT != v.tx {
			t.Errorf("VAT %s: %+v, want gross %d net %d vat %d", v.rate, got, v.gross, v.net, v.tx)
		}
	}
}

func TestSaleScenarios(t *testing.T) {
	t.Run("mixed 25 and 15 percent, cash rounded up", func(t *testing.T) {
		f := newFixture(t)
		id := f.open()
		f.ok(CmdSaleAdd, "", SaleAdd{Sale: id, SKU: "MELK", Qty: 2})         // 2 × 21,90 = 43,80 (15 %)
		r := f.ok(CmdSaleAdd, "", SaleAdd{Sale: id, SKU: "OPPVASK", Qty: 1}) // 39,90 (25 %)
		// 15 %: 43,80 × 15/115 = 5,713 → 5,71, net 38,09. 25 %: 39,90/5 = 7,98, net 31,92.
		checkTotals(t, saleOf(t, r), 8370, 7001, 0, []vat{{money.Rate25, 3990, 3192, 798}, {money.Rate15, 4380, 3809, 571}})
		// Cash: 83,70 rounds up to 84,00 (+0,30); 100,00 given, 16,00 back.
		s := saleOf(t, f.ok(CmdPayCash, "", PayCash{Sale: id, Tendered: 10000}))
		if s.Status != SaleCompleted || s.Totals.Rounding != 30 || s.Totals.Change != 1600 || s.Totals.Paid != 8400 || s.Totals.Due != 0 {
			t.Errorf("after cash: %+v", s.Totals)
		}
		if s.Receipt == nil || s.Receipt.No != 1 || s.Receipt.Nr != 1 || s.Receipt.Signature == "" {
			t.Errorf("receipt %+v", s.Receipt)
		}
		if n, _ := f.l.Stock("MELK"); n != 98 {
			t.Errorf("stock MELK %d, want 98", n)
		}
		if n, _ := f.l.Stock("OPPVASK"); n != -1 {
			t.Errorf("stock OPPVASK %d, want -1 (sold without stock)", n)
		}
	})
	t.Run("cash rounded down, exact tender", func(t *testing.T) {
		f := newFixture(t)
		id := f.open()
		f.ok(CmdSaleAdd, "", SaleAdd{Sale: id, SKU: "MELK", Qty: 1})      // 21,90
		f.ok(CmdSaleAdd, "", SaleAdd{Sale: id, SKU: "AVIS", Qty: 1})      // 40,00 at 0 %
		r := f.ok(CmdSaleAdd, "", SaleAdd{Sale: id, SKU: "KINO", Qty: 1}) // 150,00 at 12 %
		// 211,90. 12 %: 150 × 12/112 = 16,071 → 16,07. 15 %: 21,90 × 15/115 = 2,857 → 2,86.
		checkTotals(t, saleOf(t, r), 21190, 21190-1607-286, 0, []vat{{money.Rate15, 2190, 1904, 286}, {money.Rate12, 15000, 13393, 1607}, {money.Rate0, 4000, 4000, 0}})
		// 211,90 → 212,00; but take 211,40 to check the other direction first:
		f.ok(CmdSaleQty, "", SaleQty{Sale: id, Line: 1, Qty: 1})
		s := saleOf(t, f.ok(CmdPayCash, "", PayCash{Sale: id, Tendered: 21200}))
		if s.Totals.Rounding != 10 || s.Totals.Change != 0 || s.Status != SaleCompleted {
			t.Errorf("totals %+v", s.Totals)
		}
		id = f.open()
		f.ok(CmdSaleAdd, "", SaleAdd{Sale: id, SKU: "MELK", Qty: 1}) // 21,90 → 22,00 cash
		f.ok(CmdSaleAdd, "", SaleAdd{Sale: id, SKU: "MELK", Qty: 1}) // 43,80 → 44,00
		f.ok(CmdSaleRemove, "", SaleLine{Sale: id, Line: 2})         // back to 21,90
		f.ok(CmdEmployeePut, "", Employee{ID: "E3", Name: "Ingrid", Role: RoleManager, Active: true})
		f.approver = "E3"                                                                   // a price override needs a manager
		f.ok(CmdSalePrice, "", SalePrice{Sale: id, Line: 1, Price: 2140, Reason: "skadet"}) // 21,40 → 21,00
		f.approver = ""
		s = saleOf(t, f.ok(CmdPayCash, "", PayCash{Sale: id, Tendered: 2100}))
		if s.Totals.Total != 2140 || s.Totals.Rounding != -40 || s.Totals.Paid != 2100 || s.Status != SaleCompleted {
			t.Errorf("rounded down: %+v", s.Totals)
		}
		if !s.Lines[1].Removed || s.Lines[1].Amount != 0 || s.Lines[0].Override.Was != 2190 {
			t.Errorf("lines: %+v", s.Lines)
		}
		if s.Receipt.No != 2 || s.Receipt.Nr != 2 {
			t.Errorf("second receipt numbered %+v", s.Receipt)
		}
	})
	t.Run("line percent and sale amount discounts share VAT", func(t *testing.T) {
		f := newFixture(t)
		id := f.open()
		f.ok(CmdSaleAdd, "", SaleAdd{Sale: id, SKU: "MELK", Qty: 2})                              // 43,80
		f.ok(CmdSaleAdd, "", SaleAdd{Sale: id, SKU: "OPPVASK", Qty: 1})                           // 39,90
		f.ok(CmdSaleDisc, "", SaleDiscount{Sale: id, Line: 2, Discount: Discount{Percent: 1000}}) // −3,99 → 35,91
		r := f.ok(CmdSaleDisc, "", SaleDiscount{Sale: id, Discount: Discount{Amount: 2000, Reason: "kupong"}})
		// 20,00 shared over 43,80 and 35,91 (79,71): 10,9898 and 9,0102 → 10,99 and 9,01
		// (largest remainder). Lines 32,81 and 26,90. 15 %: 32,81×15/115 = 4,2796 → 4,28;
		// 25 %: 26,90/5 = 5,38.
		s := saleOf(t, r)
		checkTotals(t, s, 5971, 5971-428-538, 399+2000, []vat{{money.Rate25, 2690, 2152, 538}, {money.Rate15, 3281, 2853, 428}})
		if s.Lines[0].SaleDisc != 1099 || s.Lines[1].SaleDisc != 901 || s.Lines[1].LineDisc != 399 {
			t.Errorf("shares %+v", s.Lines)
		}
		// Card is never rounded: the exact 59,71 is approved.
		f.ok(CmdPayStart, "", PayStart{Sale: id, Attempt: "A1", Method: "card", Amount: 5971})
		f.rejected("payment_pending", CmdSaleAdd, SaleAdd{Sale: id, SKU: "MELK", Qty: 1})
		f.approver = "E2"
		f.rejected("payment_pending", CmdSaleVoid, saleRef{Sale: id})
		f.approver = ""
		s = saleOf(t, f.ok(CmdPayResult, "", PayResult{Attempt: "A1", Outcome: Outcome{Status: AttemptApproved, Authorized: 5971,
			Card: &CardInfo{TerminalTx: "T-1", Approval: "123456", Brand: "VISA", Masked: "411111******1111"}}}))
		if s.Status != SaleCompleted || s.Totals.Rounding != 0 || s.Totals.Paid != 5971 || s.Payments[0].Card.TerminalTx != "T-1" {
			t.Errorf("card: %+v %+v", s.Totals, s.Payments)
		}
		f.rejected("attempt_resolved", CmdPayResult, PayResult{Attempt: "A1", Outcome: Outcome{Status: AttemptDeclined}})
	})
	t.Run("weighed item, embedded price, percent sale discount", func(t *testing.T) {
		f := newFixture(t)
		id := f.open()
		f.ok(CmdSaleAdd, "", SaleAdd{Sale: id, SKU: "EPLE", Qty: 1234})                       // 34,90/kg × 1,234 kg = 43,0666 → 43,07
		f.ok(CmdSaleAdd, "", SaleAdd{Sale: id, SKU: "OST", Qty: 1, Fixed: 5750})              // 57,50 from the label
		r := f.ok(CmdSaleDisc, "", SaleDiscount{Sale: id, Discount: Discount{Percent: 1000}}) // 10 % of 100,57 = 10,057 → 10,06
		s := saleOf(t, r)
		// Shares: 1006 × 4307/10057 = 430,82 → 430, 1006 × 5750/10057 = 575,17 → 575; the
		// last øre goes to the larger remainder (the first). Lines 38,76 and 51,75 = 90,51
		// at 15 %: VAT 90,51 × 15/115 = 11,8057 → 11,81.
		checkTotals(t, s, 9051, 9051-1181, 1006, []vat{{money.Rate15, 9051, 7870, 1181}})
		if s.Lines[0].Gross != 4307 || s.Lines[1].Gross != 5750 || s.Totals.Items != 2 {
			t.Errorf("lines %+v items %d", s.Lines, s.Totals.Items)
		}
		f.rejected("fixed_line", CmdSaleQty, SaleQty{Sale: id, Line: 2, Qty: 2})
		// Split: 50,00 by card, then 40,51 in cash → 41,00 (+0,49).
		f.ok(CmdPayStart, "", PayStart{Sale: id, Attempt: "A1", Method: "card", Amount: 5000})
		s = saleOf(t, f.ok(CmdPayResult, "", PayResult{Attempt: "A1", Outcome: Outcome{Status: AttemptApproved, Authorized: 5000, Card: &CardInfo{TerminalTx: "T1"}}}))
		if s.Status != SaleOpen || s.Totals.Due != 4051 {
			t.Fatalf("after card: %s due %d", s.Status, s.Totals.Due)
		}
		f.rejected("sale_paid", CmdSaleAdd, SaleAdd{Sale: id, SKU: "MELK", Qty: 1})
		s = saleOf(t, f.ok(CmdPayCash, "", PayCash{Sale: id, Tendered: 20000}))
		if s.Status != SaleCompleted || s.Totals.Rounding != 49 || s.Totals.Change != 20000-4100 {
			t.Errorf("split: %+v", s.Totals)
		}
		if n, _ := f.l.Stock("EPLE"); n != -1234 {
			t.Errorf("stock EPLE %d g", n)
		}
	})
	t.Run("partial cash, declined card, then cash", func(t *testing.T) {
		f := newFixture(t)
		id := f.open()
		f.ok(CmdSaleAdd, "", SaleAdd{Sale: id, SKU: "KINO", Qty: 2}) // 300,00
		s := saleOf(t, f.ok(CmdPayCash, "", PayCash{Sale: id, Tendered: 10000}))
		if s.Status != SaleOpen || s.Totals.Due != 20000 || s.Totals.Change != 0 {
			t.Fatalf("partial cash %+v", s.Totals)
		}
		f.ok(CmdPayStart, "", PayStart{Sale: id, Attempt: "A9", Method: "card", Amount: 20000})
		f.ok(CmdPayResult, "", PayResult{Attempt: "A9", Outcome: Outcome{Status: AttemptDeclined, Message: "Avvist"}})
		s = saleOf(t, f.ok(CmdPayCash, "", PayCash{Sale: id, Tendered: 20000}))
		if s.Status != SaleCompleted || s.Totals.Paid != 30000 || len(s.Payments) != 2 {
			t.Errorf("after decline: %+v %+v", s.Totals, s.Payments)
		}
		f.rejected("sale_closed", CmdPayCash, PayCash{Sale: id, Tendered: 100})
	})
}

func TestBadInputWritesNothing(t *testing.T) {
	f := newFixture(t)
	id := f.open()
	head, _, _ := f.l.JournalHead()
	for _, c := range []struct {
		code, typ string
		body      any
	}{
		{"unknown_item", CmdSaleAdd, SaleAdd{Sale: id, SKU: "NOPE", Qty: 1}},
		{"bad_quantity", CmdSaleAdd, SaleAdd{Sale: id, SKU: "MELK", Qty: 0}},
		{"bad_quantity", CmdSaleAdd, SaleAdd{Sale: id, SKU: "MELK", Qty: -3}},
		{"bad_quantity", CmdSaleAdd, SaleAdd{Sale: id, SKU: "MELK", Qty: 1_000_000}},
		{"bad_quantity", CmdSaleAdd, SaleAdd{Sale: id, SKU: "EPLE", Qty: 100_001}},
		{"unknown_sale", CmdSaleAdd, SaleAdd{Sale: "S404", SKU: "MELK", Qty: 1}},
		{"empty_sale", CmdPayCash, PayCash{Sale: id, Tendered: 100}},
		{"unknown_line", CmdSaleRemove, SaleLine{Sale: id, Line: 7}},
		{"bad_discount", CmdSaleDisc, SaleDiscount{Sale: id, Discount: Discount{Percent: 500, Amount: 100}}},
		{"bad_request", CmdSaleAdd, json.RawMessage(`{"sale": 12}`)},
		{"sale_exists", CmdSaleOpen, saleRef{Sale: id}},
		{"bad_item", CmdItemPut, itemPut{Items: []Item{{SKU: "X", Name: "x", Price: 100, Rate: 2400, Unit: UnitPiece}}}},
	} {
		f.rejected(c.code, c.typ, c.body)
	}
	f.ok(CmdSaleAdd, "", SaleAdd{Sale: id, SKU: "MELK", Qty: 1})
	f.rejected("bad_amount", CmdPayCash, PayCash{Sale: id, Tendered: -100})
	f.rejected("bad_amount", CmdPayStart, PayStart{Sale: id, Attempt: "A", Method: "card", Amount: 2191})
	if h, _, _ := f.l.JournalHead(); h != head+1 {
		t.Errorf("journal grew from %d to %d: rejected commands were journaled", head, h)
	}
	if s, _ := f.l.Sale(id); len(s.Lines) != 1 || len(s.Payments) != 0 {
		t.Errorf("sale changed by rejected commands: %+v", s)
	}
	if f.l.Applied() != f.index {
		t.Errorf("applied %d, want %d: a refusal still advances the index", f.l.Applied(), f.index)
	}
}

func TestIdempotency(t *testing.T) {
	f := newFixture(t)
	id := f.open()
	first := f.ok(CmdSaleAdd, "k-1", SaleAdd{Sale: id, SKU: "MELK", Qty: 1})
	f.ok(CmdSaleAdd, "k-2", SaleAdd{Sale: id, SKU: "MELK", Qty: 1})
	again := f.apply(CmdSaleAdd, "k-1", SaleAdd{Sale: id, SKU: "MELK", Qty: 1})
	// The retry is answered with the sale as it is now: the first add's line
	// is in it once, and nothing was added again.
	if s := saleOf(t, again); !again.Replay || len(s.Lines) != 2 || len(saleOf(t, first).Lines) != 1 {
		t.Errorf("retry: replay=%v, lines %d", again.Replay, len(s.Lines))
	}
	if s, _ := f.l.Sale(id); len(s.Lines) != 2 {
		t.Errorf("retry added a line: %d lines", len(s.Lines))
	}
	conflict := f.apply(CmdSaleAdd, "k-1", SaleAdd{Sale: id, SKU: "OPPVASK", Qty: 1})
	if conflict.Reject == nil || conflict.Reject.Code != "idempotency_conflict" {
		t.Errorf("reused key with another body: %+v", conflict.Reject)
	}
	// A refusal is the key's answer too, even once the cause is gone.
	r1 := f.apply(CmdSaleAdd, "k-3", SaleAdd{Sale: id, SKU: "NOPE", Qty: 1})
	f.ok(CmdItemPut, "", itemPut{Items: []Item{{SKU: "NOPE", Name: "Ny", Price: 100, Rate: money.Rate25, Unit: UnitPiece, Active: true}}})
	r2 := f.apply(CmdSaleAdd, "k-3", SaleAdd{Sale: id, SKU: "NOPE", Qty: 1})
	if r1.Reject == nil || !r2.Replay || r2.Reject == nil || r2.Reject.Code != "unknown_item" {
		t.Errorf("refusal not replayed: %+v / %+v", r1.Reject, r2)
	}
}

func TestUnknownCommandHalts(t *testing.T) {
	f := newFixture(t)
	before := f.l.Applied()
	res := f.applyEnv(&Envelope{V: Version, Type: "sale.teleport", Time: f.now, Register: "K1", Body: json.RawMessage(`{}`)})
	if !errors.Is(res.Err, ErrHalted) || f.l.Halted() == nil {
		t.Fatalf("unknown type: err %v, halted %v", res.Err, f.l.Halted())
	}
	if f.l.Applied() != before {
		t.Errorf("applied moved past the unknown command: %d → %d", before, f.l.Applied())
	}
	if res := f.apply(CmdSaleOpen, "", saleRef{Sale: "X"}); !errors.Is(res.Err, ErrHalted) {
		t.Errorf("halted ledger applied a later command: %+v", res)
	}
	if _, err := f.l.Snapshot(); err == nil {
		t.Error("a halted ledger must refuse to snapshot, or Raft compacts away what it has not applied")
	}
	// A newer envelope version halts too.
	g := newFixture(t)
	if res := g.applyEnv(&Envelope{V: Version + 1, Type: CmdSaleOpen, Time: g.now, Register: "K1", Body: json.RawMessage(`{"sale":"x"}`)}); !errors.Is(res.Err, ErrHalted) {
		t.Errorf("newer version: %+v", res)
	}
	// A restart (after an upgrade) picks up at the same place.
	l2, err := Open(f.db, f.keys, f.l.log)
	if err != nil || l2.Applied() != before || l2.Halted() != nil {
		t.Errorf("reopened at %d (%v), want %d", l2.Applied(), err, before)
	}
}

func TestJournalVerifyAndTamper(t *testing.T) {
	f := newFixture(t)
	for i := range 3 {
		id := f.open()
		f.ok(CmdSaleAdd, "", SaleAdd{Sale: id, SKU: "MELK", Qty: int64(i + 1)})
		f.ok(CmdPayCash, "", PayCash{Sale: id, Tendered: 50000})
	}
	f.ok(CmdLogin, "", loginReq{Employee: "E1"})
	f.ok(CmdPriceLookup, "", lookupReq{SKU: "MELK"})
	st, err := f.l.Verify()
	if err != nil || st.Signatures != 3 || st.Registers != 1 {
		t.Fatalf("verify: %+v %v", st, err)
	}
	var signed []*Entry
	var events []int
	_ = f.l.Journal(1, func(e *Entry) error {
		if e.Sig != nil {
			signed = append(signed, e)
		}
		events = append(events, e.Event)
		return nil
	})
	if !slices.Contains(events, EvLogin) || !slices.Contains(events, EvPriceLookup) || !slices.Contains(events, EvDrawerOpen) {
		t.Errorf("journal events %v lack login, price look-up or drawer opening", events)
	}
	// The second sale's signed string, built independently: 2 × 21,90 at 15 %.
	local := signed[1].Time.In(Oslo) // CET, UTC+1 in March
	want := fmt.Sprintf("%s;2026-03-14;%s;2;43.80;38.09", signed[0].Sig.Value, local.Format("15:04:05"))
	if got := signed[1].Sig.Message(); got != want || local.Hour() != 12 {
		t.Errorf("signed string %q, want %q", got, want)
	}
	if signed[0].Sig.Previous != "0" {
		t.Errorf("first previous signature %q, want 0", signed[0].Sig.Previous)
	}
	// Edit an entry: verify names it.
	e := *signed[1]
	e.Data = json.RawMessage(`{"edited":true}`)
	raw, _ := json.Marshal(&e)
	if err := f.db.Update(func(txn *badger.Txn) error { return txn.Set([]byte(journalKey(e.Seq)), raw) }); err != nil {
		t.Fatal(err)
	}
	_, err = f.l.Verify()
	var b *Broken
	if !errors.As(err, &b) || b.Seq != e.Seq {
		t.Fatalf("tampered entry %d: verify said %v", e.Seq, err)
	}
	// Delete an entry: the gap is named.
	if err := f.db.Update(func(txn *badger.Txn) error { return txn.Delete([]byte(journalKey(3))) }); err != nil {
		t.Fatal(err)
	}
	if _, err = f.l.Verify(); !errors.As(err, &b) || b.Seq != 3 {
		t.Fatalf("deleted entry 3: verify said %v", err)
	}
}

func TestParkResumeVoid(t *testing.T) {
	f := newFixture(t)
	id := f.open()
	f.ok(CmdSaleAdd, "", SaleAdd{Sale: id, SKU: "MELK", Qty: 1})
	f.ok(CmdSalePark, "", saleRef{Sale: id})
	f.rejected("sale_parked", CmdSaleAdd, SaleAdd{Sale: id, SKU: "MELK", Qty: 1})
	if open, _ := f.l.OpenSales("K1"); len(open) != 1 || open[0].Status != SaleParked {
		t.Errorf("parked sales on K1: %+v", open)
	}
	env, _ := NewEnvelope(CmdSaleResume, f.now, saleRef{Sale: id})
	env.Register = "K2"
	if r := f.applyEnv(env); r.Reject != nil {
		t.Fatalf("resume on K2: %v", r.Reject)
	}
	if open, _ := f.l.OpenSales("K1"); len(open) != 0 {
		t.Errorf("K1 still lists %d sales", len(open))
	}
	if open, _ := f.l.OpenSales("K2"); len(open) != 1 || open[0].Register != "K2" {
		t.Errorf("K2 open sales: %+v", open)
	}
	env, _ = NewEnvelope(CmdSaleVoid, f.now, saleRef{Sale: id})
	env.Register, env.Employee = "K2", "E2" // a supervisor voids
	if r := f.applyEnv(env); r.Reject != nil {
		t.Fatal(r.Reject)
	}
	if s, _ := f.l.Sale(id); s.Status != SaleVoided {
		t.Errorf("status %s", s.Status)
	}
	if n, _ := f.l.Stock("MELK"); n != 100 {
		t.Errorf("voided sale moved stock: %d", n)
	}
}

// TestReplayWithoutRaft replays a ledger's log into a fresh ledger, in
// batches of another size, and gets the same state and journal.
func TestReplayWithoutRaft(t *testing.T) {
	f := newFixture(t)
	for range 5 {
		id := f.open()
		f.ok(CmdSaleAdd, "k"+id, SaleAdd{Sale: id, SKU: "MELK", Qty: 3})
		f.ok(CmdSaleAdd, "", SaleAdd{Sale: id, SKU: "EPLE", Qty: 777})
		f.ok(CmdPayCash, "", PayCash{Sale: id, Tendered: 50000})
	}
	want, err := f.l.StateHash()
	if err != nil {
		t.Fatal(err)
	}
	l2 := f.replica()
	for i := 0; i < len(f.log); i += 7 {
		l2.Apply(f.log[i:min(i+7, len(f.log))])
	}
	got, _ := l2.StateHash()
	if got != want || l2.Applied() != f.l.Applied() {
		t.Errorf("replayed state %s at %d, want %s at %d", got, l2.Applied(), want, f.l.Applied())
	}
	if _, err := l2.Verify(); err != nil {
		t.Error(err)
	}
}

// TestIdempotencyPrunedByCommandTime: records older than two days (by the
// commands' own clock) are forgotten, the same way on every hub.
func TestIdempotencyPrunedByCommandTime(t *testing.T) {
	f := newFixture(t)
	id := f.open()
	f.ok(CmdSaleAdd, "old", SaleAdd{Sale: id, SKU: "MELK", Qty: 1})
	f.now = f.now.Add(49 * time.Hour)
	f.ok(CmdSaleAdd, "new", SaleAdd{Sale: id, SKU: "MELK", Qty: 1})
	for range idemEvery { // pruning comes every idemEvery commands
		f.ok(CmdPriceLookup, "", lookupReq{SKU: "MELK"})
	}
	if r := f.apply(CmdSaleAdd, "new", SaleAdd{Sale: id, SKU: "MELK", Qty: 1}); !r.Replay {
		t.Error("a fresh key was forgotten")
	}
	if r := f.apply(CmdSaleAdd, "old", SaleAdd{Sale: id, SKU: "MELK", Qty: 1}); r.Replay {
		t.Error("a key older than two days was still remembered")
	}
}

// TestHugeAmountsStayExact: prices at the limit neither overflow nor hang
// (found by FuzzApply: a sale discount shared over huge lines overflowed).
func TestHugeAmountsStayExact(t *testing.T) {
	f := newFixture(t)
	f.ok(CmdItemPut, "", itemPut{Items: []Item{{SKU: "DYR", Name: "Dyr", Price: money.Max, Rate: money.Rate25, Unit: UnitPiece, Active: true}}})
	id := f.open()
	f.ok(CmdSaleAdd, "", SaleAdd{Sale: id, SKU: "DYR", Qty: 1})
	f.rejected("sale_too_large", CmdSaleAdd, SaleAdd{Sale: id, SKU: "DYR", Qty: 1})
	f.rejected("sale_too_large", CmdSaleQty, SaleQty{Sale: id, Line: 1, Qty: 9999})
	f.approver = "E2"
	s := saleOf(t, f.ok(CmdSaleDisc, "", SaleDiscount{Sale: id, Discount: Discount{Amount: money.Max - 1}}))
	f.approver = ""
	if s.Totals.Total != 1 || s.Lines[0].SaleDisc != money.Max-1 {
		t.Errorf("totals %+v", s.Totals)
	}
}

func TestActionsAndCopy(t *testing.T) {
	f := newFixture(t)
	id := f.open()
	f.ok(CmdSaleAdd, "", SaleAdd{Sale: id, SKU: "MELK", Qty: 1})
	f.rejected("not_completed", CmdReceiptCopy, saleRef{Sale: id})
	f.ok(CmdPayCash, "", PayCash{Sale: id, Tendered: 5000})
	acts, _ := f.l.PendingActions("K1")
	if len(acts) != 1 || acts[0].ID != "receipt/"+id || !acts[0].Kick || acts[0].Register != "K1" {
		t.Fatalf("pending actions after a cash sale: %+v", acts)
	}
	f.ok(CmdReceiptCopy, "", saleRef{Sale: id})
	f.rejected("copy_printed", CmdReceiptCopy, saleRef{Sale: id})
	f.rejected("permission_denied", CmdDrawerOpen, drawerReq{Reason: "nosale"})                   // a cashier alone
	f.rejected("permission_denied", CmdDrawerOpen, drawerReq{Reason: "nosale", ApprovedBy: "E1"}) // a cashier approving
	f.ok(CmdDrawerOpen, "", drawerReq{Reason: "nosale", ApprovedBy: "E2"})                        // a supervisor approving
	if acts, _ := f.l.PendingActions("K1"); len(acts) != 3 || acts[2].Kind != ActDrawer || !acts[2].Kick {
		t.Fatalf("a no-sale opening does not ask for a kick: %+v", acts)
	}
	f.ok(CmdActionDone, "", actionDone{ID: acts3(f)[2].ID, OK: true})
	f.ok(CmdActionDone, "", actionDone{ID: "receipt/" + id, OK: true})
	f.ok(CmdActionDone, "", actionDone{ID: "receipt/" + id, OK: false}) // a second report changes nothing
	acts, _ = f.l.PendingActions("K1")
	if len(acts) != 1 || acts[0].ID != "copy/"+id || acts[0].Kick {
		t.Fatalf("pending after the receipt printed: %+v", acts)
	}
	if a, _ := f.l.ActionOf("receipt/" + id); a.Status != ActDone {
		t.Errorf("receipt action %s", a.Status)
	}
	var events []int
	_ = f.l.Journal(1, func(e *Entry) error { events = append(events, e.Event); return nil })
	if !slices.Contains(events, EvCopy) {
		t.Error("copy receipt not journaled")
	}
}

func TestNoSaleWhileDrawerOpen(t *testing.T) {
	f := newFixture(t)
	id := f.open()
	f.ok(CmdDrawerState, "", drawerState{Open: true})
	f.rejected("drawer_open", CmdSaleAdd, SaleAdd{Sale: id, SKU: "MELK", Qty: 1})
	f.rejected("drawer_open", CmdSaleOpen, saleRef{Sale: "S-new"})
	env, _ := NewEnvelope(CmdSaleOpen, f.now, saleRef{Sale: "S-K2"})
	env.Register = "K2" // another register's drawer is its own
	if r := f.applyEnv(env); r.Reject != nil {
		t.Errorf("K2 blocked by K1's drawer: %v", r.Reject)
	}
	f.ok(CmdDrawerState, "", drawerState{Open: false})
	f.ok(CmdSaleAdd, "", SaleAdd{Sale: id, SKU: "MELK", Qty: 1})
	var closes int
	_ = f.l.Journal(1, func(e *Entry) error {
		if e.Event == EvDrawerClose {
			closes++
		}
		return nil
	})
	if closes != 1 {
		t.Errorf("%d drawer closings journaled, want 1", closes)
	}
}

func acts3(f *fixture) []Action { a, _ := f.l.PendingActions("K1"); return a }

func TestReturnRefundedInCash(t *testing.T) {
	f := newFixture(t)
	id := f.open()
	f.ok(CmdSaleAdd, "", SaleAdd{Sale: id, SKU: "MELK", Qty: 3})                              // 65,70 at 15 %
	f.ok(CmdSaleAdd, "", SaleAdd{Sale: id, SKU: "OPPVASK", Qty: 1})                           // 39,90 at 25 %
	f.ok(CmdSaleDisc, "", SaleDiscount{Sale: id, Line: 1, Discount: Discount{Percent: 1000}}) // 65,70 − 6,57 = 59,13
	f.ok(CmdPayCash, "", PayCash{Sale: id, Tendered: 20000})
	f.rejected("not_returnable", CmdReturnOpen, ReturnOpen{Return: "R0", Original: f.open()})
	f.ok(CmdReturnOpen, "", ReturnOpen{Return: "R1", Original: id})
	f.rejected("bad_quantity", CmdReturnAdd, ReturnAdd{Return: "R1", Line: 1, Qty: 4})
	// Two of three, discount included: 59,13 × 2/3 = 39,42.
	r := saleOf(t, f.ok(CmdReturnAdd, "", ReturnAdd{Return: "R1", Line: 1, Qty: 2}))
	if r.Totals.Total != -3942 || r.Totals.VAT[0].VAT != -514 { // 39,42 × 15/115 = 5,1417
		t.Errorf("return totals %+v", r.Totals)
	}
	f.rejected("is_return", CmdSaleAdd, SaleAdd{Sale: "R1", SKU: "MELK", Qty: 1})
	f.rejected("is_return", CmdPayCash, PayCash{Sale: "R1", Tendered: 100})
	// A second return cannot take more than the one left.
	f.ok(CmdReturnOpen, "", ReturnOpen{Return: "R2", Original: id})
	f.rejected("bad_quantity", CmdReturnAdd, ReturnAdd{Return: "R2", Line: 1, Qty: 2})
	// Refund in cash: −39,42 rounds to −39,00 (42 øre down, the customer's way round mirrors a sale).
	r = saleOf(t, f.ok(CmdReturnRefund, "", ReturnRefund{Return: "R1", Method: "cash"}))
	if r.Status != SaleCompleted || r.Totals.Paid != -3900 || r.Totals.Rounding != 42 || r.Receipt == nil {
		t.Fatalf("refunded return %+v %+v", r.Totals, r.Receipt)
	}
	if n, _ := f.l.Stock("MELK"); n != 100-3+2 {
		t.Errorf("stock after the return %d, want 99", n)
	}
	st, err := f.l.Verify()
	if err != nil || st.Signatures != 2 {
		t.Fatalf("verify after a return: %+v %v", st, err)
	}
	var sig *Signature
	_ = f.l.Journal(1, func(e *Entry) error {
		if e.Type == "return.complete" {
			sig = e.Sig
		}
		return nil
	})
	if sig == nil || sig.AmountIn != "-39.42" || sig.Nr != 2 {
		t.Errorf("the return's signature %+v", sig)
	}
}

// TestFollowerAnswersLater: a hub that applies as a follower (nobody there
// waits for the answer) builds the same state and journal, leaves a sale's
// answer unencoded, and still gives it to a listener on that hub.
func TestFollowerAnswersLater(t *testing.T) {
	f := newFixture(t)
	id := f.open()
	f.ok(CmdSaleAdd, "line-1", SaleAdd{Sale: id, SKU: "MELK", Qty: 2})
	f.ok(CmdSaleAdd, "", SaleAdd{Sale: id, SKU: "AVIS", Qty: 1})
	f.ok(CmdSaleAdd, "line-1", SaleAdd{Sale: id, SKU: "MELK", Qty: 2}) // a retry
	f.ok(CmdPayCash, "pay", PayCash{Sale: id, Tendered: 10000})
	var answers []Result
	want, err := f.l.StateHash()
	if err != nil {
		t.Fatal(err)
	}

	l2 := f.replica()
	var heard []json.RawMessage
	l2.OnApply(func(rs []Result) {
		for _, r := range rs {
			heard = append(heard, r.Answer())
		}
	})
	for i := 0; i < len(f.log); i += 3 {
		batch := slices.Clone(f.log[i:min(i+3, len(f.log))])
		for j := range batch {
			batch[j].Follower = true
		}
		for _, r := range l2.Apply(batch) {
			answers = append(answers, r.(Result))
		}
	}
	if got, _ := l2.StateHash(); got != want {
		t.Errorf("follower's state %s, want the leader's %s", got, want)
	}
	if _, err := l2.Verify(); err != nil {
		t.Error(err)
	}
	// The last four entries answer with the sale: none encoded in Apply,
	// each heard whole, the last one paid.
	n := len(answers)
	for i, r := range answers[n-4:] {
		if r.Value != nil || r.Sale != id {
			t.Errorf("entry %d: answer %q naming sale %q; want it unencoded, naming %s", n-4+i, r.Value, r.Sale, id)
		}
		var s Sale
		if err := json.Unmarshal(heard[n-4+i], &s); err != nil || s.ID != id {
			t.Errorf("entry %d: listener heard %q (%v), want sale %s", n-4+i, heard[n-4+i], err, id)
		}
		if i == 3 && s.Status != SaleCompleted {
			t.Errorf("listener heard the paid sale as %s", s.Status)
		}
	}
}
