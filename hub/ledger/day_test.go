package ledger

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/kasse/kasse/hub/money"
)

// as applies a command from register reg with employee emp logged in.
func (f *fixture) as(reg, emp, typ string, body any) Result {
	f.t.Helper()
	env, err := NewEnvelope(typ, f.now, body)
	if err != nil {
		f.t.Fatal(err)
	}
	env.Register, env.Employee = reg, emp
	return f.applyEnv(env)
}

func (f *fixture) asOK(reg, emp, typ string, body any) Result {
	f.t.Helper()
	res := f.as(reg, emp, typ, body)
	if res.Err != nil || res.Reject != nil {
		f.t.Fatalf("%s on %s by %s: err %v, rejected %v", typ, reg, emp, res.Err, res.Reject)
	}
	return res
}

func (f *fixture) asRejected(code, reg, emp, typ string, body any) {
	f.t.Helper()
	res := f.as(reg, emp, typ, body)
	if res.Reject == nil || res.Reject.Code != code {
		f.t.Fatalf("%s on %s by %s: want rejection %q, got %+v (err %v)", typ, reg, emp, code, res.Reject, res.Err)
	}
}

func value[T any](t *testing.T, r Result) *T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.Value, &v); err != nil {
		t.Fatal(err)
	}
	return &v
}

// sell sells qty of sku on reg by emp, paid in cash (tendered exact after
// rounding) or by card.
func (f *fixture) sell(reg, emp, sku string, qty int64, card bool) *Sale {
	f.t.Helper()
	f.n++
	id := "S" + reg + emp + string(rune('a'+f.n))
	f.asOK(reg, emp, CmdSaleOpen, saleRef{Sale: id})
	s := saleOf(f.t, f.asOK(reg, emp, CmdSaleAdd, SaleAdd{Sale: id, SKU: sku, Qty: qty}))
	if card {
		at := "P" + id
		f.asOK(reg, emp, CmdPayStart, PayStart{Sale: id, Attempt: at, Method: "card", Amount: s.Totals.Due})
		return saleOf(f.t, f.asOK(reg, emp, CmdPayResult, PayResult{Attempt: at, Outcome: Outcome{Status: AttemptApproved,
			Authorized: s.Totals.Due, Card: &CardInfo{TerminalTx: "T" + id}}}))
	}
	return saleOf(f.t, f.asOK(reg, emp, CmdPayCash, PayCash{Sale: id, Tendered: s.Totals.Due + 100}))
}

