package ledger

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kasse/kasse/hub/money"
)

var visa = &CardInfo{TerminalTx: "T1", Approval: "123456", Brand: "VISA", Masked: "411111******1111"}

func codes(s *Sale) []int {
	var out []int
	for _, p := range s.Payments {
		out = append(out, PaymentCode(p))
	}
	return out
}

// TestSplitTenderWithGiftCard sells a gift card, then spends it with an
// invoice, a partly approved card and cash on one sale.
func TestSplitTenderWithGiftCard(t *testing.T) {
	f := newFixture(t)
	g := f.open()
	f.rejected("bad_voucher", CmdSaleGift, SaleGift{Sale: g, Number: "12", Amount: 50000})
	f.ok(CmdSaleGift, "", SaleGift{Sale: g, Number: "GC1000001", Amount: 50000})
	f.rejected("bad_voucher", CmdPayVoucher, PayVoucher{Sale: g, Method: MethodGift, Number: "GC1000001"})
	gs := saleOf(t, f.ok(CmdPayCash, "", PayCash{Sale: g, Tendered: 50000}))
	if gs.Status != SaleCompleted || gs.Totals.Total != 50000 || gs.Totals.Net != 50000 || gs.Totals.VAT[0].VAT != 0 {
		t.Fatalf("gift card sale %s %+v", gs.Status, gs.Totals)
	}
	if v, err := f.l.Voucher("GC1000001"); err != nil || v.Balance != 50000 || v.Kind != MethodGift {
		t.Fatalf("gift card after its sale: %+v %v", v, err)
	}
	if n, _ := f.l.Stock("GAVEKORT"); n != 0 {
		t.Errorf("a gift card moved stock: %d", n)
	}

	id := f.open()
	f.ok(CmdSaleAdd, "", SaleAdd{Sale: id, SKU: "MELK", Qty: 3})    // 65,70
	f.ok(CmdSaleAdd, "", SaleAdd{Sale: id, SKU: "OPPVASK", Qty: 1}) // 39,90 → total 105,60
	f.rejected("unknown_voucher", CmdPayVoucher, PayVoucher{Sale: id, Method: MethodGift, Number: "GC9999999"})
	s := saleOf(t, f.ok(CmdPayVoucher, "", PayVoucher{Sale: id, Method: MethodGift, Number: "GC1000001", Amount: 5000}))
	if s.Totals.Due != 5560 {
		t.Fatalf("after 50,00 on the gift card due %d, want 55,60", s.Totals.Due)
	}
	s = saleOf(t, f.ok(CmdPayOther, "", PayOther{Sale: id, Tender: "invoice", Name: "Faktura", Code: 12006, Amount: 2000, Ref: "Bedrift AS"}))
	if s.Totals.Due != 3560 {
		t.Fatalf("after 20,00 on invoice due %d, want 35,60", s.Totals.Due)
	}
	f.ok(CmdPayStart, "", PayStart{Sale: id, Attempt: "P1", Method: MethodCard, Amount: 3560})
	f.rejected("payment_pending", CmdPayVoucher, PayVoucher{Sale: id, Method: MethodGift, Number: "GC1000001"})
	s = saleOf(t, f.ok(CmdPayResult, "", PayResult{Attempt: "P1", Outcome: Outcome{Status: AttemptApproved, Authorized: 1780, Card: visa}}))
	if s.Status != SaleOpen || s.Totals.Due != 1780 {
		t.Fatalf("a partial approval of 17,80 leaves 17,80: %s due %d", s.Status, s.Totals.Due)
	}
	// Cash: 17,80 rounds to 18,00; 20,00 handed over gives 2,00 back.
	s = saleOf(t, f.ok(CmdPayCash, "", PayCash{Sale: id, Tendered: 2000}))
	if s.Status != SaleCompleted || s.Totals.Rounding != 20 || s.Totals.Change != 200 || s.Totals.Paid != 10580 {
		t.Fatalf("split sale %s %+v", s.Status, s.Totals)
	}
	if got, want := codes(s), []int{12005, 12006, 12002, 12001}; !slices.Equal(got, want) {
		t.Errorf("SAF-T codes %v, want %v", got, want)
	}
	if v, _ := f.l.Voucher("GC1000001"); v.Balance != 45000 {
		t.Errorf("gift card holds %d, want 450,00", v.Balance)
	}

	// A 600,00 sale takes all 450,00 the card holds, and no more.
	id = f.open()
	f.ok(CmdSaleAdd, "", SaleAdd{Sale: id, SKU: "KINO", Qty: 4})
	s = saleOf(t, f.ok(CmdPayVoucher, "", PayVoucher{Sale: id, Method: MethodGift, Number: "GC1000001"}))
	if s.Totals.Paid != 45000 || s.Totals.Due != 15000 {
		t.Fatalf("draining the card: paid %d due %d", s.Totals.Paid, s.Totals.Due)
	}
	f.rejected("voucher_empty", CmdPayVoucher, PayVoucher{Sale: id, Method: MethodGift, Number: "GC1000001"})
	h, err := f.l.VoucherHistory("GC1000001")
	if err != nil || len(h) != 3 || h[0].What != "issue" || h[1].Amount != -5000 || h[2].Amount != -45000 || h[2].Balance != 0 {
		t.Errorf("history %+v %v", h, err)
	}
	// A top-up: the same number sold again adds to it.
	top := f.open()
	f.ok(CmdSaleGift, "", SaleGift{Sale: top, Number: "GC1000001", Amount: 20000})
	f.ok(CmdPayCash, "", PayCash{Sale: top, Tendered: 20000})
	if v, _ := f.l.Voucher("GC1000001"); v.Balance != 20000 || v.Moves != 4 {
		t.Errorf("after a 200,00 top-up %+v", v)
	}
	if _, err := f.l.Verify(); err != nil {
		t.Fatal(err)
	}
}

