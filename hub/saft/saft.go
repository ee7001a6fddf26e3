// Package saft writes the Norwegian SAF-T Cash Register audit file
// (schema version 1.00, namespace urn:StandardAuditFile-Taxation-CashRegister:NO)
// for a period, straight from the ledger's journal.
//
// What it promises:
//
//   - The file validates against Norwegian_SAF-T_Cash_Register_Schema_v_1.00.xsd
//     (the tests run xmllint on a real ledger's export).
//   - It streams: the journal is walked once, from its first entry to two
//     days past the period, and the document is written as it goes, never
//     held in memory. Memory grows only with the number of distinct
//     articles, groups, VAT rates and copied receipts in the period, not
//     with the number of transactions.
//   - Every signed sale or return (sale.complete, return.complete) and
//     every signed cash movement (the float, cash in, cash out and bank
//     drops, the count's difference: transaction types 11007, 11011, 11010,
//     11008, without lines; cash.go) of the period is a cashtransaction
//     whose nr, transDate, transTime, transAmntIn, transAmntEx and signature
//     are exactly the values that were signed, so the chain
//     "previous;date;time;nr;amountIn;amountEx" can be re-verified from the
//     file alone with the shop's public key.
//   - Every journal entry with a PredefinedBasicID-13 event code becomes an
//     event of its register, plus SALREC/RETREC (13012/13013) for each
//     completed sale/return and LINEDELETE (13999) for each removed line.
//
// Master data: all employees of the shop; the articles, article groups and
// VAT codes used by the period's transactions; the fixed basics (line,
// discount, transaction, payment and every 13xxx event type). Article groups
// are the catalog's free-text groups (basicID "G-<group>") mapped by keyword
// to PredefinedBasicID-04 codes, 04999 when nothing fits.
//
// X and Z reports are events (XREP, ZREP) carrying the whole report as
// the schema's eventReport (report.go).
//
// Not written (yet): periods and periodNumber, customers, general ledger
// accounts, per-employee item groups and floats in reports (the ledger
// does not count them). Voided sales are not signed by the ledger, so they
// appear as VOIDREC (13028) events, not as cashtransactions with
// voidTransaction true. Entries without a register (or on a register the
// ledger no longer lists) are left out.
//
// An entry belongs to the period when its Oslo date lies within
// [Params.From, Params.To] (both inclusive, taken as Oslo dates).
//
// The schema puts the master data (VAT codes, articles) before the
// registers, and each register's events before its cashtransactions. The
// one walk therefore writes every register's events and transactions to
// spill files of their own (in Params.TempDir) while it collects the master
// data, then writes the document: header, master data, and each register's
// spill files in order (see spill.go). The XML is laid out exactly as
// encoding/xml's Encoder with a tab indent would lay it out (see xmlw.go).
package saft

import (
	"bufio"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kasse/kasse/hub/ledger"
	"github.com/kasse/kasse/hub/money"
)

// Namespace is the SAF-T Cash Register namespace.
const Namespace = "urn:StandardAuditFile-Taxation-CashRegister:NO"

// Source is what Export reads of the ledger. *ledger.Ledger implements it.
type Source interface {
	Journal(from uint64, fn func(*ledger.Entry) error) error
	Shop() (*ledger.Shop, error)
	Employees() ([]ledger.Employee, error)
	Registers() ([]ledger.Register, error)
}

// scanner is a Source that reads entries by their head alone until asked
// for the whole (*ledger.Ledger is one): most entries of a journal, the
// lines of every sale, are never needed whole by the export.
type scanner interface {
	JournalScan(from uint64, fn func(e *ledger.Entry, raw []byte, full func() error) error) error
}

// headOnly are the entry types the export needs no more of than the head,
// when they carry no event code. Any other type is decoded whole.
var headOnly = map[string]bool{
	"sale.open": true, "sale.line": true, "sale.qty": true, "sale.discount": true, "sale.price": true,
	"payment": true, "payment.attempt": true, "payment.result": true,
	"return.open": true, "return.line": true, "refund": true, "stock.adjust": true,
}

