package chaos

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kasse/kasse/hub/ledger"
)

// Options shape a cluster.
type Options struct {
	Hubs      int // hub processes, 1 or more
	Registers int // registers configured (K1…Kn), one token each
	// SnapshotThreshold and TrailingLogs are the hubs' raft settings; small
	// values make a wiped or long-absent hub catch up through a snapshot.
	SnapshotThreshold uint64
	TrailingLogs      uint64
	LogLevel          string // the hubs' log level; empty: info
}

// Cluster is a shop of hub processes on 127.0.0.1 whose hubs reach each
// other only through the links of Net.
type Cluster struct {
	Hubs  []*Hub
	Net   *Net
	opts  Options
	turn  int       // which follower a fault picks next
	hitAt time.Time // when the last fault struck
}

// Token is register n's bearer token (n from 1).
func Token(n int) string { return fmt.Sprintf("chaos-register-token-%02d", n) }

// NewCluster lays out opts.Hubs hubs under dir (ports, data directories,
// links, configuration files); nothing runs yet.
func NewCluster(bin, dir string, opts Options) (*Cluster, error) {
	if opts.Hubs < 1 || opts.Registers < 1 {
		return nil, errors.New("chaos: a cluster needs at least one hub and one register")
	}
	if opts.LogLevel == "" {
		opts.LogLevel = "info"
	}
	c := &Cluster{opts: opts}
	addrs := map[string]string{}
	for i := range opts.Hubs {
		h := &Hub{ID: fmt.Sprintf("hub%d", i+1), Dir: filepath.Join(dir, fmt.Sprintf("hub%d", i+1)), bin: bin}
		var err error
		if h.HTTP, err = FreeAddr(); err != nil {
			return nil, err
		}
		if h.Raft, err = FreeAddr(); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(h.Dir, 0o755); err != nil {
			return nil, err
		}
		addrs[h.ID] = h.Raft
		c.Hubs = append(c.Hubs, h)
	}
	n, err := NewNet(addrs)
	if err != nil {
		return nil, err
	}
	c.Net = n
	for i, h := range c.Hubs {
		if err := os.WriteFile(h.Config(), []byte(c.config(h, i == 0)), 0o600); err != nil {
			n.Close()
			return nil, err
		}
	}
	return c, nil
}

// config is hub h's configuration file: it dials each peer through the
// link from h to that peer.
func (c *Cluster) config(h *Hub, bootstrap bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "hub:\n  id: %s\n  data: %s\n", h.ID, h.Data())
	fmt.Fprintf(&b, "raft:\n  bind: %s\n  bootstrap: %t\n", h.Raft, bootstrap)
	if c.opts.SnapshotThreshold > 0 {
		fmt.Fprintf(&b, "  snapshot_threshold: %d\n  snapshot_interval: 1s\n", c.opts.SnapshotThreshold)
	}
	if c.opts.TrailingLogs > 0 {
		fmt.Fprintf(&b, "  trailing_logs: %d\n", c.opts.TrailingLogs)
	}
	b.WriteString("  dial_via:\n")
	for _, p := range c.Hubs {
		if p != h {
			fmt.Fprintf(&b, "    %q: %q\n", p.Raft, c.Net.Link(h.ID, p.ID).Addr())
		}
	}
	fmt.Fprintf(&b, "http:\n  addr: %s\nlog:\n  level: %s\nregisters:\n", h.HTTP, c.opts.LogLevel)
	for i := 1; i <= c.opts.Registers; i++ {
		fmt.Fprintf(&b, "  - id: K%d\n    name: Kasse %d\n    token: %s\n", i, i, Token(i))
	}
	b.WriteString("demo: true\n")
	return b.String()
}

// Hub is the hub with this id.
func (c *Cluster) Hub(id string) *Hub {
	for _, h := range c.Hubs {
		if h.ID == id {
			return h
		}
	}
	return nil
}

// Start brings the shop up: the first hub bootstraps it and the others
// join with tokens. It returns once every hub is a voter.
func (c *Cluster) Start(ctx context.Context) error {
	first := c.Hubs[0]
	if err := first.Start(); err != nil {
		return err
	}
	if err := first.WaitReady(ctx); err != nil {
		return err
	}
	for _, h := range c.Hubs[1:] {
		if err := c.join(ctx, h); err != nil {
			return err
		}
	}
	if len(c.Hubs) == 1 {
		return nil
	}
	return c.WaitVoters(ctx)
}

