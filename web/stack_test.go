package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kasse/kasse/drivers/mobilepay/mobilepaytest"
	"github.com/kasse/kasse/drivers/terminal"
	"github.com/kasse/kasse/drivers/terminal/terminaltest"
	"github.com/kasse/kasse/hub/barcode"
	"github.com/kasse/kasse/hub/demo"
	"github.com/kasse/kasse/hub/ledger"
	"github.com/kasse/kasse/hub/till"
	"github.com/kasse/kasse/replicate"
)

// stack is a whole single hub in this process: Badger in a temp dir, Raft
// over TCP on 127.0.0.1, the stand-in terminal over HTTPS, the API served by
// httptest.
type stack struct {
	url  string
	l    *ledger.Ledger
	node *replicate.Node
	term *terminaltest.Server
	svc  *till.Service
	// mobile is the stand-in mobile payment provider.
	mobile *mobilepaytest.Provider
	srv    *Server
}

const (
	tokenK1 = "test-token-register-one"
	tokenK2 = "test-token-register-two"
)

type tb interface {
	Helper()
	TempDir() string
	Cleanup(func())
	Fatal(...any)
}

func newStack(t tb) *stack {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	dir := t.TempDir()
	db, err := replicate.Open(filepath.Join(dir, "db"), replicate.Laptop, log)
	if err != nil {
		t.Fatal(err)
	}
	logDB, err := replicate.OpenLog(filepath.Join(dir, "raft", "log"), replicate.Laptop, log)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := ledger.OpenKeyring(filepath.Join(dir, "keys"))
	if err != nil {
		t.Fatal(err)
	}
	l, err := ledger.Open(db, keys, log)
	if err != nil {
		t.Fatal(err)
	}
	cfg := replicate.DefaultConfig()
	cfg.ID, cfg.Dir, cfg.Bind, cfg.Bootstrap = "hub1", filepath.Join(dir, "raft"), "127.0.0.1:0", true
	cfg.LogDB = logDB
	reg := prometheus.NewRegistry()
	node, err := replicate.Start(context.Background(), cfg, db, l, log, reg)
	if err != nil {
		t.Fatal(err)
	}
	term := terminaltest.NewServer(terminaltest.Config{})
	tc := terminal.DefaultConfig()
	tc.URL, tc.TLS, tc.POIID, tc.SaleID, tc.Timeout = term.URL, term.ClientTLS(), term.POIID(), "kasse", 3*time.Second
	client, err := terminal.New(tc)
	if err != nil {
		t.Fatal(err)
	}
	svc := till.New(l, node, client, barcode.DefaultLayouts(), log)
	mobile := mobilepaytest.New()
	svc.Mobile = mobile
	svc.Tenders = []till.Tender{{ID: "invoice", Name: "Faktura", Code: 12006, NeedsRef: true}}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for !node.IsLeader() {
		if ctx.Err() != nil {
			t.Fatal("no leader")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := svc.SetUp(ctx, ledger.Shop{Name: "Testbutikken", Address: "Gata 1, 0150 Oslo", OrgNr: "912345678", VAT: true},
		[]ledger.Register{{ID: "K1", Name: "Kasse 1"}, {ID: "K2", Name: "Kasse 2"}}, keys); err != nil {
		t.Fatal(err)
	}
	if err := demo.Seed(ctx, svc, ""); err != nil {
		t.Fatal(err)
	}
	srv := New(svc, healthy{}, map[string]string{tokenK1: "K1", tokenK2: "K2"}, reg, log)
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		svc.Close()
		hs.Close()
		term.Close()
		_ = node.Shutdown()
		_ = db.Close()
		_ = logDB.Close()
	})
	return &stack{url: hs.URL, l: l, node: node, term: term, svc: svc, mobile: mobile, srv: srv}
}

type healthy struct{}

func (healthy) Ready() error { return nil }

// call sends a request as register token and returns status and body.
func (s *stack) call(t tb, token, method, path, key string, body string) (int, []byte) {
	t.Helper()
	return s.callApproved(t, token, method, path, key, body, "", "")
}

// callApproved is call with a second employee's approval (their id and PIN).
func (s *stack) callApproved(t tb, token, method, path, key, body, approver, pin string) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = bytes.NewReader([]byte(body))
	}
	req, _ := http.NewRequest(method, s.url+path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	if approver != "" {
		req.Header.Set("Kasse-Approver", approver)
		req.Header.Set("Kasse-Approver-Pin", pin)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func (s *stack) openSale(t tb, token string) string {
	t.Helper()
	code, b := s.call(t, token, "POST", "/api/v1/sales", fmt.Sprintf("open-%d", time.Now().UnixNano()), "")
	if code != http.StatusCreated {
		t.Fatal(code, string(b))
	}
	var sale ledger.Sale
	_ = json.Unmarshal(b, &sale)
	return sale.ID
}
