package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kasse/kasse/hub/cluster"
	"github.com/kasse/kasse/hub/demo"
	"github.com/kasse/kasse/hub/ledger"
)

// TestRegisterSurvivesHubFailure: a shop of three hub processes; the
// register's page came from hub1 and it sells there; hub1 is killed
// (SIGKILL) mid-sale; the register moves to another hub by itself, the
// cluster elects a new leader, and the sale is finished there with every
// line once.
func TestRegisterSurvivesHubFailure(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three hub processes and Chromium")
	}
	hub1 := newHub(t, "hub1", true, "")
	out := startCapturing(hub1.proc)
	code := out.pairingCode(t, hub1.proc)
	waitReady(t, hub1.proc)
	hubs := joinHubs(t, hub1)
	waitStatus(t, hub1, "three voters", func(st cluster.Status) bool { return len(voters(st)) == 3 })
	defer func() {
		for _, h := range hubs[1:] {
			h.stop()
		}
	}()

	ctx := chromium(t)
	run := func(what string, actions ...chromedp.Action) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 90*time.Second)
		defer cancel()
		if err := chromedp.Run(sctx, actions...); err != nil {
			var page string
			dctx, dcancel := context.WithTimeout(ctx, 5*time.Second)
			_ = chromedp.Run(dctx, chromedp.Evaluate(`S.screen + " | " + document.getElementById("toast").textContent + " | " + S.hubs.join(" ")`, &page))
			dcancel()
			t.Fatalf("%s: %v (page: %s)\nhub2 log:\n%s", what, err, page, hubs[1].log())
		}
	}
	lines := func(n int) chromedp.Action {
		return chromedp.Poll(fmt.Sprintf(`document.querySelectorAll("#cart li").length === %d`, n), nil)
	}
	var known int
	run("pair and log in on hub1", chromedp.EmulateViewport(1024, 768), chromedp.Navigate("http://"+hub1.http+"/"),
		chromedp.WaitReady(`#pair-register option[value="K1"]`), setValue("#pair-code", code), setValue("#pair-register", "K1"),
		submit("#pair-code"), chromedp.WaitVisible("#login-emp"),
		setValue("#login-emp", "1001"), setValue("#login-pin", "1234"), submit("#login-emp"), chromedp.WaitVisible("#search"),
		chromedp.Evaluate(`S.hubs.length`, &known))
	if known != 3 {
		t.Fatalf("the register knows %d hubs, want 3", known)
	}
	run("two lines on hub1", wedge(demo.Barcode("1001")), lines(1), wedge(demo.Barcode("1101")), lines(2))

	hub1.kill()
	var saleID, change string
	run("the sale goes on elsewhere", wedge(demo.Barcode("1501")), lines(3), wedge(demo.Barcode("1701")), lines(4),
		chromedp.Evaluate(`S.sale.id`, &saleID), tap("#btn-pay"), chromedp.WaitVisible("#cash-amount"),
		setValue("#cash-amount", "200"), submit("#cash-amount"), textOf("#change", &change))
	if !strings.Contains(change, "55,00") { // 144,70 → 145,00 in cash
		t.Errorf("change on screen %q, want 55,00 kr", change)
	}
	api := newClient(hubs[1].http, "demo-token-register-1")
	var sale ledger.Sale
	if _, err := api.do("GET", "/sales/"+saleID, "", nil, &sale); err != nil {
		t.Fatal(err)
	}
	if sale.Status != ledger.SaleCompleted || len(sale.Lines) != 4 || len(sale.Payments) != 1 || sale.Totals.Change != 5500 {
		t.Errorf("sale as booked on hub2: %s, %d lines, %d payments, change %d", sale.Status, len(sale.Lines), len(sale.Payments), sale.Totals.Change)
	}
}

// TestHTTPSWithShopCA: with http.tls on, the hub serves the register over
// HTTPS with a certificate from the shop CA, offers that CA at /ca.crt, and
// a client trusting only that CA connects; plain HTTP gets no page.
func TestHTTPSWithShopCA(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a hub process")
	}
	p := newProcHTTP(t, freePort(t), "  tls: \"on\"\n")
	out := startCapturing(p)
	defer p.stop()
	code := out.pairingCode(t, p) // printed once the hub serves
	if len(code) != 8 {
		t.Fatalf("pairing code %q", code)
	}
	insecure := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}, Timeout: 10 * time.Second}
	resp, err := insecure.Get("https://" + p.http + "/ca.crt")
	if err != nil {
		t.Fatal(err)
	}
	caPEM, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	pool := x509.NewCertPool()
	if resp.StatusCode != 200 || !pool.AppendCertsFromPEM(caPEM) {
		t.Fatalf("/ca.crt: %d %q", resp.StatusCode, caPEM)
	}
	trusting := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 10 * time.Second}
	resp, err = trusting.Get("https://" + p.http + "/")
	if err != nil {
		t.Fatalf("a client trusting the shop CA: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("register page over HTTPS: %d", resp.StatusCode)
	}
	if resp, err := http.Get("http://" + p.http + "/"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Error("the register page is served over plain HTTP with tls on")
		}
	}
}

// newProcHTTP writes a one-hub configuration listening on addr with more
// keys in its http section (each line indented by two spaces).
func newProcHTTP(t *testing.T, addr, httpKeys string) *proc {
	t.Helper()
	dir := t.TempDir()
	p := &proc{t: t, bin: kasseBinary(t), http: addr, logs: &bytes.Buffer{}}
	p.config = filepath.Join(dir, "kasse.yaml")
	cfg := fmt.Sprintf("hub:\n  id: hub1\n  data: %s\nraft:\n  bind: %s\nhttp:\n  addr: %s\n%slog:\n  level: warn\n", filepath.Join(dir, "data"), freePort(t), addr, httpKeys)
	if err := os.WriteFile(p.config, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRegisterIdleLogout: a register left alone logs its employee out by
// itself, and the logout is journaled.
func TestRegisterIdleLogout(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a hub process and Chromium")
	}
	p := newProcHTTP(t, freePort(t), "  idle_logout: 2s\n")
	out := startCapturing(p)
	defer p.stop()
	code := out.pairingCode(t, p)
	waitReady(t, p)
	ctx, cancel := context.WithTimeout(chromium(t), 90*time.Second)
	defer cancel()
	if err := chromedp.Run(ctx, chromedp.Navigate("http://"+p.http+"/"), chromedp.WaitReady(`#pair-register option[value="K2"]`),
		setValue("#pair-code", code), setValue("#pair-register", "K2"), submit("#pair-code"), chromedp.WaitVisible("#login-emp"),
		setValue("#login-emp", "1002"), setValue("#login-pin", "2345"), submit("#login-emp"), chromedp.WaitVisible("#search"),
		chromedp.WaitVisible("#login-emp"), chromedp.Poll(`document.getElementById("toast").textContent === t("idleOut")`, nil)); err != nil {
		t.Fatalf("idle logout: %v\n%s", err, p.log())
	}
	var me struct{ Employee *struct{ ID string } }
	if _, err := newClient(p.http, "demo-token-register-2").do("GET", "/me", "", nil, &me); err != nil || me.Employee != nil {
		t.Errorf("after the idle logout K2 still has %+v logged in (%v)", me.Employee, err)
	}
}
