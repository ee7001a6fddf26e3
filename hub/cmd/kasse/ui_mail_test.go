package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kasse/kasse/hub/devices/smtptest"
)

// TestRegisterUIMail: on the register page a cashier sends the receipt by
// e-mail: an address the hub refuses is said in bokmål, a good one is sent
// by the hub (not the tablet's mail app) and the page says it went.
func TestRegisterUIMail(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a hub process and Chromium")
	}
	srv, err := smtptest.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	p := newProc(t, fmt.Sprintf("mail:\n  address: %s\n  from: kvittering@kasse-demo.no\n", srv.Addr()))
	p.start()
	defer p.stop()
	ctx := chromium(t)
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	run := func(what string, actions ...chromedp.Action) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 40*time.Second)
		defer cancel()
		if err := chromedp.Run(sctx, actions...); err != nil {
			var page string
			dctx, dcancel := context.WithTimeout(ctx, 5*time.Second)
			_ = chromedp.Run(dctx, chromedp.Evaluate(`S.screen + " | " + document.getElementById("toast").textContent`, &page))
			dcancel()
			t.Fatalf("%s: %v (page: %q)\nhub log:\n%s", what, err, page, p.log())
		}
	}
	run("register page", chromedp.EmulateViewport(1024, 768), chromedp.Navigate("http://"+p.http+"/"),
		chromedp.Evaluate(`localStorage.setItem("kasse.lang", "nb"); localStorage.setItem("kasse.cred", "demo-token-register-1")`, nil),
		chromedp.Reload(), chromedp.WaitVisible("#login-emp"))
	run("log in", chromedp.SendKeys("#login-emp", "1001"), chromedp.SendKeys("#login-pin", "1234"), submit("#login-emp"),
		chromedp.WaitVisible("#quick button"))
	run("sell and pay cash", tap("#quick button"), chromedp.WaitVisible("#cart li"), tap("#btn-pay"),
		chromedp.WaitVisible("#cash-amount"), chromedp.SendKeys("#cash-amount", "500"), submit("#cash-amount"),
		chromedp.WaitVisible("#change"))
	var sale string
	run("the e-mail choice", chromedp.Evaluate(`S.sale.id`, &sale), tap("#rc-mail"), chromedp.WaitVisible("#mail-to"))
	run("an address the hub refuses", chromedp.SendKeys("#mail-to", "kari@localhost"), submit("#mail-to"),
		toastSays("Ugyldig e-postadresse"))
	run("send", setValue("#mail-to", ""), chromedp.SendKeys("#mail-to", "kari@example.no"), submit("#mail-to"),
		toastSays("Kvitteringen er sendt på e-post."))
	msgs := srv.Messages()
	if len(msgs) != 1 || msgs[0].To[0] != "kari@example.no" || !strings.Contains(msgs[0].Data, sale) {
		t.Fatalf("the mail server got %d messages, want one receipt of %s to kari@example.no", len(msgs), sale)
	}
}
