package ledger

import (
	"fmt"
	"strings"

	"github.com/kasse/kasse/hub/money"
)

// Tenders. Every payment and refund carries one; PaymentCode gives the
// SAF-T PredefinedBasicID-12 code the journal and the export use.
const (
	MethodCash   = "cash"
	MethodCard   = "card"
	MethodGift   = "giftcard" // a gift card (gavekort) sold by the shop
	MethodCredit = "credit"   // a credit note (tilgodelapp) issued on a return
	MethodMobile = "mobile"   // a mobile payment app (Vipps MobilePay)
	MethodOther  = "other"    // a tender the shop configured (invoice, …)
)

// SAF-T payment codes (PredefinedBasicID-12).
const (
	CodeCash       = 12001
	CodeDebitCard  = 12002
	CodeCreditCard = 12003
	CodeGiftToken  = 12005
	CodeCreditNote = 12010
	CodeMobileApp  = 12011
	CodeOther      = 12999
)

// PaymentCode is the SAF-T payment code of p. A card counts as debit unless
// the terminal said the card is a credit card.
func PaymentCode(p Payment) int {
	switch p.Method {
	case MethodCash:
		return CodeCash
	case MethodCard:
		if p.Card != nil && strings.EqualFold(p.Card.Funding, "credit") {
			return CodeCreditCard
		}
		return CodeDebitCard
	case MethodGift:
		return CodeGiftToken
	case MethodCredit:
		return CodeCreditNote
	case MethodMobile:
		return CodeMobileApp
	}
	if p.Code >= 12000 && p.Code <= 12999 {
		return p.Code
	}
	return CodeOther
}

// Attempt kinds besides a payment: money going back to the customer.
const (
	AttemptRefund   = "refund"   // a refund of a return to a card or mobile app
	AttemptReversal = "reversal" // a same-day reversal of an approved card payment
)

// back reports whether an attempt gives money back.
func (at *Attempt) back() bool { return at.Kind == AttemptRefund || at.Kind == AttemptReversal }

// settled reports whether nothing is left to pay (a sale) or to refund (a
// return, or an exchange that gives money back: its due is negative until
// refunded).
func settled(s *Sale) bool {
	if s.Kind == KindReturn || s.Totals.Total < 0 {
		return s.Totals.Due >= 0
	}
	return s.Totals.Due <= 0
}

// checkApproval checks an approved outcome against its attempt.
func checkApproval(at *Attempt, o *Outcome) error {
	if o.Tip < 0 || o.Tip > money.Max || at.back() && o.Tip != 0 {
		return reject("bad_outcome", "a tip of %s does not fit this attempt", money.Kr(o.Tip))
	}
	if o.Authorized < 1 || o.Authorized > at.Amount+o.Tip {
		return reject("bad_outcome", "authorised amount %s is outside the attempt's %s", money.Kr(o.Authorized), money.Kr(at.Amount))
	}
	switch at.Method {
	case MethodCard:
		if o.Card == nil || o.Card.TerminalTx == "" {
			return reject("bad_outcome", "an approval needs the terminal's transaction id")
		}
	case MethodMobile:
		if o.Ref == "" {
			return reject("bad_outcome", "an approval needs the provider's reference")
		}
	}
	return nil
}

// paymentOf is the payment an approved attempt books: negative when money
// goes back.
func paymentOf(at *Attempt, o *Outcome) Payment {
	p := Payment{Method: at.Method, Amount: o.Authorized, Attempt: at.ID, Card: o.Card, Tip: o.Tip, Ref: o.Ref}
	if at.back() {
		p.Amount = -p.Amount
	}
	return p
}

// markReversed notes on a payment attempt that an approved reversal
// cancelled it, so it is never reversed twice.
func (a *applyCtx) markReversed(rev *Attempt) error {
	if rev.Kind != AttemptReversal {
		return nil
	}
	of, err := load[Attempt](a, pfxAttempt+rev.Of)
	if err != nil {
		return err
	}
	of.Reversed = rev.ID
	return a.put(pfxAttempt+of.ID, of)
}

// completed runs what follows a sale's completion beyond signing it: gift
// cards sold on it are loaded, and its receipt number is indexed so the
// receipt can be found by number for a return.
func (a *applyCtx) completed(s *Sale) error {
	if !s.Training { // training receipts are numbered apart: not found by number
		a.b.set(receiptKey(s.Register, s.Receipt.No), []byte(s.ID))
	}
	for _, l := range s.Lines {
		if l.Voucher == "" || l.Removed {
			continue
		}
		if err := a.loadVoucher(l.Voucher, MethodGift, s, l.Amount); err != nil {
			return err
		}
	}
	return nil
}

