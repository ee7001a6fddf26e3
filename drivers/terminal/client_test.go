package terminal_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kasse/kasse/drivers/terminal"
	"github.com/kasse/kasse/drivers/terminal/terminaltest"
)

const saleID = "kasse-hub-1"

// logBuffer collects the client's log lines for assertions.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

type rig struct {
	term   *terminaltest.Server
	client *terminal.Client
	log    *logBuffer
}

// newRig starts a stand-in on 127.0.0.1 and a client that trusts it through
// a CA file, as the hub does.
func newRig(t *testing.T, timeout time.Duration) *rig {
	t.Helper()
	term := terminaltest.NewServer(terminaltest.Config{SlowFor: time.Hour})
	t.Cleanup(term.Close)
	ca := filepath.Join(t.TempDir(), "terminal-ca.pem")
	if err := os.WriteFile(ca, term.CertificatePEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	tlsConf, err := terminal.LoadCA(ca, "")
	if err != nil {
		t.Fatal(err)
	}
	logs := &logBuffer{}
	cfg := terminal.DefaultConfig()
	cfg.URL = term.URL
	cfg.POIID = term.POIID()
	cfg.SaleID = saleID
	cfg.TLS = tlsConf
	cfg.Logger = slog.New(slog.NewTextHandler(logs, nil))
	if timeout > 0 {
		cfg.Timeout = timeout
	}
	c, err := terminal.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &rig{term: term, client: c, log: logs}
}

func pay(t *testing.T, r *rig, txID string, øre int64) terminal.Result {
	t.Helper()
	res, err := r.client.Pay(context.Background(), terminal.PayRequest{TxID: txID, AmountØre: øre, Time: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatalf("Pay(%s, %d): %v", txID, øre, err)
	}
	return res
}

func TestPayApproved(t *testing.T) {
	r := newRig(t, 0)
	res := pay(t, r, "sale-1/1", 12345)
	if res.Outcome != terminal.Approved || res.AuthorizedØre != 12345 {
		t.Fatalf("got %+v", res)
	}
	if res.Brand != "VISA" || res.MaskedPAN != "411111******1111" || res.ApprovalCode == "" || res.TerminalTxID == "" || res.TerminalTime.IsZero() {
		t.Errorf("card details missing: %+v", res)
	}
	reqs := r.term.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	body := string(reqs[0].Body)
	for _, want := range []string{
		`"ProtocolVersion":"3.0"`, `"MessageClass":"Service"`, `"MessageCategory":"Payment"`, `"MessageType":"Request"`,
		`"ServiceID":"` + terminal.ServiceID("sale-1/1") + `"`, `"SaleID":"` + saleID + `"`, `"POIID":"` + terminaltest.DefaultPOIID + `"`,
		`"SaleTransactionID":{"TransactionID":"sale-1/1","TimeStamp":"2025-03-01T12:00:00.000Z"}`,
		`"AmountsReq":{"Currency":"NOK","RequestedAmount":123.45}`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("request lacks %s:\n%s", want, body)
		}
	}
}

func TestPayWithTip(t *testing.T) {
	r := newRig(t, 0)
	res, err := r.client.Pay(context.Background(), terminal.PayRequest{TxID: "tip-1", AmountØre: 10000, TipØre: 1500})
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != terminal.Approved || res.AuthorizedØre != 11500 {
		t.Fatalf("got %+v", res)
	}
	if body := string(r.term.Requests()[0].Body); !strings.Contains(body, `"RequestedAmount":100.00,"TipAmount":15.00`) {
		t.Errorf("tip not on the wire: %s", body)
	}
}

// TestFunding: the terminal says whether the card is a debit or a credit
// card (xx.58 is the test Mastercard, a credit card).
func TestFunding(t *testing.T) {
	r := newRig(t, 0)
	if res := pay(t, r, "fund-1", 1000); res.Funding != "debit" {
		t.Errorf("Visa: %+v", res)
	}
	if res := pay(t, r, "fund-2", 1058); res.Funding != "credit" || res.Brand != "MasterCard" {
		t.Errorf("Mastercard: %+v", res)
	}
}

// TestTipOnTerminal: the cardholder adds 10 % on the terminal (amount
// ending .60): 100,60 asked, a 10,00 tip, 110,60 charged.
func TestTipOnTerminal(t *testing.T) {
	r := newRig(t, 0)
	res := pay(t, r, "tip-2", 10060)
	if res.Outcome != terminal.Approved || res.AuthorizedØre != 11060 || res.TipØre != 1000 {
		t.Fatalf("got %+v", res)
	}
	st, err := r.client.Status(context.Background(), "tip-2")
	if err != nil || st.TipØre != 1000 {
		t.Fatalf("status %+v %v", st, err)
	}
}

func TestPayDeclined(t *testing.T) {
	r := newRig(t, 0)
	res := pay(t, r, "sale-2/1", 10051)
	if res.Outcome != terminal.Declined || res.Condition != "Refusal" || res.AuthorizedØre != 0 {
		t.Fatalf("got %+v", res)
	}
	if !strings.Contains(res.Message, "Not enough balance") {
		t.Errorf("message %q", res.Message)
	}
}

func TestPayPartial(t *testing.T) {
	r := newRig(t, 0)
	res := pay(t, r, "sale-3/1", 10052)
	if res.Outcome != terminal.Partial || res.AuthorizedØre != 5026 {
		t.Fatalf("got %+v", res)
	}
	// A scripted partial approval of a chosen amount.
	r.term.Script(terminaltest.Step{Action: terminaltest.ApprovePartial, AuthorizedØre: 999})
	res = pay(t, r, "sale-3/2", 5000)
	if res.Outcome != terminal.Partial || res.AuthorizedØre != 999 {
		t.Fatalf("got %+v", res)
	}
}

func TestPayOtherDeclines(t *testing.T) {
	r := newRig(t, 0)
	for _, c := range []struct {
		øre       int64
		condition string
	}{{10056, "Busy"}, {10057, "Cancel"}} {
		res := pay(t, r, "decl-"+c.condition, c.øre)
		if res.Outcome != terminal.Declined || res.Condition != c.condition {
			t.Errorf("%d: got %+v", c.øre, res)
		}
	}
	res := pay(t, r, "mc-1", 10058)
	if res.Outcome != terminal.Approved || res.Brand != "MasterCard" || res.MaskedPAN != "555555******4444" {
		t.Errorf("got %+v", res)
	}
}

// The reply is lost after the terminal approved: the client cannot know,
// and Status finds the payment approved.
func TestLostReplyThenStatusApproved(t *testing.T) {
	r := newRig(t, 0)
	_, err := r.client.Pay(context.Background(), terminal.PayRequest{TxID: "lost-1", AmountØre: 20054})
	if !errors.Is(err, terminal.ErrUnknownOutcome) {
		t.Fatalf("Pay: %v, want ErrUnknownOutcome", err)
	}
	res, err := r.client.Status(context.Background(), "lost-1")
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != terminal.Approved || res.AuthorizedØre != 20054 || res.MaskedPAN != "411111******1111" || res.TerminalTxID == "" {
		t.Fatalf("status %+v", res)
	}
	// Resending the same TxID is refused: the ServiceID is spent.
	_, err = r.client.Pay(context.Background(), terminal.PayRequest{TxID: "lost-1", AmountØre: 20054})
	if !errors.Is(err, terminal.ErrRejected) {
		t.Fatalf("second Pay: %v, want ErrRejected", err)
	}
	if n := len(r.term.Transactions()); n != 1 {
		t.Fatalf("%d transactions on the terminal, want 1", n)
	}
}

// The client's timeout runs out while the terminal waits for the card: the
// outcome is unknown, Status says in progress, then approved once the
// cardholder finishes.
func TestTimeoutThenStatus(t *testing.T) {
	r := newRig(t, time.Second)
	ctx := context.Background()
	_, err := r.client.Pay(ctx, terminal.PayRequest{TxID: "slow-1", AmountØre: 30053})
	// Whether the deadline or the terminal's dropped stream ends the wait
	// first depends on scheduling; either way the outcome is unknown.
	if !errors.Is(err, terminal.ErrUnknownOutcome) {
		t.Fatalf("Pay: %v, want ErrUnknownOutcome after the deadline", err)
	}
	sid := terminal.ServiceID("slow-1")
	if _, err := r.term.AwaitState(ctx, sid, terminaltest.InProgress); err != nil {
		t.Fatal(err)
	}
	res, err := r.client.Status(ctx, "slow-1")
	if err != nil || res.Outcome != terminal.InProgress {
		t.Fatalf("status %+v, %v; want in progress", res, err)
	}
	if !r.term.Complete(sid) {
		t.Fatal("nothing to complete")
	}
	res, err = r.client.Status(ctx, "slow-1")
	if err != nil || res.Outcome != terminal.Approved || res.AuthorizedØre != 30053 {
		t.Fatalf("status %+v, %v; want approved", res, err)
	}
}

// Cancelling the caller's context after the request went out also leaves
// the outcome unknown.
func TestCancelAfterSendIsUnknown(t *testing.T) {
	r := newRig(t, 0)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := r.client.Pay(ctx, terminal.PayRequest{TxID: "held-1", AmountØre: 40055})
		errc <- err
	}()
	if _, err := r.term.AwaitState(context.Background(), terminal.ServiceID("held-1"), terminaltest.InProgress); err != nil {
		t.Fatal(err)
	}
	cancel()
	// The cancel, or the terminal's stream ending because of it, may be
	// seen first; either way the outcome is unknown, never a decline.
	if err := <-errc; !errors.Is(err, terminal.ErrUnknownOutcome) {
		t.Fatalf("Pay: %v, want ErrUnknownOutcome", err)
	}
}

