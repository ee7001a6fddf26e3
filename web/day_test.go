package web

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
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kasse/kasse/hub/ledger"
	"github.com/kasse/kasse/hub/money"
	"github.com/kasse/kasse/hub/saft"
)

// schema is the official SAF-T Cash Register schema, kept in the repository
// beside the exporter's tests.
func schema(t *testing.T) string {
	p := "../hub/saft/testdata/schema/Norwegian_SAF-T_Cash_Register_Schema_v_1.00.xsd"
	if _, err := os.Stat(p); err != nil {
		t.Errorf("the SAF-T schema is missing, so the export is not validated: %v", err)
		return ""
	}
	return p
}

// day drives one register's day through the API and fails on any
// unexpected answer.
type day struct {
	t   *testing.T
	s   *stack
	tok string
	n   int
}

func (d *day) do(method, path string, want int, body string) []byte {
	d.t.Helper()
	d.n++
	key := ""
	if method != "GET" {
		key = fmt.Sprintf("day-%d", d.n)
	}
	code, b := d.s.call(d.t, d.tok, method, path, key, body)
	if code != want {
		d.t.Fatalf("%s %s %s: %d %s (want %d)", method, path, body, code, b, want)
	}
	return b
}

// approved is do with a second employee's approval.
func (d *day) approved(emp, pin, method, path string, want int, body string) []byte {
	d.t.Helper()
	d.n++
	code, b := d.s.callApproved(d.t, d.tok, method, path, fmt.Sprintf("day-%d", d.n), body, emp, pin)
	if code != want {
		d.t.Fatalf("%s %s %s approved by %s: %d %s (want %d)", method, path, body, emp, code, b, want)
	}
	return b
}

func (d *day) sale(lines ...string) string {
	d.t.Helper()
	var s ledger.Sale
	json.Unmarshal(d.do("POST", "/api/v1/sales", 201, ""), &s)
	for _, l := range lines {
		d.do("POST", "/api/v1/sales/"+s.ID+"/lines", 200, l)
	}
	return s.ID
}

func (d *day) report(path string, want int, body string) ledger.Report {
	d.t.Helper()
	var r ledger.Report
	if err := json.Unmarshal(d.do("POST", path, want, body), &r); err != nil {
		d.t.Fatal(err)
	}
	return r
}

// compare checks a report field by field against figures worked out by
// hand; the time and journal position are checked apart.
func compare(t *testing.T, name string, got, want ledger.Report) {
	t.Helper()
	if got.Time.IsZero() || got.Local == "" || got.Since == "" || got.Journal == 0 || got.Action == "" {
		t.Errorf("%s: time, period start, journal or action missing: %+v", name, got)
	}
	got.Time, got.Local, got.Since, got.Journal, got.Action = time.Time{}, "", "", 0, ""
	gv, wv := reflect.ValueOf(got), reflect.ValueOf(want)
	for i := range gv.NumField() {
		if f := gv.Type().Field(i).Name; !reflect.DeepEqual(gv.Field(i).Interface(), wv.Field(i).Interface()) {
			g, _ := json.Marshal(gv.Field(i).Interface())
			w, _ := json.Marshal(wv.Field(i).Interface())
			t.Errorf("%s %s:\n got %s\nwant %s", name, f, g, w)
		}
	}
}

func c(n int64, amount money.Øre) ledger.Count { return ledger.Count{N: n, Amount: amount} }

