package saft

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"encoding/xml"
	"flag"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kasse/kasse/hub/ledger"
	"github.com/kasse/kasse/hub/ledger/ledgertest"
	"github.com/kasse/kasse/hub/money"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// schemaPath is the official SAF-T Cash Register schema, kept in testdata.
const schemaPath = "testdata/schema/Norwegian_SAF-T_Cash_Register_Schema_v_1.00.xsd"

// shop is a real ledger (see ledgertest) with the export's shop set up.
type shop struct{ *ledgertest.Shop }

func newShop(t *testing.T) *shop {
	// 06:55 UTC on 27 November 2026 is 07:55 in Oslo.
	s := &shop{ledgertest.New(t, time.Date(2026, 11, 27, 6, 55, 0, 0, time.UTC))}
	s.Register = "K1"
	s.do(ledger.CmdShopSetup, ledger.Shop{Name: "Bakeriet på hjørnet", Address: "Storgata 12, 0155 Oslo", OrgNr: "912345678", VAT: true})
	s.do(ledger.CmdRegisterPut, ledger.Register{ID: "K1", Name: "Disk"})
	s.do(ledger.CmdRegisterPut, ledger.Register{ID: "K2", Name: "Kafé"})
	s.do(ledger.CmdEmployeePut, ledger.Employee{ID: "E1", Name: "Kari Nordmann", Role: ledger.RoleCashier, Active: true})
	s.do(ledger.CmdEmployeePut, ledger.Employee{ID: "E2", Name: "Ola", Role: ledger.RoleManager, Active: true})
	s.do(ledger.CmdItemPut, map[string]any{"items": []ledger.Item{
		{SKU: "MELK", Name: "Lettmelk 1 l", Group: "Meieri", Price: 2190, Rate: money.Rate15, Unit: ledger.UnitPiece, Active: true},
		{SKU: "SÅPE", Name: "Grønnsåpe", Group: "Husholdning", Price: 4990, Rate: money.Rate25, Unit: ledger.UnitPiece, Active: true},
		{SKU: "EPLE", Name: "Epler røde", Group: "Frukt og grønt", Price: 3490, Rate: money.Rate15, Unit: ledger.UnitKg, Active: true},
		{SKU: "AVIS", Name: "Avis", Price: 4000, Rate: money.Rate0, Unit: ledger.UnitPiece, Active: true},
		{SKU: "KAFFE", Name: "Kaffe", Group: "Kaffe & te", Price: 3500, Rate: money.Rate15, Unit: ledger.UnitPiece, Active: true},
	}})
	return s
}

func (s *shop) do(typ string, body any) json.RawMessage { return s.Do(typ, body) }

func (s *shop) login(reg, emp string) {
	s.Register, s.Employee = reg, emp // the till names the employee on the login itself
	s.do(ledger.CmdLogin, map[string]string{"employee": emp})
}

func (s *shop) card(sale, attempt string, amount money.Øre) {
	s.do(ledger.CmdPayStart, ledger.PayStart{Sale: sale, Attempt: attempt, Method: "card", Amount: amount})
	s.do(ledger.CmdPayResult, ledger.PayResult{Attempt: attempt, Outcome: ledger.Outcome{Status: ledger.AttemptApproved, Authorized: amount,
		Card: &ledger.CardInfo{TerminalTx: "KST-" + attempt, Approval: "112648", Brand: "VISA", Masked: "411111******1111"}}})
}

