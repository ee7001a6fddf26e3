package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kasse/kasse/hub/demo"
	"github.com/kasse/kasse/hub/ledger"
)

// front is a TCP front for a hub that can be told to lose every answer (the
// request arrives, the reply never does) or to stop answering at all: the
// register's view of its hub failing.
type front struct {
	ln      net.Listener
	target  string
	swallow atomic.Bool
	mu      sync.Mutex
	conns   []net.Conn
}

func newFront(t *testing.T, target string) *front {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &front{ln: ln, target: target}
	go f.accept()
	t.Cleanup(f.stop)
	return f
}

func (f *front) accept() {
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return
		}
		u, err := net.Dial("tcp", f.target)
		if err != nil {
			c.Close()
			continue
		}
		f.mu.Lock()
		f.conns = append(f.conns, c, u)
		f.mu.Unlock()
		go func() { _, _ = io.Copy(u, c); u.Close() }()
		go func() {
			buf := make([]byte, 32<<10)
			for {
				n, err := u.Read(buf)
				if n > 0 && !f.swallow.Load() {
					if _, err := c.Write(buf[:n]); err != nil {
						return
					}
				}
				if err != nil {
					c.Close()
					return
				}
			}
		}()
	}
}

// stop: the hub behind the front is gone for the register.
func (f *front) stop() {
	f.ln.Close()
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.conns {
		c.Close()
	}
	f.conns = nil
}

// TestRegisterMovesHub: a register whose hub stops answering in the middle
// of a sale moves to the next hub of the shop and finishes the sale there,
// nothing lost and nothing booked twice — including a scan whose answer was
// lost after the hub had booked it, retried with the same key elsewhere.
//
// The shop's second address here is the same hub reached directly: what is
// tested is the register's side (the hub list, moving on, retrying with the
// same key, picking the sale up from the ledger). A shop of several hubs in
// one Raft cluster comes with the cluster work.
func TestRegisterMovesHub(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a hub process and Chromium")
	}
	addr := freePort(t)
	fr := newFront(t, addr)
	first, second := "http://"+fr.ln.Addr().String(), "http://"+addr
	p := newProcHTTP(t, addr, fmt.Sprintf("  hubs: [%s, %s]\n  idle_logout: 0s\n", first, second))
	out := startCapturing(p)
	defer p.stop()
	code := out.pairingCode(t, p)
	waitReady(t, p)
	ctx := chromium(t)
	run := func(what string, actions ...chromedp.Action) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		defer cancel()
		if err := chromedp.Run(sctx, actions...); err != nil {
			t.Fatalf("%s: %v\nhub log:\n%s", what, err, p.log())
		}
	}
	lines := func(n int) chromedp.Action {
		return chromedp.Poll(fmt.Sprintf(`document.querySelectorAll("#cart li").length === %d`, n), nil)
	}
	run("pair and log in through the first hub", chromedp.EmulateViewport(1024, 768), chromedp.Navigate(first+"/"),
		chromedp.WaitReady(`#pair-register option[value="K1"]`), setValue("#pair-code", code), setValue("#pair-register", "K1"),
		submit("#pair-code"), chromedp.WaitVisible("#login-emp"),
		setValue("#login-emp", "1001"), setValue("#login-pin", "1234"), submit("#login-emp"), chromedp.WaitVisible("#search"))
	run("two lines", wedge(demo.Barcode("1001")), lines(1), wedge(demo.Barcode("1101")), lines(2))

	// The hub books the third scan but its answer is lost; the register
	// retries with the same key on the next hub and gets the same answer.
	fr.swallow.Store(true)
	run("a scan whose answer is lost", wedge(demo.Barcode("1501")), toastSays(second), lines(3))
	fr.stop()
	run("the sale goes on", wedge(demo.Barcode("1701")), lines(4))
	var saleID, change string
	run("pay", chromedp.Evaluate(`S.sale.id`, &saleID), tap("#btn-pay"), chromedp.WaitVisible("#cash-amount"),
		setValue("#cash-amount", "500"), submit("#cash-amount"), textOf("#change", &change))

	api := newClient(p.http, "demo-token-register-1")
	var sale ledger.Sale
	if _, err := api.do("GET", "/sales/"+saleID, "", nil, &sale); err != nil {
		t.Fatal(err)
	}
	// 21,90 + 42,90 + 39,90 + 40,00 = 144,70 → 145,00 in cash; 355,00 back.
	if sale.Status != ledger.SaleCompleted || len(sale.Lines) != 4 || len(sale.Payments) != 1 || sale.Totals.Total != 14470 || sale.Totals.Change != 35500 {
		t.Errorf("sale as booked: %s, %d lines, %d payments, total %d, change %d", sale.Status, len(sale.Lines), len(sale.Payments), sale.Totals.Total, sale.Totals.Change)
	}
	if change == "" || !bytes.Contains([]byte(change), []byte("355,00")) {
		t.Errorf("the screen says %q, want change 355,00 kr", change)
	}
}