// TestCashiersDay scripts a whole day on register K1 through the HTTP API
// and checks the X and Z reports against figures worked out by hand, the
// drawer count, stock, the hours, and the day's SAF-T export.
func TestCashiersDay(t *testing.T) {
	s := newStack(t)
	d := &day{t: t, s: s, tok: tokenK1}
	kari := `{"employee":"1001","pin":"1234"}` // cashier
	ola := `{"employee":"1002","pin":"2345"}`  // supervisor

	// A gift card of 100,00, sold on the other register before the day.
	k2 := &day{t: t, s: s, tok: tokenK2, n: 1000}
	gc := k2.sale()
	k2.do("POST", "/api/v1/sales/"+gc+"/giftcards", 200, `{"number":"GC500100","amount":10000}`)
	k2.do("POST", "/api/v1/sales/"+gc+"/payments", 200, `{"method":"cash","amount":10000}`)

	d.do("POST", "/api/v1/clock/in", 200, kari)
	d.do("POST", "/api/v1/clock/in", 409, kari) // in already
	d.do("POST", "/api/v1/login", 200, kari)
	d.do("POST", "/api/v1/drawer/cash", 409, `{"kind":"in","amount":100,"reason":"veksel"}`) // no session yet
	var sess ledger.DrawerSession
	json.Unmarshal(d.do("POST", "/api/v1/drawer/sessions", 201, `{"float":150000}`), &sess) // float 1 500,00
	d.do("POST", "/api/v1/drawer/sessions", 409, `{"float":150000}`)                        // one session per register

	// A: 2 × Lettmelk 21,90 (15 %) + Oppvaskmiddel 39,90 (25 %) = 83,70;
	// 100,00 cash → pays 84,00 (rounding +0,30), change 16,00.
	a := d.sale(`{"sku":"1001","qty":2}`, `{"sku":"1501"}`)
	d.do("POST", "/api/v1/sales/"+a+"/payments", 200, `{"method":"cash","amount":10000}`)
	// B: Kinobillett 150,00 (12 %) + Avis 40,00 (0 %) = 190,00 and a tip
	// of 20,00: 210,00 by card.
	b := d.sale(`{"sku":"1801"}`, `{"sku":"1701"}`)
	d.do("POST", "/api/v1/sales/"+b+"/tip", 200, `{"amount":2000}`)
	d.do("POST", "/api/v1/sales/"+b+"/payments", 200, `{"method":"card"}`)
	// C: Oppvaskmiddel 39,90 removed (a line correction), Grovbrød 42,90 +
	// Farris 29,90 = 72,80 less 10 % on the sale (7,28: 4,29 + 2,99) =
	// 65,52 at 15 %; 70,00 cash → pays 66,00 (rounding +0,48).
	cc := d.sale(`{"sku":"1501"}`, `{"sku":"1101"}`, `{"sku":"1206"}`)
	d.do("DELETE", "/api/v1/sales/"+cc+"/lines/1", 200, "")
	d.do("POST", "/api/v1/sales/"+cc+"/discounts", 200, `{"percent":1000,"reason":"stamkunde"}`)
	d.do("POST", "/api/v1/sales/"+cc+"/payments", 200, `{"method":"cash","amount":7000}`)
	// E: Kinobillett 150,00 (12 %, VAT 16,07): the gift card pays its
	// 100,00, cash the other 50,00 (no rounding).
	se := d.sale(`{"sku":"1801"}`)
	d.do("POST", "/api/v1/sales/"+se+"/payments", 200, `{"method":"giftcard","number":"GC500100"}`)
	d.do("POST", "/api/v1/sales/"+se+"/payments", 200, `{"method":"cash","amount":5000}`)
	// D: one Lettmelk 21,90, voided.
	v := d.sale(`{"sku":"1001"}`)
	d.approved("1002", "2345", "POST", "/api/v1/sales/"+v+"/void", 200, "") // Ola approves the void
	// A copy of B's receipt (190,00); a no-sale opening the supervisor
	// approves; a price look-up of Avis (40,00).
	d.do("POST", "/api/v1/sales/"+b+"/copy", 200, "")
	d.do("POST", "/api/v1/drawer/open", 403, `{"reason":"nosale"}`)
	d.do("POST", "/api/v1/drawer/open", 204, `{"reason":"nosale","override":`+ola+`}`)
	d.do("POST", "/api/v1/lookups", 200, `{"code":"1701"}`)
	// Training: one Lettmelk 21,90 paid 22,00 in cash; none of it is trade.
	d.do("POST", "/api/v1/training", 200, `{"on":true}`)
	tr := d.sale(`{"sku":"1001"}`)
	var ts ledger.Sale
	json.Unmarshal(d.do("POST", "/api/v1/sales/"+tr+"/payments", 200, `{"method":"cash","amount":2200}`), &ts)
	if !ts.Training || ts.Status != ledger.SaleCompleted || ts.Receipt.No != 1 { // a series of its own
		t.Fatalf("training sale: training %v, %s, receipt %+v", ts.Training, ts.Status, ts.Receipt)
	}
	page := string(d.do("GET", "/api/v1/sales/"+tr+"/receipt", 200, ""))
	if !strings.Contains(page, "<h1>Treningskvittering</h1>") || !strings.Contains(page, "IKKE SALGSKVITTERING") || !strings.Contains(page, "Treningskvittering nr. 1") || strings.Contains(page, "Salgskvittering") {
		t.Errorf("training receipt does not say it is one:\n%s", page)
	}
	d.do("POST", "/api/v1/training", 200, `{"on":false}`)

	// X at this point.
	x := d.report("/api/v1/reports/x", 201, "")
	groups := func(meieri ledger.Count) []ledger.GroupCount {
		return []ledger.GroupCount{
			{Group: "Aviser", Count: c(1, 4000)}, {Group: "Bakeri", Count: c(1, 3861)}, {Group: "Billetter", Count: c(2, 30000)},
			{Group: "Drikke", Count: c(1, 2691)}, {Group: "Husholdning", Count: c(1, 3990)}, {Group: "Meieri", Count: meieri},
		}
	}
	wantX := ledger.Report{
		Kind: "X", Shop: "Testbutikken", OrgNr: "912345678", VATRegistered: true, Register: "K1", RegisterName: "Kasse 1", Employee: "1001",
		TotalCashSales: 48922, // 83,70 + 190,00 + 65,52 + 150,00
		Rounding:       78,    // 0,30 + 0,48
		Groups:         groups(c(2, 4380)),
		// Cash 84,00 + 66,00 + 50,00; card 190,00 and its tip; the gift card 100,00.
		Payments: []ledger.TenderCount{{Method: "cash", Code: 12001, Count: c(3, 20000)}, {Method: "card", Code: 12002, Count: c(1, 21000)},
			{Method: "giftcard", Code: 12005, Count: c(1, 10000)}},
		EmpPayments: []ledger.EmpTender{{Employee: "1001", Method: "cash", Code: 12001, Count: c(3, 20000)},
			{Employee: "1001", Method: "card", Code: 12002, Count: c(1, 21000)}, {Employee: "1001", Method: "giftcard", Code: 12005, Count: c(1, 10000)}},
		Tips: c(1, 2000),
		// 25 %: 39,90 → VAT 7,98. 15 %: 43,80 (VAT 5,71) + 65,52 (VAT
		// 8,55) = 109,32, VAT 14,26. 12 %: 2 × 150,00, VAT 16,07 on each
		// sale: 32,14. 0 %: 40,00.
		VAT: []ledger.VATLine{{Rate: money.Rate25, Gross: 3990, Net: 3192, VAT: 798}, {Rate: money.Rate15, Gross: 10932, Net: 9506, VAT: 1426},
			{Rate: money.Rate12, Gross: 30000, Net: 26786, VAT: 3214}, {Rate: money.Rate0, Gross: 4000, Net: 4000}},
		Taxable: 39484, TaxFree: 4000, VATTotal: 5438, // 31,92 + 95,06 + 267,86; 7,98 + 14,26 + 32,14
		Float: c(1, 150000), Receipts: 4, NoSale: c(1, 0), Copies: c(1, 19000), Discounts: c(1, 728), Voids: c(1, 2190),
		Corrected: c(1, 3990), Lookups: c(1, 4000), Training: c(1, 2190),
		Grand: ledger.Grand{Sales: 48922, Net: 48922},
	}
	compare(t, "X", x, wantX)
	d.report("/api/v1/reports/z", 403, "") // a cashier cannot close the day
	d.do("POST", "/api/v1/logout", 204, "")

	// The supervisor takes over: a return of one Lettmelk from A (21,90,
	// refunded 22,00 in cash: rounding −0,10), a bank drop of 500,00, the
	// count, and the Z.
	d.do("POST", "/api/v1/login", 200, ola)
	var ret ledger.Sale
	json.Unmarshal(d.do("POST", "/api/v1/returns", 201, `{"original":"`+a+`"}`), &ret)
	d.do("POST", "/api/v1/returns/"+ret.ID+"/lines", 200, `{"line":1,"qty":1}`)
	json.Unmarshal(d.do("POST", "/api/v1/returns/"+ret.ID+"/refund", 200, `{"method":"cash"}`), &ret)
	if ret.Receipt == nil || ret.Receipt.No != 5 { // A, B, C, E, then the return: no gap for the training receipt
		t.Errorf("the return's receipt: %+v", ret.Receipt)
	}
	d.do("POST", "/api/v1/drawer/cash", 422, `{"kind":"bankdrop","amount":50000,"reason":""}`)      // a reason is needed
	d.do("POST", "/api/v1/drawer/cash", 422, `{"kind":"bankdrop","amount":500000,"reason":"bank"}`) // more than the drawer holds
	d.do("POST", "/api/v1/drawer/cash", 200, `{"kind":"bankdrop","amount":50000,"reason":"til banken"}`)

	// Expected cash: 1 500,00 + 84,00 + 66,00 + 50,00 − 22,00 − 500,00 =
	// 1 178,00; card 210,00; gift card 100,00. Counted 1 175,00 in cash:
	// −3,00 booked.
	var open struct {
		Expected map[string]money.Øre `json:"expected"`
	}
	json.Unmarshal(d.do("GET", "/api/v1/drawer/session", 200, ""), &open)
	if open.Expected["cash"] != 117800 || open.Expected["card"] != 21000 || open.Expected["giftcard"] != 10000 {
		t.Errorf("expected in the drawer: %v", open.Expected)
	}
	var counted ledger.DrawerSession
	json.Unmarshal(d.do("POST", "/api/v1/drawer/count", 200, `{"counted":{"cash":117500}}`), &counted)
	cnt := counted.Count
	if counted.Status != ledger.SessionCounted || cnt == nil || cnt.Expected["cash"] != 117800 || cnt.Counted["cash"] != 117500 ||
		cnt.Difference["cash"] != -300 || cnt.Difference["card"] != 0 || cnt.Total != -300 ||
		!slices.Equal(counted.Employees, []string{"1001", "1002"}) {
		t.Errorf("count: %+v %+v", counted, cnt)
	}
	d.do("GET", "/api/v1/drawer/session", 404, "")

	z := d.report("/api/v1/reports/z", 201, "")
	wantZ := wantX
	wantZ.Kind, wantZ.No, wantZ.Employee = "Z", 1, "1002"
	wantZ.TotalCashSales = 48922 - 2190 // the return
	wantZ.Rounding = 78 - 10
	wantZ.Groups = groups(c(1, 2190))
	wantZ.Payments = slices.Clone(wantX.Payments)
	wantZ.Payments[0].Count = c(4, 17800) // 200,00 − 22,00 refunded
	wantZ.EmpPayments = append(slices.Clone(wantX.EmpPayments), ledger.EmpTender{Employee: "1002", Method: "cash", Code: 12001, Count: c(1, -2200)})
	// The return takes 21,90 at 15 % back: VAT −2,86, net −19,04.
	wantZ.VAT = slices.Clone(wantX.VAT)
	wantZ.VAT[1] = ledger.VATLine{Rate: money.Rate15, Gross: 8742, Net: 7602, VAT: 1140}
	wantZ.Taxable, wantZ.VATTotal = 39484-1904, 5438-286
	wantZ.CashOut = c(1, 50000)
	wantZ.Returns = c(1, -2190)
	wantZ.Grand = ledger.Grand{Sales: 48922, Returns: -2190, Net: 46732, Z: 1}
	compare(t, "Z", z, wantZ)

	// Nothing since: no second Z; an X shows the counters started again.
	var e apiErr
	json.Unmarshal(d.do("POST", "/api/v1/reports/z", 409, ""), &e)
	if e.Code != "nothing_to_report" {
		t.Errorf("second Z: %+v", e)
	}
	x2 := d.report("/api/v1/reports/x", 201, "")
	if x2.Receipts != 0 || x2.TotalCashSales != 0 || len(x2.Payments) != 0 || x2.Grand != wantZ.Grand {
		t.Errorf("X after the Z: %+v", x2)
	}

	// The Z as it is shown on screen.
	html := string(d.do("GET", "/api/v1/reports/"+strconv.FormatUint(z.Journal, 10)+"/html", 200, ""))
	for _, w := range []string{"<h1>Z-rapport nr. 1</h1>", "Testbutikken", "Org.nr. 912 345 678 MVA", "Totalt kontantsalg", "467,32",
		"Kari Nordmann: Kontant (3)", "Kari Nordmann: Gavekort (1)", "Tips (1)", "Treningskvitteringer (1)", "Returer (1)", "-21,90"} {
		if !strings.Contains(html, w) {
			t.Errorf("Z on screen lacks %q", w)
		}
	}
	d.do("GET", "/api/v1/reports/1/html", 404, "")

	// Stock: A took 2 Lettmelk, the return put one back; the voided and the
	// training sale moved none.
	if n, _ := s.l.Stock("1001"); n != 199 {
		t.Errorf("stock of Lettmelk: %d, want 199", n)
	}
	var shift ledger.Shift
	json.Unmarshal(d.do("POST", "/api/v1/clock/out", 200, kari), &shift)
	var hours ledger.Hours
	json.Unmarshal(d.do("GET", "/api/v1/clock/1001", 200, ""), &hours)
	if shift.Employee != "1001" || len(hours.Shifts) != 1 || hours.Shifts[0].RegisterIn != "K1" || hours.Now != nil || hours.Seconds != shift.Seconds {
		t.Errorf("hours: %+v after %+v", hours, shift)
	}

	t.Run("saft", func(t *testing.T) { exportDay(t, s) })
}

