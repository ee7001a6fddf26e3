package devices

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/smtp"
	"net/textproto"
	"strings"
	"time"

	"github.com/kasse/kasse/hub/ledger"
	"github.com/kasse/kasse/hub/receipt"
	"github.com/kasse/kasse/hub/till"
)

// MailConfig is how this hub reaches the shop's mail server.
type MailConfig struct {
	Addr     string // host:port of the SMTP server; empty: no e-mail receipts
	From     string // sender address
	Username string // optional: authenticate (PLAIN, only over TLS or to localhost)
	Password string
	Hello    string // name this hub gives in EHLO
}

// Mailer sends the e-mail receipts the ledger asks for. Every hub runs one;
// only the Raft leader sends, so one hub carries out each action. A sent
// action id is remembered in this hub's store before it is reported done,
// so a restart between the two does not send it again; the Message-ID is
// the action id, so a mail server or client can drop the duplicate a change
// of leader in that same moment could cause.
type Mailer struct {
	Cfg  MailConfig
	L    *ledger.Ledger
	P    Proposer
	Bus  *Bus
	Lead func() bool // whether this hub leads the ledger
	Sent DoneStore
	Log  *slog.Logger
	Shop string // subject line: "Kvittering fra <Shop>"

	tries map[string]int
	next  map[string]time.Time
}

// Backoff is the wait before the n-th retry of a failed e-mail (n ≥ 1):
// 1 s, 2 s, 4 s … at most a minute.
func Backoff(n int) time.Duration {
	d := time.Second << min(n-1, 6)
	return min(d, time.Minute)
}

// Run sends pending e-mail receipts as the ledger changes, until ctx ends.
func (m *Mailer) Run(ctx context.Context) {
	if m.Cfg.Addr == "" {
		return
	}
	m.tries, m.next = map[string]int{}, map[string]time.Time{}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		changed := m.L.Changed()
		if m.Lead == nil || m.Lead() {
			m.sweep(ctx)
		}
		select {
		case <-ctx.Done():
			return
		case <-changed:
		case <-tick.C:
		}
	}
}

func (m *Mailer) sweep(ctx context.Context) {
	regs, err := m.L.Registers()
	if err != nil {
		m.Log.Error("list registers", "err", err)
		return
	}
	now := time.Now()
	for _, reg := range regs {
		pending, err := m.L.PendingActions(reg.ID)
		if err != nil {
			m.Log.Error("list device actions", "register", reg.ID, "err", err)
			return
		}
		for _, a := range pending {
			if a.Kind != ledger.ActMail || now.Before(m.next[a.ID]) {
				continue
			}
			if ctx.Err() != nil {
				return
			}
			m.carry(ctx, a)
		}
	}
}

// carry sends one e-mail and reports it done, or schedules a retry.
func (m *Mailer) carry(ctx context.Context, a ledger.Action) {
	if !m.Sent.Done(a.ID) {
		// Remembered as soon as the server takes it, before the goodbye.
		err := m.send(ctx, a, func() { m.Sent.MarkDone(a.ID) })
		var te *textproto.Error
		if errors.As(err, &te) && te.Code >= 500 && !m.Sent.Done(a.ID) {
			// The server refuses for good (no such mailbox…): say so, stop trying.
			m.Log.Warn("e-mail receipt refused", "action", a.ID, "err", err)
			m.finish(ctx, a, false, err.Error())
			return
		}
		if err != nil {
			m.tries[a.ID]++
			wait := Backoff(m.tries[a.ID])
			m.next[a.ID] = time.Now().Add(wait)
			m.Log.Warn("e-mail receipt not sent; will try again", "action", a.ID, "retry_in", wait, "err", err)
			m.Bus.Publish(a.Register, Event{Type: "mail", Device: "mail", State: "waiting: " + err.Error(), At: time.Now()})
			return
		}
	}
	m.finish(ctx, a, true, "")
}

// finish reports the action done (sent) or failed through the ledger and
// tells the register.
func (m *Mailer) finish(ctx context.Context, a ledger.Action, ok bool, msg string) {
	r := till.Req{Register: a.Register, Key: "action/" + a.ID, Hash: a.ID}
	if _, err := m.P.Do(ctx, r, ledger.CmdActionDone, map[string]any{"id": a.ID, "ok": ok, "message": msg}); err != nil {
		m.Log.Warn("report e-mail receipt", "action", a.ID, "err", err)
		return // the next sweep reports it again
	}
	delete(m.tries, a.ID)
	delete(m.next, a.ID)
	state := "sent"
	if !ok {
		state = "failed: " + msg
	}
	m.Bus.Publish(a.Register, Event{Type: "mail", Device: "mail", State: state, At: time.Now()})
}

