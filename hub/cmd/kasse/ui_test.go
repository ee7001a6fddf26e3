package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/kasse/kasse/drivers/printer/printertest"
	"github.com/kasse/kasse/hub/demo"
	"github.com/kasse/kasse/hub/ledger"
)

// The register UI in Debian's Chromium (headless), against real hub
// processes. Screenshots of the main screens go to web/screenshots/.

const chromiumPath = "/usr/bin/chromium"

// screensDir is where the test run leaves screenshots for a person to look at.
var screensDir = filepath.Join("..", "..", "..", "web", "screenshots")

// browser is one headless Chromium for the whole test run.
var browser struct {
	once  sync.Once
	ctx   context.Context
	close func()
}

func chromium(t testing.TB) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("the register UI tests need Debian's chromium (%s): .ci/setup installs it", chromiumPath)
	}
	browser.once.Do(func() {
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(chromiumPath), chromedp.NoSandbox, chromedp.DisableGPU,
			chromedp.WindowSize(1024, 768), chromedp.Flag("lang", "nb-NO"))
		actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
		bctx, cancelB := chromedp.NewContext(actx)
		if err := chromedp.Run(bctx); err != nil { // starts the browser
			t.Fatalf("start chromium: %v", err)
		}
		browser.ctx, browser.close = bctx, func() { cancelB(); cancelA() }
	})
	if browser.ctx == nil {
		t.Fatal("chromium did not start")
	}
	// A tab of its own, closed with the test.
	tctx, cancel := chromedp.NewContext(browser.ctx)
	t.Cleanup(cancel)
	if err := chromedp.Run(tctx); err != nil { // opens the tab now, tied to tctx alone
		t.Fatalf("open a tab: %v", err)
	}
	return tctx
}

func TestMain(m *testing.M) {
	code := m.Run()
	if browser.close != nil {
		browser.close()
	}
	os.Exit(code)
}

// startCapturing starts p like proc.start but keeps what the hub prints
// (the pairing code).
func startCapturing(p *proc) *stdout {
	p.t.Helper()
	out := &stdout{lines: make(chan string, 16)}
	p.cmd = exec.Command(p.bin, "run", "-config", p.config)
	pr, pw := io.Pipe()
	p.cmd.Stdout = pw
	p.cmd.Stderr = syncWriter{&p.mu, p.logs}
	if err := p.cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	go scanLines(pr, out.lines)
	p.t.Cleanup(func() { pw.Close() })
	return out
}

type stdout struct{ lines chan string }

// scanLines passes on what a hub prints, line by line.
func scanLines(r io.Reader, lines chan<- string) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		select {
		case lines <- sc.Text():
		default:
		}
	}
}

var codeRE = regexp.MustCompile(`pair it with code (\d{4}) (\d{4})`)

// pairingCode waits for the line the hub prints with a pairing code.
func (o *stdout) pairingCode(t *testing.T, p *proc) string {
	t.Helper()
	timeout := time.After(90 * time.Second)
	for {
		select {
		case l := <-o.lines:
			if m := codeRE.FindStringSubmatch(l); m != nil {
				return m[1] + m[2]
			}
		case <-timeout:
			t.Fatalf("the hub printed no pairing code; log:\n%s", p.log())
		}
	}
}

// shot saves a screenshot of the whole page as name.png.
func shot(name string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		var buf []byte
		if err := chromedp.FullScreenshot(&buf, 100).Do(ctx); err != nil {
			return err
		}
		if err := os.MkdirAll(screensDir, 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(screensDir, name+".png"), buf, 0o644)
	})
}

// wedge types a barcode the way a keyboard-wedge scanner does: fast keys
// and Enter, with nothing focused.
func wedge(code string) chromedp.Action {
	return chromedp.Tasks{
		chromedp.Evaluate(`document.activeElement && document.activeElement.blur()`, nil),
		chromedp.KeyEvent(code + "\r"),
	}
}

// submit sends the form of sel as a tap on its button does (the submit
// event included, which form.submit() skips).
func submit(sel string) chromedp.Action {
	return chromedp.Evaluate(`document.querySelector(`+strconv.Quote(sel)+`).form.requestSubmit()`, nil)
}

// setValue sets a field's value (inputs and selects alike).
func setValue(sel, v string) chromedp.Action {
	return chromedp.Evaluate(`document.querySelector(`+strconv.Quote(sel)+`).value = `+strconv.Quote(v), nil)
}

