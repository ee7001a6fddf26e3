package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kasse/kasse/drivers/printer/printertest"
	"github.com/kasse/kasse/hub/ledger"
)

// TestReportsPrint: an X and a Z report run through the API print on the
// register's network printer, once each, with the figures of the day; a Z
// on a day without use is refused and prints nothing.
func TestReportsPrint(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a hub process")
	}
	prn, err := printertest.Listen("127.0.0.1:0", printertest.Config{Columns: 48})
	if err != nil {
		t.Fatal(err)
	}
	defer prn.Close()
	p := newProc(t, fmt.Sprintf("devices:\n  printers:\n    - id: P1\n      hub: hub1\n      registers: [K1]\n      transport: tcp\n      address: %s\n", prn.Addr()))
	p.start()
	defer p.stop()
	c := newClient(p.http, "demo-token-register-1")
	wait := func(what string, cuts int) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := prn.Wait(ctx, func(s printertest.Snapshot) bool { return s.Cuts >= cuts }); err != nil {
			t.Fatalf("waiting for %s: %v\nprinter:\n%s\nhub log:\n%s", what, err, prn.Text(), p.log())
		}
	}
	if _, err := c.do("POST", "/login", "login-1", map[string]string{"employee": "1002", "pin": "2345"}, nil); err != nil {
		t.Fatal(err)
	}
	if code, _ := c.do("POST", "/reports/z", "z-0", nil, nil); code != 409 {
		t.Errorf("Z of a day without use answered %d, want 409 (nothing_to_report)", code)
	}
	var s ledger.Sale
	if _, err := c.do("POST", "/sales", "open", nil, &s); err != nil {
		t.Fatal(err)
	}
	if _, err := c.do("POST", "/sales/"+s.ID+"/lines", "l1", map[string]any{"sku": "1501", "qty": 1}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.do("POST", "/sales/"+s.ID+"/payments", "pay", map[string]any{"method": "cash", "amount": 4000}, nil); err != nil {
		t.Fatal(err)
	}
	wait("the receipt", 1)
	var x, z ledger.Report
	if _, err := c.do("POST", "/reports/x", "x-1", nil, &x); err != nil {
		t.Fatal(err)
	}
	wait("the X report", 2)
	if _, err := c.do("POST", "/reports/z", "z-1", nil, &z); err != nil {
		t.Fatal(err)
	}
	wait("the Z report", 3)
	printed := prn.Receipts()
	if len(printed) != 3 {
		t.Fatalf("%d documents printed, want receipt, X and Z:\n%s", len(printed), prn.Text())
	}
	for i, want := range [][]string{
		{"X-rapport", "Kasse Demo", "Org.nr. 999 999 999 MVA", "Kasse K1", "Totalt kontantsalg", "39,90", "Husholdning (1)", "Kontant (1)", "Kjørt av: Ola Hansen"},
		{"Z-rapport nr. 1", "Totalt kontantsalg", "39,90", "Grand total"},
	} {
		for _, w := range want {
			if !strings.Contains(printed[i+1], w) {
				t.Errorf("printed report %d lacks %q:\n%s", i+1, w, printed[i+1])
			}
		}
	}
	if x.Journal == 0 || z.No != 1 {
		t.Errorf("answers: X %+v, Z %+v", x, z)
	}
}
