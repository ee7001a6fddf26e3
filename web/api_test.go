package web

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kasse/kasse/hub/demo"
	"github.com/kasse/kasse/hub/ledger"
)

type apiErr struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	Retryable bool   `json:"retryable"`
}

func TestAPIErrors(t *testing.T) {
	s := newStack(t)
	sale := s.openSale(t, tokenK1)
	milk := demo.Barcode("1001")
	bad := milk[:12] + string('0'+(milk[12]-'0'+1)%10)
	for _, c := range []struct {
		name, token, method, path, key, body string
		status                               int
		code                                 string
	}{
		{"no token", "", "GET", "/api/v1/items", "", "", 401, "unauthorized"},
		{"wrong token", "nope-nope-nope-nope", "GET", "/api/v1/items", "", "", 401, "unauthorized"},
		{"write without key", tokenK1, "POST", "/api/v1/sales", "", "", 400, "idempotency_key_required"},
		{"malformed JSON", tokenK1, "POST", "/api/v1/sales/" + sale + "/lines", "e1", `{"sku":`, 400, "bad_json"},
		{"unknown field", tokenK1, "POST", "/api/v1/sales/" + sale + "/lines", "e2", `{"sku":"1001","qtty":1}`, 400, "bad_json"},
		{"trailing data", tokenK1, "POST", "/api/v1/sales/" + sale + "/lines", "e3", `{"sku":"1001"} {}`, 400, "bad_json"},
		{"string quantity", tokenK1, "POST", "/api/v1/sales/" + sale + "/lines", "e4", `{"sku":"1001","qty":"2"}`, 400, "bad_json"},
		{"unknown SKU", tokenK1, "POST", "/api/v1/sales/" + sale + "/lines", "e5", `{"sku":"0000"}`, 404, "unknown_item"},
		{"zero quantity", tokenK1, "PATCH", "/api/v1/sales/" + sale + "/lines/1", "e6", `{"qty":0}`, 404, "unknown_line"},
		{"negative quantity", tokenK1, "POST", "/api/v1/sales/" + sale + "/lines", "e7", `{"sku":"1001","qty":-1}`, 422, "bad_quantity"},
		{"absurd quantity", tokenK1, "POST", "/api/v1/sales/" + sale + "/lines", "e8", `{"sku":"1001","qty":100000000}`, 422, "bad_quantity"},
		{"bad check digit", tokenK1, "POST", "/api/v1/sales/" + sale + "/scans", "e9", `{"code":"` + bad + `"}`, 422, "bad_barcode"},
		{"not a barcode", tokenK1, "POST", "/api/v1/sales/" + sale + "/scans", "e10", `{"code":"hello"}`, 422, "bad_barcode"},
		{"unknown barcode", tokenK1, "POST", "/api/v1/sales/" + sale + "/scans", "e11", `{"code":"7038010055690"}`, 404, "unknown_barcode"},
		{"weighed item needs weight", tokenK1, "POST", "/api/v1/sales/" + sale + "/lines", "e12", `{"sku":"1301"}`, 422, "needs_weight"},
		{"other register's sale", tokenK2, "POST", "/api/v1/sales/" + sale + "/lines", "e13", `{"sku":"1001"}`, 409, "wrong_register"},
		{"pay empty sale", tokenK1, "POST", "/api/v1/sales/" + sale + "/payments", "e14", `{"method":"cash","amount":100}`, 422, "empty_sale"},
		{"bad method", tokenK1, "POST", "/api/v1/sales/" + sale + "/payments", "e15", `{"method":"iou"}`, 400, "bad_method"},
		{"unknown sale", tokenK1, "GET", "/api/v1/sales/S-none", "", "", 404, "not_found"},
		{"bad line number", tokenK1, "DELETE", "/api/v1/sales/" + sale + "/lines/x", "e16", "", 400, "bad_line"},
		{"wrong PIN", tokenK1, "POST", "/api/v1/login", "e17", `{"employee":"1001","pin":"0000"}`, 401, "wrong_pin"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, b := s.call(t, c.token, c.method, c.path, c.key, c.body)
			var e apiErr
			if err := json.Unmarshal(b, &e); err != nil || code != c.status || e.Code != c.code || e.Message == "" {
				t.Errorf("got %d %s; want %d %s with a message", code, b, c.status, c.code)
			}
		})
	}
	var got ledger.Sale
	_, b := s.call(t, tokenK1, "GET", "/api/v1/sales/"+sale, "", "")
	_ = json.Unmarshal(b, &got)
	if len(got.Lines) != 0 {
		t.Errorf("bad requests changed the sale: %+v", got.Lines)
	}
}