func TestSessionSharedByRegistersAndEmployees(t *testing.T) {
	f := newFixture(t)
	f.asRejected("not_logged_in", "K1", "", CmdSessionOpen, SessionOpen{Session: "D1", Float: 50000})
	f.asRejected("unknown_register", "K1", "E1", CmdSessionOpen, SessionOpen{Session: "D1", Registers: []string{"K1", "K9"}, Float: 50000})
	d := value[DrawerSession](t, f.asOK("K1", "E1", CmdSessionOpen, SessionOpen{Session: "D1", Registers: []string{"K1", "K2"}, Float: 50000}))
	if d.Status != SessionActive || !slices.Equal(d.Registers, []string{"K1", "K2"}) || d.Expected()["cash"] != 50000 {
		t.Fatalf("opened %+v", d)
	}
	f.asRejected("session_open", "K2", "E2", CmdSessionOpen, SessionOpen{Session: "D2", Float: 100})
	if a := acts3(f); len(a) != 1 || a[0].Kind != ActDrawer {
		t.Errorf("the float opens the drawer: %+v", a)
	}

	f.sell("K1", "E1", "MELK", 2, false) // 43,80 → 44,00 in cash
	f.sell("K2", "E2", "AVIS", 1, true)  // 40,00 by card
	f.asOK("K2", "E2", CmdCashMove, CashMoveReq{Kind: MoveIn, Amount: 20000, Reason: "veksel fra safen"})
	f.asRejected("permission_denied", "K1", "E1", CmdCashMove, CashMoveReq{Kind: MoveOut, Amount: 10000, Reason: "lunsj"})
	f.asRejected("reason_required", "K1", "E1", CmdCashMove, CashMoveReq{Kind: MoveIn, Amount: 10000})
	f.asRejected("bad_kind", "K1", "E1", CmdCashMove, CashMoveReq{Kind: "gift", Amount: 10000, Reason: "x"})
	// 500,00 + 44,00 + 200,00 = 744,00 in cash: 800,00 cannot leave.
	f.asRejected("not_enough_cash", "K1", "E2", CmdCashMove, CashMoveReq{Kind: MoveBankDrop, Amount: 80000, Reason: "bank"})
	d = value[DrawerSession](t, f.asOK("K1", "E1", CmdCashMove, CashMoveReq{Kind: MoveOut, Amount: 10000, Reason: "lunsj", ApprovedBy: "E2"}))
	if got := d.Expected(); got["cash"] != 64400 || got["card"] != 4000 || d.Moves[1].ApprovedBy != "E2" {
		t.Errorf("expected %v, moves %+v", got, d.Moves)
	}

	// K2 counts for both registers: 643,00 cash (−1,00), card as expected.
	d = value[DrawerSession](t, f.asOK("K2", "E2", CmdDrawerCount, CountReq{Counted: map[string]money.Øre{"cash": 64300}}))
	c := d.Count
	if d.Status != SessionCounted || c.Difference["cash"] != -100 || c.Counted["card"] != 4000 || c.Total != -100 ||
		!slices.Equal(d.Employees, []string{"E1", "E2"}) {
		t.Errorf("count %+v %+v", d, c)
	}
	for _, reg := range []string{"K1", "K2"} {
		if _, err := f.l.SessionOf(reg); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s still in a session after the count: %v", reg, err)
		}
	}
	f.asRejected("no_session", "K1", "E1", CmdDrawerCount, CountReq{Counted: map[string]money.Øre{"cash": 0}})
	// A new day, a new session; the counted one stays as it was.
	f.asOK("K1", "E1", CmdSessionOpen, SessionOpen{Session: "D2", Float: 50000})
	f.asRejected("session_exists", "K2", "E2", CmdSessionOpen, SessionOpen{Session: "D2", Float: 50000})
	f.asRejected("cash_not_counted", "K1", "E1", CmdDrawerCount, CountReq{Counted: map[string]money.Øre{"card": 0}})
	f.asOK("K2", "E2", CmdSessionJoin, SessionJoin{Session: "D2"})
	if old, _ := f.l.Session("D1"); old.Status != SessionCounted || old.Count.Total != -100 {
		t.Errorf("D1 changed: %+v", old)
	}
}

func TestTrainingKeptApart(t *testing.T) {
	f := newFixture(t)
	real := f.sell("K1", "E1", "MELK", 1, false)
	f.asRejected("training_off", "K1", "E1", CmdTrainingOff, struct{}{})
	f.asOK("K1", "E1", CmdTrainingOn, struct{}{})
	f.asRejected("training_on", "K1", "E1", CmdTrainingOn, struct{}{})
	tr := f.sell("K1", "E1", "MELK", 3, false)
	if !tr.Training || tr.Status != SaleCompleted {
		t.Fatalf("training sale %+v", tr)
	}
	f.asRejected("training_mode", "K1", "E1", CmdReturnOpen, ReturnOpen{Return: "R1", Original: real.ID})
	f.asOK("K1", "E1", CmdReturnOpen, ReturnOpen{Return: "R2", Original: tr.ID})
	f.asOK("K1", "E1", CmdReturnAdd, ReturnAdd{Return: "R2", Line: 1, Qty: 1})
	f.asOK("K1", "E1", CmdReturnRefund, ReturnRefund{Return: "R2", Method: "cash"})
	f.asOK("K1", "E1", CmdTrainingOff, struct{}{})
	f.asRejected("training_mode", "K1", "E1", CmdReturnOpen, ReturnOpen{Return: "R3", Original: tr.ID})
	// 100 at start, one sold for real; training sold 3 and took 1 back.
	if n, _ := f.l.Stock("MELK"); n != 99 {
		t.Errorf("stock %d, want 99", n)
	}
	r, err := f.l.CurrentCounters("K1")
	if err != nil {
		t.Fatal(err)
	}
	if r.Receipts != 1 || r.TotalCashSales != 2190 || r.Training != (Count{2, 6570 - 2190}) || r.Returns != (Count{}) || r.Grand.Net != 2190 {
		t.Errorf("counters %+v", r)
	}
	var events []int
	f.l.Journal(1, func(e *Entry) error {
		if e.Event >= EvTrainRec && e.Event <= EvTrainOff && e.Event != EvCashOut {
			events = append(events, e.Event)
		}
		return nil
	})
	if !slices.Equal(events, []int{EvTrainOn, EvTrainRec, EvTrainRec, EvTrainOff}) {
		t.Errorf("training events %v", events)
	}
	// Sales receipts 1, 2 without a gap; training receipts 1, 2 (the sale
	// and its return) apart.
	real2 := f.sell("K1", "E1", "MELK", 1, false)
	ret, err := f.l.Sale("R2")
	if err != nil || real.Receipt.No != 1 || real2.Receipt.No != 2 || tr.Receipt.No != 1 || ret.Receipt.No != 2 {
		t.Errorf("receipt numbers: sales %d, %d; training %d, %+v (%v)", real.Receipt.No, real2.Receipt.No, tr.Receipt.No, ret.Receipt, err)
	}
	if got, err := f.l.SaleByReceipt("K1", 2); err != nil || got.ID != real2.ID {
		t.Errorf("receipt 2 of K1 is %v (%v), want the second real sale", got, err)
	}
}

