package replicate

import (
	"crypto/tls"
	"errors"
	"fmt"
	"github.com/dgraph-io/badger/v4"
	"net"
	"time"

	"github.com/hashicorp/raft"
)

// Config configures a Node. Start from DefaultConfig.
type Config struct {
	// ID names this hub in the cluster; it must stay the same for the life
	// of the data directory.
	ID string
	// Dir holds raft's snapshots (the log and state live in Badger).
	Dir string
	// Bind is the TCP address to listen on for raft traffic, e.g.
	// "0.0.0.0:7000" or "127.0.0.1:0" for a free port.
	Bind string
	// Advertise is the address other hubs dial. Empty means the bound
	// address, which must then not be unspecified (0.0.0.0).
	Advertise string
	// Bootstrap makes this node a one-voter cluster when it has no state
	// yet (first start of the first hub). Ignored when state exists.
	Bootstrap bool

	// TimeoutScale multiplies the LAN timers (heartbeat 500 ms, election
	// 1 s, leader lease 500 ms): 2 or 3 for slow SD cards or a busy Wi-Fi.
	TimeoutScale float64
	// SnapshotThreshold is how many new log entries trigger a snapshot.
	SnapshotThreshold uint64
	// SnapshotInterval is how often raft checks whether to snapshot.
	SnapshotInterval time.Duration
	// TrailingLogs is how many entries stay in the log after a snapshot, so
	// a briefly absent follower catches up without a full snapshot.
	TrailingLogs uint64
	// MaxAppendEntries caps the entries per replication RPC, per fsync and
	// per Machine.Apply batch; the Machine's transaction must hold that many.
	MaxAppendEntries int

	// DialVia maps a member's address (as in the cluster's configuration)
	// to the address this node dials it at instead: a relay or a port
	// forward between hubs. Members not named are dialled as configured.
	DialVia map[string]string

	// LogDB, when set, holds raft's log and stable state instead of the
	// state machine's database: a database opened with LogOptions (synced
	// writes), so the state's database may run unsynced (StateOptions).
	// Nil keeps log and state in one database, which must then be synced.
	LogDB *badger.DB

	// Stream, when set, carries raft's traffic (Bind, Advertise and TLS are
	// then ignored); for a custom or test transport.
	Stream raft.StreamLayer
	// TLS, when set, wraps raft's TCP traffic in TLS with this config on
	// both ends; with ClientAuth = tls.RequireAndVerifyClientCert and
	// a shared CA that is the hubs' mutual TLS.
	TLS *tls.Config
}

// DefaultConfig returns settings for hubs on one shop LAN. ID, Dir and Bind
// are left for the caller.
func DefaultConfig() Config {
	return Config{
		TimeoutScale:      1,
		SnapshotThreshold: 8192,
		SnapshotInterval:  2 * time.Minute,
		TrailingLogs:      16384, // at least SnapshotThreshold, so a hub sent one snapshot finds the log after it
		MaxAppendEntries:  128,
	}
}

// Validate says in plain words what is wrong with c.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if c.ID == "" {
		bad("ID is empty: each hub needs a name that is unique in the shop")
	}
	if c.Dir == "" {
		bad("Dir is empty: raft needs a folder for its snapshots")
	}
	if c.Stream == nil {
		if c.Bind == "" {
			bad("Bind is empty: give the address to listen on, such as 0.0.0.0:7000")
		} else if _, _, err := net.SplitHostPort(c.Bind); err != nil {
			bad("Bind %q is not host:port: %v", c.Bind, err)
		}
		if c.Advertise != "" {
			if _, err := net.ResolveTCPAddr("tcp", c.Advertise); err != nil {
				bad("Advertise %q is not an address other hubs can dial: %v", c.Advertise, err)
			}
		}
	}
	if !(c.TimeoutScale > 0) {
		bad("TimeoutScale is %v: it must be above 0 (1 for a LAN, 2 or 3 for slow hardware)", c.TimeoutScale)
	} else if c.TimeoutScale < 0.05 {
		bad("TimeoutScale %v is too small: below 0.05 raft's timers drop under its minimum", c.TimeoutScale)
	}
	if c.SnapshotThreshold == 0 {
		bad("SnapshotThreshold is 0: the log would never be compacted")
	}
	if c.SnapshotInterval < 5*time.Millisecond {
		bad("SnapshotInterval %v is too short (at least 5ms)", c.SnapshotInterval)
	}
	if c.MaxAppendEntries < 1 || c.MaxAppendEntries > 1024 {
		bad("MaxAppendEntries %d must be between 1 and 1024", c.MaxAppendEntries)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("replicate: bad config: %w", err)
	}
	return nil
}

func (c Config) scaled(d time.Duration) time.Duration {
	return time.Duration(float64(d) * c.TimeoutScale)
}

// raftConfig turns c into raft's config, tuned for a LAN.
func (c Config) raftConfig() *raft.Config {
	rc := raft.DefaultConfig()
	rc.LocalID = raft.ServerID(c.ID)
	rc.HeartbeatTimeout = c.scaled(500 * time.Millisecond)
	rc.ElectionTimeout = c.scaled(time.Second)
	rc.LeaderLeaseTimeout = c.scaled(500 * time.Millisecond)
	rc.CommitTimeout = c.scaled(20 * time.Millisecond)
	rc.MaxAppendEntries = c.MaxAppendEntries
	// Calm elections on a flapping Wi-Fi link: a hub that lost touch asks
	// first whether it could win (pre-vote) instead of bumping the term and
	// unseating a healthy leader when it comes back; and a leader that cannot
	// reach a quorum within LeaderLeaseTimeout steps down (raft's check-quorum),
	// so a cut-off leader never keeps taking writes it cannot commit.
	rc.PreVoteDisabled = false
	// Let proposals queue while the leader fsyncs, so one fsync carries
	// many of them.
	rc.BatchApplyCh = true
	rc.SnapshotThreshold = c.SnapshotThreshold
	rc.SnapshotInterval = c.SnapshotInterval
	rc.TrailingLogs = c.TrailingLogs
	// Raft's go-metrics names are replaced by ours.
	rc.NoLegacyTelemetry = true
	return rc
}