// Params choose the period and describe the export.
type Params struct {
	From, To        time.Time // inclusive period, as Oslo dates
	Created         time.Time // dateCreated/timeCreated (Oslo); now if zero
	SoftwareVersion string
	// SoftwareCompany is softwareCompanyName; "Kasse" if empty.
	SoftwareCompany string
	// Progress, if set, is called every 10 000 journal entries read and
	// once at the end.
	Progress func(done uint64)
	// TempDir holds the spill files while the export runs (about the size
	// of the period's transactions and events in XML); os.TempDir() if
	// empty. On a board whose /tmp is in memory, give a directory on disk.
	TempDir string
}

const progressEvery = 10_000

// Basic IDs of the fixed code lists.
const (
	lineSale   = "SAL"
	lineReturn = "RET"
	transSale  = "CASHSAL"
	transRet   = "RETURNSAL"
	payCash    = "CASH"
	payCard    = "DEBCARD"
	payOther   = "OTHERPAY"
	discLine   = "LINEDISC"
	discSale   = "SALEDISC"
	evSalesRec = "SALREC"
	evRetRec   = "RETREC"
	evLineDel  = "LINEDELETE"
)

// eventIDs names the 13xxx event codes; others get "EV<code>".
var eventIDs = map[int]struct{ id, desc string }{
	13001: {"POSSTART", "POS application start"},
	13002: {"POSEND", "POS application shut down"},
	13003: {"EMPIN", "Employee log in"},
	13004: {"EMPOUT", "Employee log out"},
	13005: {"DRAWOPEN", "Open cash drawer"},
	13006: {"DRAWCLOSE", "Close cash drawer"},
	13007: {"POSUPDATE", "Update of POS application"},
	13008: {"XREP", "X report"},
	13009: {"ZREP", "Z report"},
	13010: {"SUSPEND", "Suspend transaction"},
	13011: {"RESUME", "Resume transaction"},
	13012: {evSalesRec, "Sales receipt"},
	13013: {evRetRec, "Return receipt"},
	13014: {"COPYREC", "Copy receipt"},
	13015: {"PROFORMA", "Provisional receipt"},
	13016: {"DELIVERY", "Delivery receipt"},
	13017: {"TRAINREC", "Training receipt"},
	13018: {"OTHERREP", "Other reports or receipts"},
	13019: {"CASHOUT", "Cash withdrawal"},
	13020: {"JOURNALEXP", "Export of journal"},
	13021: {"PRICECHANGE", "Price change"},
	13022: {"PRICELOOKUP", "Price look-up"},
	13023: {"TRAINON", "Training mode on"},
	13024: {"TRAINOFF", "Training mode off"},
	13025: {"MEMFULL", "Memory full"},
	13026: {"EMERGON", "Emergency mode on"},
	13027: {"EMERGOFF", "Emergency mode off"},
	13028: {"VOIDREC", "Void receipt"},
	13029: {"STEBREC", "STEB receipt"},
	13030: {"NORECEIPT", "Concluded sale without receipt printed"},
	13999: {"OTHER", "Other event"},
}

func eventID(code int) string {
	if e, ok := eventIDs[code]; ok {
		return e.id
	}
	return fmt.Sprintf("EV%d", code)
}

// errStop ends a journal walk early.
var errStop = errors.New("stop")

// Export writes the SAF-T Cash Register file for the period to w.
func Export(ctx context.Context, w io.Writer, src Source, p Params) error {
	from := p.From.In(ledger.Oslo).Format(time.DateOnly)
	to := p.To.In(ledger.Oslo).Format(time.DateOnly)
	if to < from {
		return fmt.Errorf("saft: period ends (%s) before it starts (%s)", to, from)
	}
	x := &exporter{ctx: ctx, src: src, p: p, from: from, to: to}
	// Entries are in apply order; their clocks may disagree by a little
	// across hubs, so the walk stops only two days past the period.
	x.stopAfter = p.To.In(ledger.Oslo).AddDate(0, 0, 2).Format(time.DateOnly)
	if err := x.masters(); err != nil {
		return err
	}
	ids := make([]string, len(x.registers))
	for i, r := range x.registers {
		ids[i] = r.ID
	}
	sp, err := newSpills(p.TempDir, ids)
	if err != nil {
		return err
	}
	x.spills = sp
	defer sp.close()
	if err := x.walk(); err != nil {
		return err
	}
	out := bufio.NewWriterSize(w, 64<<10)
	out.WriteString(xml.Header)
	x.out = newXW(out, 0)
	x.w = x.out
	if err := x.document(); err != nil {
		return err
	}
	if err := out.Flush(); err != nil {
		return fmt.Errorf("saft: write: %w", err)
	}
	if p.Progress != nil {
		p.Progress(x.done)
	}
	return sp.close()
}

