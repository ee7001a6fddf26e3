package saft

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/kasse/kasse/hub/ledger"
	"github.com/kasse/kasse/hub/money"
)

// X and Z reports. Running one journals the whole report (13008, 13009);
// its event carries it as the schema's eventReport, every figure as it was
// run. Returns are given as positive amounts, as the official example does;
// VAT lines give the net sales (cashSaleAmnt) and the VAT. A list the
// schema wants at least one entry of and the report has none of gets one
// line "None" with zeros. Item groups are the report's groups by their
// basic IDs ("G-<group>"), tenders by their payment types.

// reportEntry reports whether e is a journaled X or Z report.
func reportEntry(e *ledger.Entry) bool { return e.Type == "report.x" || e.Type == "report.z" }

// reportID names a report in the file: its journal entry, unique across
// registers (Z numbers are per register).
func reportID(e *ledger.Entry) string { return fmt.Sprintf("J%d", e.Seq) }

func (x *exporter) eventReport(e *ledger.Entry) {
	var r ledger.Report
	if err := json.Unmarshal(e.Data, &r); err != nil {
		if x.err == nil {
			x.err = fmt.Errorf("saft: report in journal entry %d: %w", e.Seq, err)
		}
		return
	}
	amt := func(name string, a money.Øre) { x.el(name, money.Format(a)) }
	num := func(name string, n int64) { x.el(name, fmt.Sprint(max(n, 0))) }
	typ := "X report"
	if r.Kind == "Z" {
		typ = "Z report"
	}
	date, clock := entryDate(e), entryTime(e)
	if len(r.Local) >= 19 {
		date, clock = r.Local[:10], r.Local[11:19]
	}
	x.start("eventReport")
	x.el("reportID", reportID(e))
	x.el("reportType", typ)
	x.el("companyIdent", cut(r.OrgNr, 35))
	x.el("companyName", cut(r.Shop, 100))
	x.el("reportDate", date)
	x.el("reportTime", clock)
	x.el("registerID", cut(r.Register, 100))
	x.start("reportTotalCashSales")
	amt("totalCashSaleAmnt", r.TotalCashSales)
	x.end("reportTotalCashSales")

	x.start("reportArtGroups")
	for _, g := range r.Groups {
		x.start("reportArtGroup")
		x.el("artGroupID", x.group(g.Group))
		x.el("artGroupNum", fmt.Sprint(g.N))
		amt("artGroupAmnt", g.Amount)
		x.end("reportArtGroup")
	}
	if len(r.Groups) == 0 {
		x.start("reportArtGroup")
		x.el("artGroupID", "None")
		x.el("artGroupNum", "0")
		amt("artGroupAmnt", 0)
		x.end("reportArtGroup")
	}
	x.end("reportArtGroups")

	x.start("reportPayments")
	for _, p := range r.Payments {
		x.start("reportPayment")
		x.el("paymentType", x.tenderType(p.Method, p.Code))
		num("paymentNum", p.N)
		amt("paymentAmnt", p.Amount)
		x.end("reportPayment")
	}
	if len(r.Payments) == 0 {
		x.start("reportPayment")
		x.el("paymentType", "None")
		num("paymentNum", 0)
		amt("paymentAmnt", 0)
		x.end("reportPayment")
	}
	x.end("reportPayments")

	var emps []ledger.EmpTender
	for _, p := range r.EmpPayments {
		if x.emp(p.Employee) != "" { // the schema wants each employee in the file
			emps = append(emps, p)
		}
	}
	if len(emps) > 0 {
		x.start("reportEmpPayments")
		for _, p := range emps {
			x.start("reportEmpPayment")
			x.el("empID", x.emp(p.Employee))
			x.el("paymentType", x.tenderType(p.Method, p.Code))
			num("paymentNum", p.N)
			amt("paymentAmnt", p.Amount)
			x.end("reportEmpPayment")
		}
		x.end("reportEmpPayments")
	}

	x.start("reportTip")
	num("tipNum", r.Tips.N)
	amt("tipAmnt", r.Tips.Amount)
	x.end("reportTip")

	x.start("reportCashSalesVat")
	for _, v := range r.VAT {
		x.start("reportCashSaleVat")
		x.el("vatCode", vatCode(v.Rate))
		x.el("vatPerc", v.Rate.String())
		amt("cashSaleAmnt", v.Net)
		amt("vatAmnt", v.VAT)
		x.el("vatAmntTp", "C")
		x.end("reportCashSaleVat")
	}
	if len(r.VAT) == 0 {
		x.start("reportCashSaleVat")
		x.el("vatPerc", money.Rate0.String())
		amt("cashSaleAmnt", 0)
		amt("vatAmnt", 0)
		x.end("reportCashSaleVat")
	}
	x.end("reportCashSalesVat")

	amt("reportOpeningChangeFloat", r.Float.Amount)
	num("reportReceiptNum", r.Receipts)
	num("reportOpenCashBoxNum", r.NoSale.N)
	num("reportReceiptCopyNum", r.Copies.N)
	amt("reportReceiptCopyAmnt", r.Copies.Amount)
	num("reportReceiptProformaNum", r.Proforma.N)
	amt("reportReceiptProformaAmnt", r.Proforma.Amount)
	num("reportReturnNum", r.Returns.N)
	amt("reportReturnAmnt", -r.Returns.Amount)
	num("reportDiscountNum", r.Discounts.N)
	amt("reportDiscountAmnt", r.Discounts.Amount)
	num("reportVoidTransNum", r.Voids.N)
	amt("reportVoidTransAmnt", r.Voids.Amount)
	x.start("reportCorrLines")
	x.start("reportCorrLine")
	x.el("corrLineType", "Delete line")
	num("corrLineNum", r.Corrected.N)
	amt("corrLineAmnt", r.Corrected.Amount)
	x.end("reportCorrLine")
	x.end("reportCorrLines")
	x.start("reportPriceInquiries")
	x.start("reportPriceInquiry")
	x.el("priceInquiryGroup", "All")
	num("priceInquiryNum", r.Lookups.N)
	amt("priceInquiryAmnt", r.Lookups.Amount)
	x.end("reportPriceInquiry")
	x.end("reportPriceInquiries")
	x.start("reportOtherCorrs")
	x.start("reportOtherCorr")
	x.el("otherCorrType", "None")
	num("otherCorrNum", 0)
	amt("otherCorrAmnt", 0)
	x.end("reportOtherCorr")
	x.end("reportOtherCorrs")
	num("reportReceiptDeliveryNum", 0)
	amt("reportReceiptDeliveryAmnt", 0)
	num("reportTrainingNum", r.Training.N)
	amt("reportTrainingAmnt", r.Training.Amount)
	x.cashMoves("reportPayIns", "reportPayIn", "payIn", cashTypes[ledger.TxIn].id, r.CashIn)
	x.cashMoves("reportPayOuts", "reportPayOut", "payOut", cashTypes[ledger.TxOut].id, r.CashOut)
	amt("reportGrandTotalSales", r.Grand.Sales)
	amt("reportGrandTotalReturn", -r.Grand.Returns)
	amt("reportGrandTotalSalesNet", r.Grand.Net)
	x.end("eventReport")
}

// cashMoves writes the cash put in or taken out as one line of its
// transaction type, or "None".
func (x *exporter) cashMoves(list, item, prefix, typ string, c ledger.Count) {
	if c.N == 0 {
		typ = "None"
	}
	x.start(list)
	x.start(item)
	x.el(prefix+"Type", typ)
	x.el(prefix+"Num", fmt.Sprint(max(c.N, 0)))
	x.el(prefix+"Amnt", money.Format(c.Amount))
	x.end(item)
	x.end(list)
}

// tenderType is the payment type of a report's tender; a report journaled
// before tenders had codes names the method alone.
func (x *exporter) tenderType(method string, code int) string {
	p := ledger.Payment{Method: method, Code: code}
	if code != 0 || strings.HasPrefix(method, ledger.MethodOther+":") {
		p.Method = ledger.MethodOther
	}
	if x.payCodes == nil {
		x.payCodes = map[int]bool{}
	}
	x.payCodes[ledger.PaymentCode(p)] = true
	return payID(p)
}
