package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kasse/kasse/drivers/terminal"
	"github.com/kasse/kasse/drivers/terminal/terminaltest"
	"github.com/kasse/kasse/hub/barcode"
	"github.com/kasse/kasse/hub/ledger"
	"github.com/kasse/kasse/hub/money"
	"github.com/kasse/kasse/hub/till"
)

// must sends a request that has to answer want, and decodes the answer.
func (s *stack) must(t *testing.T, want int, method, path, key, body string, out any) {
	t.Helper()
	code, b := s.call(t, tokenK1, method, path, key, body)
	if code != want {
		t.Fatalf("%s %s: %d %s, want %d", method, path, code, b, want)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatal(err)
		}
	}
}

// saleWith opens a sale on K1 with the given SKUs; price, if not 0,
// overrides the first line's price (its øre choose what a stand-in does).
func (s *stack) saleWith(t *testing.T, price money.Øre, skus ...string) string {
	t.Helper()
	id := s.openSale(t, tokenK1)
	for i, sku := range skus {
		s.must(t, 200, "POST", "/api/v1/sales/"+id+"/lines", fmt.Sprintf("l%d-%s", i, id), `{"sku":"`+sku+`"}`, nil)
	}
	if price != 0 {
		// A price override needs a manager's approval (Ingrid, 1003).
		if code, b := s.callApproved(t, tokenK1, "POST", "/api/v1/sales/"+id+"/lines/1/price", "p-"+id, fmt.Sprintf(`{"price":%d}`, price), "1003", "3456"); code != 200 {
			t.Fatalf("price override: %d %s", code, b)
		}
	}
	return id
}