func TestStatusNotFound(t *testing.T) {
	r := newRig(t, 0)
	res, err := r.client.Status(context.Background(), "never-sent")
	if err != nil || res.Outcome != terminal.NotFound {
		t.Fatalf("got %+v, %v", res, err)
	}
	res, err = r.client.ReversalStatus(context.Background(), "never-sent")
	if err != nil || res.Outcome != terminal.NotFound {
		t.Fatalf("reversal status %+v, %v", res, err)
	}
}

func TestAbortInProgress(t *testing.T) {
	r := newRig(t, 0)
	ctx := context.Background()
	type answer struct {
		res terminal.Result
		err error
	}
	done := make(chan answer, 1)
	go func() {
		res, err := r.client.Pay(ctx, terminal.PayRequest{TxID: "abort-1", AmountØre: 50055})
		done <- answer{res, err}
	}()
	sid := terminal.ServiceID("abort-1")
	if _, err := r.term.AwaitState(ctx, sid, terminaltest.InProgress); err != nil {
		t.Fatal(err)
	}
	if res, err := r.client.Status(ctx, "abort-1"); err != nil || res.Outcome != terminal.InProgress {
		t.Fatalf("status %+v, %v", res, err)
	}
	// Another payment meanwhile finds the terminal busy.
	if res := pay(t, r, "other-1", 100); res.Outcome != terminal.Declined || res.Condition != "Busy" {
		t.Fatalf("second payment: %+v", res)
	}
	if err := r.client.Abort(ctx, "abort-1"); err != nil {
		t.Fatal(err)
	}
	a := <-done
	if a.err != nil || a.res.Outcome != terminal.Declined || a.res.Condition != "Aborted" {
		t.Fatalf("aborted Pay: %+v, %v", a.res, a.err)
	}
	if res, err := r.client.Status(ctx, "abort-1"); err != nil || res.Outcome != terminal.Declined || res.Condition != "Aborted" {
		t.Fatalf("status after abort %+v, %v", res, err)
	}
	if tx, _ := r.term.Transaction(sid); tx.State != terminaltest.Aborted {
		t.Errorf("terminal says %s", tx.State)
	}
	// Aborting a finished payment changes nothing.
	if err := r.client.Abort(ctx, "abort-1"); err != nil {
		t.Fatal(err)
	}
}