type exporter struct {
	ctx       context.Context
	src       Source
	p         Params
	from, to  string
	stopAfter string
	w         *xw // where elements go now: out, or a register's spill
	out       *xw // the document
	spills    *spills
	err       error
	done      uint64

	// collected by the walk
	firstDate string // date of the journal's first entry (dateOfEntry)
	empSince  map[string]string
	copies    map[string]int // sale → copies printed
	rates     map[money.Rate]bool
	articles  map[string]article
	groups    map[string]string // group name → basicID
	payCodes  map[int]bool      // SAF-T payment codes used in the period
	shop      *ledger.Shop
	employees []ledger.Employee
	empKnown  map[string]bool
	registers []ledger.Register
}

type article struct{ name, group string }

// walk reads the journal once, in order, up to two days past the period:
// it collects the master data and writes each register's events and
// transactions to its spills.
func (x *exporter) walk() error {
	scan, ok := x.src.(scanner)
	if !ok {
		scan = wholeScanner{x.src}
	}
	err := scan.JournalScan(1, func(e *ledger.Entry, raw []byte, full func() error) error {
		if err := x.ctx.Err(); err != nil {
			return err
		}
		x.done++
		if x.p.Progress != nil && x.done%progressEvery == 0 {
			x.p.Progress(x.done)
		}
		date := entryDate(e)
		if date > x.stopAfter {
			return errStop
		}
		in := date >= x.from && date <= x.to
		var s *ledger.Sale
		if in && raw != nil && (e.Type == "sale.complete" || e.Type == "return.complete") {
			// The biggest entries, decoded once: signature and sale straight
			// from the stored bytes, not through the entry's Data.
			var body struct {
				Sig  *ledger.Signature `json:"sig"`
				Data *ledger.Sale      `json:"data"`
			}
			if err := json.Unmarshal(raw, &body); err != nil {
				return fmt.Errorf("saft: journal entry %d: %w", e.Seq, err)
			}
			if body.Sig != nil {
				e.Sig, s = body.Sig, body.Data
			}
		}
		if s == nil && (e.Type == "employee.put" || (in && (e.Event != 0 || !headOnly[e.Type]))) {
			if err := full(); err != nil {
				return err
			}
		}
		return x.entry(e, s, in)
	})
	if errors.Is(err, errStop) {
		return nil
	}
	return err
}

// wholeScanner reads a Source that decodes every entry whole.
type wholeScanner struct{ Source }

func (w wholeScanner) JournalScan(from uint64, fn func(e *ledger.Entry, raw []byte, full func() error) error) error {
	whole := func() error { return nil }
	return w.Journal(from, func(e *ledger.Entry) error { return fn(e, nil, whole) })
}

// entry takes one journal entry of the walk; in says whether it lies in
// the period. A completed sale or return comes with its sale decoded (s),
// and then without Data.
func (x *exporter) entry(e *ledger.Entry, s *ledger.Sale, in bool) error {
	x.collect(e, in)
	if !in {
		return nil
	}
	if s == nil && e.Sig != nil && (e.Type == "sale.complete" || e.Type == "return.complete") {
		s = new(ledger.Sale)
		if err := json.Unmarshal(e.Data, s); err != nil {
			return fmt.Errorf("saft: journal entry %d: %w", e.Seq, err)
		}
	}
	if e.Sig == nil {
		s = nil // unsigned: not a cashtransaction
	}
	if s != nil {
		x.collectSale(s)
	}
	w, err := x.spills.get(e.Register, false)
	if w == nil || err != nil {
		return err // not a register of the file: left out
	}
	x.w = w
	x.event(e)
	if s != nil {
		if x.w, err = x.spills.get(e.Register, true); err != nil {
			return err
		}
		x.transaction(e, s)
	} else if cashEntry(e) {
		if x.w, err = x.spills.get(e.Register, true); err != nil {
			return err
		}
		x.cashTransaction(e)
	}
	return x.err
}

func entryDate(e *ledger.Entry) string {
	if len(e.Local) >= 10 {
		return e.Local[:10]
	}
	return e.Time.In(ledger.Oslo).Format(time.DateOnly)
}