// await reads a payment attempt until it has an outcome.
func (s *stack) await(t *testing.T, attempt string) *ledger.Attempt {
	t.Helper()
	for {
		at, err := s.l.Attempt(attempt)
		if err != nil {
			t.Fatal(err)
		}
		if at.Status != ledger.AttemptPending {
			return at
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// sellGiftCard sells gift card number holding amount, paid in cash.
func (s *stack) sellGiftCard(t *testing.T, number string, amount money.Øre) {
	t.Helper()
	id := s.openSale(t, tokenK1)
	s.must(t, 200, "POST", "/api/v1/sales/"+id+"/giftcards", "g-"+id, fmt.Sprintf(`{"number":%q,"amount":%d}`, number, amount), nil)
	var sl ledger.Sale
	s.must(t, 200, "POST", "/api/v1/sales/"+id+"/payments", "c-"+id, fmt.Sprintf(`{"method":"cash","amount":%d}`, amount), &sl)
	if sl.Status != ledger.SaleCompleted {
		t.Fatalf("gift card sale %s", sl.Status)
	}
}

// TestGiftCardRedeemedByManyRegisters: twelve registers redeem one card at
// the same moment for a 150,00 cinema ticket each. The card holds 1000,00:
// six take 150,00, one takes the last 100,00, the rest are told it is
// empty. The balance never goes below zero.
func TestGiftCardRedeemedByManyRegisters(t *testing.T) {
	s := newStack(t)
	ctx := context.Background()
	const n = 12
	var regs []ledger.Register
	for i := range n {
		regs = append(regs, ledger.Register{ID: fmt.Sprintf("R%02d", i), Name: "Pop-up"})
	}
	if err := s.svc.SetUp(ctx, ledger.Shop{}, regs, nil); err != nil {
		t.Fatal(err)
	}
	s.sellGiftCard(t, "GC-7777-0001", 100000)
	sales := make([]string, n)
	for i, r := range regs {
		req := till.Req{Register: r.ID}
		b, err := s.svc.OpenSale(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		sl, _ := till.DecodeSale(b)
		if _, err := s.svc.AddSKU(ctx, req, sl.ID, "1801", 1); err != nil {
			t.Fatal(err)
		}
		sales[i] = sl.ID
	}
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		paid  = make([]money.Øre, n)
		empty = make([]bool, n)
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			b, err := s.svc.PayVoucher(ctx, till.Req{Register: regs[i].ID, Key: "redeem", Hash: "h"}, sales[i], ledger.MethodGift, "gc 7777 0001", 0)
			var rej *ledger.Rejection
			if errors.As(err, &rej) && rej.Code == "voucher_empty" {
				empty[i] = true
				return
			}
			if err != nil {
				t.Error(err)
				return
			}
			sl, _ := till.DecodeSale(b)
			paid[i] = sl.Totals.Paid
		}()
	}
	close(start)
	wg.Wait()
	var sum money.Øre
	full, part, none := 0, 0, 0
	for i := range n {
		sum += paid[i]
		switch {
		case paid[i] == 15000:
			full++
		case paid[i] == 10000:
			part++
		case empty[i]:
			none++
		}
	}
	if sum != 100000 || full != 6 || part != 1 || none != 5 {
		t.Errorf("redeemed %d in total (%d full, %d partial, %d refused), want 1000,00 as 6 + 1 + 5", sum, full, part, none)
	}
	v, err := s.l.Voucher("GC77770001")
	if err != nil || v.Balance != 0 {
		t.Fatalf("card after: %+v %v", v, err)
	}
	var h struct {
		History []ledger.VoucherMove `json:"history"`
	}
	s.must(t, 200, "GET", "/api/v1/vouchers/GC77770001", "", "", &h)
	if len(h.History) != 8 {
		t.Errorf("history has %d entries, want issue + 7 redemptions", len(h.History))
	}
	for _, m := range h.History {
		if m.Balance < 0 {
			t.Errorf("balance went negative: %+v", m)
		}
	}
}

// TestSplitTenderAllKinds pays one sale with a gift card, a credit note,
// an invoice, the mobile app, a card and cash.
func TestSplitTenderAllKinds(t *testing.T) {
	s := newStack(t)
	s.sellGiftCard(t, "GC100200", 5000)
	// A credit note from a return of one milk (21,90), refunded as credit.
	old := s.saleWith(t, 0, "1001")
	s.must(t, 200, "POST", "/api/v1/sales/"+old+"/payments", "c-"+old, `{"method":"cash","amount":2200}`, nil)
	var ret ledger.Sale
	s.must(t, 201, "POST", "/api/v1/returns", "r-"+old, `{"code":"`+old+`"}`, &ret)
	s.must(t, 200, "POST", "/api/v1/returns/"+ret.ID+"/lines", "rl-"+old, `{"line":1,"qty":1}`, nil)
	s.must(t, 200, "POST", "/api/v1/returns/"+ret.ID+"/refund", "rr-"+old, `{"method":"credit"}`, &ret)
	note := ret.Payments[0].Ref
	if ret.Status != ledger.SaleCompleted || ret.Payments[0].Method != ledger.MethodCredit || len(note) != 13 {
		t.Fatalf("credit refund %+v", ret.Payments)
	}

	// Norvegia 89,90 + Brunost 94,90 + Kaffe 64,90 = 249,70.
	id := s.saleWith(t, 0, "1003", "1004", "1201")
	pay := func(key, body string, want int) ledger.Sale {
		var sl ledger.Sale
		s.must(t, want, "POST", "/api/v1/sales/"+id+"/payments", key+id, body, &sl)
		return sl
	}
	sl := pay("gc", `{"method":"giftcard","number":"GC100200"}`, 200)            // 50,00 → 199,70
	sl = pay("cn", `{"method":"credit","number":"`+note+`","amount":1000}`, 200) // 10,00 → 189,70
	code, b := s.call(t, tokenK1, "POST", "/api/v1/sales/"+id+"/payments", "inv0", `{"method":"invoice","amount":3000}`)
	if code != 422 || !strings.Contains(string(b), "needs_ref") {
		t.Errorf("an invoice without a customer: %d %s", code, b)
	}
	sl = pay("inv", `{"method":"invoice","amount":3000,"ref":"Bedrift AS"}`, 200) // 30,00 → 159,70
	var mob till.CardResult
	s.must(t, 202, "POST", "/api/v1/sales/"+id+"/payments", "mob"+id, `{"method":"mobile","amount":4064,"phone":"4791234567"}`, &mob)
	if mob.Attempt.Status != ledger.AttemptPending {
		t.Fatalf("a mobile payment waits for the customer: %+v", mob.Attempt)
	}
	if !s.mobile.Approve(mob.Attempt.ID) {
		t.Fatal("the provider has no such payment")
	}
	if at := s.await(t, mob.Attempt.ID); at.Status != ledger.AttemptApproved { // 40,64 → 119,06
		t.Fatalf("mobile %+v", at)
	}
	var card till.CardResult
	s.must(t, 200, "POST", "/api/v1/sales/"+id+"/payments", "card"+id, `{"method":"card","amount":10000}`, &card) // 100,00 → 19,06
	sl = pay("cash", `{"method":"cash","amount":2000}`, 200)                                                      // 19,06 → 19,00, change 1,00
	if sl.Status != ledger.SaleCompleted || sl.Totals.Total != 24970 || sl.Totals.Rounding != -6 || sl.Totals.Change != 100 {
		t.Fatalf("split sale %s %+v", sl.Status, sl.Totals)
	}
	var got []int
	for _, p := range sl.Payments {
		got = append(got, ledger.PaymentCode(p))
	}
	if fmt.Sprint(got) != "[12005 12010 12006 12011 12002 12001]" {
		t.Errorf("payment codes %v", got)
	}
	if p := sl.Payments[3]; p.Ref == "" || p.Amount != 4064 {
		t.Errorf("mobile payment without the provider's reference: %+v", p)
	}
	if p := sl.Payments[4]; p.Card == nil || p.Card.Masked != "411111******1111" || p.Card.Approval == "" || p.Card.TerminalTx == "" || p.Card.Brand != "VISA" {
		t.Errorf("card payment %+v", p)
	}
	var v struct{ Voucher ledger.Voucher }
	s.must(t, 200, "GET", "/api/v1/vouchers/"+note, "", "", &v)
	if v.Voucher.Balance != 1190 {
		t.Errorf("credit note keeps %d, want 21,90 − 10,00", v.Voucher.Balance)
	}
}

func TestMobileOutcomes(t *testing.T) {
	s := newStack(t)
	start := func(price money.Øre) (string, till.CardResult) {
		id := s.saleWith(t, price, "1001")
		var res till.CardResult
		code, b := s.call(t, tokenK1, "POST", "/api/v1/sales/"+id+"/payments", "m-"+id, `{"method":"mobile","phone":"4791234567"}`)
		if code != 202 && code != 200 {
			t.Fatal(code, string(b))
		}
		_ = json.Unmarshal(b, &res)
		return id, res
	}
	t.Run("declined in the app", func(t *testing.T) {
		id, res := start(2161)
		if at := s.await(t, res.Attempt.ID); at.Status != ledger.AttemptDeclined {
			t.Errorf("%+v", at)
		}
		if sl, _ := s.l.Sale(id); sl.Status != ledger.SaleOpen || sl.Totals.Paid != 0 {
			t.Errorf("sale %s paid %d", sl.Status, sl.Totals.Paid)
		}
	})
	t.Run("lost reply is looked up and booked once", func(t *testing.T) {
		id, res := start(2163)
		if at := s.await(t, res.Attempt.ID); at.Status != ledger.AttemptApproved {
			t.Errorf("%+v", at)
		}
		sl, _ := s.l.Sale(id)
		if p, _ := s.mobile.Payment(res.Attempt.ID); sl.Status != ledger.SaleCompleted || len(sl.Payments) != 1 || p.Captured != 2163 {
			t.Errorf("sale %s with %d payments; captured %d", sl.Status, len(sl.Payments), p.Captured)
		}
	})
	t.Run("provider unreachable: failed at once, take another tender", func(t *testing.T) {
		s.mobile.SetDown(true)
		defer s.mobile.SetDown(false)
		id, res := start(2100)
		if res.Attempt == nil || res.Attempt.Status != ledger.AttemptFailed {
			t.Fatalf("%+v", res.Attempt)
		}
		if sl, _ := s.l.Sale(id); sl.Totals.Paid != 0 || len(sl.Pending) != 0 {
			t.Errorf("sale paid %d pending %v", sl.Totals.Paid, sl.Pending)
		}
	})
	t.Run("cashier aborts", func(t *testing.T) {
		id, res := start(2164)
		var ab till.CardResult
		s.must(t, 200, "POST", "/api/v1/payments/"+res.Attempt.ID+"/abort", "a-"+id, "", &ab)
		if ab.Attempt.Status != ledger.AttemptDeclined || ab.Sale.Totals.Due != 2164 {
			t.Errorf("after abort %+v", ab.Attempt)
		}
	})
	t.Run("refund of a return goes back through the app", func(t *testing.T) {
		id, res := start(0)
		s.await(t, res.Attempt.ID)
		var ret ledger.Sale
		s.must(t, 201, "POST", "/api/v1/returns", "r-"+id, `{"original":"`+id+`"}`, &ret)
		s.must(t, 200, "POST", "/api/v1/returns/"+ret.ID+"/lines", "rl-"+id, `{"line":1,"qty":1}`, nil)
		var rf till.CardResult
		s.must(t, 200, "POST", "/api/v1/returns/"+ret.ID+"/refund", "rr-"+id, `{}`, &rf)
		if p, _ := s.mobile.Payment(res.Attempt.ID); rf.Sale.Status != ledger.SaleCompleted || p.Refunded != 2190 || rf.Sale.Totals.Paid != -2190 {
			t.Errorf("refund %s paid %d; provider refunded %d", rf.Sale.Status, rf.Sale.Totals.Paid, p.Refunded)
		}
	})
}

// TestMobileResolvedAfterRestart: the hub journaled a mobile payment and
// died before it heard back; a new service on the same ledger asks the
// provider and books it once. One that never reached the provider is
// booked failed.
func TestMobileResolvedAfterRestart(t *testing.T) {
	s := newStack(t)
	ctx := context.Background()
	a := s.saleWith(t, 0, "1003") // 89,90
	b := s.saleWith(t, 0, "1004") // 94,90
	r := till.Req{Register: "K1"}
	if _, err := s.svc.Do(ctx, r, ledger.CmdPayStart, ledger.PayStart{Sale: a, Attempt: "M-A", Method: ledger.MethodMobile, Amount: 8990}); err != nil {
		t.Fatal(err)
	}
	if err := s.mobile.Create(ctx, "M-A", 8990, "4791234567"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.svc.Do(ctx, r, ledger.CmdPayStart, ledger.PayStart{Sale: b, Attempt: "M-B", Method: ledger.MethodMobile, Amount: 9490}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond) // the new service starts after both attempts
	svc2 := till.New(s.l, s.node, nil, barcode.DefaultLayouts(), slog.New(slog.DiscardHandler))
	svc2.Mobile, svc2.ResolveAfter = s.mobile, 0
	svc2.ResolvePending(ctx)
	svc2.ResolvePending(ctx)
	sa, _ := s.l.Sale(a)
	sb, _ := s.l.Sale(b)
	if sa.Status != ledger.SaleCompleted || len(sa.Payments) != 1 || sa.Totals.Paid != 8990 {
		t.Errorf("approved while the hub was down: %s %+v", sa.Status, sa.Payments)
	}
	if at, _ := s.l.Attempt("M-B"); at.Status != ledger.AttemptFailed || sb.Totals.Paid != 0 || len(sb.Pending) != 0 {
		t.Errorf("never reached the provider: %+v, sale paid %d", at, sb.Totals.Paid)
	}
}

func TestCardRefundReversalAbortTip(t *testing.T) {
	s := newStack(t)
	payCard := func(id string) till.CardResult {
		var res till.CardResult
		s.must(t, 200, "POST", "/api/v1/sales/"+id+"/payments", "c-"+id, `{"method":"card"}`, &res)
		return res
	}
	t.Run("a return of the whole sale the same day is a reversal", func(t *testing.T) {
		id := s.saleWith(t, 0, "1001", "1002") // 21,90 + 23,90
		res := payCard(id)
		var ret ledger.Sale
		s.must(t, 201, "POST", "/api/v1/returns", "r-"+id, `{"code":"K1/`+fmt.Sprint(res.Sale.Receipt.No)+`"}`, &ret)
		if ret.Original != id {
			t.Fatalf("found %s by receipt number, want %s", ret.Original, id)
		}
		s.must(t, 200, "POST", "/api/v1/returns/"+ret.ID+"/lines", "rl1-"+id, `{"line":1,"qty":1}`, nil)
		s.must(t, 200, "POST", "/api/v1/returns/"+ret.ID+"/lines", "rl2-"+id, `{"line":2,"qty":1}`, nil)
		var rf till.CardResult
		s.must(t, 200, "POST", "/api/v1/returns/"+ret.ID+"/refund", "rr-"+id, `{}`, &rf)
		if rf.Attempt.Kind != ledger.AttemptReversal || rf.Sale.Status != ledger.SaleCompleted || rf.Sale.Totals.Paid != -4580 {
			t.Fatalf("reversal %+v; return %s paid %d", rf.Attempt, rf.Sale.Status, rf.Sale.Totals.Paid)
		}
		tx, _ := s.term.Transaction(terminal.ServiceID(res.Attempt.ID))
		if tx.State != terminaltest.Reversed || tx.ReversedØre != 4580 {
			t.Errorf("terminal: %+v", tx)
		}
		code, b := s.call(t, tokenK1, "POST", "/api/v1/payments/"+res.Attempt.ID+"/reverse", "again-"+id, `{"sale":"`+ret.ID+`"}`)
		if code != http.StatusConflict {
			t.Errorf("a second reversal: %d %s", code, b)
		}
	})
	t.Run("part of a sale goes back as a card refund", func(t *testing.T) {
		id := s.saleWith(t, 0, "1001", "1002")
		payCard(id)
		var ret ledger.Sale
		s.must(t, 201, "POST", "/api/v1/returns", "r-"+id, `{"original":"`+id+`"}`, &ret)
		s.must(t, 200, "POST", "/api/v1/returns/"+ret.ID+"/lines", "rl-"+id, `{"line":2,"qty":1}`, nil)
		var rf till.CardResult
		s.must(t, 200, "POST", "/api/v1/returns/"+ret.ID+"/refund", "rr-"+id, `{"method":"card"}`, &rf)
		tx, _ := s.term.Transaction(terminal.ServiceID(rf.Attempt.ID))
		if rf.Attempt.Kind != ledger.AttemptRefund || rf.Sale.Totals.Paid != -2390 || tx.PaymentType != "Refund" || tx.AuthorizedØre != 2390 {
			t.Errorf("refund %+v; terminal %+v", rf.Attempt, tx)
		}
	})
	t.Run("a card payment on an open sale is reversed", func(t *testing.T) {
		id := s.saleWith(t, 0, "1003")
		var res till.CardResult
		s.must(t, 200, "POST", "/api/v1/sales/"+id+"/payments", "c-"+id, `{"method":"card","amount":5000}`, &res)
		var rv till.CardResult
		s.must(t, 200, "POST", "/api/v1/payments/"+res.Attempt.ID+"/reverse", "v-"+id, ``, &rv)
		if rv.Sale.Totals.Paid != 0 || rv.Sale.Totals.Due != 8990 || rv.Sale.Status != ledger.SaleOpen {
			t.Errorf("after the reversal %+v", rv.Sale.Totals)
		}
	})
	t.Run("cashier aborts a card payment", func(t *testing.T) {
		id := s.saleWith(t, 2155, "1001")
		done := make(chan till.CardResult)
		go func() {
			var res till.CardResult
			code, b := s.call(t, tokenK1, "POST", "/api/v1/sales/"+id+"/payments", "c-"+id, `{"method":"card"}`)
			if code != 200 {
				t.Error(code, string(b))
			}
			_ = json.Unmarshal(b, &res)
			done <- res
		}()
		var at *ledger.Attempt
		for at == nil {
			p, _ := s.l.PendingAttempts()
			if len(p) == 1 {
				at = p[0]
			}
			time.Sleep(10 * time.Millisecond)
		}
		if _, err := s.term.AwaitState(context.Background(), terminal.ServiceID(at.ID), terminaltest.InProgress); err != nil {
			t.Fatal(err)
		}
		code, b := s.call(t, tokenK1, "POST", "/api/v1/payments/"+at.ID+"/abort", "a-"+id, "")
		if code != 200 && code != 202 {
			t.Errorf("abort: %d %s", code, b)
		}
		res := <-done
		if res.Attempt.Status != ledger.AttemptDeclined || res.Sale.Status != ledger.SaleOpen || res.Sale.Totals.Paid != 0 {
			t.Errorf("aborted payment %+v, sale %s", res.Attempt, res.Sale.Status)
		}
	})
	t.Run("a credit card is booked as one", func(t *testing.T) {
		id := s.saleWith(t, 2158, "1001") // xx.58: the test Mastercard, a credit card
		res := payCard(id)
		if p := res.Sale.Payments[0]; ledger.PaymentCode(p) != ledger.CodeCreditCard || p.Card.Brand != "MasterCard" {
			t.Errorf("payment %+v code %d", p.Card, ledger.PaymentCode(p))
		}
	})
	t.Run("tips on the terminal and from the cashier", func(t *testing.T) {
		id := s.saleWith(t, 10060, "1001") // the cardholder adds 10,00
		res := payCard(id)
		if res.Sale.Status != ledger.SaleCompleted || res.Sale.Totals.Tips != 1000 || res.Sale.Payments[0].Tip != 1000 || res.Sale.Totals.Paid != 11060 {
			t.Errorf("terminal tip: %s %+v", res.Sale.Status, res.Sale.Totals)
		}
		id = s.saleWith(t, 0, "1801") // 150,00
		var sl ledger.Sale
		s.must(t, 200, "POST", "/api/v1/sales/"+id+"/tip", "t-"+id, `{"amount":1500}`, &sl)
		if sl.Totals.Due != 16500 || sl.Totals.Total != 15000 {
			t.Fatalf("with a tip %+v", sl.Totals)
		}
		s.must(t, 200, "POST", "/api/v1/sales/"+id+"/payments", "cash-"+id, `{"method":"cash","amount":20000}`, &sl)
		if sl.Status != ledger.SaleCompleted || sl.Totals.Change != 3500 || sl.Totals.Tips != 1500 {
			t.Errorf("cash with a tip %+v", sl.Totals)
		}
	})
}

func TestReturnWithoutReceiptAPI(t *testing.T) {
	s := newStack(t)
	s.must(t, 200, "POST", "/api/v1/login", "login", `{"employee":"1001","pin":"1234"}`, nil)
	code, b := s.call(t, tokenK1, "POST", "/api/v1/returns", "b1", `{"noReceipt":true}`)
	if code != http.StatusForbidden {
		t.Errorf("a cashier alone: %d %s", code, b)
	}
	var ret ledger.Sale
	s.must(t, 201, "POST", "/api/v1/returns", "b2", `{"noReceipt":true,"override":{"employee":"1002","pin":"2345"}}`, &ret)
	s.must(t, 200, "POST", "/api/v1/returns/"+ret.ID+"/lines", "b3", `{"sku":"1501","qty":2}`, nil) // 2 × 39,90
	s.must(t, 200, "POST", "/api/v1/returns/"+ret.ID+"/refund", "b4", `{}`, &ret)
	if ret.Status != ledger.SaleCompleted || ret.Payments[0].Method != ledger.MethodCredit || ret.Totals.Paid != -7980 {
		t.Errorf("return without a receipt refunded %+v", ret.Payments)
	}
	var found bool
	_ = s.l.Journal(1, func(e *ledger.Entry) error {
		found = found || e.Type == "return.open" && strings.Contains(string(e.Data), `"approvedBy":"1002"`)
		return nil
	})
	if !found {
		t.Error("the journal does not name the supervisor who approved")
	}
}

// TestExchangeAPI swaps a Norvegia (89,90) for a Brunost (94,90), found by
// the receipt's number: 5,00 to pay, in cash.
func TestExchangeAPI(t *testing.T) {
	s := newStack(t)
	orig := s.saleWith(t, 0, "1003")
	var o ledger.Sale
	s.must(t, 200, "POST", "/api/v1/sales/"+orig+"/payments", "c-"+orig, `{"method":"cash","amount":9000}`, &o)
	before, _ := s.l.Stock("1003")
	id := s.saleWith(t, 0, "1004")
	var sl ledger.Sale
	s.must(t, 200, "POST", "/api/v1/sales/"+id+"/exchange", "x-"+id, fmt.Sprintf(`{"code":"%d","line":1,"qty":1}`, o.Receipt.No), &sl)
	if sl.Totals.Total != 500 || sl.Original != orig {
		t.Fatalf("exchange %+v from %s", sl.Totals, sl.Original)
	}
	s.must(t, 200, "POST", "/api/v1/sales/"+id+"/payments", "c-"+id, `{"method":"cash","amount":500}`, &sl)
	if sl.Status != ledger.SaleCompleted {
		t.Fatalf("exchange %s", sl.Status)
	}
	if after, _ := s.l.Stock("1003"); after != before+1 {
		t.Errorf("Norvegia stock %d, want %d", after, before+1)
	}
	code, b := s.call(t, tokenK1, "GET", "/api/v1/sales/"+id+"/receipt", "", "")
	if code != 200 || !strings.Contains(string(b), fmt.Sprintf("Bytte: retur fra kvittering nr. %d", o.Receipt.No)) {
		t.Errorf("receipt: %d %s", code, b)
	}
}