// TestCreditNotes refunds a return as a credit note and spends it later.
func TestCreditNotes(t *testing.T) {
	f := newFixture(t)
	id := f.open()
	f.ok(CmdSaleAdd, "", SaleAdd{Sale: id, SKU: "MELK", Qty: 3}) // 65,70
	f.ok(CmdPayCash, "", PayCash{Sale: id, Tendered: 7000})
	f.ok(CmdReturnOpen, "", ReturnOpen{Return: "R1", Original: id})
	f.ok(CmdReturnAdd, "", ReturnAdd{Return: "R1", Line: 1, Qty: 2}) // 65,70 × 2/3 = 43,80
	f.rejected("bad_voucher", CmdReturnRefund, ReturnRefund{Return: "R1", Method: MethodCredit})
	r := saleOf(t, f.ok(CmdReturnRefund, "", ReturnRefund{Return: "R1", Method: MethodCredit, Voucher: "CN0000001"}))
	if r.Status != SaleCompleted || r.Totals.Paid != -4380 || r.Totals.Rounding != 0 || codes(r)[0] != 12010 {
		t.Fatalf("credit refund %s %+v %v", r.Status, r.Totals, codes(r))
	}
	if v, _ := f.l.Voucher("CN0000001"); v.Balance != 4380 || v.Kind != MethodCredit || v.Sale != "R1" {
		t.Fatalf("credit note %+v", v)
	}
	s2 := f.open()
	f.ok(CmdSaleAdd, "", SaleAdd{Sale: s2, SKU: "AVIS", Qty: 1}) // 40,00
	f.rejected("unknown_voucher", CmdPayVoucher, PayVoucher{Sale: s2, Method: MethodGift, Number: "CN0000001"})
	s := saleOf(t, f.ok(CmdPayVoucher, "", PayVoucher{Sale: s2, Method: MethodCredit, Number: "CN0000001"}))
	if s.Status != SaleCompleted || s.Totals.Paid != 4000 {
		t.Fatalf("paid with a credit note: %s %+v", s.Status, s.Totals)
	}
	if v, _ := f.l.Voucher("CN0000001"); v.Balance != 380 {
		t.Errorf("credit note keeps %d, want 3,80", v.Balance)
	}
	// Found again by the number on its receipt.
	if got, err := f.l.SaleByReceipt("K1", 1); err != nil || got.ID != id {
		t.Errorf("receipt 1 is %v %v, want %s", got, err, id)
	}
	if _, err := f.l.SaleByReceipt("K1", 99); !errors.Is(err, ErrNotFound) {
		t.Errorf("receipt 99: %v", err)
	}
}

