package replicate

import (
	"crypto/tls"
	"fmt"
	"net"
	"time"

	"github.com/hashicorp/raft"
)

// stream is raft's StreamLayer over TCP, optionally in TLS.
type stream struct {
	net.Listener
	advertise net.Addr
	tls       *tls.Config
}

// newStream listens on bind. With a TLS config both accepted and dialled
// connections use it; the handshake happens on first use, off the accept
// loop.
func newStream(bind, advertise string, conf *tls.Config) (*stream, error) {
	var adv net.Addr
	if advertise != "" {
		a, err := net.ResolveTCPAddr("tcp", advertise)
		if err != nil {
			return nil, fmt.Errorf("replicate: advertise address %q: %w", advertise, err)
		}
		adv = a
	}
	l, err := net.Listen("tcp", bind)
	if err != nil {
		return nil, fmt.Errorf("replicate: listen on %s: %w", bind, err)
	}
	s := &stream{Listener: l, advertise: adv, tls: conf}
	if a, ok := s.Addr().(*net.TCPAddr); !ok || a.IP == nil || a.IP.IsUnspecified() {
		l.Close()
		return nil, fmt.Errorf("replicate: %s cannot be dialled by other hubs: set Advertise", s.Addr())
	}
	if conf != nil {
		s.Listener = tls.NewListener(l, conf)
	}
	return s, nil
}

// Addr is the advertised address when one is set.
func (s *stream) Addr() net.Addr {
	if s.advertise != nil {
		return s.advertise
	}
	return s.Listener.Addr()
}

func (s *stream) Dial(addr raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	d := &net.Dialer{Timeout: timeout}
	if s.tls == nil {
		return d.Dial("tcp", string(addr))
	}
	c, err := tls.DialWithDialer(d, "tcp", string(addr), s.tls)
	if err != nil {
		return nil, fmt.Errorf("replicate: tls dial %s: %w", addr, err)
	}
	return c, nil
}
