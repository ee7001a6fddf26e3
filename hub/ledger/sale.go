package ledger

import (
	"sort"
	"time"

	"github.com/kasse/kasse/hub/money"
)

// Sale states.
const (
	SaleOpen      = "open"
	SaleParked    = "parked"
	SaleVoided    = "voided"
	SaleCompleted = "completed"
)

// KindReturn marks a return: its lines and totals are negative.
const KindReturn = "return"

// Units an item is sold in.
const (
	UnitPiece = "pcs"
	UnitKg    = "kg"
)

// Sale is one customer's basket from open to completed (or voided). Its
// totals are derived from the lines, discounts and payments by Recompute and
// stored with it so that readers and receipts never re-derive them.
type Sale struct {
	ID       string `json:"id"`
	Kind     string `json:"kind,omitempty"`     // "" for a sale, KindReturn for a return
	Original string `json:"original,omitempty"` // a return: the sale it returns from
	// Returned counts, per line number, what returns have taken back from
	// this sale (reserved while a return is open).
	Returned map[int]int64 `json:"returned,omitempty"`
	Register string        `json:"register"`
	Employee string        `json:"employee,omitempty"`
	Status   string        `json:"status"`
	Opened   time.Time     `json:"opened"`
	Closed   time.Time     `json:"closed,omitzero"`

	Lines    []Line    `json:"lines"`
	Discount *Discount `json:"discount,omitempty"` // on the whole sale
	Payments []Payment `json:"payments,omitempty"`
	Pending  []string  `json:"pending,omitempty"` // card and mobile payment attempts awaiting an outcome
	// Tip is a tip the cashier added before the sale closed (tips.go); tips
	// are not sales: no VAT, not in Total, but part of what is due.
	Tip      money.Øre `json:"tip,omitempty"`
	Totals   Totals    `json:"totals"`
	Receipt  *Receipt  `json:"receipt,omitempty"` // set when completed
	Copies   int       `json:"copies,omitempty"`  // copy receipts printed (at most one)
	Training bool      `json:"training,omitempty"`
}

// Line is one row of a sale. A removed line stays, marked, as the
// correction the regulation wants to see.
//
// A Line is compared and remembered by value (saveSale stores only lines
// that changed; encodedLines keeps their JSON): give it a new Override or
// Discount instead of changing the one it points at.
type Line struct {
	No       int        `json:"no"`
	SKU      string     `json:"sku"`
	Name     string     `json:"name"`
	Group    string     `json:"group,omitempty"`
	Code     string     `json:"code,omitempty"` // what was scanned, if anything
	Unit     string     `json:"unit"`
	Qty      int64      `json:"qty"`             // pieces, or grams for UnitKg
	Price    money.Øre  `json:"price"`           // VAT-inclusive, per piece or per kg
	Fixed    money.Øre  `json:"fixed,omitempty"` // price embedded in an in-store barcode: the line's amount
	Override *Override  `json:"override,omitempty"`
	Rate     money.Rate `json:"rate"`
	Discount *Discount  `json:"discount,omitempty"`
	Removed  bool       `json:"removed,omitempty"`
	Orig     int        `json:"orig,omitempty"` // a return line: the original sale's line number
	// Voucher is the gift card this line sells or tops up (no stock, VAT 0:
	// the VAT is due when the card is spent).
	Voucher string `json:"voucher,omitempty"`

	Gross    money.Øre `json:"gross"`    // before discounts
	LineDisc money.Øre `json:"lineDisc"` // this line's own discount
	SaleDisc money.Øre `json:"saleDisc"` // its share of the sale discount
	Amount   money.Øre `json:"amount"`   // to pay, VAT included
	VAT      money.Øre `json:"vat"`      // this line's VAT (SAF-T lines carry it)
}

// Override is a manual price on a line.
type Override struct {
	Price  money.Øre `json:"price"`
	Was    money.Øre `json:"was"`
	Reason string    `json:"reason,omitempty"`
}

// Discount is either a percentage (basis points) or an amount.
type Discount struct {
	Percent int64     `json:"percent,omitempty"` // basis points: 1000 = 10 %
	Amount  money.Øre `json:"amount,omitempty"`
	Reason  string    `json:"reason,omitempty"`
}

// Payment is a tender accepted on a sale (negative on a refund). Method is
// one of the Method constants (tender.go); PaymentCode gives its SAF-T code.
type Payment struct {
	Method   string    `json:"method"` // cash, card, giftcard, credit, mobile, other
	Amount   money.Øre `json:"amount"` // counted towards the sale, tip included
	Tendered money.Øre `json:"tendered,omitempty"`
	Change   money.Øre `json:"change,omitempty"`
	Attempt  string    `json:"attempt,omitempty"`
	Card     *CardInfo `json:"card,omitempty"`
	// Tip is the part of Amount that is a tip entered on the terminal.
	Tip money.Øre `json:"tip,omitempty"`
	// Ref is the gift card or credit note number, the mobile payment's
	// provider reference, or the other tender's reference (an invoice's
	// customer).
	Ref string `json:"ref,omitempty"`
	// Tender and Code name a shop-configured other tender and its SAF-T code.
	Tender string `json:"tender,omitempty"`
	Code   int    `json:"code,omitempty"`
}

// CardInfo is all the hub keeps of a card payment: never a full card number.
type CardInfo struct {
	TerminalTx string `json:"terminalTx"`
	Approval   string `json:"approval,omitempty"`
	Brand      string `json:"brand,omitempty"`
	Masked     string `json:"masked,omitempty"`
	// Funding is "credit" or "debit" when the terminal said which.
	Funding string `json:"funding,omitempty"`
}