func TestAPIIdempotentRetry(t *testing.T) {
	s := newStack(t)
	sale := s.openSale(t, tokenK1)
	body := `{"code":"` + demo.Barcode("1001") + `"}`
	c1, b1 := s.call(t, tokenK1, "POST", "/api/v1/sales/"+sale+"/scans", "scan-1", body)
	c2, b2 := s.call(t, tokenK1, "POST", "/api/v1/sales/"+sale+"/scans", "scan-1", body)
	if c1 != 200 || c2 != 200 || string(b1) != string(b2) {
		t.Fatalf("retry answered differently:\n%d %s\n%d %s", c1, b1, c2, b2)
	}
	code, b := s.call(t, tokenK1, "POST", "/api/v1/sales/"+sale+"/scans", "scan-1", `{"code":"`+demo.Barcode("1002")+`"}`)
	if code != http.StatusConflict || !strings.Contains(string(b), "idempotency_conflict") {
		t.Errorf("reused key, other body: %d %s", code, b)
	}
	// The same key from another register is another request.
	sale2 := s.openSale(t, tokenK2)
	if code, b := s.call(t, tokenK2, "POST", "/api/v1/sales/"+sale2+"/scans", "scan-1", body); code != 200 {
		t.Errorf("K2 with K1's key: %d %s", code, b)
	}
	// Double tap: the same request many times at once books once.
	var wg sync.WaitGroup
	var ok atomic.Int32
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if code, _ := s.call(t, tokenK1, "POST", "/api/v1/sales/"+sale+"/lines", "tap", `{"sku":"1101"}`); code == 200 {
				ok.Add(1)
			}
		}()
	}
	wg.Wait()
	got, _ := s.l.Sale(sale)
	if len(got.Lines) != 2 || ok.Load() != 8 {
		t.Errorf("8 taps: %d answered 200, sale has %d lines (want 2)", ok.Load(), len(got.Lines))
	}
}

func TestAPISaleFlow(t *testing.T) {
	s := newStack(t)
	sale := s.openSale(t, tokenK1)
	step := func(method, path, key, body string) ledger.Sale {
		t.Helper()
		code, b := s.call(t, tokenK1, method, "/api/v1/sales/"+sale+path, key, body)
		if code != 200 {
			t.Fatalf("%s %s: %d %s", method, path, code, b)
		}
		var got ledger.Sale
		_ = json.Unmarshal(b, &got)
		return got
	}
	step("POST", "/scans", "1", `{"code":"`+demo.Barcode("1001")+`"}`)             // Lettmelk 21,90 (15 %)
	step("PATCH", "/lines/1", "2", `{"qty":3}`)                                    // 65,70
	step("POST", "/lines", "3", `{"sku":"1501"}`)                                  // Oppvaskmiddel 39,90 (25 %)
	step("POST", "/lines", "4", `{"sku":"1302","qty":850}`)                        // Epler 0,85 kg × 34,90 = 29,665 → 29,67
	step("POST", "/scans", "5", `{"code":"`+inStore(t, "20", "01401", 12345)+`"}`) // laks 123,45 from the label
	step("DELETE", "/lines/2", "6", "")                                            // oppvask removed
	got := step("POST", "/discounts", "7", `{"amount":1000,"reason":"kupong"}`)    // −10,00 over the sale
	// 65,70 + 29,67 + 123,45 = 218,82 − 10,00 = 208,82, all at 15 %.
	if got.Totals.Total != 20882 || got.Totals.VAT[0].VAT != 2724 || len(got.Totals.VAT) != 1 {
		t.Errorf("totals %+v", got.Totals)
	}
	got = step("POST", "/payments", "8", `{"method":"cash","amount":5000}`)
	if got.Status != ledger.SaleOpen || got.Totals.Due != 15882 {
		t.Fatalf("after 50 kr cash: %s due %d", got.Status, got.Totals.Due)
	}
	code, b := s.call(t, tokenK1, "POST", "/api/v1/sales/"+sale+"/payments", "9", `{"method":"card"}`)
	var card struct {
		Attempt ledger.Attempt `json:"attempt"`
		Sale    ledger.Sale    `json:"sale"`
	}
	_ = json.Unmarshal(b, &card)
	if code != 200 || card.Sale.Status != ledger.SaleCompleted || card.Sale.Totals.Rounding != 0 || card.Attempt.Outcome.Card.Masked != "411111******1111" {
		t.Fatalf("card rest: %d %s", code, b)
	}
	code, page := s.call(t, tokenK1, "GET", "/api/v1/sales/"+sale+"/receipt", "", "")
	for _, want := range []string{"Salgskvittering", "Testbutikken", "Org.nr. 912 345 678 MVA", "Lettmelk 1 l", "TOTAL", "kr 208,82", "Terminal-ref."} {
		if code != 200 || !strings.Contains(string(page), want) {
			t.Errorf("HTML receipt (%d) lacks %q", code, want)
		}
	}
	// Return one of the three milks by the receipt's code: 65,70 less its
	// share of the 10,00 sale discount (10,00 × 65,70/218,82 = 3,00), a third: 20,90.
	code, b = s.call(t, tokenK1, "POST", "/api/v1/returns", "r1", `{"original":"`+sale+`"}`)
	var ret ledger.Sale
	_ = json.Unmarshal(b, &ret)
	if code != http.StatusCreated || ret.Kind != ledger.KindReturn {
		t.Fatalf("open return: %d %s", code, b)
	}
	code, b = s.call(t, tokenK1, "POST", "/api/v1/returns/"+ret.ID+"/lines", "r2", `{"line":1,"qty":1}`)
	_ = json.Unmarshal(b, &ret)
	if code != 200 || ret.Totals.Total != -2090 {
		t.Fatalf("return line: %d %s", code, b)
	}
	code, b = s.call(t, tokenK1, "POST", "/api/v1/returns/"+ret.ID+"/refund", "r3", `{"method":"cash"}`)
	_ = json.Unmarshal(b, &ret)
	if code != 200 || ret.Status != ledger.SaleCompleted || ret.Totals.Paid != -2100 {
		t.Fatalf("refund: %d %s", code, b)
	}
	if n, _ := s.l.Stock("1001"); n != 198 {
		t.Errorf("stock of 1001 after returning one: %d, want 198", n)
	}
	if n, _ := s.l.Stock("1001"); n != 198 {
		t.Errorf("stock of 1001: %d", n)
	}
	if n, _ := s.l.Stock("1501"); n != 200 {
		t.Errorf("a removed line moved stock: %d", n)
	}
}