// Close kills every hub still running and closes the links.
func (c *Cluster) Close() error {
	for _, h := range c.Hubs {
		if h.Running() {
			_ = h.Kill()
		}
	}
	return c.Net.Close()
}

// crashed names a hub whose process ended by itself, with its log's end.
func (c *Cluster) crashed() error {
	for _, h := range c.Hubs {
		if h.Crashed() {
			return fmt.Errorf("%s exited by itself (%v); its log ends:\n%s", h.ID, h.ExitErr(), h.LogTail(3000))
		}
	}
	return nil
}

// Raft is what a hub's metrics say of its raft state.
type Raft struct {
	State   int // 0 follower, 1 candidate, 2 leader, 3 shutdown
	Term    uint64
	Commit  uint64
	Applied uint64
}

// RaftOf scrapes hub h's metrics.
func RaftOf(ctx context.Context, h *Hub) (Raft, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+h.HTTP+"/metrics", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return Raft{}, err
	}
	defer resp.Body.Close()
	var r Raft
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		f, err := strconv.ParseFloat(val, 64)
		if err != nil {
			continue
		}
		switch name {
		case "kasse_raft_state":
			r.State = int(f)
		case "kasse_raft_term":
			r.Term = uint64(f)
		case "kasse_raft_commit_index":
			r.Commit = uint64(f)
		case "kasse_raft_applied_index":
			r.Applied = uint64(f)
		}
	}
	return r, sc.Err()
}

// Leader is the running, unpaused hub that says it leads in the highest
// term; nil when none does.
func (c *Cluster) Leader(ctx context.Context) *Hub {
	var best *Hub
	var term uint64
	for _, h := range c.Hubs {
		if !h.Running() || h.Paused() {
			continue
		}
		r, err := RaftOf(ctx, h)
		if err == nil && r.State == 2 && r.Term >= term {
			best, term = h, r.Term
		}
	}
	return best
}

// WaitLeader waits until some hub leads.
func (c *Cluster) WaitLeader(ctx context.Context) (*Hub, error) {
	for {
		if l := c.Leader(ctx); l != nil {
			return l, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("chaos: no hub leads: %w", ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Followers are the running hubs other than the leader.
func (c *Cluster) Followers(ctx context.Context) []*Hub {
	l := c.Leader(ctx)
	var out []*Hub
	for _, h := range c.Hubs {
		if h != l && h.Running() {
			out = append(out, h)
		}
	}
	return out
}

// Fingerprint asks hub h for its ledger's fingerprint.
func Fingerprint(ctx context.Context, h *Hub) (ledger.Fingerprint, error) {
	var fp ledger.Fingerprint
	err := getJSON(ctx, h, "/state", &fp)
	return fp, err
}

// getJSON reads an API path of hub h as register 1.
func getJSON(ctx context.Context, h *Hub, path string, out any) error {
	return getJSONAs(ctx, h, 1, path, out)
}

// getJSONAs reads an API path of hub h as register n.
func getJSONAs(ctx context.Context, h *Hub, n int, path string, out any) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+h.HTTP+"/api/v1"+path, nil)
	req.Header.Set("Authorization", "Bearer "+Token(n))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("%s: GET %s: %w", h.ID, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s: GET %s: %w", h.ID, path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: GET %s: %d %s", h.ID, path, resp.StatusCode, strings.TrimSpace(string(b)))
	}
	return json.Unmarshal(b, out)
}

// Describe lists each hub's state in one line each, for failure messages.
func (c *Cluster) Describe(ctx context.Context) string {
	var lines []string
	for _, h := range c.Hubs {
		s := h.ID + ": "
		switch {
		case !h.Running():
			s += fmt.Sprintf("down (%v)", h.ExitErr())
		case h.Paused():
			s += "paused"
		default:
			r, err := RaftOf(ctx, h)
			fp, err2 := Fingerprint(ctx, h)
			s += fmt.Sprintf("raft %+v %v; ledger %+v %v", r, err, fp, err2)
		}
		lines = append(lines, s)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}
