// Package report lays out a register's X and Z reports as the Norwegian
// cash register regulation (kassasystemforskriften § 2-8-2, 2-8-3) wants
// them to read, and renders them with the receipt package's encoders: ESC/POS
// bytes for the receipt printer and HTML for the screen.
//
// A report shows: its label (X-rapport, or Z-rapport with its number), the
// shop's name and organisation number, date and time, the register, the
// period it covers, total cash sales (kontantsalg: paid at the register in
// any tender), sales by item group, by tender and by tender per employee,
// tips, VAT per rate with taxable and tax-free sales, the opening float and
// cash moved in and out, the number of sales receipts, drawer openings
// without a sale, and the count and amount of copies, provisional receipts,
// returns, discounts, voided sales, line corrections, price look-ups and
// training receipts, and the grand totals (sales, returns, net) that never
// reset. The figures are the ones the ledger journaled with the report, so a
// reprint shows exactly what was run.
package report

import (
	"fmt"
	"strings"

	"github.com/kasse/kasse/hub/ledger"
	"github.com/kasse/kasse/hub/money"
	"github.com/kasse/kasse/hub/receipt"
)

// Names gives employees' names by id; ids without a name print as they are.
type Names map[string]string

func (n Names) of(id string) string {
	if s := n[id]; s != "" {
		return s
	}
	if id == "" {
		return "(ingen)"
	}
	return id
}

// Tender is a tender's name on a report.
func Tender(method string) string {
	switch method {
	case "cash":
		return "Kontant"
	case "card":
		return "Bankkort"
	case "giftcard":
		return "Gavekort"
	case "credit":
		return "Tilgodelapp"
	case "mobile":
		return "Mobilbetaling"
	}
	return strings.TrimPrefix(method, "other:") // a tender the shop configured, by its name
}

// Layout lays out a report.
func Layout(r *ledger.Report, names Names) *receipt.Layout {
	l := &receipt.Layout{}
	add := func(left, right string, st receipt.Style) {
		l.Rows = append(l.Rows, receipt.Row{Left: left, Right: right, Style: st})
	}
	counted := func(label string, c ledger.Count) {
		add(fmt.Sprintf("%s (%d)", label, c.N), kr(c.Amount), receipt.Plain)
	}
	section := func(title string) {
		add("", "", receipt.Rule)
		add(title, "", receipt.Bold)
	}

	if r.Kind == "Z" {
		add(fmt.Sprintf("Z-rapport nr. %d", r.No), "", receipt.Heading)
	} else {
		add("X-rapport", "", receipt.Heading)
	}
	add(r.Shop, "", receipt.Center)
	org := "Org.nr. " + receipt.OrgNr(r.OrgNr)
	if r.VATRegistered {
		org += " MVA"
	}
	add(org, "", receipt.Center)
	add("", "", receipt.Blank)
	reg := "Kasse " + r.Register
	if r.RegisterName != "" && r.RegisterName != r.Register {
		reg += " (" + r.RegisterName + ")"
	}
	add(reg, "", receipt.Plain)
	add("Dato "+osloDate(r.Local), "kl. "+osloTime(r.Local), receipt.Plain)
	if r.Since != "" {
		add("Fra "+osloDate(r.Since)+" kl. "+osloTime(r.Since), "", receipt.Plain)
	}
	if r.Employee != "" {
		add("Kjørt av: "+names.of(r.Employee), "", receipt.Plain)
	}

	section("Salg")
	add("Totalt kontantsalg", kr(r.TotalCashSales), receipt.Big)
	add("Øreavrunding", kr(r.Rounding), receipt.Plain)
	add("Antall salgskvitteringer", fmt.Sprint(r.Receipts), receipt.Plain)

	section("Varegrupper")
	for _, g := range r.Groups {
		name := g.Group
		if name == "" {
			name = "Uten gruppe"
		}
		counted(name, g.Count)
	}
	section("Betalingsmidler")
	for _, p := range r.Payments {
		counted(Tender(p.Method), p.Count)
	}
	section("Betalingsmidler per selger")
	for _, p := range r.EmpPayments {
		counted(names.of(p.Employee)+": "+Tender(p.Method), p.Count)
	}
	section("Tips") // paid in the tenders above, not sales
	counted("Tips", r.Tips)

	section("MVA")
	for _, v := range r.VAT {
		if v.Rate == money.Rate0 {
			continue
		}
		add(fmt.Sprintf("MVA %s %%  grunnlag %s", pct(v.Rate), kr(v.Net)), kr(v.VAT), receipt.Plain)
	}
	add("Avgiftspliktig salg", kr(r.Taxable), receipt.Plain)
	add("Avgiftsfritt salg", kr(r.TaxFree), receipt.Plain)
	add("Sum MVA", kr(r.VATTotal), receipt.Plain)

	section("Kontanter")
	counted("Inngående veksel", r.Float)
	counted("Innskudd", r.CashIn)
	counted("Uttak", r.CashOut)
	add("Skuffeåpninger uten salg", fmt.Sprint(r.NoSale.N), receipt.Plain)

	section("Kvitteringer og korreksjoner")
	counted("Kopikvitteringer", r.Copies)
	counted("Foreløpige kvitteringer", r.Proforma)
	counted("Returer", r.Returns)
	counted("Rabatter", r.Discounts)
	counted("Annullerte salg", r.Voids)
	counted("Linjekorreksjoner", r.Corrected)
	counted("Prisoppslag", r.Lookups)
	counted("Treningskvitteringer", r.Training)

	section("Grand total")
	add("Salg", kr(r.Grand.Sales), receipt.Plain)
	add("Retur", kr(r.Grand.Returns), receipt.Plain)
	add("Netto", kr(r.Grand.Net), receipt.Bold)
	add("", "", receipt.Rule)
	if r.Kind == "Z" {
		add(fmt.Sprintf("Z-rapport nr. %d", r.No), "", receipt.Center)
	} else {
		add("X-rapport", "", receipt.Center)
	}
	return l
}

// Source is what ForEntry reads of the ledger.
type Source interface {
	ReportAt(seq uint64) (*ledger.Report, error)
	Employees() ([]ledger.Employee, error)
}

// ForEntry lays out the report journaled at seq, with employees' names.
func ForEntry(src Source, seq uint64) (*ledger.Report, *receipt.Layout, error) {
	r, err := src.ReportAt(seq)
	if err != nil {
		return nil, nil, err
	}
	emps, err := src.Employees()
	if err != nil {
		return nil, nil, err
	}
	names := Names{}
	for _, e := range emps {
		names[e.ID] = e.Name
	}
	return r, Layout(r, names), nil
}

func kr(a money.Øre) string {
	return strings.NewReplacer("\u00a0", " ", "−", "-").Replace(money.Kr(a))
}

func pct(r money.Rate) string {
	s := strings.TrimSuffix(strings.TrimSuffix(money.Format(money.Øre(r)), "00"), ".")
	return strings.ReplaceAll(s, ".", ",")
}

// osloDate turns "2006-01-02 15:04:05" into "02.01.2006".
func osloDate(local string) string {
	if len(local) < 10 {
		return local
	}
	return local[8:10] + "." + local[5:7] + "." + local[:4]
}

func osloTime(local string) string {
	if len(local) < 19 {
		return ""
	}
	return local[11:19]
}
