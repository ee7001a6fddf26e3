package ledger

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/kasse/kasse/hub/money"
)

// Running counters. Every journal entry passes through tally inside Apply,
// which keeps per register the figures an X or Z report needs: a report
// reads one record, never the day's sales. The figures are a pure function
// of the journal, so every hub holds the same.

const (
	pfxTally = "s/tally/" // + register: Counters since the last Z report
	pfxGrand = "s/grand/" // + register: Grand totals, never reset
)

// Count is how many and how much.
type Count struct {
	N      int64     `json:"n"`
	Amount money.Øre `json:"amount"`
}

func (c *Count) add(n int64, amount money.Øre) { c.N += n; c.Amount += amount }

// Counters are a register's figures since its last Z report. Amounts are
// VAT included. Item groups, tenders and VAT are net: a return counts
// against them with its negative amounts. Training sales count only in
// Training.
type Counters struct {
	Since     time.Time               `json:"since,omitzero"` // the first use counted
	Used      bool                    `json:"used,omitempty"`
	Sales     Count                   `json:"sales"`    // sales receipts, their totals
	Rounding  money.Øre               `json:"rounding"` // cash rounding on sales and returns
	Groups    map[string]*Count       `json:"groups"`   // item group → pieces (a weighed line is one), amount
	Payments  map[string]*Count       `json:"payments"` // tender → payments, amount
	EmpPay    map[string]tenderMap    `json:"empPay"`   // employee → tender → payments, amount
	VAT       map[money.Rate]*VATLine `json:"vat"`
	Codes     map[string]int          `json:"codes,omitempty"` // tender → its SAF-T payment code (tenderCode)
	Tips      Count                   `json:"tips"`            // each tip (the cashier's, on a terminal), its amount
	Float     Count                   `json:"float"`
	CashIn    Count                   `json:"cashIn"`
	CashOut   Count                   `json:"cashOut"`
	NoSale    Count                   `json:"noSale"`
	Copies    Count                   `json:"copies"`
	Proforma  Count                   `json:"proforma"` // provisional receipts: Kasse prints none
	Returns   Count                   `json:"returns"`
	Discounts Count                   `json:"discounts"`
	Voids     Count                   `json:"voids"`
	Corrected Count                   `json:"corrected"` // lines removed from sales
	Lookups   Count                   `json:"lookups"`
	Training  Count                   `json:"training"`
}

type tenderMap = map[string]*Count

// Grand are a register's totals since it was first used; no report resets
// them.
type Grand struct {
	Sales   money.Øre `json:"sales"`
	Returns money.Øre `json:"returns"` // negative
	Net     money.Øre `json:"net"`
	Z       int64     `json:"z"` // number of the last Z report
}

func (a *applyCtx) counters(reg string) (*Counters, error) {
	c, err := load[Counters](a, pfxTally+reg)
	if errors.Is(err, ErrNotFound) {
		return &Counters{}, nil
	}
	return c, err
}

func (a *applyCtx) grand(reg string) (*Grand, error) {
	g, err := load[Grand](a, pfxGrand+reg)
	if errors.Is(err, ErrNotFound) {
		return &Grand{}, nil
	}
	return g, err
}

// count changes the counters of reg with fn and marks the register used.
func (a *applyCtx) count(reg string, fn func(c *Counters) error) error {
	if reg == "" {
		return nil
	}
	c, err := a.counters(reg)
	if err != nil {
		return err
	}
	if !c.Used {
		c.Used, c.Since = true, a.env.Time
	}
	if err := fn(c); err != nil {
		return err
	}
	return a.put(pfxTally+reg, c)
}

func bump[K comparable](m *map[K]*Count, k K, n int64, amount money.Øre) {
	if *m == nil {
		*m = map[K]*Count{}
	}
	c := (*m)[k]
	if c == nil {
		c = &Count{}
		(*m)[k] = c
	}
	c.add(n, amount)
}

// peekSale is a sale as Apply knows it now, for reading only; nil if none.
func (a *applyCtx) peekSale(id string) *Sale {
	if id == "" {
		return nil
	}
	for _, m := range []map[string]*Sale{a.orig, a.b.staged, a.b.flushed, a.l.sales} {
		if s, ok := m[id]; ok && s != nil {
			return s
		}
	}
	s, err := load[Sale](a, pfxSale+id) // the header holds totals and the training mark
	if err != nil {
		return nil
	}
	return s
}

// tally counts a journal entry just appended.
func (a *applyCtx) tally(e *Entry) error {
	switch e.Type {
	case "sale.complete", "return.complete":
		if e.sale == nil {
			return fmt.Errorf("journal entry %s for sale %s made without its sale", e.Type, e.Sale)
		}
		return a.tallySale(e, e.sale)
	case "sale.void":
		if s := a.peekSale(e.Sale); s != nil && !s.Training {
			return a.count(e.Register, func(c *Counters) error { c.Voids.add(1, s.Totals.Total); return nil })
		}
	case "sale.correction":
		var d struct {
			Amount money.Øre `json:"amount"`
		}
		_ = json.Unmarshal(e.Data, &d)
		if s := a.peekSale(e.Sale); s != nil && !s.Training {
			return a.count(e.Register, func(c *Counters) error { c.Corrected.add(1, d.Amount); return nil })
		}
	case "receipt.copy":
		if s := a.peekSale(e.Sale); s != nil && !s.Training {
			return a.count(e.Register, func(c *Counters) error { c.Copies.add(1, s.Totals.Total); return nil })
		}
	case "price.lookup":
		var d struct {
			Price money.Øre `json:"price"`
		}
		_ = json.Unmarshal(e.Data, &d)
		return a.count(e.Register, func(c *Counters) error { c.Lookups.add(1, d.Price); return nil })
	case "drawer.open":
		var d drawerReq
		_ = json.Unmarshal(e.Data, &d)
		if d.Reason == "nosale" {
			return a.count(e.Register, func(c *Counters) error { c.NoSale.add(1, 0); return nil })
		}
	}
	return nil
}