// exportDay exports the day as SAF-T, validates it against the official
// schema and verifies every signature from the file alone.
func exportDay(t *testing.T, s *stack) {
	if _, err := s.l.Verify(); err != nil {
		t.Fatal(err)
	}
	now := time.Now().In(ledger.Oslo)
	var buf bytes.Buffer
	if err := saft.Export(context.Background(), &buf, s.l, saft.Params{From: now.AddDate(0, 0, -1), To: now.AddDate(0, 0, 1), SoftwareVersion: "test"}); err != nil {
		t.Fatal(err)
	}
	out := regexp.MustCompile(`>\s+<`).ReplaceAllString(buf.String(), "><") // the elements without the indent
	for _, w := range []string{"<eventType>XREP</eventType>", "<eventType>ZREP</eventType>", "<eventType>TRAINON</eventType>",
		"<eventType>TRAINOFF</eventType>", "<eventType>TRAINREC</eventType>", "<eventType>CASHOUT</eventType>",
		"transType 11007 cash declaration; float 1500.00", "transType 11008 cash difference -3.00", "Z report 1",
		"<trainingID>true</trainingID>", "<desc>training receipt 1, not a sales receipt</desc>", "training sale; training receipt 1; amount 21.90",
		// The Z as the schema's eventReport: the figures worked out above.
		"<reportType>X report</reportType>", "<reportType>Z report</reportType>", "<totalCashSaleAmnt>467.32</totalCashSaleAmnt>",
		"<paymentType>GIFTCARD</paymentType><paymentNum>1</paymentNum><paymentAmnt>100.00</paymentAmnt>",
		"<tipNum>1</tipNum><tipAmnt>20.00</tipAmnt>", "<reportOpeningChangeFloat>1500.00</reportOpeningChangeFloat>",
		"<reportReturnAmnt>21.90</reportReturnAmnt>", "<reportGrandTotalSalesNet>467.32</reportGrandTotalSalesNet>",
		"<transType>CASHDECL</transType>", "<transType>PAYOUT</transType><transAmntIn>-500.00</transAmntIn>",
		"<transType>CASHDIFF</transType><transAmntIn>-3.00</transAmntIn>"} {
		if !strings.Contains(out, w) {
			t.Errorf("export lacks %s", w)
		}
	}
	path := filepath.Join(t.TempDir(), "day.xml")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		t.Error("xmllint is not installed (apt-get install libxml2-utils): the export is not validated")
	}
	if xsd := schema(t); err == nil && xsd != "" {
		if b, err := exec.Command(xmllint, "--noout", "--schema", xsd, path).CombinedOutput(); err != nil {
			t.Errorf("xmllint: %v\n%s", err, b)
		}
	}
	if n := verifyXML(t, s.l, buf.Bytes()); n != 10 {
		t.Errorf("%d signed transactions in the export, want 10 (the gift card sale on K2; the float, A, B, C, E, the training sale, the return, the bank drop, the count on K1)", n)
	}
}