// day builds a day of trade on two registers, plus a sale the next day.
func day(t *testing.T) *shop {
	s := newShop(t)
	s.login("K1", "E1")
	// The drawer session: a float of 1 000,00 and 200,00 of change put in.
	s.do(ledger.CmdSessionOpen, ledger.SessionOpen{Session: "D-1", Float: 100000})
	s.do(ledger.CmdCashMove, ledger.CashMoveReq{Kind: ledger.MoveIn, Amount: 20000, Reason: "veksel"})
	s.do(ledger.CmdDrawerOpen, map[string]string{"reason": "nosale", "approvedBy": "E2"})
	s.do(ledger.CmdDrawerState, map[string]bool{"open": true})
	s.do(ledger.CmdDrawerState, map[string]bool{"open": false})
	s.do(ledger.CmdPriceLookup, map[string]string{"sku": "SÅPE"})

	// Cash across 25/15/0 % with a line discount, a removed line and rounding.
	s.do(ledger.CmdSaleOpen, map[string]string{"sale": "S-CASH"})
	s.do(ledger.CmdSaleAdd, ledger.SaleAdd{Sale: "S-CASH", SKU: "MELK", Qty: 3})
	s.do(ledger.CmdSaleAdd, ledger.SaleAdd{Sale: "S-CASH", SKU: "SÅPE", Qty: 1})
	s.do(ledger.CmdSaleAdd, ledger.SaleAdd{Sale: "S-CASH", SKU: "EPLE", Qty: 1234})
	s.do(ledger.CmdSaleAdd, ledger.SaleAdd{Sale: "S-CASH", SKU: "AVIS", Qty: 1})
	s.do(ledger.CmdSaleAdd, ledger.SaleAdd{Sale: "S-CASH", SKU: "KAFFE", Qty: 1})
	s.do(ledger.CmdSaleRemove, map[string]any{"sale": "S-CASH", "line": 5})
	s.do(ledger.CmdSaleDisc, ledger.SaleDiscount{Sale: "S-CASH", Line: 2, Discount: ledger.Discount{Percent: 2000, Reason: "tilbud"}})
	s.do(ledger.CmdPayCash, ledger.PayCash{Sale: "S-CASH", Tendered: 30000})
	s.do(ledger.CmdDrawerState, map[string]bool{"open": true})
	s.do(ledger.CmdDrawerState, map[string]bool{"open": false})

	// Card, with a discount on the whole sale; then its copy.
	s.do(ledger.CmdSaleOpen, map[string]string{"sale": "S-CARD"})
	s.do(ledger.CmdSaleAdd, ledger.SaleAdd{Sale: "S-CARD", SKU: "MELK", Qty: 2})
	s.do(ledger.CmdSaleAdd, ledger.SaleAdd{Sale: "S-CARD", SKU: "SÅPE", Qty: 1})
	s.do(ledger.CmdSaleDisc, ledger.SaleDiscount{Sale: "S-CARD", Discount: ledger.Discount{Amount: 1000, Reason: "stamkunde"}})
	sl, err := s.L.Sale("S-CARD")
	if err != nil {
		t.Fatal(err)
	}
	s.card("S-CARD", "P1", sl.Totals.Due)
	s.do(ledger.CmdReceiptCopy, map[string]string{"sale": "S-CARD"})

	// A parked, resumed and voided sale.
	s.do(ledger.CmdSaleOpen, map[string]string{"sale": "S-VOID"})
	s.do(ledger.CmdSaleAdd, ledger.SaleAdd{Sale: "S-VOID", SKU: "AVIS", Qty: 2})
	s.do(ledger.CmdSalePark, map[string]string{"sale": "S-VOID"})
	s.do(ledger.CmdSaleResume, map[string]string{"sale": "S-VOID"})
	s.Approver = "E2" // a manager approves the void
	s.do(ledger.CmdSaleVoid, map[string]string{"sale": "S-VOID"})
	s.Approver = ""

	// A return of two milk from the cash sale, refunded in cash.
	s.do(ledger.CmdReturnOpen, ledger.ReturnOpen{Return: "R-1", Original: "S-CASH"})
	s.do(ledger.CmdReturnAdd, ledger.ReturnAdd{Return: "R-1", Line: 1, Qty: 2})
	s.do(ledger.CmdReturnRefund, ledger.ReturnRefund{Return: "R-1", Method: "cash"})
	s.do(ledger.CmdDrawerState, map[string]bool{"open": true})
	s.do(ledger.CmdDrawerState, map[string]bool{"open": false})
	// A bank drop of 500,00 the manager approves, and a count 2,00 short.
	s.do(ledger.CmdCashMove, ledger.CashMoveReq{Kind: ledger.MoveBankDrop, Amount: 50000, Reason: "til banken", ApprovedBy: "E2"})
	sess, err := s.L.SessionOf("K1")
	if err != nil {
		t.Fatal(err)
	}
	s.do(ledger.CmdDrawerCount, ledger.CountReq{Counted: map[string]money.Øre{"cash": sess.Expected()["cash"] - 200}, Note: "kveld"})
	// The X and Z reports of K1 (the manager approves the Z).
	s.do(ledger.CmdReportX, ledger.ReportReq{})
	s.do(ledger.CmdReportZ, ledger.ReportReq{ApprovedBy: "E2"})
	s.do(ledger.CmdLogout, nil)

	// The café register: its own chain.
	s.Employee = ""
	s.login("K2", "E2")
	s.do(ledger.CmdSaleOpen, map[string]string{"sale": "S-KAFE"})
	s.do(ledger.CmdSaleAdd, ledger.SaleAdd{Sale: "S-KAFE", SKU: "KAFFE", Qty: 2})
	s.card("S-KAFE", "P2", 7000)

	// The next day is outside the period.
	s.Now = time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	s.do(ledger.CmdSaleOpen, map[string]string{"sale": "S-NEXT"})
	s.do(ledger.CmdSaleAdd, ledger.SaleAdd{Sale: "S-NEXT", SKU: "KAFFE", Qty: 1})
	s.card("S-NEXT", "P3", 3500)
	return s
}