func entryTime(e *ledger.Entry) string {
	if len(e.Local) >= 19 {
		return e.Local[11:19]
	}
	return e.Time.In(ledger.Oslo).Format(time.TimeOnly)
}

// masters reads the shop, its employees and registers.
func (x *exporter) masters() error {
	var err error
	if x.shop, err = x.src.Shop(); err != nil {
		return fmt.Errorf("saft: shop: %w", err)
	}
	if x.employees, err = x.src.Employees(); err != nil {
		return fmt.Errorf("saft: employees: %w", err)
	}
	if x.registers, err = x.src.Registers(); err != nil {
		return fmt.Errorf("saft: registers: %w", err)
	}
	slices.SortFunc(x.employees, func(a, b ledger.Employee) int { return strings.Compare(a.ID, b.ID) })
	slices.SortFunc(x.registers, func(a, b ledger.Register) int { return strings.Compare(a.ID, b.ID) })
	x.empKnown = map[string]bool{}
	for _, e := range x.employees {
		x.empKnown[e.ID] = true
	}
	x.empSince = map[string]string{}
	x.copies = map[string]int{}
	x.rates = map[money.Rate]bool{}
	x.articles = map[string]article{}
	x.groups = map[string]string{}
	return nil
}

// collect notes what the master data needs of an entry.
func (x *exporter) collect(e *ledger.Entry, in bool) {
	if x.firstDate == "" {
		x.firstDate = entryDate(e)
	}
	if e.Type == "employee.put" {
		var d struct{ ID string }
		if json.Unmarshal(e.Data, &d) == nil && d.ID != "" && x.empSince[d.ID] == "" {
			x.empSince[d.ID] = e.Local
		}
	}
	if in && e.Type == "receipt.copy" {
		x.copies[e.Sale]++
	}
}

// collectSale notes the VAT rates, articles, groups and payment types of a
// signed transaction of the period.
func (x *exporter) collectSale(s *ledger.Sale) {
	for _, v := range s.Totals.VAT {
		x.rates[v.Rate] = true
	}
	for _, l := range s.Lines {
		if l.Removed {
			continue
		}
		x.rates[l.Rate] = true
		g := x.group(l.Group)
		if l.SKU != "" {
			if _, ok := x.articles[l.SKU]; !ok {
				x.articles[l.SKU] = article{l.Name, g}
			}
		}
	}
	for _, p := range s.Payments {
		if x.payCodes == nil {
			x.payCodes = map[int]bool{}
		}
		x.payCodes[ledger.PaymentCode(p)] = true
	}
}

// group returns the basicID of an article group, registering it.
func (x *exporter) group(name string) string {
	name = strings.TrimSpace(name)
	if id, ok := x.groups[name]; ok {
		return id
	}
	id := name
	if id == "" {
		id = "OTHERGOODS"
	}
	id = "G-" + cut(id, 30) // never clashes with the fixed basic IDs
	base := id
	for n := 2; slices.Contains(mapValues(x.groups), id); n++ {
		id = fmt.Sprintf("%s~%d", base, n)
	}
	x.groups[name] = id
	return id
}

func mapValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// predefinedGroup maps a free-text article group to PredefinedBasicID-04.
func predefinedGroup(name string) string {
	words := strings.FieldsFunc(strings.ToLower(name), func(r rune) bool { return !unicode.IsLetter(r) })
	has := func(keys ...string) bool {
		for _, w := range words {
			for _, k := range keys {
				if w == k || (len(k) > 3 && strings.HasPrefix(w, k)) {
					return true
				}
			}
		}
		return false
	}
	switch {
	case has("tobakk", "tobacco", "snus", "sigaretter", "sigarett", "cigarettes"):
		return "04013"
	case has("øl", "beer", "pils"):
		return "04007"
	case has("vin", "wine"):
		return "04008"
	case has("brennevin", "liquor", "sprit", "spirits"):
		return "04009"
	case has("cider", "rusbrus", "alcopop", "alcopops"):
		return "04010"
	case has("brus", "mineralvann", "vann", "soft", "water", "juice"):
		return "04011"
	case has("kaffe", "te", "coffee", "tea", "drikke", "drinks", "drink"):
		return "04012"
	case has("hårklipp", "frisør", "haircut"):
		return "04005"
	case has("inngang", "entrance"):
		return "04015"
	case has("garderobe", "cloakroom"):
		return "04017"
	case has("mat", "food", "bakst", "bakeri", "brød", "bread", "meieri", "dairy", "frukt", "fruit",
		"grønt", "grønnsaker", "vegetables", "kjøtt", "meat", "fisk", "fish", "kolonial", "pålegg", "ost", "cheese",
		"frokost", "lunsj", "middag", "kake", "kaker", "snacks", "godteri", "sjokolade", "dagligvare", "dagligvarer"):
		return "04006"
	case has("tjeneste", "tjenester", "service", "services", "behandling"):
		return "04004"
	}
	return "04999"
}