func inStore(t *testing.T, prefix, article string, value int64) string {
	t.Helper()
	digits := fmt.Sprintf("%s%s%05d", prefix, article, value)
	return demoEAN(digits)
}

func demoEAN(first12 string) string {
	sum := 0
	for i, c := range first12 {
		d := int(c - '0')
		if i%2 == 1 {
			d *= 3
		}
		sum += d
	}
	return first12 + string(rune('0'+(10-sum%10)%10))
}

func TestAPICardOutcomes(t *testing.T) {
	s := newStack(t)
	// Price overrides need a manager.
	if code, b := s.call(t, tokenK1, "POST", "/api/v1/login", "login-manager", `{"employee":"1003","pin":"3456"}`); code != 200 {
		t.Fatal(code, string(b))
	}
	pay := func(price string) (int, []byte, string) {
		sale := s.openSale(t, tokenK1)
		if code, b := s.call(t, tokenK1, "POST", "/api/v1/sales/"+sale+"/lines", "l-"+sale, `{"sku":"1001"}`); code != 200 {
			t.Fatal(code, string(b))
		}
		// Override the price so its øre choose what the stand-in terminal does.
		if code, b := s.call(t, tokenK1, "POST", "/api/v1/sales/"+sale+"/lines/1/price", "p-"+sale, `{"price":`+price+`}`); code != 200 {
			t.Fatal(code, string(b))
		}
		code, b := s.call(t, tokenK1, "POST", "/api/v1/sales/"+sale+"/payments", "c-"+sale, `{"method":"card"}`)
		return code, b, sale
	}
	t.Run("declined", func(t *testing.T) {
		code, b, sale := pay("2151")
		got, _ := s.l.Sale(sale)
		if code != 200 || !strings.Contains(string(b), `"status":"declined"`) || got.Status != ledger.SaleOpen || got.Totals.Paid != 0 {
			t.Errorf("%d %s", code, b)
		}
	})
	t.Run("partial approval leaves the rest", func(t *testing.T) {
		code, b, sale := pay("2152")
		got, _ := s.l.Sale(sale)
		if code != 200 || got.Status != ledger.SaleOpen || got.Totals.Paid != 1076 || got.Totals.Due != 2152-1076 {
			t.Errorf("%d %s; paid %d due %d", code, b, got.Totals.Paid, got.Totals.Due)
		}
	})
	t.Run("lost reply is looked up, booked once", func(t *testing.T) {
		code, b, sale := pay("2154")
		got, _ := s.l.Sale(sale)
		if code != 200 || got.Status != ledger.SaleCompleted || len(got.Payments) != 1 {
			t.Errorf("%d %s; sale %s with %d payments", code, b, got.Status, len(got.Payments))
		}
	})
}

