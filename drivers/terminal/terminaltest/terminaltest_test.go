package terminaltest

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// These tests speak raw JSON to the stand-in, without package terminal, so
// the stand-in is checked against the protocol rather than against the
// client it serves.

func post(t *testing.T, s *Server, body string) map[string]any {
	t.Helper()
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: s.ClientTLS()}}
	resp, err := c.Post(s.URL, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("HTTP %d: %s", resp.StatusCode, b)
	}
	if len(b) == 0 {
		return nil
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("reply is not JSON: %v: %s", err, b)
	}
	return m
}

// get walks a decoded reply: get(m, "SaleToPOIResponse", "PaymentResponse", …).
func get(m any, path ...string) any {
	for _, p := range path {
		mm, ok := m.(map[string]any)
		if !ok {
			return nil
		}
		m = mm[p]
	}
	return m
}

func hdr(category, serviceID string) string {
	return fmt.Sprintf(`"MessageHeader":{"ProtocolVersion":"3.0","MessageClass":"Service","MessageCategory":%q,"MessageType":"Request","ServiceID":%q,"SaleID":"pos1","POIID":%q}`,
		category, serviceID, DefaultPOIID)
}

func payment(serviceID, amount string) string {
	return `{"SaleToPOIRequest":{` + hdr("Payment", serviceID) + `,"PaymentRequest":{"SaleData":{"SaleTransactionID":{"TransactionID":"tx-` + serviceID + `","TimeStamp":"2025-03-01T12:00:00.000Z"}},"PaymentTransaction":{"AmountsReq":{"Currency":"NOK","RequestedAmount":` + amount + `}}}}}`
}

func statusOf(serviceID, ref string) string {
	return `{"SaleToPOIRequest":{` + hdr("TransactionStatus", serviceID) + `,"TransactionStatusRequest":{"ReceiptReprintFlag":true,"DocumentQualifier":["CashierReceipt"],"MessageReference":{"MessageCategory":"Payment","ServiceID":"` + ref + `","SaleID":"pos1"}}}}`
}

func TestPaymentReplyShape(t *testing.T) {
	s := NewServer(Config{})
	defer s.Close()
	m := post(t, s, payment("1001", "123.4"))
	pr := get(m, "SaleToPOIResponse", "PaymentResponse")
	for path, want := range map[string]any{
		"Response/Result": "Success",
		"PaymentResult/AmountsResp/AuthorizedAmount":                json.Number("123.40"),
		"PaymentResult/AmountsResp/Currency":                        "NOK",
		"PaymentResult/PaymentInstrumentData/CardData/PaymentBrand": "VISA",
		"PaymentResult/PaymentInstrumentData/CardData/MaskedPan":    "411111******1111",
		"SaleData/SaleTransactionID/TransactionID":                  "tx-1001",
	} {
		if got := get(pr, strings.Split(path, "/")...); got != want {
			t.Errorf("%s = %v, want %v", path, got, want)
		}
	}
	if get(pr, "POIData", "POITransactionID", "TransactionID") == "" || get(pr, "PaymentResult", "PaymentAcquirerData", "ApprovalCode") == "" {
		t.Errorf("ids missing: %v", pr)
	}
	h := get(m, "SaleToPOIResponse", "MessageHeader")
	if get(h, "MessageType") != "Response" || get(h, "ServiceID") != "1001" || get(h, "MessageCategory") != "Payment" {
		t.Errorf("header %v", h)
	}
	if tx, _ := s.Transaction("1001"); tx.RequestedØre != 12340 || tx.State != Approved {
		t.Errorf("remembered %+v", tx)
	}
}

func TestStatusRepeatsOriginal(t *testing.T) {
	s := NewServer(Config{})
	defer s.Close()
	post(t, s, payment("2001", "10.51"))
	m := post(t, s, statusOf("2002", "2001"))
	sr := get(m, "SaleToPOIResponse", "TransactionStatusResponse")
	if get(sr, "Response", "Result") != "Success" {
		t.Fatalf("status %v", sr)
	}
	rep := get(sr, "RepeatedMessageResponse")
	if get(rep, "MessageHeader", "ServiceID") != "2001" ||
		get(rep, "RepeatedResponseMessageBody", "PaymentResponse", "Response", "ErrorCondition") != "Refusal" {
		t.Errorf("repeated %v", rep)
	}
	m = post(t, s, statusOf("2003", "9999"))
	if get(m, "SaleToPOIResponse", "TransactionStatusResponse", "Response", "ErrorCondition") != "NotFound" {
		t.Errorf("unknown tx: %v", m)
	}
}

func TestRejects(t *testing.T) {
	s := NewServer(Config{})
	defer s.Close()
	post(t, s, payment("3001", "1.00"))
	for name, body := range map[string]string{
		"duplicate":      payment("3001", "1.00"),
		"not json":       `{"SaleToPOIRequest":`,
		"unknown field":  strings.Replace(payment("3002", "1.00"), `"Currency"`, `"Curency"`, 1),
		"three decimals": payment("3003", "1.005"),
		"exponent":       payment("3004", "1e2"),
		"negative":       payment("3005", "-1.00"),
		"wrong poi":      strings.Replace(payment("3006", "1.00"), DefaultPOIID, "OTHER", 1),
		"long id":        payment("12345678901", "1.00"),
		"wrong body":     `{"SaleToPOIRequest":{` + hdr("Payment", "3007") + `,"AbortRequest":{"AbortReason":"MerchantAbort","MessageReference":{"ServiceID":"3001"}}}}`,
	} {
		m := post(t, s, body)
		if get(m, "SaleToPOIRequest", "EventNotification", "EventToNotify") != "Reject" {
			t.Errorf("%s: not rejected: %v", name, m)
		}
	}
	if n := len(s.Transactions()); n != 1 {
		t.Errorf("%d transactions, want 1", n)
	}
	if n := len(s.Requests()); n != 10 {
		t.Errorf("%d requests recorded, want 10", n)
	}
}

func TestRules(t *testing.T) {
	for øre, want := range map[int64]Action{
		100: Approve, 12351: Decline, 52: ApprovePartial, 53: Slow, 54: LoseReply,
		55: HoldUntilAbort, 56: Busy, 57: CancelOnTerminal, 58: Approve, 59: Approve, 150: Approve,
	} {
		if got := Rule(øre).Action; got != want {
			t.Errorf("Rule(%d) = %v, want %v", øre, got, want)
		}
	}
	if Rule(58).Card != Mastercard || !Rule(59).LeakPAN {
		t.Error("card rules")
	}
	if Visa.Masked() != "411111******1111" {
		t.Error(Visa.Masked())
	}
}

// ServeListener runs the stand-in with a generated certificate, as `make
// run` does through Serve, and stops when its context ends.
func TestServeListener(t *testing.T) {
	dir := t.TempDir()
	cert, key := filepath.Join(dir, "t.crt"), filepath.Join(dir, "t.key")
	if err := GenerateCert(cert, key); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	term := New(Config{})
	go func() { done <- term.ServeListener(ctx, ln, cert, key) }()

	pemBytes, err := os.ReadFile(cert)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pemBytes)
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := c.Post("https://"+ln.Addr().String()+"/nexo", "application/json", strings.NewReader(payment("4001", "5.00")))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), `"Result":"Success"`) {
		t.Errorf("reply %s", b)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("ServeListener: %v", err)
	}
	if err := Serve(context.Background(), "127.0.0.1:0", filepath.Join(dir, "missing.crt"), key); err == nil {
		t.Error("Serve without a certificate succeeded")
	}
}