func export(t *testing.T, s *shop) []byte {
	t.Helper()
	d := time.Date(2026, 11, 27, 0, 0, 0, 0, ledger.Oslo)
	var buf bytes.Buffer
	var calls int
	err := Export(context.Background(), &buf, s.L, Params{
		From: d, To: d, Created: time.Date(2026, 11, 28, 10, 0, 0, 0, ledger.Oslo),
		SoftwareVersion: "1.0.0-test", Progress: func(uint64) { calls++ },
	})
	if err != nil {
		t.Fatal(err)
	}
	if calls == 0 {
		t.Error("Progress was never called")
	}
	return buf.Bytes()
}

func TestExport(t *testing.T) {
	s := day(t)
	if _, err := s.L.Verify(); err != nil {
		t.Fatal(err)
	}
	out := export(t, s)
	path := filepath.Join(t.TempDir(), "saft.xml")
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}

	t.Run("schema", func(t *testing.T) { validate(t, path) })
	t.Run("signatures", func(t *testing.T) { verifySignatures(t, s.L, out) })
	t.Run("golden", func(t *testing.T) { golden(t, "day.xml", out) })
	t.Run("content", func(t *testing.T) {
		text := string(out)
		for _, w := range []string{
			"<taxRegIdent>912345678MVA</taxRegIdent>", "<streetname>Storgata</streetname>", "<number>12</number>",
			"<postalCode>0155</postalCode>", "<city>Oslo</city>",
			"<transType>RETURNSAL</transType>", "<amntTp>D</amntTp>", "<lineType>RET</lineType>", "<qnt>-2</qnt>",
			"<qnt>1.234</qnt>", "<dscTp>LINEDISC</dscTp>", "<dscTp>SALEDISC</dscTp>", "<paymentRefID>KST-P1</paymentRefID>",
			"<receiptCopyNum>1</receiptCopyNum>", "<eventType>VOIDREC</eventType>", "<eventType>COPYREC</eventType>",
			"<eventType>PRICELOOKUP</eventType>", "<eventType>DRAWOPEN</eventType>", "<eventType>DRAWCLOSE</eventType>",
			"<eventType>EMPIN</eventType>", "<eventType>LINEDELETE</eventType>", "<eventType>SUSPEND</eventType>",
			"<standardVatCode>31</standardVatCode>", "<standardVatCode>6</standardVatCode>",
			"<predefinedBasicID>04006</predefinedBasicID>", "<predefinedBasicID>04012</predefinedBasicID>",
			"<predefinedBasicID>04999</predefinedBasicID>", "<roundingAmnt>0.31</roundingAmnt>",
		} {
			if !strings.Contains(text, w) {
				t.Errorf("export lacks %s", w)
			}
		}
		if strings.Contains(text, "S-NEXT") {
			t.Error("a sale of the next day is in the export")
		}
	})
}

