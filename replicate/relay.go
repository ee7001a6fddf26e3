package replicate

import (
	"net"
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