func TestZReports(t *testing.T) {
	f := newFixture(t)
	f.asRejected("nothing_to_report", "K1", "E2", CmdReportZ, ReportReq{})
	f.asRejected("not_logged_in", "K1", "", CmdReportX, ReportReq{})
	x := value[Report](t, f.asOK("K1", "E1", CmdReportX, ReportReq{}))
	if x.Kind != "X" || x.No != 0 || x.Receipts != 0 || x.Shop != "Bakeriet på hjørnet" || x.OrgNr != "987654321" {
		t.Errorf("X of an unused register: %+v", x)
	}
	f.asRejected("nothing_to_report", "K1", "E2", CmdReportZ, ReportReq{}) // an X is no use of the register

	f.sell("K1", "E1", "MELK", 1, false) // 21,90
	f.sell("K2", "E1", "AVIS", 1, true)  // on the other register
	f.asRejected("permission_denied", "K1", "E1", CmdReportZ, ReportReq{})
	f.asRejected("permission_denied", "K1", "E1", CmdReportZ, ReportReq{ApprovedBy: "E1"})
	z1 := value[Report](t, f.asOK("K1", "E1", CmdReportZ, ReportReq{ApprovedBy: "E2"}))
	if z1.No != 1 || z1.Receipts != 1 || z1.TotalCashSales != 2190 || z1.Grand != (Grand{Sales: 2190, Net: 2190, Z: 1}) {
		t.Errorf("Z 1: %+v", z1)
	}
	f.asRejected("nothing_to_report", "K1", "E2", CmdReportZ, ReportReq{})
	f.sell("K1", "E1", "OPPVASK", 2, false) // 79,80
	z2 := value[Report](t, f.asOK("K1", "E2", CmdReportZ, ReportReq{}))
	if z2.No != 2 || z2.Receipts != 1 || z2.TotalCashSales != 7980 || z2.Grand != (Grand{Sales: 10170, Net: 10170, Z: 2}) {
		t.Errorf("Z 2: %+v", z2)
	}
	zk2 := value[Report](t, f.asOK("K2", "E2", CmdReportZ, ReportReq{}))
	if zk2.No != 1 || zk2.Payments[0] != (TenderCount{"card", CodeDebitCard, Count{1, 4000}}) {
		t.Errorf("K2's first Z: %+v", zk2)
	}
	// The journal holds each report whole, and it prints.
	got, err := f.l.ReportAt(z2.Journal)
	if err != nil || !reflect.DeepEqual(got, z2) {
		t.Errorf("journaled Z %+v (%v), answered %+v", got, err, z2)
	}
	if e, _ := f.l.Entry(z2.Journal); e.Event != EvZReport || e.Employee != "E2" {
		t.Errorf("Z entry %+v", e)
	}
	if e, _ := f.l.Entry(x.Journal); e.Event != EvXReport {
		t.Errorf("X entry %+v", e)
	}
	if act, err := f.l.ActionOf(z2.Action); err != nil || act.Kind != ActReport || act.Report != z2.Journal || act.Register != "K1" {
		t.Errorf("print action %+v %v", act, err)
	}
	if _, err := f.l.ReportAt(1); !errors.Is(err, ErrNotFound) {
		t.Errorf("entry 1 read as a report: %v", err)
	}
}