// vatCode is the file's vatCode for a rate: the standard code itself.
func vatCode(r money.Rate) string { return r.SAFTCode() }

// --- writing ---

func (x *exporter) start(name string, attr ...xml.Attr) { x.w.start(name, attr...) }

func (x *exporter) end(name string) { x.w.end(name) }

func (x *exporter) el(name, value string) {
	x.w.start(name)
	if value != "" {
		x.w.text(value)
	}
	x.w.end(name)
}

// opt writes an element only when value is not empty.
func (x *exporter) opt(name, value string) {
	if value != "" {
		x.el(name, value)
	}
}

// cut shortens s to n runes (the schema's string lengths).
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

func (x *exporter) document() error {
	x.start("auditfile", xml.Attr{Name: xml.Name{Local: "xmlns"}, Value: Namespace})
	x.header()
	x.start("company")
	x.company()
	x.location()
	x.end("company")
	x.end("auditfile")
	return x.err
}

func (x *exporter) header() {
	created := x.p.Created
	if created.IsZero() {
		created = time.Now()
	}
	created = created.In(ledger.Oslo)
	company := x.p.SoftwareCompany
	if company == "" {
		company = "Kasse"
	}
	version := x.p.SoftwareVersion
	if version == "" {
		version = "unknown"
	}
	x.start("header")
	x.el("fiscalYear", x.from[:4])
	x.el("startDate", x.from)
	x.el("endDate", x.to)
	x.el("curCode", "NOK")
	x.el("dateCreated", created.Format(time.DateOnly))
	x.el("timeCreated", created.Format(time.TimeOnly))
	x.el("softwareDesc", "Kasse")
	x.el("softwareVersion", cut(version, 20))
	x.el("softwareCompanyName", cut(company, 100))
	x.el("auditfileVersion", "1.0")
	x.end("header")
}

// address is a parsed "Storgata 1, 0155 Oslo".
type address struct{ street, number, postal, city string }

func parseAddress(s string) address {
	var a address
	s = strings.TrimSpace(s)
	street, place := s, ""
	if i := strings.LastIndex(s, ","); i >= 0 {
		street, place = strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+1:])
	}
	if f := strings.Fields(street); len(f) > 1 && f[len(f)-1][0] >= '0' && f[len(f)-1][0] <= '9' {
		a.street, a.number = strings.Join(f[:len(f)-1], " "), f[len(f)-1]
	} else {
		a.street = street
	}
	if f := strings.Fields(place); len(f) > 0 && len(f[0]) == 4 && strings.Trim(f[0], "0123456789") == "" {
		a.postal, a.city = f[0], strings.Join(f[1:], " ")
	} else {
		a.city = place
	}
	return a
}

func (x *exporter) streetAddress() {
	a := parseAddress(x.shop.Address)
	if a == (address{}) {
		return
	}
	x.start("streetAddress")
	x.opt("streetname", cut(a.street, 100))
	x.opt("number", cut(a.number, 20))
	x.opt("city", cut(a.city, 50))
	x.opt("postalCode", a.postal)
	x.el("country", "NO")
	x.end("streetAddress")
}

