package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/kasse/kasse/hub/demo"
	"github.com/kasse/kasse/hub/ledger"
	"github.com/kasse/kasse/hub/till"
)

// Every register API route refuses a browser that is not paired: no
// credential, a made-up one, or a pairing code used as one.
func TestUnpairedRefused(t *testing.T) {
	s := newStack(t)
	srv := New(s.svc, healthy{}, nil, nil, nil)
	code, _, err := s.svc.NewPairCode(context.Background(), till.Req{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range srv.e.Routes() {
		if !strings.HasPrefix(r.Path, "/api/v1/") {
			continue
		}
		n++
		path := strings.NewReplacer(":id", "S1", ":sku", "1001", ":no", "1").Replace(r.Path)
		for _, tok := range []string{"", "made-up-credential-0123456789", code} {
			status, b := s.call(t, tok, r.Method, path, "k-"+r.Method+path, "{}")
			var e apiErr
			_ = json.Unmarshal(b, &e)
			if status != http.StatusUnauthorized || e.Code != "unauthorized" {
				t.Errorf("%s %s with %q: %d %s, want 401 unauthorized", r.Method, path, tok, status, b)
			}
		}
	}
	if n < 30 {
		t.Errorf("only %d API routes checked", n)
	}
}

// pairBrowser pairs a device as register reg and returns its credential.
func (s *stack) pairBrowser(t *testing.T, reg string) string {
	t.Helper()
	code, _, err := s.svc.NewPairCode(context.Background(), till.Req{})
	if err != nil {
		t.Fatal(err)
	}
	status, b := s.call(t, "", "POST", "/pair", "", `{"code":"`+code[:4]+" "+code[4:]+`","register":"`+reg+`","name":"Nettbrett"}`)
	var res struct{ Credential, Register string }
	if err := json.Unmarshal(b, &res); status != 200 || err != nil || res.Credential == "" || res.Register != reg {
		t.Fatalf("pair: %d %s", status, b)
	}
	// The code is single use.
	if status, b := s.call(t, "", "POST", "/pair", "", `{"code":"`+code+`","register":"`+reg+`"}`); status != 422 || !strings.Contains(string(b), "bad_pairing_code") {
		t.Errorf("a used code paired again: %d %s", status, b)
	}
	return res.Credential
}

func TestPairing(t *testing.T) {
	s := newStack(t)
	cred := s.pairBrowser(t, "K2")
	status, b := s.call(t, cred, "GET", "/api/v1/me", "", "")
	var me struct{ Register string }
	if _ = json.Unmarshal(b, &me); status != 200 || me.Register != "K2" {
		t.Fatalf("a paired browser is register %q (%d %s), want K2", me.Register, status, b)
	}
	// The ledger keeps the credential's hash, never the credential.
	if d, err := s.l.DeviceByCredential(till.Hash(cred)); err != nil || d.Register != "K2" || strings.Contains(d.CredHash, cred) {
		t.Errorf("device in the ledger: %+v %v", d, err)
	}
	for _, c := range []struct{ name, body, code string }{
		{"wrong code", `{"code":"00000000","register":"K1"}`, "bad_pairing_code"},
		{"no code", `{"register":"K1"}`, "bad_pairing_code"},
		{"unknown field", `{"code":"1","register":"K1","admin":true}`, "bad_json"},
	} {
		if _, b := s.call(t, "", "POST", "/pair", "", c.body); !strings.Contains(string(b), c.code) {
			t.Errorf("%s: %s, want %s", c.name, b, c.code)
		}
	}
	// Guessing is slowed down: after ten wrong codes in a minute even a
	// right one waits.
	code, _, err := s.svc.NewPairCode(context.Background(), till.Req{})
	if err != nil {
		t.Fatal(err)
	}
	for range 10 {
		s.call(t, "", "POST", "/pair", "", `{"code":"12345678","register":"K1"}`)
	}
	if st, b := s.call(t, "", "POST", "/pair", "", `{"code":"`+code+`","register":"K1"}`); st != 429 || !strings.Contains(string(b), "too_many_attempts") {
		t.Errorf("the eleventh try in a minute: %d %s, want 429 too_many_attempts", st, b)
	}
}

// Each protected action is refused without the permission, and goes
// through with a second employee's PIN whose role holds it; the journal
// names both.
func TestPermissions(t *testing.T) {
	s := newStack(t)
	cred := s.pairBrowser(t, "K1")
	n := 0
	key := func() string { n++; return "perm-" + string(rune('a'+n/26)) + string(rune('a'+n%26)) }
	do := func(method, path, body string, approver ...string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, s.url+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+cred)
		req.Header.Set("Idempotency-Key", key())
		if len(approver) == 2 {
			req.Header.Set("Kasse-Approver", approver[0])
			req.Header.Set("Kasse-Approver-Pin", approver[1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var e apiErr
		_ = json.NewDecoder(resp.Body).Decode(&e)
		return resp.StatusCode, e.Code
	}
	sale := func() string {
		_, b := s.call(t, cred, "POST", "/api/v1/sales", key(), "")
		var sl ledger.Sale
		_ = json.Unmarshal(b, &sl)
		s.call(t, cred, "POST", "/api/v1/sales/"+sl.ID+"/scans", key(), `{"code":"`+demo.Barcode("1003")+`"}`)
		return sl.ID
	}
	id := sale()
	cases := []struct {
		name, method, path, body string
	}{
		{"void", "POST", "/api/v1/sales/" + id + "/void", ""},
		{"discount above 20 %", "POST", "/api/v1/sales/" + id + "/discounts", `{"line":1,"percent":2500}`},
		{"discount above 100 kr", "POST", "/api/v1/sales/" + id + "/discounts", `{"amount":10001}`},
		{"price override", "POST", "/api/v1/sales/" + id + "/lines/1/price", `{"price":100}`},
		{"no-sale opening", "POST", "/api/v1/drawer/open", `{}`},
		{"pairing code", "POST", "/api/v1/pairings", ``},
	}
	for _, who := range []struct{ name, emp, pin string }{{"nobody logged in", "", ""}, {"cashier", "1001", "1234"}} {
		if who.emp != "" {
			if st, code := do("POST", "/api/v1/login", `{"employee":"`+who.emp+`","pin":"`+who.pin+`"}`); st != 200 {
				t.Fatal("login", st, code)
			}
		}
		for _, c := range cases {
			if st, code := do(c.method, c.path, c.body); st != 403 || code != "permission_denied" {
				t.Errorf("%s, %s: %d %s, want 403 permission_denied", who.name, c.name, st, code)
			}
		}
	}
	// A discount within the cashier's limit needs nobody.
	if st, code := do("POST", "/api/v1/sales/"+id+"/discounts", `{"line":1,"percent":2000}`); st != 200 {
		t.Errorf("20 %% by a cashier: %d %s", st, code)
	}
	// A supervisor approves a void and a big discount but not a price override.
	if st, code := do("POST", "/api/v1/sales/"+id+"/lines/1/price", `{"price":100}`, "1002", "2345"); st != 403 || code != "permission_denied" {
		t.Errorf("price override approved by a supervisor: %d %s", st, code)
	}
	if st, code := do("POST", "/api/v1/sales/"+id+"/lines/1/price", `{"price":100}`, "1003", "0000"); st != 401 || code != "wrong_pin" {
		t.Errorf("wrong approver PIN: %d %s", st, code)
	}
	if st, code := do("POST", "/api/v1/sales/"+id+"/lines/1/price", `{"price":100}`, "1003", "3456"); st != 200 {
		t.Errorf("price override approved by a manager: %d %s", st, code)
	}
	if st, code := do("POST", "/api/v1/sales/"+id+"/discounts", `{"line":1,"percent":2500}`, "1002", "2345"); st != 200 {
		t.Errorf("25 %% approved by a supervisor: %d %s", st, code)
	}
	if st, code := do("POST", "/api/v1/sales/"+id+"/void", ``, "1001", "1234"); st != 403 {
		t.Errorf("a cashier approving their own void: %d %s", st, code)
	}
	if st, code := do("POST", "/api/v1/sales/"+id+"/void", ``, "1002", "2345"); st != 200 {
		t.Errorf("void approved by a supervisor: %d %s", st, code)
	}
	overrides := 0
	_ = s.l.Journal(0, func(e *ledger.Entry) error {
		if e.Type == "employee.override" && e.Employee == "1001" && (e.Approver == "1002" || e.Approver == "1003") {
			overrides++
		}
		return nil
	})
	if overrides != 3 {
		t.Errorf("journal has %d overrides naming both employees, want 3 (price, discount, void)", overrides)
	}
}

// Five wrong PINs lock an employee out, in the ledger: the right PIN is
// then refused too, and so is their approval.
func TestLockout(t *testing.T) {
	s := newStack(t)
	for i := range ledger.MaxPINFails {
		if st, b := s.call(t, tokenK1, "POST", "/api/v1/login", "bad-"+string(rune('a'+i)), `{"employee":"1003","pin":"0000"}`); st != 401 {
			t.Fatalf("wrong PIN %d: %d %s", i, st, b)
		}
	}
	st, b := s.call(t, tokenK2, "POST", "/api/v1/login", "good", `{"employee":"1003","pin":"3456"}`)
	if st != 403 || !strings.Contains(string(b), "locked_out") {
		t.Errorf("the right PIN after five wrong ones: %d %s, want 403 locked_out", st, b)
	}
	if f, _ := s.l.PINFails("1003"); f.Count != ledger.MaxPINFails || f.Until.IsZero() {
		t.Errorf("lockout in the ledger: %+v", f)
	}
	if st, b := s.call(t, tokenK1, "POST", "/api/v1/login", "other", `{"employee":"1001","pin":"1234"}`); st != 200 {
		t.Errorf("another employee is not locked: %d %s", st, b)
	}
}