func TestReturnWithoutReceipt(t *testing.T) {
	f := newFixture(t)
	f.rejected("permission_denied", CmdReturnOpen, ReturnOpen{Return: "R1"})
	f.approver = "E1" // a cashier cannot approve
	f.rejected("permission_denied", CmdReturnOpen, ReturnOpen{Return: "R1"})
	f.approver = "E2" // a supervisor approving as the envelope's approver: an override
	f.ok(CmdReturnOpen, "", ReturnOpen{Return: "R0"})
	f.approver = ""
	var overrides int
	_ = f.l.Journal(1, func(e *Entry) error {
		if e.Type == "employee.override" && strings.Contains(string(e.Data), CmdReturnOpen) {
			overrides++
		}
		return nil
	})
	if overrides != 1 {
		t.Errorf("%d overrides journaled for the approved return, want 1", overrides)
	}
	f.ok(CmdReturnOpen, "", ReturnOpen{Return: "R1", ApprovedBy: "E2"})
	f.rejected("unknown_item", CmdReturnAdd, ReturnAdd{Return: "R1", SKU: "NOPE", Qty: 1})
	r := saleOf(t, f.ok(CmdReturnAdd, "", ReturnAdd{Return: "R1", SKU: "OPPVASK", Qty: 2})) // 2 × 39,90
	if r.Totals.Total != -7980 || r.Totals.VAT[0].VAT != -1596 {                            // 79,80 × 25/125
		t.Fatalf("return without receipt %+v", r.Totals)
	}
	r = saleOf(t, f.ok(CmdReturnRefund, "", ReturnRefund{Return: "R1", Method: MethodCredit, Voucher: "CN0000002"}))
	if r.Status != SaleCompleted || r.Original != "" {
		t.Fatalf("%+v", r)
	}
	if n, _ := f.l.Stock("OPPVASK"); n != 2 {
		t.Errorf("stock back %d, want 2", n)
	}
}

func TestTips(t *testing.T) {
	f := newFixture(t)
	id := f.open()
	f.ok(CmdSaleAdd, "", SaleAdd{Sale: id, SKU: "KINO", Qty: 1}) // 150,00 at 12 %
	f.rejected("bad_amount", CmdSaleTip, SaleTip{Sale: id, Amount: -1})
	s := saleOf(t, f.ok(CmdSaleTip, "", SaleTip{Sale: id, Amount: 2000}))
	if s.Totals.Total != 15000 || s.Totals.Tips != 2000 || s.Totals.Due != 17000 {
		t.Fatalf("tip of 20,00 on 150,00: %+v", s.Totals)
	}
	f.ok(CmdPayStart, "", PayStart{Sale: id, Attempt: "P1", Method: MethodCard, Amount: 17000})
	s = saleOf(t, f.ok(CmdPayResult, "", PayResult{Attempt: "P1", Outcome: Outcome{Status: AttemptApproved, Authorized: 17000, Card: visa}}))
	if s.Status != SaleCompleted || s.Totals.Net != 13393 { // 150,00 − 150,00 × 12/112 (16,07)
		t.Fatalf("%s %+v", s.Status, s.Totals)
	}
	var sig *Signature
	_ = f.l.Journal(1, func(e *Entry) error {
		if e.Type == "sale.complete" {
			sig = e.Sig
		}
		return nil
	})
	if sig == nil || sig.AmountIn != "150.00" {
		t.Errorf("the signature carries the tip: %+v", sig)
	}
	// A tip entered on the terminal: 40,00 asked, 45,00 authorised, 5,00 of it tip.
	id = f.open()
	f.ok(CmdSaleAdd, "", SaleAdd{Sale: id, SKU: "AVIS", Qty: 1})
	f.ok(CmdPayStart, "", PayStart{Sale: id, Attempt: "P2", Method: MethodCard, Amount: 4000})
	f.rejected("bad_outcome", CmdPayResult, PayResult{Attempt: "P2", Outcome: Outcome{Status: AttemptApproved, Authorized: 4600, Tip: 500, Card: visa}})
	s = saleOf(t, f.ok(CmdPayResult, "", PayResult{Attempt: "P2", Outcome: Outcome{Status: AttemptApproved, Authorized: 4500, Tip: 500, Card: visa}}))
	if s.Status != SaleCompleted || s.Totals.Total != 4000 || s.Totals.Tips != 500 || s.Totals.Paid != 4500 || s.Payments[0].Tip != 500 || s.Totals.Due != 0 {
		t.Fatalf("terminal tip: %s %+v", s.Status, s.Totals)
	}
}