func (x *exporter) company() {
	x.el("companyIdent", cut(x.shop.OrgNr, 35))
	x.el("companyName", cut(x.shop.Name, 100))
	x.el("taxRegistrationCountry", "NO")
	if x.shop.VAT {
		x.el("taxRegIdent", x.shop.OrgNr+"MVA")
	}
	x.streetAddress()

	since := x.firstDate
	if since == "" {
		since = x.from
	}
	if len(x.rates) > 0 {
		rates := make([]money.Rate, 0, len(x.rates))
		for r := range x.rates {
			rates = append(rates, r)
		}
		slices.Sort(rates)
		slices.Reverse(rates)
		x.start("vatCodeDetails")
		for _, r := range rates {
			x.start("vatCodeDetail")
			x.el("vatCode", vatCode(r))
			x.el("dateOfEntry", since)
			x.el("vatDesc", "MVA "+r.String()+" %")
			x.el("standardVatCode", r.SAFTCode())
			x.end("vatCodeDetail")
		}
		x.end("vatCodeDetails")
	}

	if len(x.employees) > 0 {
		x.start("employees")
		for _, e := range x.employees {
			at := x.empSince[e.ID]
			if len(at) < 19 {
				at = since + "T00:00:00"
			}
			first, sur := splitName(e.Name, e.ID)
			x.start("employee")
			x.el("empID", cut(e.ID, 35))
			x.el("dateOfEntry", at[:10])
			x.el("timeOfEntry", at[11:19])
			x.opt("firstName", cut(first, 50))
			x.el("surName", cut(sur, 100))
			if e.Role != "" {
				x.start("employeeRole")
				x.el("roleType", cut(e.Role, 50))
				x.end("employeeRole")
			}
			x.end("employee")
		}
		x.end("employees")
	}

	if len(x.articles) > 0 {
		skus := make([]string, 0, len(x.articles))
		for k := range x.articles {
			skus = append(skus, k)
		}
		slices.Sort(skus)
		x.start("articles")
		for _, k := range skus {
			a := x.articles[k]
			x.start("article")
			x.el("artID", cut(k, 35))
			x.el("dateOfEntry", since)
			x.el("artGroupID", a.group)
			desc := a.name
			if desc == "" {
				desc = k
			}
			x.el("artDesc", cut(desc, 999))
			x.end("article")
		}
		x.end("articles")
	}
	x.basics()
}

func splitName(name, id string) (first, sur string) {
	f := strings.Fields(name)
	switch len(f) {
	case 0:
		return "", id
	case 1:
		return "", f[0]
	}
	return strings.Join(f[:len(f)-1], " "), f[len(f)-1]
}

func (x *exporter) basic(typ, id, predefined, desc string) {
	x.start("basic")
	x.el("basicType", typ)
	x.el("basicID", id)
	x.opt("predefinedBasicID", predefined)
	x.el("basicDesc", cut(desc, 999))
	x.end("basic")
}

