package ledger

import (
	"reflect"
	"testing"

	"github.com/kasse/kasse/hub/money"
)

// TestCashMovementsSigned checks that the float, cash in and out and the
// count's difference are signed in their register's chain between the
// sales, with the amount each did to the drawer.
func TestCashMovementsSigned(t *testing.T) {
	f := newFixture(t)
	f.asOK("K1", "E1", CmdSessionOpen, SessionOpen{Session: "D1", Registers: []string{"K1", "K2"}, Float: 50000})
	f.sell("K1", "E1", "MELK", 2, false) // 43,80
	f.sell("K2", "E2", "AVIS", 1, true)  // 40,00
	f.asOK("K2", "E2", CmdCashMove, CashMoveReq{Kind: MoveIn, Amount: 20000, Reason: "veksel"})
	f.asOK("K1", "E2", CmdCashMove, CashMoveReq{Kind: MoveBankDrop, Amount: 10000, Reason: "bank"})
	// Expected 500,00 + 44,00 + 200,00 − 100,00 = 644,00; counted 643,00.
	f.asOK("K2", "E2", CmdDrawerCount, CountReq{Counted: map[string]money.Øre{"cash": 64300}})
	// A refused movement signs nothing.
	f.asRejected("no_session", "K1", "E2", CmdCashMove, CashMoveReq{Kind: MoveIn, Amount: 100, Reason: "x"})

	type signed struct {
		Type string
		Nr   int64
		In   string
		Ex   string
	}
	got := map[string][]signed{}
	if err := f.l.Journal(1, func(e *Entry) error {
		if e.Sig != nil {
			got[e.Register] = append(got[e.Register], signed{e.Type, e.Sig.Nr, e.Sig.AmountIn, e.Sig.AmountEx})
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want := map[string][]signed{
		"K1": {{"drawer.float", 1, "500.00", "500.00"}, {"sale.complete", 2, "43.80", "38.09"}, {"cash.out", 3, "-100.00", "-100.00"}},
		"K2": {{"sale.complete", 1, "40.00", "40.00"}, {"cash.in", 2, "200.00", "200.00"}, {"drawer.count", 3, "-1.00", "-1.00"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("signed transactions:\n got %+v\nwant %+v", got, want)
	}
	st, err := f.l.Verify()
	if err != nil || st.Signatures != 6 {
		t.Errorf("verify: %+v, %v", st, err)
	}
}

// TestTenderKeys: the tender a report counts a payment under, and its
// SAF-T payment code.
func TestTenderKeys(t *testing.T) {
	codes := map[string]int{}
	for _, c := range []struct {
		p    Payment
		key  string
		code int
	}{
		{Payment{Method: MethodCash}, "cash", CodeCash},
		{Payment{Method: MethodCard, Card: &CardInfo{Funding: "credit"}}, "card", CodeDebitCard}, // a bank card on reports
		{Payment{Method: MethodGift}, "giftcard", CodeGiftToken},
		{Payment{Method: MethodCredit}, "credit", CodeCreditNote},
		{Payment{Method: MethodMobile}, "mobile", CodeMobileApp},
		{Payment{Method: MethodOther, Tender: "Faktura", Code: 12006}, "other:Faktura", 12006},
	} {
		k := TenderKey(c.p)
		if c.p.Method == MethodOther {
			codes[k] = PaymentCode(c.p)
		}
		if got := tenderCode(k, codes); k != c.key || got != c.code {
			t.Errorf("%+v: %s %d, want %s %d", c.p, k, got, c.key, c.code)
		}
	}
	if got := tenderCode("other:Gone", codes); got != CodeOther {
		t.Errorf("a tender without a code: %d", got)
	}
}