func TestReverse(t *testing.T) {
	r := newRig(t, 0)
	ctx := context.Background()
	paid := pay(t, r, "rev-pay-1", 25000)
	res, err := r.client.Reverse(ctx, "rev-1", paid.TerminalTxID, 0)
	if err != nil || res.Outcome != terminal.Reversed || res.AuthorizedØre != 25000 || res.TerminalTxID == "" {
		t.Fatalf("Reverse: %+v, %v", res, err)
	}
	if st, err := r.client.Status(ctx, "rev-pay-1"); err != nil || st.Outcome != terminal.Reversed {
		t.Fatalf("payment status after reversal: %+v, %v", st, err)
	}
	if st, err := r.client.ReversalStatus(ctx, "rev-1"); err != nil || st.Outcome != terminal.Reversed || st.AuthorizedØre != 25000 {
		t.Fatalf("reversal status: %+v, %v", st, err)
	}
	// Twice is not allowed.
	res, err = r.client.Reverse(ctx, "rev-2", paid.TerminalTxID, 0)
	if err != nil || res.Outcome != terminal.Declined || res.Condition != "NotAllowed" {
		t.Fatalf("second Reverse: %+v, %v", res, err)
	}
	// A partial reversal leaves the payment approved.
	paid = pay(t, r, "rev-pay-2", 10000)
	res, err = r.client.Reverse(ctx, "rev-3", paid.TerminalTxID, 2500)
	if err != nil || res.Outcome != terminal.Reversed || res.AuthorizedØre != 2500 {
		t.Fatalf("partial Reverse: %+v, %v", res, err)
	}
	if st, _ := r.client.Status(ctx, "rev-pay-2"); st.Outcome != terminal.Approved {
		t.Fatalf("status after partial reversal: %+v", st)
	}
	body := string(r.term.Requests()[len(r.term.Requests())-2].Body)
	for _, want := range []string{`"MessageCategory":"Reversal"`, `"OriginalPOITransaction":{"POITransactionID":{"TransactionID":"` + paid.TerminalTxID + `"}}`, `"ReversedAmount":25.00`} {
		if !strings.Contains(body, want) {
			t.Errorf("reversal request lacks %s:\n%s", want, body)
		}
	}
}

