package replicate

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/raft"
)

// ALPN protocols on a hub's port: raft's RPCs and the hubs' own HTTP API
// (joining, forwarding writes, status).
const (
	ProtoRaft = "kasse-raft"
	ProtoPeer = "kasse-peer"
)

// ErrMuxClosed: the hub port is closed.
var ErrMuxClosed = errors.New("replicate: hub port closed")

// Mux is a hub's one port for everything between hubs: each connection is
// TLS with the shop's CA, and its ALPN protocol says whether it carries
// raft or the peer HTTP API. A connection that is not TLS, presents a
// certificate of another CA, or asks for raft without a client certificate
// is refused in the handshake and logged; the peer API decides per request
// whether it needs a certificate (joining is the one call that does not).
type Mux struct {
	ln      net.Listener
	adv     net.Addr
	server  *tls.Config
	client  *tls.Config
	log     *slog.Logger
	raft    chan net.Conn
	peer    chan net.Conn
	closed  chan struct{}
	once    sync.Once
	pclosed chan struct{} // the peer listener is closed
	ponce   sync.Once
	refused atomic.Uint64
}

// Listen opens the hub port on bind. server must verify client
// certificates against the shop CA when given (ClientAuth
// VerifyClientCertIfGiven); client is what this hub dials raft with.
func Listen(bind, advertise string, server, client *tls.Config, log *slog.Logger) (*Mux, error) {
	if server == nil || client == nil {
		return nil, errors.New("replicate: the hub port needs TLS configs for both ends")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s, err := newStream(bind, advertise, nil)
	if err != nil {
		return nil, err
	}
	sc := server.Clone()
	sc.NextProtos = []string{ProtoRaft, ProtoPeer}
	cc := client.Clone()
	cc.NextProtos = []string{ProtoRaft}
	m := &Mux{ln: s.Listener, adv: s.Addr(), server: sc, client: cc, log: log.With("component", "hubport"),
		raft: make(chan net.Conn), peer: make(chan net.Conn), closed: make(chan struct{}), pclosed: make(chan struct{})}
	go m.accept()
	return m, nil
}

func (m *Mux) accept() {
	for {
		c, err := m.ln.Accept()
		if err != nil {
			select {
			case <-m.closed:
				return
			default:
			}
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				time.Sleep(10 * time.Millisecond)
				continue
			}
			m.log.Error("hub port accept failed", "err", err)
			m.Close()
			return
		}
		go m.route(c)
	}
}

// route does the handshake off the accept loop and hands the connection on.
func (m *Mux) route(c net.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tc := tls.Server(c, m.server)
	refuse := func(why string, err error) {
		m.refused.Add(1)
		m.log.Warn("refused a connection to the hub port", "remote", c.RemoteAddr().String(), "why", why, "err", err)
		c.Close()
	}
	if err := tc.HandshakeContext(ctx); err != nil {
		refuse("TLS handshake failed: not a hub of this shop, or not TLS", err)
		return
	}
	cs := tc.ConnectionState()
	var to chan net.Conn
	switch cs.NegotiatedProtocol {
	case ProtoRaft:
		if len(cs.PeerCertificates) == 0 {
			refuse("raft without a client certificate", nil)
			return
		}
		to = m.raft
	case ProtoPeer:
		to = m.peer
	default:
		refuse(fmt.Sprintf("unknown protocol %q", cs.NegotiatedProtocol), nil)
		return
	}
	select {
	case to <- tc:
	case <-m.closed:
		tc.Close()
	}
}

// Refused counts connections refused since Listen.
func (m *Mux) Refused() uint64 { return m.refused.Load() }

// Addr is the address other hubs dial.
func (m *Mux) Addr() net.Addr { return m.adv }

// Close stops the port; connections already handed on stay open.
func (m *Mux) Close() error {
	var err error
	m.once.Do(func() {
		close(m.closed)
		err = m.ln.Close()
	})
	return err
}

// Raft is the raft stream layer on this port (Config.Stream).
func (m *Mux) Raft() raft.StreamLayer { return muxRaft{m} }

// Peer is the listener of the peer HTTP API on this port. Serve it with an
// http.Server whose ConnContext is PeerConnContext; handlers find the
// TLS state (the calling hub's certificate) with PeerTLS.
func (m *Mux) Peer() net.Listener { return muxPeer{m} }

// peerConn hides the *tls.Conn from net/http, which would otherwise close a
// connection whose ALPN protocol it has no handler for.
type peerConn struct {
	net.Conn
	state tls.ConnectionState
}

type peerKey struct{}

// PeerConnContext puts a peer connection's TLS state into its requests'
// context (http.Server.ConnContext).
func PeerConnContext(ctx context.Context, c net.Conn) context.Context {
	if pc, ok := c.(*peerConn); ok {
		return context.WithValue(ctx, peerKey{}, &pc.state)
	}
	return ctx
}

// PeerTLS is the TLS state of the peer connection a request came on; nil
// when the server was not set up with PeerConnContext.
func PeerTLS(ctx context.Context) *tls.ConnectionState {
	s, _ := ctx.Value(peerKey{}).(*tls.ConnectionState)
	return s
}

type muxRaft struct{ m *Mux }

func (r muxRaft) Accept() (net.Conn, error) { return r.m.take(r.m.raft) }
func (r muxRaft) Close() error              { return r.m.Close() }
func (r muxRaft) Addr() net.Addr            { return r.m.adv }

func (r muxRaft) Dial(addr raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	d := &net.Dialer{Timeout: timeout}
	c, err := tls.DialWithDialer(d, "tcp", string(addr), r.m.client)
	if err != nil {
		return nil, fmt.Errorf("replicate: dial hub %s: %w", addr, err)
	}
	return c, nil
}

type muxPeer struct{ m *Mux }

func (p muxPeer) Addr() net.Addr { return p.m.adv }

func (p muxPeer) Accept() (net.Conn, error) {
	select {
	case <-p.m.pclosed:
		return nil, ErrMuxClosed
	default:
	}
	c, err := p.m.take(p.m.peer)
	if err != nil {
		return nil, err
	}
	tc := c.(*tls.Conn)
	return &peerConn{Conn: tc, state: tc.ConnectionState()}, nil
}

// Close stops handing out peer connections; the port closes with raft.
func (p muxPeer) Close() error {
	p.m.ponce.Do(func() { close(p.m.pclosed) })
	return nil
}

func (m *Mux) take(ch chan net.Conn) (net.Conn, error) {
	var pclosed chan struct{}
	if ch == m.peer {
		pclosed = m.pclosed
	}
	select {
	case c := <-ch:
		return c, nil
	case <-m.closed:
		return nil, ErrMuxClosed
	case <-pclosed:
		return nil, ErrMuxClosed
	}
}

// PeerClient is an HTTP client for other hubs' peer API: every request goes
// over TLS with conf (this hub's certificate, the shop CA) to the host:port
// of a hub port, as https://<hub port>/….
func PeerClient(conf *tls.Config) *http.Client {
	c := conf.Clone()
	c.NextProtos = []string{ProtoPeer}
	d := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Client{Transport: &http.Transport{
		DialTLSContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return (&tls.Dialer{NetDialer: d, Config: c}).DialContext(ctx, network, addr)
		},
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     90 * time.Second,
	}}
}