func receiptKey(register string, no int64) string {
	return fmt.Sprintf("%s%s/%012d", pfxReceiptNo, register, no)
}

// --- refunds and reversals through a terminal or a mobile app ------------

// RefundStart records, before the terminal or app is asked, money going
// back: a refund of a return (Kind AttemptRefund, Sale the return), or a
// reversal of the approved card payment Of (Kind AttemptReversal, Sale the
// payment's own sale while it is open, or a return of it).
type RefundStart struct {
	Sale    string    `json:"sale"`
	Attempt string    `json:"attempt"`
	Kind    string    `json:"kind"`
	Method  string    `json:"method"`
	Amount  money.Øre `json:"amount"` // positive: what goes back
	Of      string    `json:"of,omitempty"`
}

// CmdRefundStart journals a refund or reversal attempt; pay.result books it.
const CmdRefundStart = "refund.start"

func applyRefundStart(a *applyCtx, env *Envelope) (any, error) {
	req, err := body[RefundStart](env)
	if err != nil {
		return nil, err
	}
	if req.Attempt == "" {
		return nil, reject("bad_request", "a refund needs an attempt id")
	}
	s, err := a.openSale(req.Sale)
	if err != nil {
		return nil, err
	}
	if len(s.Pending) > 0 {
		return nil, reject("payment_pending", "a card or mobile payment is already in progress on this sale")
	}
	if _, err := a.b.get(pfxAttempt + req.Attempt); err == nil {
		return nil, reject("attempt_exists", "payment attempt %s exists", req.Attempt)
	}
	at := &Attempt{ID: req.Attempt, Kind: req.Kind, Sale: s.ID, Register: s.Register, Method: req.Method, Amount: req.Amount, Status: AttemptPending, Started: env.Time}
	switch req.Kind {
	case AttemptRefund:
		if req.Method != MethodCard && req.Method != MethodMobile {
			return nil, reject("bad_method", "a refund through a terminal or app is by card or mobile")
		}
		if s.Kind != KindReturn && s.Original == "" || s.Totals.Due >= 0 {
			return nil, reject("nothing_due", "only a return or an exchange with money to give back is refunded")
		}
		if req.Amount < 1 || req.Amount > -s.Totals.Due {
			return nil, reject("bad_amount", "a refund must be between 0,01 and %s", money.Kr(-s.Totals.Due))
		}
		if req.Method == MethodMobile {
			// A mobile app refunds against the payment it took.
			of, err := load[Attempt](a, pfxAttempt+req.Of)
			if err != nil || of.Method != MethodMobile || of.Status != AttemptApproved || of.Kind != "" || of.Sale != s.Original {
				return nil, reject("bad_request", "a mobile refund names the original sale's approved mobile payment")
			}
			at.Of = of.ID
		}
	case AttemptReversal:
		of, err := load[Attempt](a, pfxAttempt+req.Of)
		if err != nil {
			return nil, notFound(err, "unknown_attempt", "no payment attempt %s", req.Of)
		}
		if err := reversible(of, s, env); err != nil {
			return nil, err
		}
		at.Of, at.Method, at.Amount = of.ID, of.Method, of.Outcome.Authorized
		if s.Kind == KindReturn && at.Amount > -s.Totals.Due {
			return nil, reject("bad_amount", "the payment of %s is more than the return gives back (%s)", money.Kr(at.Amount), money.Kr(-s.Totals.Due))
		}
	default:
		return nil, reject("bad_request", "kind must be %q or %q", AttemptRefund, AttemptReversal)
	}
	s.Pending = append(s.Pending, at.ID)
	if _, err := a.journal("refund.attempt", 0, s.ID, at); err != nil {
		return nil, err
	}
	a.b.set(pfxPending+at.ID, []byte(s.ID))
	if err := a.put(pfxAttempt+at.ID, at); err != nil {
		return nil, err
	}
	return at, a.saveSale(s)
}