func (m *Mailer) send(ctx context.Context, a ledger.Action, accepted func()) error {
	l, err := receipt.ForSale(m.L, a.Sale, false)
	if err != nil {
		return fmt.Errorf("receipt of %s: %w", a.Sale, err)
	}
	msg, err := Message(m.Cfg.From, a, m.Shop, l)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return m.deliver(ctx, a.To, msg, accepted)
}

func (m *Mailer) deliver(ctx context.Context, to string, msg []byte, accepted func()) error {
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", m.Cfg.Addr)
	if err != nil {
		return fmt.Errorf("mail server %s: %w", m.Cfg.Addr, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() }) // shutdown does not wait for a slow server
	defer stop()
	host, _, _ := net.SplitHostPort(m.Cfg.Addr)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("mail server %s: %w", m.Cfg.Addr, err)
	}
	defer c.Close()
	hello := m.Cfg.Hello
	if hello == "" {
		hello = "kasse"
	}
	if err := c.Hello(hello); err != nil {
		return fmt.Errorf("smtp hello: %w", err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		if err := c.StartTLS(&tls.Config{ServerName: host}); err != nil {
			return fmt.Errorf("smtp starttls: %w", err)
		}
	}
	if m.Cfg.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", m.Cfg.Username, m.Cfg.Password, host)); err != nil {
			return fmt.Errorf("smtp auth: %w", err)
		}
	}
	if err := c.Mail(m.Cfg.From); err != nil {
		return fmt.Errorf("smtp mail from: %w", err)
	}
	if err := c.Rcpt(to); err != nil {
		return fmt.Errorf("smtp rcpt to: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("smtp data: %w", err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("smtp data: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("smtp data: %w", err)
	}
	accepted()
	_ = c.Quit() // the server took the message; a failed goodbye does not unsend it
	return nil
}

// Message builds the e-mail of a receipt: the receipt as HTML with a plain
// text part, its Message-ID the action's id.
func Message(from string, a ledger.Action, shop string, l *receipt.Layout) ([]byte, error) {
	html, err := l.HTML()
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	mp := multipart.NewWriter(&b)
	// The same action makes the same message, byte for byte.
	sum := sha256.Sum256([]byte(a.ID))
	if err := mp.SetBoundary("kasse-" + hex.EncodeToString(sum[:12])); err != nil {
		return nil, err
	}
	subject := "Kvittering"
	if shop != "" {
		subject += " fra " + shop
	}
	hdr := []string{
		"From: " + from,
		"To: " + a.To,
		"Subject: " + mime.QEncoding.Encode("utf-8", subject),
		"Date: " + a.Created.UTC().Format(time.RFC1123Z),
		"Message-ID: <" + strings.ReplaceAll(a.ID, "/", ".") + "@kasse>",
		"MIME-Version: 1.0",
		"Content-Type: multipart/alternative; boundary=" + mp.Boundary(),
	}
	var out bytes.Buffer
	out.WriteString(strings.Join(hdr, "\r\n") + "\r\n\r\n")
	for _, part := range []struct{ typ, body string }{
		{"text/plain; charset=utf-8", Text(l)},
		{"text/html; charset=utf-8", "<!doctype html><html><head><meta charset=\"utf-8\"></head><body>" + html + "</body></html>"},
	} {
		w, err := mp.CreatePart(textproto.MIMEHeader{"Content-Type": {part.typ}, "Content-Transfer-Encoding": {"quoted-printable"}})
		if err != nil {
			return nil, err
		}
		qp := quotedprintable.NewWriter(w)
		if _, err := qp.Write([]byte(part.body)); err != nil {
			return nil, err
		}
		if err := qp.Close(); err != nil {
			return nil, err
		}
	}
	if err := mp.Close(); err != nil {
		return nil, err
	}
	out.Write(b.Bytes())
	return out.Bytes(), nil
}

// Text is a receipt as plain text, a line per row.
func Text(l *receipt.Layout) string {
	var b strings.Builder
	for _, r := range l.Rows {
		switch {
		case r.Left == "" && r.Right == "":
			b.WriteString("\n")
		case r.Right == "":
			b.WriteString(r.Left + "\n")
		default:
			b.WriteString(r.Left + "  " + r.Right + "\n")
		}
	}
	b.WriteString("\n" + l.Code + "\n")
	return b.String()
}
