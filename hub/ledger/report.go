package ledger

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/kasse/kasse/hub/money"
)

// X and Z reports. Running one journals the whole report (13008 X, 13009 Z)
// and queues it for the register's printer. A Z report closes the
// register's day: it is numbered in sequence, and the counters start again
// from nothing; the grand totals never do. A register with no use since its
// last Z has no Z.

// Commands of reports.
const (
	CmdReportX = "report.x"
	CmdReportZ = "report.z"
)

// ActReport prints a report; Action.Report is its journal entry.
const ActReport = "report"

func init() {
	addHandlers(map[string]handler{CmdReportX: applyReportX, CmdReportZ: applyReportZ})
}

// ReportReq asks for a report; a Z needs the permission or a supervisor's
// approval.
type ReportReq struct {
	ApprovedBy string `json:"approvedBy,omitempty"`
}

// Report is an X or Z report of one register as run: everything the
// Norwegian cash register regulation asks it to show.
type Report struct {
	Kind          string    `json:"kind"` // "X" or "Z"
	No            int64     `json:"no"`   // a Z's number in its register's sequence; 0 for an X
	Journal       uint64    `json:"journal"`
	Action        string    `json:"action"` // the print job
	Shop          string    `json:"shop"`
	OrgNr         string    `json:"orgNr"`
	VATRegistered bool      `json:"vatRegistered"`
	Register      string    `json:"register"`
	RegisterName  string    `json:"registerName"`
	Employee      string    `json:"employee,omitempty"`
	Time          time.Time `json:"time"`
	Local         string    `json:"local"`           // Oslo, 2006-01-02 15:04:05
	Since         string    `json:"since,omitempty"` // Oslo time of the first use counted

	TotalCashSales money.Øre     `json:"totalCashSales"` // sales and returns, VAT included, before cash rounding
	Rounding       money.Øre     `json:"rounding"`
	Groups         []GroupCount  `json:"groups"`
	Payments       []TenderCount `json:"payments"`
	EmpPayments    []EmpTender   `json:"employeePayments"`
	Tips           Count         `json:"tips"`
	VAT            []VATLine     `json:"vat"`
	Taxable        money.Øre     `json:"taxable"` // sales at a VAT rate, without VAT
	TaxFree        money.Øre     `json:"taxFree"` // sales at 0 %
	VATTotal       money.Øre     `json:"vatTotal"`
	Float          Count         `json:"float"`
	CashIn         Count         `json:"cashIn"`
	CashOut        Count         `json:"cashOut"`
	Receipts       int64         `json:"receipts"` // sales receipts
	NoSale         Count         `json:"noSale"`
	Copies         Count         `json:"copies"`
	Proforma       Count         `json:"proforma"`
	Returns        Count         `json:"returns"`
	Discounts      Count         `json:"discounts"`
	Voids          Count         `json:"voids"`
	Corrected      Count         `json:"corrected"`
	Lookups        Count         `json:"lookups"`
	Training       Count         `json:"training"`
	Grand          Grand         `json:"grand"`
}

// GroupCount is the sales of an item group.
type GroupCount struct {
	Group string `json:"group"`
	Count
}

// TenderCount is the payments in one tender: Method is its TenderKey, Code
// its SAF-T payment code.
type TenderCount struct {
	Method string `json:"method"`
	Code   int    `json:"code"`
	Count
}

// EmpTender is an employee's payments in one tender.
type EmpTender struct {
	Employee string `json:"employee"`
	Method   string `json:"method"`
	Code     int    `json:"code"`
	Count
}

func applyReportX(a *applyCtx, env *Envelope) (any, error) {
	return a.report("X", env)
}

func applyReportZ(a *applyCtx, env *Envelope) (any, error) {
	return a.report("Z", env)
}

func (a *applyCtx) report(kind string, env *Envelope) (any, error) {
	req, err := body[ReportReq](env)
	if err != nil {
		return nil, err
	}
	reg, err := a.register()
	if err != nil {
		return nil, err
	}
	if err := a.employee(); err != nil {
		return nil, err
	}
	if kind == "Z" && !a.mayDo(PermZ, req.ApprovedBy) {
		return nil, reject("permission_denied", "closing the day with a Z report needs a supervisor")
	}
	c, err := a.counters(reg.ID)
	if err != nil {
		return nil, err
	}
	g, err := a.grand(reg.ID)
	if err != nil {
		return nil, err
	}
	if kind == "Z" && !c.Used {
		return nil, reject("nothing_to_report", "register %s has had no sales or other use since its last Z report: a day without use has no Z report", reg.ID)
	}
	shop, err := load[Shop](a, keyShop)
	if err != nil {
		return nil, notFound(err, "no_shop", "the shop is not set up")
	}
	seq := a.tip.Seq + 1
	r := buildReport(kind, c, g)
	r.Journal, r.Action = seq, fmt.Sprintf("report/%s/%d", reg.ID, seq)
	r.Shop, r.OrgNr, r.VATRegistered = shop.Name, shop.OrgNr, shop.VAT
	r.Register, r.RegisterName, r.Employee = reg.ID, reg.Name, env.Employee
	r.Time, r.Local = env.Time, env.Time.In(Oslo).Format("2006-01-02 15:04:05")
	ev, typ := EvXReport, "report.x"
	if kind == "Z" {
		g.Z++
		r.No, r.Grand.Z = g.Z, g.Z
		ev, typ = EvZReport, "report.z"
		a.b.del(pfxTally + reg.ID)
		if err := a.put(pfxGrand+reg.ID, g); err != nil {
			return nil, err
		}
	}
	e, err := a.journal(typ, ev, "", r)
	if err != nil {
		return nil, err
	}
	if e.Seq != seq {
		return nil, fmt.Errorf("report journaled as %d, expected %d", e.Seq, seq)
	}
	act := Action{ID: r.Action, Kind: ActReport, Register: reg.ID, Report: seq}
	return r, a.addAction(act)
}

