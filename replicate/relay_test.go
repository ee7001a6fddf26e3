package replicate

import (
	"net"
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