// verifyXML re-computes each signed string from the XML and checks it with
// the shop's public key, independently of the ledger's own Verify.
func verifyXML(t *testing.T, l *ledger.Ledger, doc []byte) int {
	pks, err := l.PublicKeys()
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]*rsa.PublicKey{}
	for _, pk := range pks {
		blk, _ := pem.Decode([]byte(pk.PEM))
		k, err := x509.ParsePKIXPublicKey(blk.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		keys[strconv.Itoa(pk.Version)] = k.(*rsa.PublicKey)
	}
	var g struct {
		Registers []struct {
			ID           string `xml:"registerID"`
			Transactions []struct {
				Nr          string `xml:"nr"`
				TransDate   string `xml:"transDate"`
				TransTime   string `xml:"transTime"`
				TransAmntIn string `xml:"transAmntIn"`
				TransAmntEx string `xml:"transAmntEx"`
				Signature   string `xml:"signature"`
				KeyVersion  string `xml:"keyVersion"`
			} `xml:"cashtransaction"`
		} `xml:"company>location>cashregister"`
	}
	if err := xml.Unmarshal(doc, &g); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range g.Registers {
		prev := "0"
		for _, c := range r.Transactions {
			msg := strings.Join([]string{prev, c.TransDate, c.TransTime, c.Nr, c.TransAmntIn, c.TransAmntEx}, ";")
			raw, err := base64.StdEncoding.DecodeString(c.Signature)
			k := keys[c.KeyVersion]
			sum := sha1.Sum([]byte(msg))
			if err != nil || k == nil || rsa.VerifyPKCS1v15(k, crypto.SHA1, sum[:], raw) != nil {
				t.Errorf("register %s nr %s: signature of %q does not verify", r.ID, c.Nr, msg)
			}
			prev = c.Signature
			n++
		}
	}
	return n
}