// buildReport turns counters into a report's figures, lists in a fixed
// order (groups and employees by name, tenders cash first, VAT by rate
// from the highest).
func buildReport(kind string, c *Counters, g *Grand) *Report {
	r := &Report{Kind: kind, Grand: *g, Tips: c.Tips, Float: c.Float, CashIn: c.CashIn, CashOut: c.CashOut,
		Receipts: c.Sales.N, NoSale: c.NoSale, Copies: c.Copies, Proforma: c.Proforma, Returns: c.Returns,
		Discounts: c.Discounts, Voids: c.Voids, Corrected: c.Corrected, Lookups: c.Lookups, Training: c.Training,
		Rounding: c.Rounding, TotalCashSales: c.Sales.Amount + c.Returns.Amount,
		Groups: []GroupCount{}, Payments: []TenderCount{}, EmpPayments: []EmpTender{}, VAT: []VATLine{}}
	if !c.Since.IsZero() {
		r.Since = c.Since.In(Oslo).Format("2006-01-02 15:04:05")
	}
	for _, k := range slices.Sorted(maps.Keys(c.Groups)) {
		r.Groups = append(r.Groups, GroupCount{k, *c.Groups[k]})
	}
	for _, k := range tenders(c.Payments) {
		r.Payments = append(r.Payments, TenderCount{k, tenderCode(k, c.Codes), *c.Payments[k]})
	}
	for _, emp := range slices.Sorted(maps.Keys(c.EmpPay)) {
		for _, k := range tenders(c.EmpPay[emp]) {
			r.EmpPayments = append(r.EmpPayments, EmpTender{emp, k, tenderCode(k, c.Codes), *c.EmpPay[emp][k]})
		}
	}
	for _, rate := range slices.Sorted(maps.Keys(c.VAT)) {
		v := *c.VAT[rate]
		r.VAT = append([]VATLine{v}, r.VAT...)
		r.VATTotal += v.VAT
		if rate == money.Rate0 {
			r.TaxFree += v.Gross
		} else {
			r.Taxable += v.Net
		}
	}
	return r
}

// tenders orders tenders cash first, then by name.
func tenders(m map[string]*Count) []string {
	return slices.SortedFunc(maps.Keys(m), func(a, b string) int {
		if (a == "cash") != (b == "cash") {
			if a == "cash" {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
}

// CurrentCounters returns a register's counters since its last Z report and
// its grand totals, as an X report would show them, without running one.
func (l *Ledger) CurrentCounters(register string) (*Report, error) {
	var c Counters
	var g Grand
	if err := l.get(pfxTally+register, &c); err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	if err := l.get(pfxGrand+register, &g); err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	r := buildReport("", &c, &g)
	r.Register = register
	return r, nil
}

// Entry returns the journal entry with sequence number seq.
func (l *Ledger) Entry(seq uint64) (*Entry, error) {
	var e Entry
	err := l.db.View(func(txn *badger.Txn) error {
		raw, err := getTxn(txn, journalKey(seq))
		if err != nil {
			return err
		}
		return json.Unmarshal(raw, &e)
	})
	if err != nil {
		return nil, fmt.Errorf("journal entry %d: %w", seq, err)
	}
	return &e, nil
}

// ReportAt returns the X or Z report journaled at seq.
func (l *Ledger) ReportAt(seq uint64) (*Report, error) {
	e, err := l.Entry(seq)
	if err != nil {
		return nil, err
	}
	if e.Type != "report.x" && e.Type != "report.z" {
		return nil, fmt.Errorf("journal entry %d is a %s, not a report: %w", seq, e.Type, ErrNotFound)
	}
	var r Report
	if err := json.Unmarshal(e.Data, &r); err != nil {
		return nil, fmt.Errorf("journal entry %d: %w", seq, err)
	}
	return &r, nil
}
