package replicate

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/raft"
)

// dialRecorder is a StreamLayer that records where it was asked to dial.
type dialRecorder struct {
	raft.StreamLayer
	dialled []raft.ServerAddress
}

func (d *dialRecorder) Dial(addr raft.ServerAddress, _ time.Duration) (net.Conn, error) {
	d.dialled = append(d.dialled, addr)
	return nil, net.ErrClosed
}

func TestDialViaRedirectsOnlyNamedMembers(t *testing.T) {
	rec := &dialRecorder{}
	r := relayed{rec, map[string]string{"10.0.0.2:7000": "127.0.0.1:17002"}}
	r.Dial("10.0.0.2:7000", time.Second)
	r.Dial("10.0.0.3:7000", time.Second)
	if len(rec.dialled) != 2 || rec.dialled[0] != "127.0.0.1:17002" || rec.dialled[1] != "10.0.0.3:7000" {
		t.Fatalf("dialled %v; want the relay for the named member and the configured address for the other", rec.dialled)
	}
}

func TestDialViaPeerClient(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "here") }))
	defer srv.Close()
	real := strings.TrimPrefix(srv.URL, "https://")
	// A client built like PeerClient: its own TLS dial.
	conf := srv.Client().Transport.(*http.Transport).TLSClientConfig
	peer := &http.Client{Transport: &http.Transport{DialTLSContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		return (&tls.Dialer{Config: conf}).DialContext(ctx, network, addr)
	}}}
	c := DialVia(peer, map[string]string{"10.9.9.9:7000": real})
	resp, err := c.Get("https://10.9.9.9:7000/")
	if err != nil {
		t.Fatalf("a hub named in DialVia was not reached through its relay: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "here" {
		t.Fatalf("got %q", b)
	}
}
