package main

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kasse/kasse/drivers/printer/printertest"
	"github.com/kasse/kasse/hub/ledger"
)

// TestReceiptPrintsOnce: a sale completed through the API prints one
// receipt with everything the rules ask for on the register's network
// printer and kicks its drawer once; a receipt waiting for paper survives a
// SIGKILL of the hub and prints once when paper is back; the one copy the
// rules allow prints as KOPI and a second is refused.
func TestReceiptPrintsOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("runs hub processes")
	}
	prn, err := printertest.Listen("127.0.0.1:0", printertest.Config{Columns: 48})
	if err != nil {
		t.Fatal(err)
	}
	defer prn.Close()
	p := newProc(t, fmt.Sprintf("devices:\n  printers:\n    - id: P1\n      hub: hub1\n      registers: [K1]\n      transport: tcp\n      address: %s\n", prn.Addr()))
	p.start()
	c := newClient(p.http, "demo-token-register-1")
	if _, err := c.do("POST", "/login", "login-1", map[string]string{"employee": "1001", "pin": "1234"}, nil); err != nil {
		t.Fatal(err)
	}
	sell := func(key string) string {
		var s ledger.Sale
		if _, err := c.do("POST", "/sales", key+"-open", nil, &s); err != nil {
			t.Fatal(err)
		}
		if _, err := c.do("POST", "/sales/"+s.ID+"/lines", key+"-l1", map[string]any{"sku": "1001", "qty": 2}, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := c.do("POST", "/sales/"+s.ID+"/lines", key+"-l2", map[string]any{"sku": "1501", "qty": 1}, nil); err != nil {
			t.Fatal(err)
		}
		var paid ledger.Sale
		if _, err := c.do("POST", "/sales/"+s.ID+"/payments", key+"-pay", map[string]any{"method": "cash", "amount": 10000}, &paid); err != nil || paid.Status != ledger.SaleCompleted {
			t.Fatalf("pay: %v %s", err, paid.Status)
		}
		return s.ID
	}
	wait := func(what string, cond func(printertest.Snapshot) bool) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := prn.Wait(ctx, cond); err != nil {
			t.Fatalf("waiting for %s: %v\nprinter:\n%s\nhub log:\n%s", what, err, prn.Text(), p.log())
		}
	}
	sale := sell("a")
	wait("the receipt", func(s printertest.Snapshot) bool { return s.Cuts >= 1 })
	text := prn.Text()
	for _, want := range []string{"Salgskvittering", "Kasse Demo", "Storgata 1, 0155 Oslo", "Org.nr. 999 999 999 MVA", "Kvittering nr. 1",
		"Kasse K1", "Dato ", "Selger: Kari Nordmann", "Lettmelk 1 l", "2 x 21,90", "Oppvaskmiddel", "TOTAL", "kr 83,70",
		"Øreavrunding", "0,30", "Kontant", "100,00", "Vekslepenger", "16,00", "MVA 25 %", "MVA 15 %", "grunnlag", "BARCODE CODE128 " + sale} {
		if !strings.Contains(text, want) {
			t.Errorf("receipt lacks %q:\n%s", want, text)
		}
	}
	if prn.Kicks(2) != 1 {
		t.Errorf("drawer kicked %d times, want once", prn.Kicks(2))
	}

	// Out of paper: the next receipt waits. Kill the hub, refill, restart.
	prn.SetPaperOut(true)
	sell("b")
	p.kill()
	prn.SetPaperOut(false)
	p.start()
	wait("the receipt that waited for paper", func(s printertest.Snapshot) bool { return s.Cuts >= 2 })

	// The one copy.
	if code, err := c.do("POST", "/sales/"+sale+"/copy", "copy-1", nil, nil); code != http.StatusOK {
		t.Fatalf("copy: %v", err)
	}
	wait("the copy", func(s printertest.Snapshot) bool { return s.Cuts >= 3 })
	if code, _ := c.do("POST", "/sales/"+sale+"/copy", "copy-2", nil, nil); code != http.StatusConflict {
		t.Errorf("a second copy answered %d, want 409", code)
	}
	receipts := prn.Receipts()
	if len(receipts) != 3 || !strings.Contains(receipts[2], "KOPI") || strings.Contains(receipts[0], "KOPI") {
		t.Errorf("%d receipts printed, want 3 with only the last a KOPI:\n%s", len(receipts), prn.Text())
	}
	// A no-sale opening kicks the drawer, without paper.
	kicks, cuts := prn.Kicks(2), prn.Cuts()
	if _, err := c.do("POST", "/drawer/open", "nosale-1", map[string]any{"reason": "nosale", "override": map[string]string{"employee": "1002", "pin": "2345"}}, nil); err != nil {
		t.Fatal(err)
	}
	wait("the no-sale kick", func(s printertest.Snapshot) bool { return s.Kicks[0] > kicks })
	if prn.Cuts() != cuts {
		t.Error("a no-sale opening printed paper")
	}

	// Commit → last byte: a cash sale's receipt ends with the drawer kick.
	var lat []time.Duration
	for i := range 30 {
		before := prn.Kicks(2)
		sell(fmt.Sprintf("lat-%d", i))
		t0 := time.Now()
		wait("a receipt", func(s printertest.Snapshot) bool { return s.Kicks[0] > before })
		lat = append(lat, time.Since(t0))
	}
	slices.Sort(lat)
	t.Logf("sale committed (payment answered) → last receipt byte at the TCP 9100 stand-in, 30 sales: p50 %s, max %s",
		lat[15].Round(100*time.Microsecond), lat[29].Round(100*time.Microsecond))

	// The drawer: while it is open (the printer's pin 3 says so), the
	// register cannot change a sale; closed again, it can.
	var open ledger.Sale
	if _, err := c.do("POST", "/sales", "drawer-open-sale", nil, &open); err != nil {
		t.Fatal(err)
	}
	prn.SetDrawerOpen(true)
	deadline := time.Now().Add(30 * time.Second)
	for n := 0; ; n++ {
		code, err := c.do("POST", "/sales/"+open.ID+"/lines", fmt.Sprintf("drawer-%d", n), map[string]any{"sku": "1001"}, nil)
		if code == http.StatusConflict && strings.Contains(err.Error(), "drawer_open") {
			break
		}
		if code != http.StatusOK || time.Now().After(deadline) {
			t.Fatalf("with the drawer open: %d %v", code, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	prn.SetDrawerOpen(false)
	for n := 0; ; n++ {
		code, err := c.do("POST", "/sales/"+open.ID+"/lines", fmt.Sprintf("drawer-closed-%d", n), map[string]any{"sku": "1001"}, nil)
		if code == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("with the drawer closed again: %d %v", code, err)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// Settle: the hub reports every action done; nothing is left to print.
	printed := len(prn.Receipts())
	p.stop()
	p.start()
	defer p.stop()
	var again ledger.Sale
	if _, err := c.do("POST", "/sales", "settle", nil, &again); err != nil {
		t.Fatal(err)
	}
	if n := len(prn.Receipts()); n != printed {
		t.Errorf("after a clean restart %d receipts, want the %d printed before", n, printed)
	}
}
