// Package smtptest is a mail server stand-in for tests: a TCP listener
// speaking enough SMTP (RFC 5321: EHLO/HELO, MAIL FROM, RCPT TO, DATA,
// RSET, NOOP, QUIT) to take messages, and recording each one it accepted.
// It offers no STARTTLS and no AUTH.
package smtptest

import (
	"bufio"
	"context"
	"errors"
	"net"
	"strings"
	"sync"
)

// Message is one message the stand-in accepted.
type Message struct {
	From string
	To   []string
	Data string // as sent, dot-stuffing undone, lines ending in CRLF
}

// Server is a listening stand-in.
type Server struct {
	ln      net.Listener
	mu      sync.Mutex
	msgs    []Message
	changed chan struct{}
	refused map[string]bool
	wg      sync.WaitGroup
}

// Refuse makes the stand-in answer RCPT TO:<addr> with 550 (no such
// mailbox), a refusal for good.
func (s *Server) Refuse(addr string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refused[addr] = true
}

// Listen starts a stand-in on addr ("127.0.0.1:0" for any port).
func Listen(addr string) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &Server{ln: ln, changed: make(chan struct{}), refused: map[string]bool{}}
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

// Addr is the address the stand-in listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Close stops listening and waits for open sessions to end.
func (s *Server) Close() error {
	err := s.ln.Close()
	s.wg.Wait()
	return err
}

// Messages returns the messages accepted so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Wait blocks until cond holds for the messages accepted, or ctx ends.
func (s *Server) Wait(ctx context.Context, cond func([]Message) bool) error {
	for {
		s.mu.Lock()
		ok, ch := cond(append([]Message(nil), s.msgs...)), s.changed
		s.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		}
	}
}

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer c.Close()
			s.session(c)
		}()
	}
}

func (s *Server) session(c net.Conn) {
	r := bufio.NewReader(c)
	say := func(line string) { c.Write([]byte(line + "\r\n")) }
	say("220 smtptest ESMTP")
	var cur Message
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb := strings.ToUpper(line)
		switch {
		case strings.HasPrefix(verb, "EHLO"):
			say("250-smtptest")
			say("250 8BITMIME")
		case strings.HasPrefix(verb, "HELO"):
			say("250 smtptest")
		case strings.HasPrefix(verb, "MAIL FROM:"):
			cur = Message{From: path(line[len("MAIL FROM:"):])}
			say("250 OK")
		case strings.HasPrefix(verb, "RCPT TO:"):
			if cur.From == "" {
				say("503 MAIL first")
				continue
			}
			to := path(line[len("RCPT TO:"):])
			s.mu.Lock()
			refused := s.refused[to]
			s.mu.Unlock()
			if refused {
				say("550 5.1.1 no such mailbox")
				continue
			}
			cur.To = append(cur.To, to)
			say("250 OK")
		case verb == "DATA":
			if len(cur.To) == 0 {
				say("503 RCPT first")
				continue
			}
			say("354 end with <CRLF>.<CRLF>")
			data, err := readData(r)
			if err != nil {
				return
			}
			cur.Data = data
			s.mu.Lock()
			s.msgs = append(s.msgs, cur)
			close(s.changed)
			s.changed = make(chan struct{})
			s.mu.Unlock()
			cur = Message{}
			say("250 OK queued")
		case verb == "RSET":
			cur = Message{}
			say("250 OK")
		case verb == "NOOP":
			say("250 OK")
		case verb == "QUIT":
			say("221 bye")
			return
		default:
			say("502 not implemented")
		}
	}
}

// path takes the address out of "<a@b> PARAMS".
func path(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '>'); strings.HasPrefix(s, "<") && i > 0 {
		return s[1:i]
	}
	return s
}

func readData(r *bufio.Reader) (string, error) {
	var b strings.Builder
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return "", errors.Join(errors.New("data not ended"), err)
		}
		if line == ".\r\n" || line == ".\n" {
			return b.String(), nil
		}
		b.WriteString(strings.TrimPrefix(line, "."))
	}
}