// BenchmarkAddLine measures adding a line through the whole write path:
// HTTP → echo → till → Raft (one voter) → Badger with fsync → journal, from
// 1 and from 32 registers at once, each starting a new sale every 20 lines.
func BenchmarkAddLine(b *testing.B) {
	for _, regs := range []int{1, 32} {
		b.Run(fmt.Sprintf("registers=%d", regs), func(b *testing.B) {
			s := newStack(b)
			var next atomic.Int64
			lat := make([][]time.Duration, regs)
			var wg sync.WaitGroup
			b.ResetTimer()
			for r := range regs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					token := []string{tokenK1, tokenK2}[r%2]
					sale := s.openSale(b, token)
					for i := 1; next.Add(1) <= int64(b.N); i++ {
						if i%20 == 0 {
							sale = s.openSale(b, token)
						}
						t0 := time.Now()
						code, body := s.call(b, token, "POST", "/api/v1/sales/"+sale+"/lines", fmt.Sprintf("b%d-%d", r, i), `{"sku":"1001"}`)
						lat[r] = append(lat[r], time.Since(t0))
						if code != 200 {
							b.Error(code, string(body))
							return
						}
					}
				}()
			}
			wg.Wait()
			b.StopTimer()
			all := slices.Concat(lat...)
			slices.Sort(all)
			b.ReportMetric(float64(len(all))/b.Elapsed().Seconds(), "cmds/s")
			b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}

func TestNoSaleNeedsSupervisor(t *testing.T) {
	s := newStack(t)
	if code, b := s.call(t, tokenK1, "POST", "/api/v1/login", "ns-login", `{"employee":"1001","pin":"1234"}`); code != 200 {
		t.Fatal(code, string(b))
	}
	code, b := s.call(t, tokenK1, "POST", "/api/v1/drawer/open", "ns-1", `{"reason":"nosale"}`)
	if code != http.StatusForbidden || !strings.Contains(string(b), "permission_denied") {
		t.Errorf("a cashier alone: %d %s", code, b)
	}
	code, b = s.call(t, tokenK1, "POST", "/api/v1/drawer/open", "ns-2", `{"reason":"nosale","override":{"employee":"1002","pin":"9999"}}`)
	if code != http.StatusUnauthorized {
		t.Errorf("override with a wrong PIN: %d %s", code, b)
	}
	code, b = s.call(t, tokenK1, "POST", "/api/v1/drawer/open", "ns-3", `{"reason":"nosale","override":{"employee":"1002","pin":"2345"}}`)
	if code != http.StatusNoContent {
		t.Fatalf("override by a supervisor: %d %s", code, b)
	}
	var found bool
	_ = s.l.Journal(1, func(e *ledger.Entry) error {
		if e.Type == "drawer.open" && e.Employee == "1001" && strings.Contains(string(e.Data), `"approvedBy":"1002"`) {
			found = true
		}
		return nil
	})
	if !found {
		t.Error("the journal does not record both the cashier and the approving supervisor")
	}
}

// TestAnswersCarryTheirLength: a sale answer is sent with its length, not
// in chunks, however long the sale grows.
func TestAnswersCarryTheirLength(t *testing.T) {
	s := newStack(t)
	sale := s.openSale(t, tokenK1)
	for i := range 30 {
		req, _ := http.NewRequest("POST", s.url+"/api/v1/sales/"+sale+"/lines", strings.NewReader(`{"sku":"1001","qty":1}`))
		req.Header.Set("Authorization", "Bearer "+tokenK1)
		req.Header.Set("Idempotency-Key", fmt.Sprintf("len-%d", i))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.ContentLength != int64(len(body)) || len(resp.TransferEncoding) > 0 {
			t.Fatalf("line %d: %d, Content-Length %d for %d bytes, Transfer-Encoding %v", i+1, resp.StatusCode, resp.ContentLength, len(body), resp.TransferEncoding)
		}
	}
}