// reversible checks that payment of may be reversed onto sale s now.
func reversible(of *Attempt, s *Sale, env *Envelope) error {
	switch {
	case of.Kind != "" || of.Method != MethodCard:
		return reject("not_reversible", "only a card payment can be reversed")
	case of.Status != AttemptApproved || of.Outcome == nil:
		return reject("not_reversible", "payment %s was not approved", of.ID)
	case of.Reversed != "":
		return reject("not_reversible", "payment %s is reversed already", of.ID)
	case of.Started.In(Oslo).Format("2006-01-02") != env.Time.In(Oslo).Format("2006-01-02"):
		return reject("not_reversible", "a card payment can only be reversed on the day it was made: refund it instead")
	case s.ID != of.Sale && !(s.Kind == KindReturn && s.Original == of.Sale):
		return reject("not_reversible", "payment %s belongs to sale %s", of.ID, of.Sale)
	}
	return nil
}

// --- tips -----------------------------------------------------------------

// SaleTip sets the tip the cashier adds to a sale (0 removes it).
type SaleTip struct {
	Sale   string    `json:"sale"`
	Amount money.Øre `json:"amount"`
}

// CmdSaleTip adds a tip before the sale closes.
const CmdSaleTip = "sale.tip"

func applySaleTip(a *applyCtx, env *Envelope) (any, error) {
	req, err := body[SaleTip](env)
	if err != nil {
		return nil, err
	}
	s, err := a.openSale(req.Sale)
	if err != nil {
		return nil, err
	}
	if s.Kind == KindReturn {
		return nil, reject("is_return", "a return takes no tip")
	}
	if len(s.Pending) > 0 {
		return nil, reject("payment_pending", "a payment is in progress on this sale")
	}
	if req.Amount < 0 || req.Amount > money.Max {
		return nil, reject("bad_amount", "a tip must be between 0 and %s", money.Kr(money.Max))
	}
	if s.Totals.Due-s.Tip+req.Amount < 0 {
		return nil, reject("bad_amount", "more is paid than the sale and that tip")
	}
	s.Tip = req.Amount
	s.Recompute()
	if _, err := a.journal("sale.tip", 0, s.ID, req); err != nil {
		return nil, err
	}
	return s, a.saveSale(s)
}

// --- other tenders ---------------------------------------------------------

// PayOther pays with a tender the shop configured (invoice to a business
// customer, a voucher of a partner…). The proposer checks the tender against
// the shop's configuration and sends its name and SAF-T code along.
type PayOther struct {
	Sale   string    `json:"sale"`
	Tender string    `json:"tender"` // the configured tender's id
	Name   string    `json:"name"`   // for the receipt
	Code   int       `json:"code"`   // SAF-T 12xxx
	Amount money.Øre `json:"amount"` // 0: all that is due
	Ref    string    `json:"ref,omitempty"`
}

// CmdPayOther books a configured tender.
const CmdPayOther = "pay.other"

func applyPayOther(a *applyCtx, env *Envelope) (any, error) {
	req, err := body[PayOther](env)
	if err != nil {
		return nil, err
	}
	if req.Tender == "" || req.Name == "" || req.Code < 12000 || req.Code > 12999 || len(req.Ref) > 100 {
		return nil, reject("bad_tender", "a tender needs an id, a name, a SAF-T code 12000–12999 and a reference of at most 100 characters")
	}
	s, err := a.payableSale(req.Sale)
	if err != nil {
		return nil, err
	}
	if req.Amount == 0 {
		req.Amount = s.Totals.Due
	}
	if req.Amount < 1 || req.Amount > s.Totals.Due {
		return nil, reject("bad_amount", "the amount must be between 0,01 and %s, what is due", money.Kr(s.Totals.Due))
	}
	return a.addPayment(s, Payment{Method: MethodOther, Amount: req.Amount, Tender: req.Name, Code: req.Code, Ref: req.Ref})
}

// payableSale loads an open sale of this register that can take a payment now.
func (a *applyCtx) payableSale(id string) (*Sale, error) {
	s, err := a.openSale(id)
	if err != nil {
		return nil, err
	}
	if len(s.Pending) > 0 {
		return nil, reject("payment_pending", "a card or mobile payment is in progress on this sale")
	}
	return s, payable(s)
}

// addPayment books p on s, journals it and completes s when it is paid.
func (a *applyCtx) addPayment(s *Sale, p Payment) (*Sale, error) {
	s.Payments = append(s.Payments, p)
	s.Recompute()
	if _, err := a.journal("payment", 0, s.ID, p); err != nil {
		return nil, err
	}
	if settled(s) {
		if err := a.complete(s); err != nil {
			return nil, err
		}
	}
	return s, a.saveSale(s)
}

func init() {
	addHandlers(map[string]handler{
		CmdRefundStart: applyRefundStart,
		CmdSaleTip:     applySaleTip,
		CmdPayOther:    applyPayOther,
	})
}
