package ledger

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kasse/kasse/hub/money"
)

// Gift cards and credit notes are vouchers: a number with a balance kept
// in the ledger, so they work with the internet down. A balance is changed
// only when a command is applied, and a redemption takes at most what the
// card holds at that moment: two registers redeeming one card at once can
// never take it below zero, whatever order Raft puts them in.

const (
	pfxVoucher     = "s/vch/"  // + number: the voucher
	pfxVoucherMove = "s/vchm/" // + number + "/" + seq (8 digits): its history
	pfxReceiptNo   = "s/rcpt/" // + register + "/" + receipt no (12 digits): sale id
)

// MaxVoucher is the most a single gift card may hold.
const MaxVoucher money.Øre = 10_000_000 // 100 000 kr

// Voucher is a gift card or a credit note.
type Voucher struct {
	Number  string    `json:"number"`
	Kind    string    `json:"kind"` // MethodGift or MethodCredit
	Balance money.Øre `json:"balance"`
	Issued  time.Time `json:"issued"`
	Sale    string    `json:"sale"` // the sale or return that issued it
	Moves   int       `json:"moves"`
}

// VoucherMove is one change of a voucher's balance.
type VoucherMove struct {
	Seq     int       `json:"seq"`
	Time    time.Time `json:"time"`
	What    string    `json:"what"` // issue, reload, redeem
	Sale    string    `json:"sale"`
	Amount  money.Øre `json:"amount"` // + loaded, − spent
	Balance money.Øre `json:"balance"`
}

// Commands of vouchers.
const (
	CmdSaleGift   = "sale.giftcard"
	CmdPayVoucher = "pay.voucher"
)

// SaleGift sells a new gift card, or tops up one, as a line of a sale; the
// card holds the money once the sale is paid.
type SaleGift struct {
	Sale   string    `json:"sale"`
	Number string    `json:"number"`
	Amount money.Øre `json:"amount"`
}

// PayVoucher pays with a gift card or credit note: at most Amount (0: all
// that is due), at most what the voucher holds when this is applied.
type PayVoucher struct {
	Sale   string    `json:"sale"`
	Method string    `json:"method"` // MethodGift or MethodCredit
	Number string    `json:"number"`
	Amount money.Øre `json:"amount"`
}

func init() {
	addHandlers(map[string]handler{CmdSaleGift: applySaleGift, CmdPayVoucher: applyPayVoucher})
}

// ValidVoucherNumber reports whether n can be a voucher number: 6 to 32
// letters and digits.
func ValidVoucherNumber(n string) bool {
	return len(n) >= 6 && len(n) <= 32 && strings.Trim(strings.ToUpper(n), "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") == ""
}

// VoucherLabel is how a receipt names a voucher: its last four characters.
func VoucherLabel(n string) string {
	if len(n) <= 4 {
		return n
	}
	return "****" + n[len(n)-4:]
}

func applySaleGift(a *applyCtx, env *Envelope) (any, error) {
	req, s, err := editSale(a, env, func(r *SaleGift) string { return r.Sale })
	if err != nil {
		return nil, err
	}
	if !ValidVoucherNumber(req.Number) {
		return nil, reject("bad_voucher", "a gift card number is 6 to 32 letters and digits")
	}
	if req.Amount < 100 || req.Amount > MaxVoucher {
		return nil, reject("bad_amount", "a gift card takes between 1,00 and %s", money.Kr(MaxVoucher))
	}
	v, err := load[Voucher](a, pfxVoucher+req.Number)
	switch {
	case errors.Is(err, ErrNotFound):
	case err != nil:
		return nil, err
	case v.Kind != MethodGift:
		return nil, reject("bad_voucher", "%s is a credit note, not a gift card", req.Number)
	case v.Balance+req.Amount > MaxVoucher:
		return nil, reject("bad_amount", "the card would hold more than %s", money.Kr(MaxVoucher))
	}
	for _, l := range s.Lines {
		if l.Voucher == req.Number && !l.Removed {
			return nil, reject("bad_voucher", "gift card %s is on this sale already", VoucherLabel(req.Number))
		}
	}
	if len(s.Lines) >= MaxLines {
		return nil, reject("too_many_lines", "a sale holds at most %d lines", MaxLines)
	}
	no := 1
	if n := len(s.Lines); n > 0 {
		no = s.Lines[n-1].No + 1
	}
	name := "Gavekort " + VoucherLabel(req.Number)
	if v != nil {
		name = "Påfylling gavekort " + VoucherLabel(req.Number)
	}
	s.Lines = append(s.Lines, Line{No: no, SKU: "GAVEKORT", Name: name, Group: "Gavekort", Unit: UnitPiece,
		Qty: 1, Price: req.Amount, Fixed: req.Amount, Rate: money.Rate0, Voucher: req.Number})
	if err := bounded(s); err != nil {
		return nil, err
	}
	if _, err := a.journal("sale.line", 0, s.ID, s.Lines[len(s.Lines)-1]); err != nil {
		return nil, err
	}
	return s, a.saveSale(s)
}