func TestEmptyPeriod(t *testing.T) {
	s := newShop(t)
	d := time.Date(2027, 1, 1, 0, 0, 0, 0, ledger.Oslo)
	var buf bytes.Buffer
	if err := Export(context.Background(), &buf, s.L, Params{From: d, To: d, Created: d, SoftwareVersion: "x"}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "empty.xml")
	os.WriteFile(path, buf.Bytes(), 0o644)
	validate(t, path)
	if strings.Contains(buf.String(), "<cashtransaction>") || strings.Contains(buf.String(), "<event>") {
		t.Error("an empty period has transactions or events")
	}
}

func TestCancelled(t *testing.T) {
	s := newShop(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	d := time.Date(2026, 11, 27, 0, 0, 0, 0, ledger.Oslo)
	err := Export(ctx, io.Discard, s.L, Params{From: d, To: d})
	if err != context.Canceled {
		t.Errorf("Export with a cancelled context: %v", err)
	}
}

func TestParseAddress(t *testing.T) {
	for in, want := range map[string]address{
		"Storgata 1, 0155 Oslo":            {"Storgata", "1", "0155", "Oslo"},
		"Kongens gate 12B, 7011 Trondheim": {"Kongens gate", "12B", "7011", "Trondheim"},
		"Torget":                           {street: "Torget"},
		"":                                 {},
	} {
		if got := parseAddress(in); got != want {
			t.Errorf("parseAddress(%q) = %+v, want %+v", in, got, want)
		}
	}
}

func TestPredefinedGroup(t *testing.T) {
	for in, want := range map[string]string{
		"Meieri": "04006", "Frukt og grønt": "04006", "Øl": "04007", "Vin": "04008", "Tobakk": "04013",
		"Kaffe & te": "04012", "Brus": "04011", "Husholdning": "04999", "": "04999", "Tekstil": "04999",
	} {
		if got := predefinedGroup(in); got != want {
			t.Errorf("predefinedGroup(%q) = %s, want %s", in, got, want)
		}
	}
}

func validate(t *testing.T, path string) {
	t.Helper()
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		t.Skip("xmllint is not installed (apt-get install libxml2-utils): schema validation skipped")
	}
	if _, err := os.Stat(schemaPath); err != nil {
		t.Fatalf("the SAF-T schema is missing, so the export is not validated: %v", err)
	}
	out, err := exec.Command(xmllint, "--noout", "--schema", schemaPath, path).CombinedOutput()
	if err != nil {
		t.Fatalf("xmllint: %v\n%s", err, out)
	}
}

// verifySignatures checks every signature from the XML alone, with its own
// parsing and RSA-SHA1 check (not the ledger's).
func verifySignatures(t *testing.T, l *ledger.Ledger, doc []byte) {
	pks, err := l.PublicKeys()
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]*rsa.PublicKey{}
	for _, pk := range pks {
		blk, _ := pem.Decode([]byte(pk.PEM))
		if blk == nil {
			t.Fatal("public key is not PEM")
		}
		k, err := x509.ParsePKIXPublicKey(blk.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		keys[strconv.Itoa(pk.Version)] = k.(*rsa.PublicKey)
	}
	dec := xml.NewDecoder(bytes.NewReader(doc))
	type ct = struct {
		Nr          string `xml:"nr"`
		TransDate   string `xml:"transDate"`
		TransTime   string `xml:"transTime"`
		TransAmntIn string `xml:"transAmntIn"`
		TransAmntEx string `xml:"transAmntEx"`
		Signature   string `xml:"signature"`
		KeyVersion  string `xml:"keyVersion"`
	}
	var g struct {
		Registers []struct {
			ID           string `xml:"registerID"`
			Transactions []ct   `xml:"cashtransaction"`
		} `xml:"company>location>cashregister"`
	}
	if err := dec.Decode(&g); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range g.Registers {
		prev := "0"
		for _, c := range r.Transactions {
			msg := strings.Join([]string{prev, c.TransDate, c.TransTime, c.Nr, c.TransAmntIn, c.TransAmntEx}, ";")
			raw, err := base64.StdEncoding.DecodeString(c.Signature)
			if err != nil {
				t.Fatalf("register %s nr %s: %v", r.ID, c.Nr, err)
			}
			k := keys[c.KeyVersion]
			if k == nil {
				t.Fatalf("register %s nr %s: no public key version %s", r.ID, c.Nr, c.KeyVersion)
			}
			sum := sha1.Sum([]byte(msg))
			if err := rsa.VerifyPKCS1v15(k, crypto.SHA1, sum[:], raw); err != nil {
				t.Errorf("register %s nr %s: signature of %q does not verify", r.ID, c.Nr, msg)
			}
			prev = c.Signature
			n++
		}
	}
	if n != 8 {
		t.Errorf("verified %d signatures, want 8 (float, cash in, cash sale, card sale, return, bank drop, count on K1; café on K2)", n)
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	// Signatures depend on the key generated for the run; compare without.
	if mask(string(got)) != mask(string(want)) {
		t.Errorf("%s differs from the golden file (run with -update if the change is right):\n%s", name, got)
	}
}

func mask(s string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "<signature>")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		j := strings.Index(s[i:], "</signature>")
		b.WriteString(s[:i] + "<signature>…")
		s = s[i+j:]
	}
}

