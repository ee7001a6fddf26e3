package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kasse/kasse/drivers/printer/printertest"
	"github.com/kasse/kasse/hub/demo"
	"github.com/kasse/kasse/hub/ledger"
)

// TestRegisterReturnsUI takes goods back on the register in the browser:
// a sale paid in cash, one of its lines returned by scanning the
// receipt's code, refunded in cash with a return receipt printed; then a
// return without a receipt, refused for the cashier, approved by the
// manager's PIN, the item scanned, refunded as a credit note.
func TestRegisterReturnsUI(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a hub process and Chromium")
	}
	prn, err := printertest.Listen("127.0.0.1:0", printertest.Config{Columns: 48})
	if err != nil {
		t.Fatal(err)
	}
	defer prn.Close()
	p := newProc(t, fmt.Sprintf("devices:\n  printers:\n    - id: P1\n      hub: hub1\n      registers: [K1]\n      transport: tcp\n      address: %s\n", prn.Addr()))
	out := startCapturing(p)
	defer p.stop()
	code := out.pairingCode(t, p)
	waitReady(t, p)
	ctx := chromium(t)
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	api := newClient(p.http, "demo-token-register-1")
	run := func(what string, actions ...chromedp.Action) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 40*time.Second)
		defer cancel()
		if err := chromedp.Run(sctx, actions...); err != nil {
			var page string
			dctx, dcancel := context.WithTimeout(ctx, 5*time.Second)
			_ = chromedp.Run(dctx, chromedp.Evaluate(`S.screen + " | " + document.getElementById("toast").textContent + " | " + document.getElementById("modal-body").textContent`, &page), shot("failed-return"))
			dcancel()
			t.Fatalf("%s: %v (page: %q)\nhub log:\n%s", what, err, page, p.log())
		}
	}

	run("pair and log in", chromedp.EmulateViewport(1024, 768), chromedp.Navigate("http://"+p.http+"/"),
		chromedp.WaitVisible("#pair-code"), chromedp.Evaluate(`localStorage.setItem("kasse.lang", "nb")`, nil), chromedp.Reload(),
		chromedp.WaitReady(`#pair-register option[value="K1"]`), chromedp.SendKeys("#pair-code", code),
		setValue("#pair-register", "K1"), submit("#pair-code"), chromedp.WaitVisible("#login-emp"),
		chromedp.SendKeys("#login-emp", "1001"), chromedp.SendKeys("#login-pin", "1234"), submit("#login-emp"),
		chromedp.WaitVisible("#search"))

	// Sell milk (21,90) and bread; 100 kr cash.
	var saleID string
	run("sell", wedge(demo.Barcode("1001")), chromedp.WaitVisible(`#cart li[data-no="1"]`),
		wedge(demo.Barcode("1002")), chromedp.WaitVisible(`#cart li[data-no="2"]`),
		tap("#btn-pay"), chromedp.WaitVisible("#cash-amount"), chromedp.SendKeys("#cash-amount", "100"), submit("#cash-amount"),
		chromedp.WaitVisible("#change"), chromedp.Evaluate(`S.sale.id`, &saleID))
	var sale ledger.Sale
	if _, err := api.do("GET", "/sales/"+saleID, "", nil, &sale); err != nil || sale.Status != ledger.SaleCompleted || sale.Receipt == nil {
		t.Fatalf("the sale: %v %+v", err, sale)
	}

	// A receipt number no sale has: refused, in bokmål.
	run("return screen", tap("#next"), chromedp.WaitVisible("#empty"), tap("#btn-return"), chromedp.WaitVisible("#ret-code"),
		chromedp.SendKeys("#ret-code", "9999"), submit("#ret-code"), toastSays("Fant ikke salget eller kvitteringen"), shot("tablet-9-return-find"))

	// Scan the receipt's code; take back one milk.
	var method, result string
	run("scan the receipt", wedge(saleID), chromedp.WaitVisible(`#ret-lines li[data-no="1"]`),
		tap(`#ret-lines li[data-no="1"] button[aria-label="plus"]`),
		chromedp.Poll(`document.querySelector('#ret-lines li[data-no="1"] output').textContent === "1"`, nil),
		textOf("#ret-method", &method), shot("tablet-10-return"))
	if !strings.Contains(method, "kontant") {
		t.Errorf("the screen says the refund goes to %q, want kontant (the sale was paid in cash)", method)
	}
	run("phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.WaitVisible("#ret-refund"), shot("phone-3-return"), chromedp.EmulateViewport(1024, 768))
	var retID string
	run("refund", tap("#ret-refund"), chromedp.WaitVisible("#ret-done"), textOf("#ret-result", &result),
		chromedp.Evaluate(`R.ret.id`, &retID), shot("tablet-11-return-done"))
	var ret ledger.Sale
	if _, err := api.do("GET", "/sales/"+retID, "", nil, &ret); err != nil {
		t.Fatal(err)
	}
	// One milk back, 21,90; cash is paid out in whole kroner: 22,00.
	if ret.Kind != ledger.KindReturn || ret.Original != saleID || ret.Status != ledger.SaleCompleted || ret.Totals.Total != -2190 ||
		len(ret.Payments) != 1 || ret.Payments[0].Method != "cash" || ret.Payments[0].Amount != -2200 {
		t.Errorf("the return as booked: %s %s of %s, total %d, payments %+v", ret.Kind, ret.Status, ret.Original, ret.Totals.Total, ret.Payments)
	}
	if ret.Receipt == nil || !strings.Contains(result, fmt.Sprintf("Returkvittering nr. %d", ret.Receipt.No)) {
		t.Errorf("the screen after the refund says %q", result)
	}
	pctx, pcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer pcancel()
	want := fmt.Sprintf("Retur av kvittering nr. %d", sale.Receipt.No)
	if err := prn.Wait(pctx, func(printertest.Snapshot) bool { return strings.Contains(prn.Text(), want) }); err != nil {
		t.Errorf("no return receipt printed (%q): %v\n%s", want, err, prn.Text())
	}

	// Without a receipt: the cashier alone is refused; the manager approves.
	var why string
	run("no receipt, cashier", tap("#ret-next"), chromedp.WaitVisible("#empty"), tap("#btn-return"), tap("#ret-blind"),
		chromedp.WaitVisible("#ap-emp"), chromedp.Text("#modal-body p", &why))
	if !strings.Contains(why, "krever godkjenning") {
		t.Errorf("the approval prompt says %q", why)
	}
	run("manager approves", chromedp.SendKeys("#ap-emp", "1003"), chromedp.SendKeys("#ap-pin", "3456"), submit("#ap-emp"),
		chromedp.WaitVisible("#ret-lines li"), chromedp.WaitNotVisible("#ret-blind"),
		wedge(demo.Barcode("1501")), chromedp.WaitVisible(`#ret-lines li .amt`), textOf("#ret-method", &method), shot("tablet-12-return-noreceipt"))
	if !strings.Contains(method, "tilgodelapp") {
		t.Errorf("a return without a receipt refunds to %q, want tilgodelapp", method)
	}
	run("refund as credit", tap("#ret-refund"), chromedp.WaitVisible("#ret-done"), textOf("#ret-result", &result), chromedp.Evaluate(`R.ret.id`, &retID))
	if _, err := api.do("GET", "/sales/"+retID, "", nil, &ret); err != nil {
		t.Fatal(err)
	}
	if ret.Status != ledger.SaleCompleted || len(ret.Payments) != 1 || ret.Payments[0].Method != ledger.MethodCredit ||
		ret.Payments[0].Amount != -3990 || !strings.HasPrefix(ret.Payments[0].Ref, "CN") {
		t.Fatalf("return without a receipt as booked: %s %+v", ret.Status, ret.Payments)
	}
	if !strings.Contains(result, "Tilgodelapp nr. "+ret.Payments[0].Ref) {
		t.Errorf("the screen does not show the credit note's number %s: %q", ret.Payments[0].Ref, result)
	}
	run("in English", tap("#lang"), chromedp.Poll(`document.getElementById("ret-result").textContent.includes("Credit note no. `+ret.Payments[0].Ref+`")`, nil),
		chromedp.Poll(`document.getElementById("ret-next").textContent === "Next customer"`, nil))
	var entries []ledger.Entry
	if _, err := api.do("GET", "/journal?limit=1000", "", nil, &entries); err != nil {
		t.Fatal(err)
	}
	approved := false
	for _, e := range entries {
		approved = approved || e.Type == "return.open" && e.Employee == "1001" && strings.Contains(string(e.Data), `"approvedBy":"1003"`)
	}
	if !approved {
		t.Error("the journal does not name the cashier and the manager who approved the return without a receipt")
	}
}