func applyPayVoucher(a *applyCtx, env *Envelope) (any, error) {
	req, err := body[PayVoucher](env)
	if err != nil {
		return nil, err
	}
	if req.Method != MethodGift && req.Method != MethodCredit {
		return nil, reject("bad_method", "a voucher is a gift card or a credit note")
	}
	s, err := a.payableSale(req.Sale)
	if err != nil {
		return nil, err
	}
	if sellsVoucher(s, req.Number) {
		return nil, reject("bad_voucher", "a gift card cannot pay for itself")
	}
	v, err := load[Voucher](a, pfxVoucher+req.Number)
	if err != nil {
		return nil, notFound(err, "unknown_voucher", "no gift card or credit note %s", VoucherLabel(req.Number))
	}
	if v.Kind != req.Method {
		return nil, reject("unknown_voucher", "%s is not a %s", VoucherLabel(req.Number), req.Method)
	}
	want := req.Amount
	if want == 0 || want > s.Totals.Due {
		want = s.Totals.Due
	}
	if want < 0 {
		return nil, reject("bad_amount", "an amount cannot be negative")
	}
	take := min(want, v.Balance)
	if take < 1 {
		return nil, reject("voucher_empty", "%s holds nothing", VoucherLabel(req.Number))
	}
	if err := a.moveVoucher(v, "redeem", s.ID, -take); err != nil {
		return nil, err
	}
	return a.addPayment(s, Payment{Method: req.Method, Amount: take, Ref: v.Number})
}

// sellsVoucher reports whether s sells or tops up voucher n.
func sellsVoucher(s *Sale, n string) bool {
	for _, l := range s.Lines {
		if l.Voucher == n && !l.Removed {
			return true
		}
	}
	return false
}

// loadVoucher issues voucher number of kind with amount, or adds amount to
// it if it exists.
func (a *applyCtx) loadVoucher(number, kind string, s *Sale, amount money.Øre) error {
	v, err := load[Voucher](a, pfxVoucher+number)
	what := "reload"
	switch {
	case errors.Is(err, ErrNotFound):
		v, what = &Voucher{Number: number, Kind: kind, Issued: a.env.Time, Sale: s.ID}, "issue"
	case err != nil:
		return err
	case v.Kind != kind:
		return reject("bad_voucher", "%s is a %s, not a %s", VoucherLabel(number), v.Kind, kind)
	}
	return a.moveVoucher(v, what, s.ID, amount)
}

// moveVoucher changes v's balance by amount, with a history entry and a
// journal entry.
func (a *applyCtx) moveVoucher(v *Voucher, what, sale string, amount money.Øre) error {
	if v.Balance+amount < 0 || v.Balance+amount > MaxVoucher {
		return reject("bad_amount", "%s cannot hold %s", VoucherLabel(v.Number), money.Kr(v.Balance+amount))
	}
	v.Balance += amount
	v.Moves++
	m := VoucherMove{Seq: v.Moves, Time: a.env.Time, What: what, Sale: sale, Amount: amount, Balance: v.Balance}
	if _, err := a.journal("voucher."+what, 0, sale, map[string]any{"number": v.Number, "kind": v.Kind, "amount": amount, "balance": v.Balance}); err != nil {
		return err
	}
	if err := a.put(fmt.Sprintf("%s%s/%08d", pfxVoucherMove, v.Number, m.Seq), m); err != nil {
		return err
	}
	return a.put(pfxVoucher+v.Number, v)
}

// refundToCredit settles return r with a new credit note for what it gives
// back.
func (a *applyCtx) refundToCredit(r *Sale, number string) error {
	if !ValidVoucherNumber(number) {
		return reject("bad_voucher", "a credit note needs a number of 6 to 32 letters and digits")
	}
	if _, err := a.b.get(pfxVoucher + number); err == nil {
		return reject("bad_voucher", "credit note %s exists", VoucherLabel(number))
	}
	amount := -r.Totals.Due
	if err := a.loadVoucher(number, MethodCredit, r, amount); err != nil {
		return err
	}
	p := Payment{Method: MethodCredit, Amount: -amount, Ref: number}
	r.Payments = append(r.Payments, p)
	r.Recompute()
	if _, err := a.journal("refund", 0, r.ID, p); err != nil {
		return err
	}
	return a.complete(r)
}

// Voucher returns a gift card or credit note by number.
func (l *Ledger) Voucher(number string) (*Voucher, error) {
	var v Voucher
	if err := l.get(pfxVoucher+number, &v); err != nil {
		return nil, fmt.Errorf("voucher %s: %w", VoucherLabel(number), err)
	}
	return &v, nil
}

// VoucherHistory lists every change of a voucher's balance, oldest first.
func (l *Ledger) VoucherHistory(number string) ([]VoucherMove, error) {
	out := []VoucherMove{}
	err := scan(l.db, pfxVoucherMove+number+"/", func(_ []byte, v []byte) (bool, error) {
		var m VoucherMove
		if err := json.Unmarshal(v, &m); err != nil {
			return false, err
		}
		out = append(out, m)
		return true, nil
	})
	return out, err
}

// SaleByReceipt finds a completed sale or return by its register and
// receipt number, as printed on the receipt.
func (l *Ledger) SaleByReceipt(register string, no int64) (*Sale, error) {
	var id string
	err := scan(l.db, receiptKey(register, no), func(_ []byte, v []byte) (bool, error) {
		id = string(v)
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	if id == "" {
		return nil, fmt.Errorf("receipt %d of register %s: %w", no, register, ErrNotFound)
	}
	return l.Sale(id)
}