// TestDayAPI checks the day's endpoints' answers to bad and awkward
// requests, and that a blind drawer session hides what it expects.
func TestDayAPI(t *testing.T) {
	s := newStack(t)
	d := &day{t: t, s: s, tok: tokenK2}
	// Not logged in yet.
	for _, c := range []struct {
		name, method, path, body string
		status                   int
		code                     string
	}{
		{"session without login", "POST", "/api/v1/drawer/sessions", `{"float":1000}`, 422, "not_logged_in"},
		{"X without login", "POST", "/api/v1/reports/x", "", 422, "not_logged_in"},
		{"training without login", "POST", "/api/v1/training", `{"on":true}`, 422, "not_logged_in"},
		{"clock in wrong PIN", "POST", "/api/v1/clock/in", `{"employee":"1001","pin":"0000"}`, 401, "wrong_pin"},
		{"clock out not in", "POST", "/api/v1/clock/out", `{"employee":"1001","pin":"1234"}`, 409, "not_clocked_in"},
		{"hours of nobody", "GET", "/api/v1/clock/9999", "", 404, "unknown_employee"},
		{"hours bad date", "GET", "/api/v1/clock/1001?from=27.11.2026", "", 400, "bad_date"},
		{"no session", "GET", "/api/v1/drawer/session", "", 404, "no_session"},
		{"report not a number", "GET", "/api/v1/reports/abc", "", 400, "bad_report"},
		{"report not there", "GET", "/api/v1/reports/999999", "", 404, "not_found"},
		{"report unknown field", "POST", "/api/v1/reports/x", `{"kind":"Z"}`, 400, "bad_json"},
		{"float as text", "POST", "/api/v1/drawer/sessions", `{"float":"1000"}`, 400, "bad_json"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var e apiErr
			json.Unmarshal(d.do(c.method, c.path, c.status, c.body), &e)
			if e.Code != c.code || e.Message == "" {
				t.Errorf("got %+v, want %s with a message", e, c.code)
			}
		})
	}
	d.do("POST", "/api/v1/login", 200, `{"employee":"1001","pin":"1234"}`)
	d.do("POST", "/api/v1/drawer/sessions", 422, `{"float":-1}`)
	d.do("POST", "/api/v1/drawer/sessions", 422, `{"float":1000,"registers":["K9"]}`)
	var sess ledger.DrawerSession
	json.Unmarshal(d.do("POST", "/api/v1/drawer/sessions", 201, `{"float":50000,"blind":true}`), &sess)
	var got struct {
		Session  ledger.DrawerSession `json:"session"`
		Expected map[string]money.Øre `json:"expected"`
	}
	json.Unmarshal(d.do("GET", "/api/v1/drawer/session", 200, ""), &got)
	if got.Session.ID != sess.ID || got.Expected != nil {
		t.Errorf("a blind session shows %v to the register", got.Expected)
	}
	// K1 joins K2's session and sells into it.
	k1 := &day{t: t, s: s, tok: tokenK1, n: 1000}
	k1.do("POST", "/api/v1/drawer/sessions/"+sess.ID+"/join", 422, "") // not logged in
	k1.do("POST", "/api/v1/login", 200, `{"employee":"1002","pin":"2345"}`)
	k1.do("POST", "/api/v1/drawer/sessions/"+sess.ID+"/join", 200, "")
	sale := k1.sale(`{"sku":"1701"}`)
	k1.do("POST", "/api/v1/sales/"+sale+"/payments", 200, `{"method":"cash","amount":4000}`)
	k1.do("POST", "/api/v1/drawer/cash", 200, `{"kind":"out","amount":1000,"reason":"porto"}`) // a supervisor may
	d.do("POST", "/api/v1/drawer/cash", 403, `{"kind":"out","amount":1000,"reason":"porto"}`)  // a cashier may not
	d.do("POST", "/api/v1/drawer/cash", 401, `{"kind":"out","amount":1000,"reason":"porto","override":{"employee":"1002","pin":"1111"}}`)
	d.do("POST", "/api/v1/training", 200, `{"on":true}`)
	d.do("POST", "/api/v1/training", 409, `{"on":true}`)
	d.do("POST", "/api/v1/training", 200, `{"on":false}`)
	// Blind count: 500,00 + 40,00 − 10,00 = 530,00 expected; 530,00 counted.
	var counted ledger.DrawerSession
	json.Unmarshal(d.do("POST", "/api/v1/drawer/count", 200, `{"counted":{"cash":53000},"note":"blind"}`), &counted)
	if counted.Count == nil || counted.Count.Expected["cash"] != 53000 || counted.Count.Total != 0 || !slices.Equal(counted.Registers, []string{"K2", "K1"}) {
		t.Errorf("blind count: %+v", counted)
	}
}
