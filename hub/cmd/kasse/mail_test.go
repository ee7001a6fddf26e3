package main

import (
	"context"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kasse/kasse/hub/devices/smtptest"
	"github.com/kasse/kasse/hub/ledger"
)

// TestReceiptMailedOnce: a register asks for a completed sale's receipt by
// e-mail while the shop's mail server is down; the request survives a
// SIGKILL of the hub, and when the server is back the customer gets one
// message with the receipt as HTML and plain text. After another restart
// it is not sent again: a second request is the only new message.
func TestReceiptMailedOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("runs hub processes")
	}
	smtpAddr := freePort(t) // nothing listens here yet: the mail server is down
	p := newProc(t, fmt.Sprintf("mail:\n  address: %s\n  from: kvittering@kasse-demo.no\n", smtpAddr))
	p.start()
	c := newClient(p.http, "demo-token-register-1")
	if _, err := c.do("POST", "/login", "login-1", map[string]string{"employee": "1001", "pin": "1234"}, nil); err != nil {
		t.Fatal(err)
	}
	sell := func(key string) string {
		var s ledger.Sale
		if _, err := c.do("POST", "/sales", key+"-open", nil, &s); err != nil {
			t.Fatal(err)
		}
		if _, err := c.do("POST", "/sales/"+s.ID+"/lines", key+"-l1", map[string]any{"sku": "1001", "qty": 2}, nil); err != nil {
			t.Fatal(err)
		}
		var paid ledger.Sale
		if _, err := c.do("POST", "/sales/"+s.ID+"/payments", key+"-pay", map[string]any{"method": "cash", "amount": 5000}, &paid); err != nil || paid.Status != ledger.SaleCompleted {
			t.Fatalf("pay: %v %s", err, paid.Status)
		}
		return s.ID
	}
	var on map[string]bool
	if _, err := c.do("GET", "/mail", "", nil, &on); err != nil || !on["on"] {
		t.Fatalf("GET /mail: %v %v", on, err)
	}
	first := sell("a")
	var act ledger.Action
	if code, err := c.do("POST", "/sales/"+first+"/email", "mail-a", map[string]string{"to": "kari@example.no"}, &act); code != 202 || act.Status != ledger.ActPending {
		t.Fatalf("e-mail request: %d %v %+v", code, err, act)
	}

	p.kill()
	p.start()
	srv, err := smtptest.Listen(smtpAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	wait := func(n int) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		if err := srv.Wait(ctx, func(m []smtptest.Message) bool { return len(m) >= n }); err != nil {
			t.Fatalf("waiting for %d messages: %v (got %d)\nhub log:\n%s", n, err, len(srv.Messages()), p.log())
		}
	}
	wait(1)
	msg := srv.Messages()[0]
	if msg.From != "kvittering@kasse-demo.no" || len(msg.To) != 1 || msg.To[0] != "kari@example.no" {
		t.Errorf("envelope from %q to %q", msg.From, msg.To)
	}
	plain, html, hdr := parts(t, msg.Data)
	if hdr.Get("To") != "kari@example.no" || !strings.Contains(hdr.Get("Message-Id"), first) {
		t.Errorf("headers: To %q, Message-ID %q", hdr.Get("To"), hdr.Get("Message-Id"))
	}
	for _, want := range []string{"Salgskvittering", "Kasse Demo", "Org.nr. 999 999 999 MVA", "Lettmelk 1 l", "2 x 21,90", "43,80", "Kontant", first} {
		if !strings.Contains(plain, want) {
			t.Errorf("plain text lacks %q:\n%s", want, plain)
		}
		if !strings.Contains(html, want) {
			t.Errorf("HTML lacks %q:\n%s", want, html)
		}
	}

	// The hub reports it sent through the ledger; then a restart does not
	// send it again, and a new request is the only new message.
	awaitMail(t, c, p, first, ledger.ActDone)
	p.kill()
	p.start()
	second := sell("b")
	if code, err := c.do("POST", "/sales/"+second+"/email", "mail-b", map[string]string{"to": "ola@example.no"}, nil); code != 202 {
		t.Fatalf("second e-mail request: %d %v", code, err)
	}
	wait(2)
	msgs := srv.Messages()
	if len(msgs) != 2 || msgs[1].To[0] != "ola@example.no" {
		for _, m := range msgs {
			t.Logf("message to %v", m.To)
		}
		t.Fatalf("%d messages, want the first once and then the second", len(msgs))
	}

	// A mailbox the server refuses for good: the e-mail fails, with the
	// server's words, and is not tried again.
	srv.Refuse("nobody@example.no")
	if code, err := c.do("POST", "/sales/"+second+"/email", "mail-c", map[string]string{"to": "nobody@example.no"}, nil); code != 202 {
		t.Fatalf("third e-mail request: %d %v", code, err)
	}
	st := awaitMail(t, c, p, second, ledger.ActFailed)
	if !strings.Contains(st.Message, "no such mailbox") {
		t.Errorf("refused e-mail says %q", st.Message)
	}

	// Request answered → message taken by the stand-in.
	var lat []time.Duration
	for i := range 10 {
		sale := sell(fmt.Sprintf("lat-%d", i))
		t0 := time.Now()
		if code, err := c.do("POST", "/sales/"+sale+"/email", fmt.Sprintf("mail-lat-%d", i), map[string]string{"to": "kari@example.no"}, nil); code != 202 {
			t.Fatalf("e-mail request: %d %v", code, err)
		}
		wait(3 + i)
		lat = append(lat, time.Since(t0))
	}
	slices.Sort(lat)
	t.Logf("e-mail requested → message at the SMTP stand-in, 10 e-mails: p50 %s, max %s",
		lat[5].Round(100*time.Microsecond), lat[9].Round(100*time.Microsecond))
}

type mailStatus struct{ ID, Status, Message string }

// awaitMail waits until the last e-mail of sale has left pending, and
// checks it ended as want.
func awaitMail(t *testing.T, c *client, p *proc, sale, want string) mailStatus {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var st []mailStatus
		if _, err := c.do("GET", "/sales/"+sale+"/email", "", nil, &st); err != nil {
			t.Fatal(err)
		}
		if n := len(st); n > 0 && st[n-1].Status != ledger.ActPending {
			if st[n-1].Status != want {
				t.Fatalf("e-mail of %s ended %+v, want %s", sale, st[n-1], want)
			}
			return st[n-1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("the e-mail of %s is still pending: %+v\nhub log:\n%s", sale, st, p.log())
		}
	}
}

// parts reads a receipt e-mail: its plain text and HTML parts, decoded.
func parts(t *testing.T, data string) (plain, html string, hdr mail.Header) {
	t.Helper()
	m, err := mail.ReadMessage(strings.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	typ, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || typ != "multipart/alternative" {
		t.Fatalf("content type %q: %v", m.Header.Get("Content-Type"), err)
	}
	r := multipart.NewReader(m.Body, params["boundary"])
	for {
		part, err := r.NextPart() // undoes quoted-printable
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(part)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case strings.HasPrefix(part.Header.Get("Content-Type"), "text/plain"):
			plain = string(b)
		case strings.HasPrefix(part.Header.Get("Content-Type"), "text/html"):
			html = string(b)
		}
	}
	return plain, html, m.Header
}