func TestRefund(t *testing.T) {
	r := newRig(t, 0)
	ctx := context.Background()
	res, err := r.client.Refund(ctx, terminal.PayRequest{TxID: "refund-1", AmountØre: 4990})
	if err != nil || res.Outcome != terminal.Approved || res.AuthorizedØre != 4990 {
		t.Fatalf("Refund: %+v, %v", res, err)
	}
	tx, ok := r.term.Transaction(terminal.ServiceID("refund-1"))
	if !ok || tx.PaymentType != "Refund" || tx.RequestedØre != 4990 {
		t.Fatalf("terminal has %+v", tx)
	}
	if body := string(r.term.Requests()[0].Body); !strings.Contains(body, `"PaymentData":{"PaymentType":"Refund"}`) {
		t.Errorf("refund request: %s", body)
	}
	if st, err := r.client.Status(ctx, "refund-1"); err != nil || st.Outcome != terminal.Approved {
		t.Fatalf("refund status %+v, %v", st, err)
	}
	if _, err := r.client.Refund(ctx, terminal.PayRequest{TxID: "refund-2", AmountØre: 100, TipØre: 1}); err == nil {
		t.Fatal("refund with tip accepted")
	}
}

// Amounts from one øre up to the nexo maximum survive the trip to the
// terminal and back.
func TestAmountsOnTheWire(t *testing.T) {
	r := newRig(t, 0)
	for i, c := range []struct {
		øre  int64
		wire string
	}{
		{1, `"RequestedAmount":0.01`},
		{100, `"RequestedAmount":1.00`},
		{12345, `"RequestedAmount":123.45`},
		{terminal.MaxAmountØre, `"RequestedAmount":99999999.99`},
	} {
		res := pay(t, r, "amount-"+c.wire, c.øre)
		if res.Outcome != terminal.Approved || res.AuthorizedØre != c.øre {
			t.Errorf("%d øre: %+v", c.øre, res)
		}
		if body := string(r.term.Requests()[i].Body); !strings.Contains(body, c.wire) {
			t.Errorf("%d øre: wire lacks %s", c.øre, c.wire)
		}
	}
	for _, bad := range []terminal.PayRequest{
		{TxID: "x", AmountØre: 0},
		{TxID: "x", AmountØre: -1},
		{TxID: "x", AmountØre: terminal.MaxAmountØre + 1},
		{TxID: "x", AmountØre: terminal.MaxAmountØre, TipØre: 1},
		{TxID: "x", AmountØre: 100, TipØre: -1},
		{TxID: "", AmountØre: 100},
	} {
		if _, err := r.client.Pay(context.Background(), bad); err == nil ||
			errors.Is(err, terminal.ErrUnknownOutcome) || errors.Is(err, terminal.ErrUnreachable) {
			t.Errorf("Pay(%+v) = %v, want an argument error", bad, err)
		}
	}
	if n := len(r.term.Requests()); n != 4 {
		t.Errorf("bad requests reached the terminal: %d requests", n)
	}
}