// tallySale counts a completed sale or return in its register's counters,
// its grand totals and the drawer session it was paid into. Tenders are
// counted by TenderKey; the payments' amounts include their tips.
func (a *applyCtx) tallySale(e *Entry, s *Sale) error {
	ret := s.Kind == KindReturn
	t := s.Totals
	if s.Training {
		if err := a.count(s.Register, func(c *Counters) error { c.Training.add(1, t.Total); return nil }); err != nil {
			return err
		}
		// The regulation's event for every training receipt.
		_, err := a.journal("training.receipt", EvTrainRec, s.ID, map[string]any{"kind": kindName(s), "amount": t.Total, "receipt": s.Receipt.No})
		return err
	}
	err := a.count(s.Register, func(c *Counters) error {
		if ret {
			c.Returns.add(1, t.Total)
		} else {
			c.Sales.add(1, t.Total)
			n := int64(0)
			if s.Discount != nil {
				n++
			}
			for _, l := range s.Lines {
				if !l.Removed && l.LineDisc != 0 {
					n++
				}
			}
			if t.Discount != 0 {
				c.Discounts.add(n, t.Discount)
			}
		}
		c.Rounding += t.Rounding
		for _, l := range s.Lines {
			if l.Removed {
				continue
			}
			n := l.Qty
			if l.Unit == UnitKg {
				n = 1
			}
			if ret {
				n = -n
			}
			bump(&c.Groups, l.Group, n, l.Amount)
		}
		if s.Tip != 0 {
			c.Tips.add(1, s.Tip)
		}
		for _, p := range s.Payments {
			k := TenderKey(p)
			bump(&c.Payments, k, 1, p.Amount)
			if c.EmpPay == nil {
				c.EmpPay = map[string]tenderMap{}
			}
			m := c.EmpPay[s.Employee]
			bump(&m, k, 1, p.Amount)
			c.EmpPay[s.Employee] = m
			if p.Method == MethodOther {
				if c.Codes == nil {
					c.Codes = map[string]int{}
				}
				c.Codes[k] = PaymentCode(p)
			}
			if p.Tip != 0 {
				c.Tips.add(1, p.Tip)
			}
		}
		if c.VAT == nil {
			c.VAT = map[money.Rate]*VATLine{}
		}
		for _, v := range t.VAT {
			cur := c.VAT[v.Rate]
			if cur == nil {
				cur = &VATLine{Rate: v.Rate}
				c.VAT[v.Rate] = cur
			}
			cur.Gross += v.Gross
			cur.Net += v.Net
			cur.VAT += v.VAT
		}
		return nil
	})
	if err != nil {
		return err
	}
	g, err := a.grand(s.Register)
	if err != nil {
		return err
	}
	if ret {
		g.Returns += t.Total
	} else {
		g.Sales += t.Total
	}
	g.Net = g.Sales + g.Returns
	if err := a.put(pfxGrand+s.Register, g); err != nil {
		return err
	}
	return a.sessionTakes(s)
}

func kindName(s *Sale) string {
	if s.Kind == KindReturn {
		return "return"
	}
	return "sale"
}

// sessionTakes books a sale's tenders into its register's drawer session.
func (a *applyCtx) sessionTakes(s *Sale) error {
	d, err := a.sessionOf(s.Register)
	if err != nil || d == nil {
		return err
	}
	for _, p := range s.Payments {
		if d.Sales == nil {
			d.Sales = map[string]money.Øre{}
		}
		d.Sales[p.Method] += p.Amount
	}
	if s.Employee != "" && !slices.Contains(d.Employees, s.Employee) {
		d.Employees = append(d.Employees, s.Employee)
	}
	return a.put(pfxSession+d.ID, d)
}

// TenderKey is the tender a payment is counted under in reports: its method
// (cash, card, giftcard, credit, mobile), or for a tender the shop
// configured (an invoice, …) "other:" and its name.
func TenderKey(p Payment) string {
	if p.Method == MethodOther {
		return MethodOther + ":" + p.Tender
	}
	return p.Method
}

// tenderCode is the SAF-T payment code (PredefinedBasicID-12) of a tender
// counted under key k; a bank card counts as a debit card.
func tenderCode(k string, codes map[string]int) int {
	switch k {
	case MethodCash:
		return CodeCash
	case MethodCard:
		return CodeDebitCard
	case MethodGift:
		return CodeGiftToken
	case MethodCredit:
		return CodeCreditNote
	case MethodMobile:
		return CodeMobileApp
	}
	if c := codes[k]; c != 0 {
		return c
	}
	return CodeOther
}
