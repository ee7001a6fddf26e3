package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/kasse/kasse/drivers/scale/scaletest"
	"github.com/kasse/kasse/hub/ledger"
)

// TestWeighTakesStableWeight: a Toledo 8217 scale on a serial line (a pty
// stand-in) bound to register K1. Bananas put on the scale swing for the
// first readings; the sale gets the settled weight only.
func TestWeighTakesStableWeight(t *testing.T) {
	if testing.Short() {
		t.Skip("runs hub processes")
	}
	sc, err := scaletest.NewSerial(scaletest.Config{Protocol: scaletest.Toledo8217})
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	p := newProc(t, fmt.Sprintf("devices:\n  scales:\n    - id: V1\n      hub: hub1\n      registers: [K1]\n      protocol: toledo8217\n      path: %s\n", sc.Path()))
	p.start()
	defer p.stop()
	c := newClient(p.http, "demo-token-register-1")
	var s ledger.Sale
	if _, err := c.do("POST", "/sales", "w-open", nil, &s); err != nil {
		t.Fatal(err)
	}
	sc.Settle(1234, 3) // 1,234 kg, in motion for the next three readings
	var got ledger.Sale
	if _, err := c.do("POST", "/sales/"+s.ID+"/weigh", "w-1", map[string]string{"sku": "1301"}, &got); err != nil {
		t.Fatal(err)
	}
	// Bananer 24,90/kg × 1,234 kg = 30,7266 → 30,73.
	if len(got.Lines) != 1 || got.Lines[0].Qty != 1234 || got.Lines[0].Amount != 3073 {
		t.Fatalf("weighed line %+v", got.Lines)
	}
	if n := sc.Requests("W"); n < 4 {
		t.Errorf("the scale was asked %d times: a weight in motion was taken", n)
	}
	sc.SetWeight(0)
	code, err := c.do("POST", "/sales/"+s.ID+"/weigh", "w-2", map[string]string{"sku": "1301"}, nil)
	if code != http.StatusUnprocessableEntity || !strings.Contains(err.Error(), "scale_empty") {
		t.Errorf("empty scale: %d %v", code, err)
	}
	code, err = c.do("POST", "/sales/"+s.ID+"/weigh", "w-3", map[string]string{"sku": "1001"}, nil)
	if code != http.StatusUnprocessableEntity || !strings.Contains(err.Error(), "not_weighed") {
		t.Errorf("a piece item on the scale: %d %v", code, err)
	}
	c2 := newClient(p.http, "demo-token-register-2")
	var s2 ledger.Sale
	if _, err := c2.do("POST", "/sales", "w2-open", nil, &s2); err != nil {
		t.Fatal(err)
	}
	code, err = c2.do("POST", "/sales/"+s2.ID+"/weigh", "w2-1", map[string]string{"sku": "1301"}, nil)
	if code != http.StatusConflict || !strings.Contains(err.Error(), "no_scale") {
		t.Errorf("K2 has no scale: %d %v", code, err)
	}
}
