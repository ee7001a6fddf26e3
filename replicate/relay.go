package replicate

import (
	"context"
	"net"
	"net/http"
	"time"

	"github.com/hashicorp/raft"
)

// relayed dials some members at another address than the one in the
// cluster's configuration (Config.DialVia); the rest as configured.
type relayed struct {
	raft.StreamLayer
	via map[string]string
}

func (r relayed) Dial(addr raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	if v, ok := r.via[string(addr)]; ok {
		addr = raft.ServerAddress(v)
	}
	return r.StreamLayer.Dial(addr, timeout)
}

// DialVia returns a copy of the peer API client c (see PeerClient) that
// dials other hubs as Config.DialVia says, so forwarded writes take the
// same way as raft's traffic.
func DialVia(c *http.Client, via map[string]string) *http.Client {
	t, ok := c.Transport.(*http.Transport)
	if !ok || len(via) == 0 || t.DialTLSContext == nil {
		return c
	}
	t = t.Clone()
	dial := t.DialTLSContext
	t.DialTLSContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if v, ok := via[addr]; ok {
			addr = v
		}
		return dial(ctx, network, addr)
	}
	out := *c
	out.Transport = t
	return &out
}
