package main

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/kasse/kasse/hub/ledger"
)

// TestCrash sells through the API from several registers while the hub
// process is killed with SIGKILL at random moments and restarted. Registers
// retry each request with its idempotency key until the hub answers, as a
// tablet would. Afterwards every sale a register completed is in the ledger
// exactly once with exactly its lines, stock agrees with the sales, and the
// journal verifies.
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("runs hub processes")
	}
	p := newProc(t, "")
	p.start()

	const registers = 4
	kills := 6
	skus := []string{"1001", "1002", "1101", "1201", "1501", "1701", "1801"}
	type done struct {
		id    string
		lines map[string]int64
	}
	var (
		mu        sync.Mutex
		completed []done
		stop      = make(chan struct{})
		wg        sync.WaitGroup
	)
	for r := range registers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Two registers per configured token: K1 and K2 sell in parallel.
			c := newClient(p.http, []string{"demo-token-register-1", "demo-token-register-2"}[r%2])
			rng := rand.New(rand.NewPCG(uint64(r), 7))
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				key := fmt.Sprintf("r%d-s%d", r, n)
				var s ledger.Sale
				if code, err := c.retry(stop, "POST", "/sales", key+"-open", nil, &s); code != http.StatusCreated {
					if code != 0 {
						t.Errorf("open sale: %v", err)
					}
					return
				}
				lines := map[string]int64{}
				for i := range 1 + rng.IntN(3) {
					sku, qty := skus[rng.IntN(len(skus))], int64(1+rng.IntN(2))
					if code, err := c.retry(stop, "POST", "/sales/"+s.ID+"/lines", fmt.Sprintf("%s-l%d", key, i), map[string]any{"sku": sku, "qty": qty}, nil); code != http.StatusOK {
						if code != 0 {
							t.Errorf("add line: %v", err)
						}
						return
					}
					lines[sku] += qty
				}
				var paid ledger.Sale
				if code, err := c.retry(stop, "POST", "/sales/"+s.ID+"/payments", key+"-pay", map[string]any{"method": "cash", "amount": 1_000_000}, &paid); code != http.StatusOK {
					if code != 0 {
						t.Errorf("pay: %v", err)
					}
					return
				}
				if paid.Status != ledger.SaleCompleted {
					t.Errorf("sale %s is %s after cash payment", s.ID, paid.Status)
				}
				mu.Lock()
				completed = append(completed, done{s.ID, lines})
				mu.Unlock()
			}
		}()
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range kills {
		time.Sleep(time.Duration(200+rng.IntN(900)) * time.Millisecond)
		p.kill()
		time.Sleep(time.Duration(rng.IntN(200)) * time.Millisecond)
		p.start()
	}
	time.Sleep(300 * time.Millisecond)
	close(stop)
	wg.Wait()
	p.stop()
	out := p.verify()
	p.start()
	defer p.stop()

	c := newClient(p.http, "demo-token-register-1")
	sold := map[string]int64{}
	for _, d := range completed {
		var s ledger.Sale
		if _, err := c.do("GET", "/sales/"+d.id, "", nil, &s); err != nil {
			t.Fatalf("acknowledged sale %s: %v", d.id, err)
		}
		got := map[string]int64{}
		for _, l := range s.Lines {
			if !l.Removed {
				got[l.SKU] += l.Qty
			}
		}
		if s.Status != ledger.SaleCompleted || fmt.Sprint(got) != fmt.Sprint(d.lines) {
			t.Errorf("sale %s: %s with %v, registers added %v", d.id, s.Status, got, d.lines)
		}
		for sku, q := range d.lines {
			sold[sku] += q
		}
	}
	// Every completion in the journal belongs to a sale a register saw completed, once.
	seen := map[string]int{}
	for from := uint64(1); ; {
		var page []ledger.Entry
		if _, err := c.do("GET", fmt.Sprintf("/journal?from=%d&limit=1000", from), "", nil, &page); err != nil {
			t.Fatal(err)
		}
		for _, e := range page {
			if e.Type == "sale.complete" {
				seen[e.Sale]++
			}
		}
		if len(page) < 1000 {
			break
		}
		from = page[len(page)-1].Seq + 1
	}
	for _, d := range completed {
		if seen[d.id] != 1 {
			t.Errorf("sale %s completed %d times in the journal", d.id, seen[d.id])
		}
	}
	if len(seen) != len(completed) {
		t.Errorf("journal has %d completed sales, registers completed %d", len(seen), len(completed))
	}
	for _, sku := range skus {
		var it struct {
			Stock int64 `json:"stock"`
		}
		if _, err := c.do("GET", "/items/"+sku, "", nil, &it); err != nil {
			t.Fatal(err)
		}
		if it.Stock != 200-sold[sku] {
			t.Errorf("stock of %s is %d, want 200 − %d sold", sku, it.Stock, sold[sku])
		}
	}
	t.Logf("%d kills, %d sales acknowledged and found exactly once; %s", kills, len(completed), out)
	if len(completed) < 20 {
		t.Errorf("only %d sales got through: the test proved little", len(completed))
	}
}
