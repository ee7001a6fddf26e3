package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kasse/kasse/drivers/display/displaytest"
	"github.com/kasse/kasse/hub/ledger"
)

// TestCustomerDisplay: the customer sees the sale as it happens — on the
// 2×20 pole display bound to the register (a pty stand-in decoding what it
// would show) and on the customer page's event stream, which authenticates
// with the token in the address as a browser's EventSource must.
func TestCustomerDisplay(t *testing.T) {
	if testing.Short() {
		t.Skip("runs hub processes")
	}
	pole, err := displaytest.NewSerial(displaytest.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer pole.Close()
	p := newProc(t, fmt.Sprintf("devices:\n  displays:\n    - id: D1\n      hub: hub1\n      register: K1\n      path: %s\n", pole.Path()))
	p.start()
	defer p.stop()

	resp, err := http.Get("http://" + p.http + "/api/v1/events?access_token=demo-token-register-1")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("event stream with the token in the address: %v %v", err, resp)
	}
	defer resp.Body.Close()
	sales := make(chan ledger.Sale, 64)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var ev struct {
					Type string      `json:"type"`
					Sale ledger.Sale `json:"sale"`
				}
				if json.Unmarshal([]byte(data), &ev) == nil && ev.Type == "sale" {
					sales <- ev.Sale
				}
			}
		}
	}()
	screen := func(want [2]string) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for pole.Lines() != want {
			if time.Now().After(deadline) {
				t.Fatalf("pole display shows %q, want %q", pole.Lines(), want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	c := newClient(p.http, "demo-token-register-1")
	var s ledger.Sale
	if _, err := c.do("POST", "/sales", "d-open", nil, &s); err != nil {
		t.Fatal(err)
	}
	if _, err := c.do("POST", "/sales/"+s.ID+"/lines", "d-1", map[string]any{"sku": "1001", "qty": 2}, nil); err != nil {
		t.Fatal(err)
	}
	screen([2]string{"Lettmelk 1 l   43,80", "TOTAL       kr 43,80"})
	if _, err := c.do("POST", "/sales/"+s.ID+"/payments", "d-pay", map[string]any{"method": "cash", "amount": 5000}, nil); err != nil {
		t.Fatal(err)
	}
	// 43,80 → 44,00 in cash; 6,00 back.
	screen([2]string{"TOTAL       kr 44,00", "VEKSEL       kr 6,00"})
	for {
		select {
		case got := <-sales:
			if got.ID == s.ID && got.Status == ledger.SaleCompleted {
				if got.Totals.Change != 600 || len(got.Lines) != 1 {
					t.Errorf("customer page got %+v", got.Totals)
				}
				goto page
			}
		case <-time.After(30 * time.Second):
			t.Fatal("the completed sale never reached the customer page's stream")
		}
	}
page:
	r, err := http.Get("http://" + p.http + "/display")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(r.Body)
	r.Body.Close()
	if r.StatusCode != 200 || !strings.Contains(string(body), "EventSource") || !strings.Contains(string(body), "textContent") {
		t.Errorf("customer page: %d", r.StatusCode)
	}
}
