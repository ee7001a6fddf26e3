// Package receipt lays out a completed sale as the Norwegian cash register
// regulation wants a receipt to read, once, and renders that layout as
// ESC/POS bytes for a receipt printer and as HTML for e-mail and the screen.
//
// A sales receipt carries: the heading "Salgskvittering" (larger than the
// rest), the shop's name, address and organisation number followed by "MVA"
// when it is VAT registered, the receipt number, date and time (Oslo), the
// register and the seller, every line with quantity and amount, discounts,
// the total, cash rounding, VAT per rate with the taxable amount and the
// tax-free sales apart, each payment (card payments with the terminal's
// transaction id), change, and a code that finds the sale again. A copy is
// marked "KOPI" at the top and bottom. A sale made in training mode is headed
// "Treningskvittering", says it is no sales receipt, and says so again at
// the bottom.
package receipt

import (
	"fmt"
	"strings"

	"github.com/kasse/kasse/hub/ledger"
	"github.com/kasse/kasse/hub/money"
)

// Data is what a receipt is made from.
type Data struct {
	Shop     ledger.Shop
	Register ledger.Register
	Sale     *ledger.Sale
	Seller   string // the employee's name or id
	Copy     bool
	// OriginalReceipt is, for a return, the receipt number of the sale it
	// returns from.
	OriginalReceipt int64
}

// Style of a row.
type Style int

// Row styles.
const (
	Plain   Style = iota
	Heading       // double size, centred
	Center
	Bold
	Big   // double height, bold: the total
	Rule  // a line across
	Blank // an empty line
)

// Row is one line of the layout: text on the left, an amount on the right.
type Row struct {
	Left, Right string
	Style       Style
}

// Layout is a receipt laid out, independent of where it is shown.
type Layout struct {
	Rows []Row
	Code string // printed as a CODE128 barcode: finds the sale again
}

// Build lays out a completed sale.
func Build(d Data) (*Layout, error) {
	s := d.Sale
	if s == nil || s.Status != ledger.SaleCompleted || s.Receipt == nil {
		return nil, fmt.Errorf("receipt: sale is not completed")
	}
	l := &Layout{Code: s.ID}
	add := func(left, right string, st Style) { l.Rows = append(l.Rows, Row{left, right, st}) }
	if d.Copy {
		add("KOPI", "", Heading)
	}
	ret := s.Kind == ledger.KindReturn
	if s.Training {
		add("Treningskvittering", "", Heading)
		add("IKKE SALGSKVITTERING", "", Center)
	} else if ret {
		add("Returkvittering", "", Heading)
	} else {
		add("Salgskvittering", "", Heading)
	}
	add(d.Shop.Name, "", Center)
	add(d.Shop.Address, "", Center)
	org := "Org.nr. " + OrgNr(d.Shop.OrgNr)
	if d.Shop.VAT {
		org += " MVA"
	}
	add(org, "", Center)
	add("", "", Blank)
	label := "Kvittering"
	if s.Training {
		label = "Treningskvittering" // numbered in a series of its own
	}
	add(fmt.Sprintf("%s nr. %d", label, s.Receipt.No), "Kasse "+d.Register.ID, Plain)
	when := s.Receipt.Time.In(ledger.Oslo)
	add("Dato "+when.Format("02.01.2006"), "kl. "+when.Format("15:04:05"), Plain)
	if d.Seller != "" {
		add("Selger: "+d.Seller, "", Plain)
	}
	if ret && s.Original == "" && d.OriginalReceipt == 0 {
		add("Retur uten kvittering", "", Plain)
	} else if ret {
		add(fmt.Sprintf("Retur av kvittering nr. %d", d.OriginalReceipt), "", Plain)
	} else if s.Original != "" {
		add(fmt.Sprintf("Bytte: retur fra kvittering nr. %d", d.OriginalReceipt), "", Plain)
	}
	add("", "", Rule)
	for _, ln := range s.Lines {
		if ln.Removed {
			continue
		}
		add(ln.Name, kr(ln.Gross), Plain)
		switch {
		case ln.Unit == ledger.UnitKg:
			add(fmt.Sprintf("  %s kg x %s/kg", grams(ln.Qty), kr(unitPrice(ln))), "", Plain)
		case ln.Qty > 1 && !ret && ln.Orig == 0:
			add(fmt.Sprintf("  %d x %s", ln.Qty, kr(unitPrice(ln))), "", Plain)
		case ln.Qty > 1:
			add(fmt.Sprintf("  %d stk returnert", ln.Qty), "", Plain)
		}
		if ln.Override != nil {
			add(fmt.Sprintf("  Pris endret fra %s", kr(ln.Override.Was)), "", Plain)
		}
		if ln.LineDisc != 0 {
			add("  Rabatt"+percent(ln.Discount), "-"+kr(ln.LineDisc), Plain)
		}
	}
	add("", "", Rule)
	t := s.Totals
	if s.Discount != nil {
		var shared money.Øre
		for _, ln := range s.Lines {
			shared += ln.SaleDisc
		}
		add("Rabatt på kjøpet"+percent(s.Discount), "-"+kr(shared), Plain)
	}
	if t.Discount != 0 {
		add("Du sparte", kr(t.Discount), Plain)
	}
	add("TOTAL", "kr "+kr(t.Total), Big)
	if t.Tips != 0 {
		add("Tips (uten MVA)", kr(t.Tips), Plain)
	}
	if t.Rounding != 0 {
		add("Øreavrunding", kr(t.Rounding), Plain)
		if ret || t.Total < 0 {
			add("Tilbakebetalt", "kr "+kr(-(t.Total+t.Rounding)), Bold)
		} else {
			add("Betalt", "kr "+kr(t.Total+t.Rounding), Bold)
		}
	}
	add("", "", Blank)
	for _, p := range s.Payments {
		switch p.Method {
		case "cash":
			if ret || p.Amount < 0 {
				add("Tilbakebetalt kontant", kr(-p.Amount), Plain)
			} else {
				add("Kontant", kr(p.Tendered), Plain)
			}
		case "card":
			name := "Bankkort"
			if p.Card != nil && p.Card.Brand != "" {
				name = p.Card.Brand
			}
			add(name, kr(p.Amount), Plain)
			if c := p.Card; c != nil {
				if c.Masked != "" {
					add("  "+c.Masked, "", Plain)
				}
				add("  Terminal-ref. "+c.TerminalTx, "", Plain)
				if c.Approval != "" {
					add("  Autorisasjon "+c.Approval, "", Plain)
				}
			}
			if p.Tip != 0 {
				add("  herav tips", kr(p.Tip), Plain)
			}
		default:
			tenderRows(p, add)
		}
	}
	if t.Change != 0 {
		add("Vekslepenger", kr(t.Change), Bold)
	}
	add("", "", Rule)
	add("MVA-spesifikasjon", "", Bold)
	var free money.Øre
	for _, v := range t.VAT {
		if v.Rate == money.Rate0 {
			free += v.Gross
			continue
		}
		add(fmt.Sprintf("MVA %s %%  grunnlag %s", pct(v.Rate), kr(v.Net)), kr(v.VAT), Plain)
	}
	if free != 0 {
		add("Fritatt for MVA", kr(free), Plain)
	}
	add("Sum MVA", kr(t.Total-t.Net), Plain)
	add("", "", Rule)
	if d.Copy {
		add("KOPI", "", Heading)
	}
	if s.Training {
		add("Treningskvittering", "", Heading)
		add("IKKE SALGSKVITTERING", "", Center)
	}
	add("Takk for handelen!", "", Center)
	return l, nil
}

