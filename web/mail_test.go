package web

import (
	"encoding/json"
	"testing"

	"github.com/kasse/kasse/hub/ledger"
)

// TestMailReceiptAPI: a register asks for a completed sale's receipt by
// e-mail; a bad address, an unknown sale, an open sale, one request too
// many and a shop without e-mail are refused with clear codes, and none of
// them leaves a pending e-mail behind.
func TestMailReceiptAPI(t *testing.T) {
	s := newStack(t)
	open := s.saleWith(t, 0, "1001")
	paid := s.saleWith(t, 0, "1001")
	s.must(t, 200, "POST", "/api/v1/sales/"+paid+"/payments", "pay-"+paid, `{"method":"cash","amount":10000}`, nil)

	code, b := s.call(t, tokenK1, "POST", "/api/v1/sales/"+paid+"/email", "m0", `{"to":"kunde@example.no"}`)
	if code != 409 || errCode(b) != "mail_off" {
		t.Errorf("mail off: %d %s, want 409 mail_off", code, b)
	}
	s.srv.MailOn = true
	for _, c := range []struct {
		name, sale, body string
		status           int
		code             string
	}{
		{"no at", paid, `{"to":"kunde.example.no"}`, 422, "bad_address"},
		{"display name", paid, `{"to":"Kari <kari@example.no>"}`, 422, "bad_address"},
		{"two addresses", paid, `{"to":"a@example.no, b@example.no"}`, 422, "bad_address"},
		{"header injection", paid, `{"to":"a@example.no\r\nBcc: x@example.no"}`, 422, "bad_address"},
		{"no domain dot", paid, `{"to":"kari@localhost"}`, 422, "bad_address"},
		{"empty", paid, `{"to":""}`, 422, "bad_address"},
		{"unknown sale", "S-none", `{"to":"kari@example.no"}`, 404, "unknown_sale"},
		{"open sale", open, `{"to":"kari@example.no"}`, 409, "not_completed"},
		{"unknown field", paid, `{"to":"kari@example.no","cc":"x@example.no"}`, 400, "bad_json"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, b := s.call(t, tokenK1, "POST", "/api/v1/sales/"+c.sale+"/email", "bad-"+c.name, c.body)
			if code != c.status || errCode(b) != c.code {
				t.Errorf("got %d %s; want %d %s", code, b, c.status, c.code)
			}
		})
	}
	if acts, _ := s.l.PendingActions("K1"); countMail(acts) != 0 {
		t.Fatalf("refused requests left e-mails pending: %+v", acts)
	}

	var act ledger.Action
	for i, to := range []string{"kari@example.no", "kari.nordmann@example.no", "ola@example.no"} {
		s.must(t, 202, "POST", "/api/v1/sales/"+paid+"/email", "ok-"+to, `{"to":"`+to+`"}`, &act)
		if act.Kind != ledger.ActMail || act.To != to || act.Status != ledger.ActPending || act.Sale != paid {
			t.Errorf("request %d answered %+v", i+1, act)
		}
	}
	code, b = s.call(t, tokenK1, "POST", "/api/v1/sales/"+paid+"/email", "too-many", `{"to":"per@example.no"}`)
	if code != 422 || errCode(b) != "mail_limit" {
		t.Errorf("a fourth e-mail: %d %s, want 422 mail_limit", code, b)
	}
	acts, err := s.l.PendingActions("K1")
	if err != nil {
		t.Fatal(err)
	}
	if n := countMail(acts); n != ledger.MaxMails {
		t.Errorf("%d e-mails pending, want %d", n, ledger.MaxMails)
	}
	var st []map[string]string
	s.must(t, 200, "GET", "/api/v1/sales/"+paid+"/email", "", "", &st)
	if len(st) != ledger.MaxMails || st[0]["status"] != ledger.ActPending || st[0]["to"] != "" {
		t.Errorf("e-mail status %v: want %d pending, without addresses", st, ledger.MaxMails)
	}
	if code, b := s.call(t, tokenK1, "GET", "/api/v1/sales/S-none/email", "", ""); code != 404 {
		t.Errorf("status of an unknown sale: %d %s", code, b)
	}
	var on map[string]bool
	s.must(t, 200, "GET", "/api/v1/mail", "", "", &on)
	if !on["on"] {
		t.Errorf("GET /mail = %v with e-mail on", on)
	}
}

func errCode(b []byte) string {
	var e apiErr
	_ = json.Unmarshal(b, &e)
	return e.Code
}

func countMail(acts []ledger.Action) int {
	n := 0
	for _, a := range acts {
		if a.Kind == ledger.ActMail {
			n++
		}
	}
	return n
}
