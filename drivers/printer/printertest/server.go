package printertest

import (
	"errors"
	"net"
	"sync"
)

// Server is a network printer: a Device behind a TCP listener, like the
// raw port 9100 of an Epson TM with an Ethernet interface.
type Server struct {
	*Device

	mu     sync.Mutex
	addr   string
	ln     net.Listener
	conns  map[net.Conn]struct{}
	cutoff int // power off after this many more bytes; 0: never
	closed bool
	wg     sync.WaitGroup
}

// Listen starts a printer on addr: "127.0.0.1:0" in tests, ":9100" to
// try a hub against it by hand.
func Listen(addr string, cfg Config) (*Server, error) {
	s := &Server{Device: NewDevice(cfg), conns: map[net.Conn]struct{}{}}
	if err := s.listen(addr); err != nil {
		return nil, err
	}
	s.addr = s.ln.Addr().String()
	return s, nil
}

// Addr is the address the printer listens on, also after PowerOn.
func (s *Server) Addr() string { return s.addr }

func (s *Server) listen(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.ln = ln
	s.mu.Unlock()
	s.wg.Add(1)
	go s.accept(ln)
	return nil
}

func (s *Server) accept(ln net.Listener) {
	defer s.wg.Done()
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.ln != ln {
			s.mu.Unlock()
			c.Close()
			continue
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go s.serve(c)
	}
}

func (s *Server) serve(c net.Conn) {
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		c.Close()
	}()
	h := s.attach(c)
	defer s.detach(h)
	buf := make([]byte, 4096)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			p, off := buf[:n], false
			s.mu.Lock()
			if s.cutoff > 0 {
				if n >= s.cutoff {
					p, off, s.cutoff = p[:s.cutoff], true, 0
				} else {
					s.cutoff -= n
				}
			}
			s.mu.Unlock()
			s.input(h, p)
			if off {
				s.PowerOff()
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// PowerOff switches the printer off: it stops listening, drops every
// connection and loses what it had received but not printed.
func (s *Server) PowerOff() {
	s.Device.powerOff()
	s.mu.Lock()
	ln := s.ln
	s.ln = nil
	conns := make([]net.Conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	if ln != nil {
		ln.Close()
	}
	for _, c := range conns {
		c.Close()
	}
}

// PowerOffAfter switches the printer off once n more bytes have arrived
// (and been printed), to pull the plug in the middle of a job.
func (s *Server) PowerOffAfter(n int) {
	s.mu.Lock()
	s.cutoff = n
	s.mu.Unlock()
}

// PowerOn switches the printer on again at the same address.
func (s *Server) PowerOn() error {
	s.mu.Lock()
	on, closed := s.ln != nil, s.closed
	s.mu.Unlock()
	if closed {
		return errors.New("printertest: server closed")
	}
	if on {
		return nil
	}
	s.Device.powerOn()
	return s.listen(s.addr)
}

// Close switches the printer off for good and waits for its goroutines.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.PowerOff()
	s.wg.Wait()
	return nil
}