// A terminal that puts the full card number in MaskedPan: the client masks
// it and logs a warning that does not hold the number.
func TestFullPANIsMasked(t *testing.T) {
	r := newRig(t, 0)
	res := pay(t, r, "leak-1", 10059)
	if res.Outcome != terminal.Approved || res.MaskedPAN != "411111******1111" {
		t.Fatalf("got %+v", res)
	}
	res, err := r.client.Status(context.Background(), "leak-1")
	if err != nil || res.MaskedPAN != "411111******1111" {
		t.Fatalf("status %+v, %v", res, err)
	}
	r.term.Script(terminaltest.Step{Action: terminaltest.Approve, Card: terminaltest.Mastercard, LeakPAN: true})
	if res := pay(t, r, "leak-2", 100); res.MaskedPAN != "555555******4444" {
		t.Fatalf("got %+v", res)
	}
	logs := r.log.String()
	if !strings.Contains(logs, "SensitiveCardData") {
		t.Errorf("no warning about SensitiveCardData logged:\n%s", logs)
	}
	if !strings.Contains(logs, "unmasked card number") {
		t.Errorf("no warning logged:\n%s", logs)
	}
	if strings.Contains(logs, terminaltest.Visa.PAN) || strings.Contains(logs, terminaltest.Mastercard.PAN) {
		t.Errorf("log holds a card number:\n%s", logs)
	}
}

// otherCA is a TLS configuration trusting a freshly made CA, not the
// stand-in's certificate.
func otherCA(t *testing.T) *tls.Config {
	t.Helper()
	dir := t.TempDir()
	cert, key := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "ca.key")
	if err := terminaltest.GenerateCert(cert, key, "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	conf, err := terminal.LoadCA(cert, "")
	if err != nil {
		t.Fatal(err)
	}
	return conf
}

func TestUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens here now: connections are refused
	cfg := terminal.DefaultConfig()
	cfg.URL, cfg.POIID, cfg.SaleID = "https://"+addr+"/nexo", "P", saleID
	cfg.TLS = otherCA(t)
	c, err := terminal.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Pay(context.Background(), terminal.PayRequest{TxID: "u-1", AmountØre: 100})
	if !errors.Is(err, terminal.ErrUnreachable) || errors.Is(err, terminal.ErrUnknownOutcome) {
		t.Fatalf("Pay: %v, want ErrUnreachable", err)
	}
}

// A terminal whose certificate the hub does not trust is unreachable:
// nothing is sent to it.
func TestUntrustedCertificateIsUnreachable(t *testing.T) {
	r := newRig(t, 0)
	cfg := terminal.DefaultConfig()
	cfg.URL, cfg.POIID, cfg.SaleID, cfg.TLS = r.term.URL, r.term.POIID(), saleID, otherCA(t)
	c, err := terminal.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Pay(context.Background(), terminal.PayRequest{TxID: "tls-1", AmountØre: 100})
	if !errors.Is(err, terminal.ErrUnreachable) {
		t.Fatalf("Pay: %v, want ErrUnreachable", err)
	}
	if n := len(r.term.Requests()); n != 0 {
		t.Fatalf("%d requests reached the terminal", n)
	}
}

func TestWrongPOIIDRejected(t *testing.T) {
	r := newRig(t, 0)
	cfg := terminal.DefaultConfig()
	cfg.URL, cfg.POIID, cfg.SaleID, cfg.TLS = r.term.URL, "SOME-OTHER-POI", saleID, r.term.ClientTLS()
	c, err := terminal.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Pay(context.Background(), terminal.PayRequest{TxID: "poi-1", AmountØre: 100})
	if !errors.Is(err, terminal.ErrRejected) || !strings.Contains(err.Error(), "Wrong POIID") {
		t.Fatalf("Pay: %v, want ErrRejected", err)
	}
	if len(r.term.Transactions()) != 0 {
		t.Fatal("a rejected message started a transaction")
	}
}

func TestConfigValidate(t *testing.T) {
	good := terminal.DefaultConfig()
	good.URL, good.POIID, good.SaleID, good.TLS = "https://192.168.1.50:8443/nexo", "P", "S", otherCA(t)
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, mutate := range map[string]func(*terminal.Config){
		"http":     func(c *terminal.Config) { c.URL = "http://192.168.1.50:8443/nexo" },
		"no url":   func(c *terminal.Config) { c.URL = "" },
		"no host":  func(c *terminal.Config) { c.URL = "https:///nexo" },
		"no poiid": func(c *terminal.Config) { c.POIID = "" },
		"no sale":  func(c *terminal.Config) { c.SaleID = "" },
		"no tls":   func(c *terminal.Config) { c.TLS = nil },
		"timeout":  func(c *terminal.Config) { c.Timeout = -time.Second },
	} {
		c := good
		mutate(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
		if _, err := terminal.New(c); err == nil {
			t.Errorf("%s: New accepted", name)
		}
	}
}
