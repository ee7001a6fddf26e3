package ledger

import (
	"encoding/json"
	"testing"
)

// FuzzDayCommands feeds arbitrary bodies to the cashier's day commands, by
// a cashier or a supervisor, on a register with a drawer session and a
// completed sale: never a ledger error, a refusal journals nothing, the
// journal verifies, and the grand totals still add up.
func FuzzDayCommands(f *testing.F) {
	types := []string{CmdSessionOpen, CmdSessionJoin, CmdCashMove, CmdDrawerCount, CmdClockIn, CmdClockOut,
		CmdTrainingOn, CmdTrainingOff, CmdReportX, CmdReportZ}
	for i := range types {
		f.Add(uint8(i), false, []byte(`{"session":"D1","kind":"out","amount":100,"reason":"x","float":5}`))
		f.Add(uint8(i), true, []byte(`{"counted":{"cash":-1,"gold":5},"employee":"E1","approvedBy":"E2"}`))
	}
	f.Fuzz(func(t *testing.T, which uint8, supervisor bool, body []byte) {
		if !json.Valid(body) {
			return
		}
		fx := newFixture(t)
		fx.asOK("K1", "E1", CmdSessionOpen, SessionOpen{Session: "D1", Float: 10000})
		fx.sell("K1", "E1", "MELK", 1, false)
		head, _, _ := fx.l.JournalHead()
		emp := "E1"
		if supervisor {
			emp = "E2"
		}
		typ := types[int(which)%len(types)]
		res := fx.applyEnv(&Envelope{V: Version, Type: typ, Time: fx.now, Register: "K1", Employee: emp, Body: body})
		if res.Err != nil {
			t.Fatalf("%s %s: ledger error %v", typ, body, res.Err)
		}
		if h, _, _ := fx.l.JournalHead(); res.Reject != nil && h != head {
			t.Fatalf("%s refused (%v) but journaled", typ, res.Reject)
		}
		if _, err := fx.l.Verify(); err != nil {
			t.Fatalf("%s %s: journal broken: %v", typ, body, err)
		}
		r, err := fx.l.CurrentCounters("K1")
		if err != nil || r.Grand.Net != r.Grand.Sales+r.Grand.Returns || r.Grand.Sales != 2190 {
			t.Fatalf("%s %s: grand totals %+v (%v)", typ, body, r.Grand, err)
		}
	})
}