func (x *exporter) basics() {
	x.start("basics")
	names := make([]string, 0, len(x.groups))
	for n := range x.groups {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		desc := n
		if desc == "" {
			desc = "Other goods"
		}
		x.basic("04", x.groups[n], predefinedGroup(n), desc)
	}
	x.basic("05", lineSale, "", "Sale line")
	x.basic("05", lineReturn, "", "Return line")
	x.basic("08", discLine, "", "Line discount")
	x.basic("08", discSale, "", "Share of a discount on the whole sale")
	x.basic("11", transSale, "11001", "Cash sale")
	x.basic("11", transRet, "11006", "Return payment")
	for _, c := range slices.Sorted(maps.Keys(cashTypes)) {
		x.basic("11", cashTypes[c].id, fmt.Sprint(c), cashTypes[c].desc)
	}
	x.basic("12", payCash, "12001", "Cash")
	x.basic("12", payCard, "12002", "Debit card")
	for _, c := range slices.Sorted(maps.Keys(x.payCodes)) {
		if c != ledger.CodeCash && c != ledger.CodeDebitCard {
			x.basic("12", payID(ledger.Payment{Method: ledger.MethodOther, Code: c}), fmt.Sprint(c), payDesc(c))
		}
	}
	codes := make([]int, 0, len(eventIDs))
	for c := range eventIDs {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	for _, c := range codes {
		x.basic("13", eventIDs[c].id, fmt.Sprint(c), eventIDs[c].desc)
	}
	x.basic("13", evLineDel, "13999", "Line deleted from a sale")
	x.end("basics")
}

func (x *exporter) location() {
	x.start("location")
	x.el("name", cut(x.shop.Name, 100))
	x.streetAddress()
	for _, r := range x.registers {
		x.start("cashregister")
		x.el("registerID", cut(r.ID, 100))
		x.opt("regDesc", r.Name)
		if x.err == nil {
			x.err = x.spills.writeTo(x.out.w, r.ID, x.copies)
		}
		x.end("cashregister")
		if x.err != nil {
			return
		}
	}
	x.end("location")
}

func (x *exporter) emp(id string) string {
	if x.empKnown[id] {
		return cut(id, 35)
	}
	return ""
}

// event writes the event an entry of the period is, if it is one.
func (x *exporter) event(e *ledger.Entry) {
	var typ, text string
	switch {
	case e.Type == "sale.complete" && e.Sig != nil:
		typ = evSalesRec
	case e.Type == "return.complete" && e.Sig != nil:
		typ = evRetRec
	case e.Type == "sale.correction":
		typ, text = evLineDel, eventText(e)
	case e.Event != 0:
		typ, text = eventID(e.Event), eventText(e)
	default:
		return
	}
	x.start("event")
	x.el("eventID", strconv.FormatUint(e.Seq, 10))
	x.el("eventType", typ)
	if cashEntry(e) {
		x.el("transID", cashTransID(e)) // the cashtransaction it signs
	} else {
		x.opt("transID", cut(e.Sale, 35))
	}
	x.opt("empID", x.emp(e.Employee))
	x.el("eventDate", entryDate(e))
	x.el("eventTime", entryTime(e))
	x.opt("eventText", cut(text, 9999))
	if reportEntry(e) {
		x.eventReport(e)
	}
	x.end("event")
}

// eventText says what an event was about, from its journal data.
func eventText(e *ledger.Entry) string {
	var d map[string]any
	_ = json.Unmarshal(e.Data, &d)
	amount := func(k string) string {
		if v, ok := d[k].(float64); ok {
			return money.Format(money.Øre(v))
		}
		return ""
	}
	switch e.Type {
	case "price.lookup":
		return fmt.Sprintf("artID %v; price %s", d["sku"], amount("price"))
	case "price.change":
		return fmt.Sprintf("artID %v; from %s; to %s", d["sku"], amount("from"), amount("to"))
	case "receipt.copy":
		return fmt.Sprintf("copy of receipt %v", d["receipt"])
	case "sale.correction":
		return fmt.Sprintf("artID %v; qnt %v; lineAmntIn %s", d["sku"], d["qty"], amount("amount"))
	case "sale.void":
		var s ledger.Sale
		if json.Unmarshal(e.Data, &s) == nil {
			return fmt.Sprintf("sale %s voided; lines %d; amount %s", s.ID, len(s.Lines), money.Format(s.Totals.Total))
		}
	case "drawer.open":
		if r, ok := d["reason"].(string); ok {
			return "reason " + r
		}
	case "drawer.float":
		return fmt.Sprintf("transType %v cash declaration; float %s; session %v", d["transType"], amount("float"), d["session"])
	case "cash.in", "cash.out":
		return fmt.Sprintf("transType %v; %v %s; reason %v; session %v", d["transType"], d["kind"], amount("amount"), d["reason"], d["session"])
	case "drawer.count":
		return fmt.Sprintf("transType %v cash difference %s; session %v", d["transType"], amount("total"), d["session"])
	case "report.x", "report.z":
		// The whole report is in the journal entry; the export names it.
		return fmt.Sprintf("%v report %v; journal %v; total cash sales %s", d["kind"], d["no"], d["journal"], amount("totalCashSales"))
	case "training.receipt":
		if d["receipt"] != nil {
			return fmt.Sprintf("training %v; training receipt %v; amount %s", d["kind"], d["receipt"], amount("amount"))
		}
		return fmt.Sprintf("training %v; amount %s", d["kind"], amount("amount"))
	}
	return e.Type
}

func (x *exporter) transaction(e *ledger.Entry, s *ledger.Sale) {
	sig := e.Sig
	ret := s.Kind == ledger.KindReturn || e.Type == "return.complete"
	tp, transType, lineType := "C", transSale, lineSale
	if ret {
		tp, transType, lineType = "D", transRet, lineReturn
	}
	nr := fmt.Sprint(sig.Nr)
	emp := x.emp(e.Employee)
	if emp == "" {
		emp = x.emp(s.Employee)
	}
	x.start("cashtransaction")
	x.el("nr", nr)
	x.el("transID", cut(s.ID, 35))
	x.el("transType", transType)
	x.el("transAmntIn", sig.AmountIn)
	x.el("transAmntEx", sig.AmountEx)
	x.el("amntTp", tp)
	x.opt("empID", emp)
	x.el("transDate", sig.Date)
	x.el("transTime", sig.Time)
	if ret && s.Original != "" {
		x.el("refID", s.Original)
	}
	if s.Training && s.Receipt != nil {
		// Training receipts are numbered apart from the sales receipts.
		x.el("desc", fmt.Sprintf("training receipt %d, not a sales receipt", s.Receipt.No))
	}
	for _, l := range s.Lines {
		if l.Removed {
			continue // the removal is a LINEDELETE event
		}
		qty, lt := l.Qty, lineType
		if ret && qty > 0 || l.Orig != 0 && qty > 0 {
			qty = -qty // a returned line, also one taken back in an exchange
		}
		if l.Orig != 0 {
			lt = lineReturn
		}
		q := fmt.Sprint(qty)
		if l.Unit == ledger.UnitKg {
			q = strings.TrimRight(strings.TrimRight(formatMilli(qty), "0"), ".")
		}
		price := l.Price
		if l.Override != nil {
			price = l.Override.Price
		}
		x.start("ctLine")
		x.el("nr", nr)
		x.el("lineID", fmt.Sprint(l.No))
		x.el("lineType", lt)
		x.el("artGroupID", x.group(l.Group))
		if l.SKU != "" {
			x.el("artID", cut(l.SKU, 35))
		}
		x.el("qnt", q)
		x.el("lineAmntIn", money.Format(l.Amount))
		x.el("lineAmntEx", money.Format(l.Amount-l.VAT))
		x.el("amntTp", tp)
		if price != 0 && l.Fixed == 0 {
			x.el("ppu", money.Format(price))
		}
		x.opt("empID", emp)
		x.opt("cashTransLineDescr", cut(l.Name, 9999))
		x.el("lineDate", sig.Date)
		x.el("lineTime", sig.Time)
		x.vat(l.Rate, l.VAT, l.Amount-l.VAT, tp)
		x.discount(discLine, l.LineDisc, emp)
		x.discount(discSale, l.SaleDisc, emp)
		x.end("ctLine")
	}
	for _, v := range s.Totals.VAT {
		x.vat(v.Rate, v.VAT, v.Net, tp)
	}
	x.start("rounding")
	x.el("roundingAmnt", money.Format(s.Totals.Rounding))
	x.end("rounding")
	for _, p := range s.Payments {
		typ := payID(p)
		x.start("payment")
		x.el("paymentType", typ)
		x.el("paidAmnt", money.Format(p.Amount))
		x.opt("empID", emp)
		x.el("curCode", "NOK")
		x.el("exchRt", "1.000000")
		if p.Card != nil {
			x.opt("paymentRefID", cut(p.Card.TerminalTx, 999))
		} else if p.Ref != "" {
			x.opt("paymentRefID", cut(p.Ref, 999))
		}
		x.end("payment")
	}
	x.el("signature", sig.Value)
	x.el("keyVersion", fmt.Sprint(sig.KeyVersion))
	x.el("receiptNum", "1")
	x.start("receiptCopyNum")
	markCopies(x.w, s.ID) // copies come later in the journal
	x.end("receiptCopyNum")
	x.el("receiptProformaNum", "0")
	x.el("receiptDeliveryNum", "0")
	x.el("voidTransaction", "false")
	x.el("trainingID", fmt.Sprint(s.Training))
	x.end("cashtransaction")
}

func formatMilli(v int64) string {
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	return fmt.Sprintf("%s%d.%03d", sign, v/1000, v%1000)
}

func (x *exporter) vat(r money.Rate, amount, base money.Øre, tp string) {
	x.start("vat")
	x.el("vatCode", vatCode(r))
	x.el("vatPerc", r.String())
	x.el("vatAmnt", money.Format(amount))
	x.el("vatAmntTp", tp)
	x.el("vatBasAmnt", money.Format(base))
	x.end("vat")
}

func (x *exporter) discount(typ string, amount money.Øre, emp string) {
	if amount == 0 {
		return
	}
	x.start("discount")
	x.el("dscTp", typ)
	x.el("dscAmnt", money.Format(amount))
	x.opt("empID", emp)
	x.end("discount")
}