func TestCardReversalAndRefund(t *testing.T) {
	f := newFixture(t)
	id := f.open()
	f.ok(CmdSaleAdd, "", SaleAdd{Sale: id, SKU: "OPPVASK", Qty: 1}) // 39,90
	f.ok(CmdPayStart, "", PayStart{Sale: id, Attempt: "P1", Method: MethodCard, Amount: 2000})
	f.ok(CmdPayResult, "", PayResult{Attempt: "P1", Outcome: Outcome{Status: AttemptApproved, Authorized: 2000, Card: visa}})
	// The customer changes their mind: the 20,00 goes back by reversal.
	f.rejected("unknown_attempt", CmdRefundStart, RefundStart{Sale: id, Attempt: "V0", Kind: AttemptReversal, Of: "P9"})
	f.ok(CmdRefundStart, "", RefundStart{Sale: id, Attempt: "V1", Kind: AttemptReversal, Of: "P1"})
	s := saleOf(t, f.ok(CmdPayResult, "", PayResult{Attempt: "V1", Outcome: Outcome{Status: AttemptApproved, Authorized: 2000, Card: visa}}))
	if s.Status != SaleOpen || s.Totals.Paid != 0 || s.Totals.Due != 3990 || len(s.Payments) != 2 || s.Payments[1].Amount != -2000 {
		t.Fatalf("after the reversal %s %+v", s.Status, s.Totals)
	}
	f.rejected("not_reversible", CmdRefundStart, RefundStart{Sale: id, Attempt: "V2", Kind: AttemptReversal, Of: "P1"})
	f.ok(CmdPayStart, "", PayStart{Sale: id, Attempt: "P2", Method: MethodCard, Amount: 3990})
	f.ok(CmdPayResult, "", PayResult{Attempt: "P2", Outcome: Outcome{Status: AttemptApproved, Authorized: 3990, Card: visa}})

	// Returned the same day: refunded to the card by reversal of P2.
	f.ok(CmdReturnOpen, "", ReturnOpen{Return: "R1", Original: id})
	f.ok(CmdReturnAdd, "", ReturnAdd{Return: "R1", Line: 1, Qty: 1})
	f.ok(CmdRefundStart, "", RefundStart{Sale: "R1", Attempt: "V3", Kind: AttemptReversal, Of: "P2"})
	r := saleOf(t, f.ok(CmdPayResult, "", PayResult{Attempt: "V3", Outcome: Outcome{Status: AttemptApproved, Authorized: 3990, Card: visa}}))
	if r.Status != SaleCompleted || r.Totals.Paid != -3990 || r.Totals.Due != 0 {
		t.Fatalf("return by reversal %s %+v", r.Status, r.Totals)
	}

	// The next day only a refund is possible; a partly approved refund
	// leaves the rest to give back.
	id = f.open()
	f.ok(CmdSaleAdd, "", SaleAdd{Sale: id, SKU: "KINO", Qty: 1}) // 150,00
	f.ok(CmdPayStart, "", PayStart{Sale: id, Attempt: "P3", Method: MethodCard, Amount: 15000})
	f.ok(CmdPayResult, "", PayResult{Attempt: "P3", Outcome: Outcome{Status: AttemptApproved, Authorized: 15000, Card: visa}})
	f.now = f.now.Add(24 * time.Hour)
	f.ok(CmdReturnOpen, "", ReturnOpen{Return: "R2", Original: id})
	f.ok(CmdReturnAdd, "", ReturnAdd{Return: "R2", Line: 1, Qty: 1})
	f.rejected("not_reversible", CmdRefundStart, RefundStart{Sale: "R2", Attempt: "V4", Kind: AttemptReversal, Of: "P3"})
	f.rejected("bad_amount", CmdRefundStart, RefundStart{Sale: "R2", Attempt: "F0", Kind: AttemptRefund, Method: MethodCard, Amount: 15001})
	f.ok(CmdRefundStart, "", RefundStart{Sale: "R2", Attempt: "F1", Kind: AttemptRefund, Method: MethodCard, Amount: 15000})
	f.rejected("payment_pending", CmdReturnRefund, ReturnRefund{Return: "R2", Method: MethodCash})
	r = saleOf(t, f.ok(CmdPayResult, "", PayResult{Attempt: "F1", Outcome: Outcome{Status: AttemptApproved, Authorized: 10000, Card: visa}}))
	if r.Status != SaleOpen || r.Totals.Due != -5000 {
		t.Fatalf("partly refunded %s %+v", r.Status, r.Totals)
	}
	// The other 50,00 in cash.
	r = saleOf(t, f.ok(CmdReturnRefund, "", ReturnRefund{Return: "R2", Method: MethodCash}))
	if r.Status != SaleCompleted || r.Totals.Paid != -15000 || !slices.Equal(codes(r), []int{12002, 12001}) {
		t.Fatalf("refund card + cash %s %+v %v", r.Status, r.Totals, codes(r))
	}
	if _, err := f.l.Verify(); err != nil {
		t.Fatal(err)
	}
}

func TestPaymentCodes(t *testing.T) {
	for _, c := range []struct {
		p    Payment
		want int
	}{
		{Payment{Method: MethodCash}, 12001},
		{Payment{Method: MethodCard}, 12002},
		{Payment{Method: MethodCard, Card: &CardInfo{Funding: "CREDIT"}}, 12003},
		{Payment{Method: MethodGift}, 12005},
		{Payment{Method: MethodCredit}, 12010},
		{Payment{Method: MethodMobile}, 12011},
		{Payment{Method: MethodOther, Code: 12006}, 12006},
		{Payment{Method: MethodOther, Code: 13001}, 12999},
	} {
		if got := PaymentCode(c.p); got != c.want {
			t.Errorf("%+v: %d, want %d", c.p, got, c.want)
		}
	}
}