func TestTimeClock(t *testing.T) {
	f := newFixture(t)
	start := f.now
	f.asRejected("unknown_employee", "K1", "", CmdClockIn, ClockReq{Employee: "E9"})
	f.asRejected("not_clocked_in", "K1", "", CmdClockOut, ClockReq{Employee: "E1"})
	in := value[Clocked](t, f.asOK("K1", "", CmdClockIn, ClockReq{Employee: "E1"}))
	f.asRejected("clocked_in", "K2", "", CmdClockIn, ClockReq{Employee: "E1"})
	f.now = in.In.Add(8*time.Hour + 30*time.Minute)
	sh := value[Shift](t, f.asOK("K2", "", CmdClockOut, ClockReq{Employee: "E1"}))
	if sh.Seconds != 8*3600+1800 || sh.RegisterIn != "K1" || sh.RegisterOut != "K2" {
		t.Errorf("shift %+v", sh)
	}
	f.now = f.now.Add(24 * time.Hour)
	f.asOK("K1", "", CmdClockIn, ClockReq{Employee: "E1"})
	h, err := f.l.HoursOf("E1", time.Time{}, time.Time{})
	if err != nil || len(h.Shifts) != 1 || h.Seconds != sh.Seconds || h.Now == nil {
		t.Fatalf("all hours %+v %v", h, err)
	}
	if h, _ := f.l.HoursOf("E1", start.Add(time.Hour), time.Time{}); len(h.Shifts) != 0 {
		t.Errorf("a shift that began before from: %+v", h.Shifts)
	}
	if h, _ := f.l.HoursOf("E2", time.Time{}, time.Time{}); len(h.Shifts) != 0 || h.Now != nil {
		t.Errorf("E2 never clocked in: %+v", h)
	}
	var ev []string
	f.l.Journal(1, func(e *Entry) error {
		if e.Type == "clock.in" || e.Type == "clock.out" {
			ev = append(ev, e.Type+" "+e.Employee+" "+e.Register)
		}
		return nil
	})
	if !slices.Equal(ev, []string{"clock.in E1 K1", "clock.out E1 K2", "clock.in E1 K1"}) {
		t.Errorf("journal %v", ev)
	}
}

// TestDayReplays: a day's counters, sessions, hours and reports come out
// the same, byte for byte, when the log is applied again in other batches.
func TestDayReplays(t *testing.T) {
	f := newFixture(t)
	f.asOK("K1", "E1", CmdSessionOpen, SessionOpen{Session: "D1", Registers: []string{"K1", "K2"}, Float: 50000})
	f.asOK("K1", "", CmdClockIn, ClockReq{Employee: "E1"})
	for i := range 6 {
		f.sell([]string{"K1", "K2"}[i%2], "E1", []string{"MELK", "AVIS", "KINO"}[i%3], int64(i+1), i%3 == 0)
	}
	f.asOK("K1", "E1", CmdTrainingOn, struct{}{})
	f.sell("K1", "E1", "MELK", 1, false)
	f.asOK("K1", "E1", CmdTrainingOff, struct{}{})
	f.asOK("K1", "E1", CmdReportX, ReportReq{})
	f.asOK("K1", "E2", CmdCashMove, CashMoveReq{Kind: MoveBankDrop, Amount: 10000, Reason: "bank"})
	f.asOK("K2", "E2", CmdDrawerCount, CountReq{Counted: map[string]money.Øre{"cash": 1}})
	f.asOK("K1", "E2", CmdReportZ, ReportReq{})
	f.asOK("K1", "", CmdClockOut, ClockReq{Employee: "E1"})
	want, _ := f.l.StateHash()

	l2 := f.replica()
	for i := 0; i < len(f.log); i += 5 {
		l2.Apply(f.log[i:min(i+5, len(f.log))])
	}
	if got, _ := l2.StateHash(); got != want {
		t.Errorf("replayed state %s, want %s", got, want)
	}
	if _, err := l2.Verify(); err != nil {
		t.Error(err)
	}
}