// VATLine is the VAT of one rate on a sale.
type VATLine struct {
	Rate  money.Rate `json:"rate"`
	Gross money.Øre  `json:"gross"` // VAT included
	Net   money.Øre  `json:"net"`   // taxable amount (or tax-free for rate 0)
	VAT   money.Øre  `json:"vat"`
}

// Totals are derived from the lines and payments.
type Totals struct {
	Gross    money.Øre `json:"gross"`    // before discounts
	Discount money.Øre `json:"discount"` // all discounts
	Total    money.Øre `json:"total"`    // to pay before cash rounding
	Net      money.Øre `json:"net"`      // total without VAT
	VAT      []VATLine `json:"vat"`
	Paid     money.Øre `json:"paid"`
	Rounding money.Øre `json:"rounding"` // cash rounding applied (øreavrunding)
	Due      money.Øre `json:"due"`      // still to pay, exact
	Change   money.Øre `json:"change"`
	Items    int64     `json:"items"` // pieces; a weighed line counts as one
	// Tips are the cashier's tip and the tips entered on the terminal:
	// paid on top of Total, never part of it.
	Tips money.Øre `json:"tips,omitempty"`
}

// Receipt is what completing a sale fixes for ever.
type Receipt struct {
	No        int64     `json:"no"` // receipt number on this register
	Nr        int64     `json:"nr"` // transaction number in the signature chain
	Local     string    `json:"local"`
	Signature string    `json:"signature"`
	KeyVer    int       `json:"keyVersion"`
	Journal   uint64    `json:"journal"` // journal sequence of the completion entry
	Time      time.Time `json:"time"`
}

// lineGross is the amount of a line before discounts.
func lineGross(l *Line) money.Øre {
	price := l.Price
	if l.Override != nil {
		price = l.Override.Price
	} else if l.Fixed != 0 {
		return l.Fixed
	}
	if l.Unit == UnitKg {
		return money.MulDiv(price, l.Qty, 1000) // price per kg × grams
	}
	return price * l.Qty
}

// Recompute derives every line amount and the totals. Discounts never take a
// line below zero. A sale discount is shared among lines in proportion to
// their amounts (largest remainder), so VAT per rate stays exact.
func (s *Sale) Recompute() {
	t := Totals{}
	var active []int
	var base money.Øre
	for i := range s.Lines {
		l := &s.Lines[i]
		l.Gross, l.LineDisc, l.SaleDisc, l.Amount, l.VAT = 0, 0, 0, 0, 0
		if l.Removed {
			continue
		}
		l.Gross = lineGross(l)
		if d := l.Discount; d != nil {
			if d.Percent > 0 {
				l.LineDisc = money.Percent(l.Gross, d.Percent)
			} else {
				l.LineDisc = d.Amount
			}
			l.LineDisc = min(l.LineDisc, l.Gross)
		}
		l.Amount = l.Gross - l.LineDisc
		active = append(active, i)
		base += l.Amount
		t.Gross += l.Gross
		if l.Unit == UnitKg {
			t.Items++
		} else {
			t.Items += l.Qty
		}
	}
	if d := s.Discount; d != nil && base > 0 {
		total := d.Amount
		if d.Percent > 0 {
			total = money.Percent(base, d.Percent)
		}
		total = min(total, base)
		share(s.Lines, active, base, total)
	}
	byRate := map[money.Rate]*VATLine{}
	for _, i := range active {
		l := &s.Lines[i]
		l.Amount -= l.SaleDisc
		l.VAT = money.VAT(l.Amount, l.Rate)
		t.Discount += l.LineDisc + l.SaleDisc
		t.Total += l.Amount
		v := byRate[l.Rate]
		if v == nil {
			v = &VATLine{Rate: l.Rate}
			byRate[l.Rate] = v
		}
		v.Gross += l.Amount
	}
	for _, v := range byRate {
		// VAT is worked out on the sum per rate, as the receipt shows it.
		v.VAT = money.VAT(v.Gross, v.Rate)
		v.Net = v.Gross - v.VAT
		t.Net += v.Net
		t.VAT = append(t.VAT, *v)
	}
	sort.Slice(t.VAT, func(i, j int) bool { return t.VAT[i].Rate > t.VAT[j].Rate })
	t.Tips = s.Tip
	for _, p := range s.Payments {
		t.Paid += p.Amount
		t.Tips += p.Tip
	}
	t.Rounding = s.Totals.Rounding
	t.Change = s.Totals.Change
	t.Due = t.Total + t.Rounding + t.Tips - t.Paid
	s.Totals = t
}

// share spreads amount over the active lines in proportion to their amounts.
func share(lines []Line, active []int, base, amount money.Øre) {
	type rem struct {
		i int
		r int64
	}
	var given money.Øre
	rems := make([]rem, 0, len(active))
	for _, i := range active {
		q, r := money.MulDivFloor(amount, lines[i].Amount, base)
		lines[i].SaleDisc = q
		given += q
		rems = append(rems, rem{i, r})
	}
	sort.SliceStable(rems, func(a, b int) bool { return rems[a].r > rems[b].r })
	for k := 0; given < amount; k++ {
		lines[rems[k%len(rems)].i].SaleDisc++
		given++
	}
}

// CashDue is what a customer paying the rest in cash hands over: the exact
// due rounded to whole kroner, and the rounding that implies.
func (s *Sale) CashDue() (rounded, diff money.Øre) { return money.RoundCash(s.Totals.Due) }

// live returns the line with number no that has not been removed.
func (s *Sale) line(no int) *Line {
	for i := range s.Lines {
		if s.Lines[i].No == no {
			return &s.Lines[i]
		}
	}
	return nil
}