func unitPrice(l ledger.Line) money.Øre {
	if l.Override != nil {
		return l.Override.Price
	}
	return l.Price
}

// kr formats an amount with a plain space between thousands: receipt
// printers have no narrow spaces.
func kr(a money.Øre) string {
	return strings.NewReplacer("\u00a0", " ", "−", "-").Replace(money.Kr(a))
}

func grams(g int64) string { return fmt.Sprintf("%d,%03d", g/1000, g%1000) }

func pct(r money.Rate) string {
	s := strings.TrimSuffix(strings.TrimSuffix(money.Format(money.Øre(r)), "00"), ".")
	return strings.ReplaceAll(s, ".", ",")
}

func percent(d *ledger.Discount) string {
	if d == nil || d.Percent == 0 {
		if d != nil && d.Reason != "" {
			return " (" + d.Reason + ")"
		}
		return ""
	}
	s := " " + pct(money.Rate(d.Percent)) + " %"
	if d.Reason != "" {
		s += " (" + d.Reason + ")"
	}
	return s
}

// OrgNr groups an organisation number as Norwegians write it: 999 999 999.
func OrgNr(n string) string {
	if len(n) != 9 {
		return n
	}
	return n[:3] + " " + n[3:6] + " " + n[6:]
}

// Source is what ForSale reads from the ledger.
type Source interface {
	Sale(id string) (*ledger.Sale, error)
	Shop() (*ledger.Shop, error)
	Register(id string) (*ledger.Register, error)
	Employee(id string) (*ledger.Employee, error)
}

// ForSale lays out the receipt of a completed sale as the ledger has it.
func ForSale(src Source, saleID string, copy bool) (*Layout, error) {
	sale, err := src.Sale(saleID)
	if err != nil {
		return nil, err
	}
	shop, err := src.Shop()
	if err != nil {
		return nil, err
	}
	reg, err := src.Register(sale.Register)
	if err != nil {
		return nil, err
	}
	seller := sale.Employee
	if e, err := src.Employee(sale.Employee); err == nil {
		seller = e.Name
	}
	d := Data{Shop: *shop, Register: *reg, Sale: sale, Seller: seller, Copy: copy}
	if sale.Original != "" {
		if orig, err := src.Sale(sale.Original); err == nil && orig.Receipt != nil {
			d.OriginalReceipt = orig.Receipt.No
		}
	}
	return Build(d)
}
