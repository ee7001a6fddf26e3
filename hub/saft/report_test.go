package saft

import (
	"encoding/xml"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/kasse/kasse/hub/money"
)

// TestExportReports: each X and Z report of the day is an event carrying
// the report as journaled, figure by figure.
func TestExportReports(t *testing.T) {
	s := day(t)
	out := export(t, s)
	type line struct{ Type, Num, Amnt string }
	type rep struct {
		ID        string `xml:"reportID"`
		Type      string `xml:"reportType"`
		Register  string `xml:"registerID"`
		Date      string `xml:"reportDate"`
		CashSales string `xml:"reportTotalCashSales>totalCashSaleAmnt"`
		Groups    []struct {
			ID   string `xml:"artGroupID"`
			Num  string `xml:"artGroupNum"`
			Amnt string `xml:"artGroupAmnt"`
		} `xml:"reportArtGroups>reportArtGroup"`
		Payments []struct {
			Type string `xml:"paymentType"`
			Num  string `xml:"paymentNum"`
			Amnt string `xml:"paymentAmnt"`
		} `xml:"reportPayments>reportPayment"`
		TipNum  string `xml:"reportTip>tipNum"`
		TipAmnt string `xml:"reportTip>tipAmnt"`
		VAT     []struct {
			Perc string `xml:"vatPerc"`
			Sale string `xml:"cashSaleAmnt"`
			VAT  string `xml:"vatAmnt"`
		} `xml:"reportCashSalesVat>reportCashSaleVat"`
		Float     string `xml:"reportOpeningChangeFloat"`
		Receipts  string `xml:"reportReceiptNum"`
		NoSale    string `xml:"reportOpenCashBoxNum"`
		ReturnNum string `xml:"reportReturnNum"`
		ReturnAmt string `xml:"reportReturnAmnt"`
		VoidAmt   string `xml:"reportVoidTransAmnt"`
		CorrAmt   string `xml:"reportCorrLines>reportCorrLine>corrLineAmnt"`
		PayOut    string `xml:"reportPayOuts>reportPayOut>payOutAmnt"`
		PayIn     string `xml:"reportPayIns>reportPayIn>payInAmnt"`
		Grand     string `xml:"reportGrandTotalSales"`
		GrandRet  string `xml:"reportGrandTotalReturn"`
		GrandNet  string `xml:"reportGrandTotalSalesNet"`
	}
	var doc struct {
		Events []struct {
			Type   string `xml:"eventType"`
			Report *rep   `xml:"eventReport"`
		} `xml:"company>location>cashregister>event"`
	}
	if err := xml.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range doc.Events {
		if (e.Type == "XREP" || e.Type == "ZREP") != (e.Report != nil) {
			t.Errorf("event %s with report %v", e.Type, e.Report)
		}
		if e.Report == nil {
			continue
		}
		got := *e.Report
		kinds = append(kinds, got.Type)
		seq, err := strconv.ParseUint(strings.TrimPrefix(got.ID, "J"), 10, 64)
		if err != nil {
			t.Fatalf("reportID %q", got.ID)
		}
		r, err := s.L.ReportAt(seq)
		if err != nil {
			t.Fatal(err)
		}
		f := money.Format
		want := rep{ID: got.ID, Type: r.Kind + " report", Register: r.Register, Date: r.Local[:10], CashSales: f(r.TotalCashSales),
			TipNum: fmt.Sprint(r.Tips.N), TipAmnt: f(r.Tips.Amount), Float: f(r.Float.Amount), Receipts: fmt.Sprint(r.Receipts),
			NoSale: fmt.Sprint(r.NoSale.N), ReturnNum: fmt.Sprint(r.Returns.N), ReturnAmt: f(-r.Returns.Amount),
			VoidAmt: f(r.Voids.Amount), CorrAmt: f(r.Corrected.Amount), PayOut: f(r.CashOut.Amount), PayIn: f(r.CashIn.Amount),
			Grand: f(r.Grand.Sales), GrandRet: f(-r.Grand.Returns), GrandNet: f(r.Grand.Net)}
		for _, g := range r.Groups {
			id := "G-" + g.Group
			if g.Group == "" {
				id = "G-OTHERGOODS"
			}
			want.Groups = append(want.Groups, struct {
				ID   string `xml:"artGroupID"`
				Num  string `xml:"artGroupNum"`
				Amnt string `xml:"artGroupAmnt"`
			}{id, fmt.Sprint(g.N), f(g.Amount)})
		}
		for _, p := range r.Payments {
			typ := map[string]string{"cash": "CASH", "card": "DEBCARD"}[p.Method]
			want.Payments = append(want.Payments, struct {
				Type string `xml:"paymentType"`
				Num  string `xml:"paymentNum"`
				Amnt string `xml:"paymentAmnt"`
			}{typ, fmt.Sprint(p.N), f(p.Amount)})
		}
		for _, v := range r.VAT {
			want.VAT = append(want.VAT, struct {
				Perc string `xml:"vatPerc"`
				Sale string `xml:"cashSaleAmnt"`
				VAT  string `xml:"vatAmnt"`
			}{v.Rate.String(), f(v.Net), f(v.VAT)})
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %+v\nwant %+v", got.ID, got, want)
		}
	}
	if !reflect.DeepEqual(kinds, []string{"X report", "Z report"}) {
		t.Errorf("reports in the export: %v", kinds)
	}
	// By hand, the Z of K1: the cash sale 188,69 (3 × 21,90 + 49,90 less
	// 20 % + 1,234 kg × 34,90 + 40,00) + the card sale 83,70 − the return
	// of two milk 43,80 = 228,59; cash 189,00 − 44,00 refunded = 145,00.
	var z *rep
	for _, e := range doc.Events {
		if e.Type == "ZREP" {
			z = e.Report
		}
	}
	if z == nil || z.CashSales != "228.59" || len(z.Payments) != 2 || z.Payments[0].Amnt != "145.00" || z.Payments[1].Amnt != "83.70" ||
		z.Float != "1000.00" || z.PayIn != "200.00" || z.PayOut != "500.00" || z.ReturnAmt != "43.80" || z.GrandNet != "228.59" {
		t.Errorf("Z of K1: %+v", z)
	}
}

// TestTenderType: a report's tender names its payment type by its code,
// and a report journaled before tenders had codes by its method.
func TestTenderType(t *testing.T) {
	x := &exporter{}
	for _, c := range []struct {
		method string
		code   int
		want   string
	}{
		{"cash", 12001, "CASH"}, {"card", 12002, "DEBCARD"}, {"giftcard", 12005, "GIFTCARD"}, {"credit", 12010, "CREDNOTE"},
		{"mobile", 12011, "MOBILE"}, {"other:Faktura", 12006, "CUSTACC"}, {"other:Rekvisisjon", 12345, "PAY12345"},
		{"cash", 0, "CASH"}, {"card", 0, "DEBCARD"}, {"giftcard", 0, "GIFTCARD"}, {"other:Faktura", 0, "OTHERPAY"},
	} {
		if got := x.tenderType(c.method, c.code); got != c.want {
			t.Errorf("%s %d: %s, want %s", c.method, c.code, got, c.want)
		}
	}
	if !x.payCodes[12345] || !x.payCodes[12006] {
		t.Errorf("payment codes for the basics: %v", x.payCodes)
	}
}