// tap clicks an element the way a finger's tap ends: a click event on it.
func tap(sel string) chromedp.Action {
	return chromedp.Tasks{chromedp.WaitVisible(sel), chromedp.Evaluate(`document.querySelector(`+strconv.Quote(sel)+`).click()`, nil)}
}

// toastSays waits until the message shown contains text.
func toastSays(text string) chromedp.Action {
	return chromedp.Poll(`(() => { const el = document.getElementById("toast"); return !el.classList.contains("hide") && el.textContent.includes(`+strconv.Quote(text)+`) })()`, nil)
}

// textOf waits for sel and reads its text.
func textOf(sel string, out *string) chromedp.Action {
	return chromedp.Tasks{chromedp.WaitVisible(sel), chromedp.Text(sel, out)}
}

// TestRegisterUI walks the register through a shop's day in the browser:
// pair, log in, scan by keyboard wedge, change a quantity, a discount a
// cashier may not give alone approved by a manager's PIN, cash with change,
// a receipt printed, a split cash/card sale on the simulator terminal,
// the drawer left open blocking the sale, and log out.
func TestRegisterUI(t *testing.T) {
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
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	base := "http://" + p.http
	api := newClient(p.http, "demo-token-register-1")
	run := func(what string, actions ...chromedp.Action) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 40*time.Second)
		defer cancel()
		if err := chromedp.Run(sctx, actions...); err != nil {
			var page string
			dctx, dcancel := context.WithTimeout(ctx, 5*time.Second)
			var q string
			_ = chromedp.Run(dctx, chromedp.Evaluate(`Promise.race([queue.then(() => "resolved"), sleep(500).then(() => "pending")])`, &q, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
			page = q
			_ = chromedp.Run(dctx, chromedp.Evaluate(`(() => { const r = document.getElementById("btn-pay").getBoundingClientRect(); const e = document.elementFromPoint(r.x + r.width/2, r.y + r.height/2); document.getElementById("btn-pay").click(); return S.screen + " " + (S.sale && S.sale.lines.length) + " " + e.id + e.className + " " + JSON.stringify(r) + " " + innerWidth + "x" + innerHeight + " " + document.activeElement.id })()`, &q))
			_ = chromedp.Run(dctx, chromedp.Evaluate(`S.busy + " " + S.screen + " | " + document.getElementById("toast").textContent + " | " + document.getElementById("banner").textContent + " | " + document.getElementById("login-emp").value + "/" + document.getElementById("login-pin").value`, &page), shot("failed"))
			dcancel()
			t.Fatalf("%s: %v (queue %s, page: %q)\nhub log:\n%s", what, err, q, page, p.log())
		}
	}

	// Pair: an unpaired browser gets the pairing page and nothing else.
	run("pairing page", chromedp.EmulateViewport(1024, 768), chromedp.Navigate(base+"/"),
		chromedp.WaitVisible("#pair-code"), chromedp.Evaluate(`localStorage.setItem("kasse.lang", "nb")`, nil), chromedp.Reload(),
		chromedp.WaitVisible("#pair-code"), chromedp.WaitReady(`#pair-register option[value="K1"]`), shot("tablet-1-pair"))
	var hidden bool
	run("only pairing", chromedp.Evaluate(`["login","sale","pay","done"].every(id => document.getElementById(id).classList.contains("hide"))`, &hidden))
	if !hidden {
		t.Fatal("an unpaired browser sees more than the pairing page")
	}
	run("pair with a wrong code", chromedp.SendKeys("#pair-code", "00000000"), submit("#pair-code"),
		toastSays("tilkoblingskode"), chromedp.WaitVisible("#pair-code"))
	run("pair", setValue("#pair-code", ""), chromedp.SendKeys("#pair-code", code[:4]+" "+code[4:]),
		setValue("#pair-register", "K1"), chromedp.SendKeys("#pair-name", "Nettbrett 1"),
		submit("#pair-code"), chromedp.WaitVisible("#login-emp"), shot("tablet-2-login"))

	// Log in with a wrong PIN, then the right one.
	run("wrong PIN", chromedp.SendKeys("#login-emp", "1001"), chromedp.SendKeys("#login-pin", "0000"), submit("#login-emp"),
		toastSays("Feil ansattnummer eller PIN"))
	run("log in", setValue("#login-pin", ""), chromedp.SendKeys("#login-pin", "1234"), submit("#login-emp"),
		chromedp.WaitVisible("#search"), chromedp.WaitVisible("#quick button"))

	// Scan two milk by keyboard wedge, then one more with +.
	milk := demo.Barcode("1001")
	run("wedge scan", wedge(milk), chromedp.WaitVisible(`#cart li[data-no="1"]`))
	run("quantity +", chromedp.Click(`#cart li[data-no="1"] button[aria-label="plus"]`),
		chromedp.WaitVisible(`#cart li[data-no="1"] .qty output`),
		chromedp.Poll(`document.querySelector('#cart li[data-no="1"] .qty output').textContent === "2"`, nil, chromedp.WithPollingTimeout(20*time.Second)))
	var total string
	run("total", textOf("#totals .total", &total))
	if !strings.Contains(total, "43,80\u00a0kr") {
		t.Errorf("two milk at 21,90: total %q, want 43,80 kr", total)
	}

	// 30 % off the line: above what a cashier may give, so a manager approves.
	run("discount asks approval", chromedp.Click(`#cart li[data-no="1"] .name`), chromedp.WaitVisible("#d-pct"),
		chromedp.SendKeys("#d-pct", "30"), chromedp.SendKeys("#d-reason", "skadet"), submit("#d-pct"),
		chromedp.WaitVisible("#ap-emp"), shot("tablet-4-approval"))
	run("manager approves", chromedp.SendKeys("#ap-emp", "1003"), chromedp.SendKeys("#ap-pin", "3456"), submit("#ap-emp"),
		chromedp.WaitVisible("#cart .disc"), shot("tablet-3-sale"))
	run("total after discount", textOf("#totals .total", &total))
	if !strings.Contains(total, "30,66\u00a0kr") { // 43,80 − 13,14
		t.Errorf("after 30 %%: total %q, want 30,66 kr", total)
	}

	// Pay 100 kr cash: 30,66 rounds to 31,00; change 69,00.
	run("pay screen", tap("#btn-pay"), chromedp.WaitVisible("#cash-quick button"), shot("tablet-5-pay"))
	// A double tap on the 100 kr quick amount pays once.
	var change, first string
	var posts int
	run("cash, tapped twice", chromedp.Evaluate(`S.sale.id`, &first),
		chromedp.Evaluate(`window.payPosts = 0; { const f = window.fetch; window.fetch = (u, o) => { if (o && o.method === "POST" && String(u).endsWith("/payments")) window.payPosts++; return f(u, o); }; }`, nil),
		chromedp.Evaluate(`(() => { const b = [...document.querySelectorAll("#cash-quick button")].find(b => b.textContent === "100,00\u00a0kr"); b.click(); b.click(); })()`, nil),
		textOf("#change", &change), shot("tablet-6-done"), chromedp.Evaluate(`window.payPosts`, &posts))
	if posts != 1 {
		t.Errorf("a double tap sent %d payments to the hub", posts)
	}
	if !strings.Contains(change, "69,00\u00a0kr") {
		t.Errorf("change %q, want 69,00 kr", change)
	}
	var paid ledger.Sale
	if _, err := api.do("GET", "/sales/"+first, "", nil, &paid); err != nil || len(paid.Payments) != 1 || paid.Totals.Change != 6900 {
		t.Errorf("after a double tap: %v, payments %+v", err, paid.Payments)
	}
	run("print", tap("#rc-print"), toastSays("Kvitteringen er skrevet ut"))
	pctx, pcancel := context.WithTimeout(context.Background(), 30*time.Second)
	if err := prn.Wait(pctx, func(printertest.Snapshot) bool { return strings.Contains(prn.Text(), "Lettmelk") }); err != nil {
		t.Errorf("no receipt printed: %v\n%s", err, prn.Text())
	}
	pcancel()
	run("receipt on screen", tap("#rc-show"), chromedp.WaitVisible("#receipt"))

	// Next customer: coffee, 20 kr cash and the rest by card.
	run("next", tap("#next"), chromedp.WaitVisible("#empty"),
		chromedp.Click(`//div[@id="quick"]/button[contains(., "Kaffe filtermalt")]`), chromedp.WaitVisible(`#cart li`),
		tap("#btn-pay"), chromedp.WaitVisible("#cash-amount"),
		chromedp.SendKeys("#cash-amount", "20"), submit("#cash-amount"),
		chromedp.WaitVisible("#pay-paid"), chromedp.Poll(`document.getElementById("pay-due").textContent.includes("44,90")`, nil, chromedp.WithPollingTimeout(20*time.Second)))
	var saleID string
	run("a scan during payment is refused", wedge(milk), toastSays("fullfør betalingen"),
		chromedp.Evaluate(`S.sale.id`, &saleID))
	run("card for the rest", tap("#card-form button"), textOf("#change", &change), shot("tablet-7-split-done"))
	var sale ledger.Sale
	if _, err := api.do("GET", "/sales/"+saleID, "", nil, &sale); err != nil {
		t.Fatal(err)
	}
	if sale.Status != ledger.SaleCompleted || len(sale.Payments) != 2 || sale.Payments[0].Method != "cash" || sale.Payments[0].Amount != 2000 ||
		sale.Payments[1].Method != "card" || sale.Payments[1].Amount != 4490 || len(sale.Lines) != 1 {
		t.Errorf("split sale as booked: %s %d lines %+v", sale.Status, len(sale.Lines), sale.Payments)
	}

	// The printer runs out of paper: the register shows it, and again when
	// paper is back.
	prn.SetPaperOut(true)
	run("paper out shows", chromedp.Poll(`(() => { const c = document.getElementById("chip-printer"); return c.classList.contains("bad") && c.textContent.includes("tomt for papir") })()`, nil))
	prn.SetPaperOut(false)
	run("paper back", chromedp.Poll(`document.getElementById("chip-printer").classList.contains("ok")`, nil))

	// The drawer left open: the register says so at once and the ledger
	// refuses the next sale until it is shut.
	run("next", tap("#next"), chromedp.WaitVisible("#empty"))
	prn.SetDrawerOpen(true)
	run("drawer open shows", chromedp.WaitVisible("#chip-drawer"), chromedp.WaitVisible("#banner"), shot("tablet-8-drawer-open"))
	run("a sale is refused", wedge(milk), toastSays("Lukk kassaskuffen"))
	var n int
	run("cart", chromedp.Evaluate(`document.querySelectorAll("#cart li").length`, &n))
	if n != 0 {
		t.Errorf("a line was added while the drawer was open")
	}
	prn.SetDrawerOpen(false)
	run("drawer shut", chromedp.WaitNotVisible("#chip-drawer"), wedge(milk), chromedp.WaitVisible(`#cart li`))

	// Text from the catalog is shown as text, never run as markup.
	evil := `<img src=x onerror="window.pwned=1">Sjokolade`
	if _, err := api.do("POST", "/items", "evil-item", map[string]any{"items": []map[string]any{{"sku": "9901", "name": evil, "group": "Kolonial", "price": 2500, "rate": 1500, "unit": "pcs", "active": true}}}, nil); err != nil {
		t.Fatal(err)
	}
	var pwned bool
	var shown string
	run("an item named like markup", chromedp.SendKeys("#search", "onerror"), tap("#results button"),
		chromedp.WaitVisible(`#cart li[data-no="2"]`), chromedp.Text(`#cart li[data-no="2"] .name`, &shown),
		chromedp.Evaluate(`window.pwned === 1`, &pwned))
	if pwned || shown != evil {
		t.Errorf("an item's name ran as markup (%v) or shows as %q", pwned, shown)
	}

	// The phone: the same screens at 390×844.
	run("phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile), chromedp.Reload(),
		chromedp.WaitVisible("#cart li"), shot("phone-1-sale"),
		tap("#btn-pay"), chromedp.WaitVisible("#cash-quick button"), shot("phone-2-pay"),
		tap("#pay-back"), chromedp.WaitVisible("#search"))

	// Log out; the journal has the logins, the override with both
	// employees, and the logout.
	run("log out", chromedp.EmulateViewport(1024, 768), tap("#logout"), chromedp.WaitVisible("#login-emp"))
	var entries []ledger.Entry
	if _, err := api.do("GET", "/journal?limit=1000", "", nil, &entries); err != nil {
		t.Fatal(err)
	}
	var kinds []string
	override := false
	for _, e := range entries {
		kinds = append(kinds, e.Type)
		if e.Type == "employee.override" && e.Employee == "1001" && e.Approver == "1003" {
			override = true
		}
	}
	for _, k := range []string{"pair.device", "employee.pinfail", "employee.login", "employee.logout"} {
		if !slices.Contains(kinds, k) {
			t.Errorf("journal has no %s", k)
		}
	}
	if !override {
		t.Error("journal has no override naming the cashier and the approving manager")
	}
}

// waitReady waits until p's /readyz answers 200.
func waitReady(t *testing.T, p *proc) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get("http://" + p.http + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("hub not ready; log:\n%s", p.log())
}
