package web

import (
	"strings"
	"testing"

	"github.com/kasse/kasse/hub/demo"
	"github.com/kasse/kasse/hub/ledger"
)

// A return without a receipt takes items back by their scanned barcode;
// a code no item has, or one that is no barcode, is refused and adds nothing.
func TestReturnItemByBarcode(t *testing.T) {
	s := newStack(t)
	s.must(t, 200, "POST", "/api/v1/login", "login", `{"employee":"1001","pin":"1234"}`, nil)
	var ret ledger.Sale
	s.must(t, 201, "POST", "/api/v1/returns", "b1", `{"noReceipt":true,"override":{"employee":"1002","pin":"2345"}}`, &ret)
	for _, c := range []struct {
		name, code string
		want       int
		refusal    string
	}{
		{"unknown barcode", demo.Barcode("99999"), 404, "unknown_barcode"},
		{"not a barcode", "hello", 422, "bad_barcode"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, b := s.call(t, tokenK1, "POST", "/api/v1/returns/"+ret.ID+"/lines", "x-"+c.name, `{"code":"`+c.code+`","qty":1}`)
			if code != c.want || !strings.Contains(string(b), c.refusal) {
				t.Errorf("%d %s, want %d %s", code, b, c.want, c.refusal)
			}
		})
	}
	s.must(t, 200, "POST", "/api/v1/returns/"+ret.ID+"/lines", "b2", `{"code":"`+demo.Barcode("1501")+`","qty":2}`, &ret)
	if n := len(ret.Lines); n != 1 || ret.Lines[0].SKU != "1501" || ret.Lines[0].Qty != 2 || ret.Totals.Total != -7980 { // 2 × 39,90
		t.Errorf("after scanning 1501 twice over: %d lines %+v, total %d", n, ret.Lines, ret.Totals.Total)
	}
}