// synthetic is a Source of n identical completed sales on one register, for
// testing that a long period streams.
type synthetic struct {
	n    uint64
	data json.RawMessage
}

func (s *synthetic) Shop() (*ledger.Shop, error) {
	return &ledger.Shop{Name: "Stor butikk", OrgNr: "912345678"}, nil
}
func (s *synthetic) Employees() ([]ledger.Employee, error) { return nil, nil }
func (s *synthetic) Registers() ([]ledger.Register, error) {
	return []ledger.Register{{ID: "K1"}}, nil
}
func (s *synthetic) Journal(from uint64, fn func(*ledger.Entry) error) error {
	t0 := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	for seq := max(from, 1); seq <= s.n; seq++ {
		at := t0.Add(time.Duration(seq) * time.Second)
		loc := at.In(ledger.Oslo)
		e := &ledger.Entry{Seq: seq, Time: at, Local: loc.Format("2006-01-02T15:04:05"), Type: "sale.complete",
			Register: "K1", Sale: "S" + strconv.FormatUint(seq, 10), Data: s.data,
			Sig: &ledger.Signature{Nr: int64(seq), Date: loc.Format(time.DateOnly), Time: loc.Format(time.TimeOnly),
				AmountIn: "125.00", AmountEx: "100.00", Previous: "0", Value: strings.Repeat("A", 172), KeyVersion: 1}}
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

type counter struct{ n int64 }

func (c *counter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

func TestStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("long period")
	}
	sale := ledger.Sale{ID: "S", Register: "K1", Status: ledger.SaleCompleted,
		Lines: []ledger.Line{{No: 1, SKU: "A", Name: "Vare", Group: "Diverse", Unit: ledger.UnitPiece, Qty: 1, Price: 12500,
			Rate: money.Rate25, Gross: 12500, Amount: 12500, VAT: 2500}},
		Payments: []ledger.Payment{{Method: "cash", Amount: 12500}},
		Totals:   ledger.Totals{Gross: 12500, Total: 12500, Net: 10000, Paid: 12500, VAT: []ledger.VATLine{{Rate: money.Rate25, Gross: 12500, Net: 10000, VAT: 2500}}}}
	data, _ := json.Marshal(sale)
	src := &synthetic{n: 20_000, data: data}
	var out counter
	var peak uint64
	var last uint64
	progress := func(done uint64) {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		peak = max(peak, m.HeapAlloc)
		last = done
	}
	runtime.GC()
	d := time.Date(2026, 3, 2, 0, 0, 0, 0, ledger.Oslo)
	err := Export(context.Background(), &out, src, Params{From: d, To: d.AddDate(0, 0, 1), Created: d, Progress: progress})
	if err != nil {
		t.Fatal(err)
	}
	if last != src.n {
		t.Errorf("progress ended at %d, want %d (one pass)", last, src.n)
	}
	if out.n < 30<<20 {
		t.Fatalf("only %d bytes written", out.n)
	}
	if peak > 16<<20 {
		t.Errorf("heap reached %d MB writing %d MB: the export does not stream", peak>>20, out.n>>20)
	}
	t.Logf("%d MB written, heap peak %d MB", out.n>>20, peak>>20)
}