// TestExchange swaps goods of a completed sale for new ones in one
// transaction: paying the difference, getting the difference back, and
// an even swap.
func TestExchange(t *testing.T) {
	f := newFixture(t)
	orig := f.open()
	f.ok(CmdSaleAdd, "", SaleAdd{Sale: orig, SKU: "MELK", Qty: 3})    // 65,70
	f.ok(CmdSaleAdd, "", SaleAdd{Sale: orig, SKU: "OPPVASK", Qty: 1}) // 39,90
	f.ok(CmdPayCash, "", PayCash{Sale: orig, Tendered: 11000})
	melk, _ := f.l.Stock("MELK") // 100 − 3

	// The soap for a cinema ticket: 150,00 − 39,90 = 110,10 to pay by card.
	x1 := f.open()
	f.ok(CmdSaleAdd, "", SaleAdd{Sale: x1, SKU: "KINO", Qty: 1})
	f.rejected("not_returnable", CmdSaleExchange, SaleExchange{Sale: x1, Original: x1, Line: 1, Qty: 1})
	s := saleOf(t, f.ok(CmdSaleExchange, "", SaleExchange{Sale: x1, Original: orig, Line: 2, Qty: 1}))
	if s.Totals.Total != 11010 || s.Totals.VAT[0].Rate != money.Rate25 || s.Totals.VAT[0].VAT != -798 { // 39,90 × 25/125
		t.Fatalf("exchange totals %+v", s.Totals)
	}
	f.approver = "E2" // a void needs a supervisor; an exchange cannot be voided at all
	f.rejected("is_exchange", CmdSaleVoid, saleRef{Sale: x1})
	f.approver = ""
	f.ok(CmdPayStart, "", PayStart{Sale: x1, Attempt: "P1", Method: MethodCard, Amount: 11010})
	s = saleOf(t, f.ok(CmdPayResult, "", PayResult{Attempt: "P1", Outcome: Outcome{Status: AttemptApproved, Authorized: 11010, Card: visa}}))
	if s.Status != SaleCompleted {
		t.Fatalf("exchange paid by card: %s", s.Status)
	}
	if n, _ := f.l.Stock("OPPVASK"); n != 0 {
		t.Errorf("the soap came back: stock %d, want 0 (−1 sold, +1 back)", n)
	}

	// Two milks for a newspaper: 40,00 − 43,80 = −3,80, refunded in cash as −4,00.
	x2 := f.open()
	f.ok(CmdSaleAdd, "", SaleAdd{Sale: x2, SKU: "AVIS", Qty: 1})
	f.ok(CmdSaleExchange, "", SaleExchange{Sale: x2, Original: orig, Line: 1, Qty: 2})
	f.rejected("nothing_due", CmdPayCash, PayCash{Sale: x2, Tendered: 100})
	s = saleOf(t, f.ok(CmdReturnRefund, "", ReturnRefund{Return: x2, Method: MethodCash}))
	if s.Status != SaleCompleted || s.Totals.Total != -380 || s.Totals.Paid != -400 || s.Totals.Rounding != -20 {
		t.Fatalf("exchange with money back %s %+v", s.Status, s.Totals)
	}

	// The last milk for a new one: an even swap.
	x3 := f.open()
	f.ok(CmdSaleAdd, "", SaleAdd{Sale: x3, SKU: "MELK", Qty: 1})
	f.ok(CmdSaleExchange, "", SaleExchange{Sale: x3, Original: orig, Line: 1, Qty: 1})
	f.rejected("bad_quantity", CmdSaleExchange, SaleExchange{Sale: x3, Original: orig, Line: 1, Qty: 1})
	s = saleOf(t, f.ok(CmdSaleSettle, "", saleRef{Sale: x3}))
	if s.Status != SaleCompleted || s.Totals.Total != 0 || s.Receipt == nil {
		t.Fatalf("even swap %s %+v", s.Status, s.Totals)
	}
	if n, _ := f.l.Stock("MELK"); n != melk+2 {
		t.Errorf("milk stock %d, want %d (+2 back, +1 back −1 sold)", n, melk+2)
	}
	st, err := f.l.Verify()
	if err != nil || st.Signatures != 4 {
		t.Fatalf("verify: %+v %v", st, err)
	}
}
