// Package cluster makes the hubs of a shop one cluster: join tokens, joining
// (certificate, signing keys, entry as a non-voter), promotion to voter once
// caught up, removal, and the cluster's status. It serves the hubs' peer API
// on the hub port (replicate.Mux), behind mutual TLS with the shop CA.
//
// It promises:
//   - a join token is honoured once, before it expires, by any hub: only a
//     hash of its secret goes through Raft;
//   - a joining hub gets its certificate, the shop CA and the signing keys
//     over TLS pinned to the CA fingerprint in the token, never in the log;
//   - a new hub enters as a non-voter and is promoted only once it has
//     caught up, so a slow newcomer never costs the shop its quorum;
//   - every peer call but joining needs a certificate of the shop CA;
//   - a signing key version made later is held by a majority of the voters
//     before it is installed, and a hub that lacks it fetches it from the
//     others; only member hubs exchange keys (keys.go);
//   - status names every member, its role, the leader, each one's applied
//     index and lag, and warns about a voter count that gains nothing.
package cluster

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/kasse/kasse/hub/ledger"
	"github.com/kasse/kasse/hub/pki"
	"github.com/kasse/kasse/hub/till"
	"github.com/kasse/kasse/replicate"
)

// Cluster is this hub's part in the shop's cluster.
type Cluster struct {
	Node   *replicate.Node
	Ledger *ledger.Ledger
	Till   *till.Service // proposes from any hub (through the Forwarder)
	Fwd    *replicate.Forwarder
	Ident  *pki.Identity
	PKIDir string // holds the shop CA (every hub has it)
	Keys   Keyring
	Client *http.Client // the peer API client
	Self   ledger.Hub   // this hub's id and addresses
	// Scale is raft.timeout_scale: the promoter's pace follows it.
	Scale float64
	// CaughtUp is how far behind the leader a non-voter may be to be
	// promoted, in log entries.
	CaughtUp uint64
	Log      *slog.Logger

	warnMu   sync.Mutex
	lastWarn string
}

// TokenPrefix starts every join token.
const TokenPrefix = "kasse-join-"

// Token is what a join token carries: where to ask, whom to trust, and
// the secret.
type Token struct {
	Addrs       []string `json:"a"` // hub ports of the shop's hubs
	Fingerprint string   `json:"f"` // the shop CA's SHA-256
	Secret      string   `json:"s"`
}

// String encodes the token for the operator to carry to the new hub.
func (t Token) String() string {
	b, _ := json.Marshal(t)
	return TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
}

// ParseToken reads a join token.
func ParseToken(s string) (Token, error) {
	var t Token
	raw, ok := strings.CutPrefix(strings.TrimSpace(s), TokenPrefix)
	if !ok {
		return t, fmt.Errorf("cluster: a join token starts with %q", TokenPrefix)
	}
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil {
		return t, fmt.Errorf("cluster: the join token is damaged (copy it again): %w", err)
	}
	if err := json.Unmarshal(b, &t); err != nil {
		return t, fmt.Errorf("cluster: the join token is damaged (copy it again): %w", err)
	}
	if len(t.Addrs) == 0 || len(t.Fingerprint) != 64 || len(t.Secret) < 32 {
		return t, errors.New("cluster: the join token lacks an address, the CA fingerprint or its secret")
	}
	return t, nil
}

func hashSecret(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// NewToken makes a join token valid for ttl and records its hash through
// Raft, so any hub honours it once.
func (c *Cluster) NewToken(ctx context.Context, ttl time.Duration) (Token, time.Time, error) {
	if ttl <= 0 || ttl > 7*24*time.Hour {
		return Token{}, time.Time{}, errors.New("cluster: a join token lives between a second and a week")
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return Token{}, time.Time{}, err
	}
	secret := hex.EncodeToString(b[:])
	hash := hashSecret(secret)
	exp := time.Now().Add(ttl).UTC()
	req := till.Req{Key: "cluster/token/" + hash, Hash: hash}
	if _, err := c.Till.Do(ctx, req, ledger.CmdJoinToken, ledger.JoinToken{Hash: hash, Expires: exp}); err != nil {
		return Token{}, time.Time{}, fmt.Errorf("cluster: record the join token: %w", err)
	}
	addrs := []string{c.Self.Raft}
	if hubs, err := c.Ledger.Hubs(); err == nil {
		for _, h := range hubs {
			if h.ID != c.Self.ID && h.Raft != "" {
				addrs = append(addrs, h.Raft)
			}
		}
	}
	return Token{Addrs: addrs, Fingerprint: c.Ident.Fingerprint(), Secret: secret}, exp, nil
}

// JoinRequest is what a joining hub sends with its token's secret.
type JoinRequest struct {
	Secret string     `json:"secret"`
	Hub    ledger.Hub `json:"hub"`
	CSR    string     `json:"csr"` // PEM, CommonName = Hub.ID
}

// JoinResponse is what it gets: its certificate, the shop CA, the
// signing keys, and the shop's hubs.
type JoinResponse struct {
	Cert   string         `json:"cert"`
	CACert string         `json:"ca_cert"`
	CAKey  string         `json:"ca_key"`
	Keys   map[int]string `json:"signing_keys"`
	Hubs   []ledger.Hub   `json:"hubs"`
}

// admit honours a join request: the token through Raft (once, by any hub),
// then the certificate and keys.
func (c *Cluster) admit(ctx context.Context, jr JoinRequest) (*JoinResponse, error) {
	if len(jr.Secret) < 32 {
		return nil, &ledger.Rejection{Code: "token_unknown", Message: "the join request carries no token secret"}
	}
	ca, err := pki.LoadCA(c.PKIDir)
	if err != nil {
		return nil, fmt.Errorf("cluster: this hub cannot sign certificates: %w", err)
	}
	hash := hashSecret(jr.Secret)
	// The same hub retrying with the same token is answered again (the
	// idempotency key); another hub with a used token is refused.
	req := till.Req{Key: "cluster/join/" + hash + "/" + jr.Hub.ID, Hash: hashSecret(hash + "\n" + jr.Hub.ID + "\n" + jr.Hub.Raft + "\n" + jr.Hub.API)}
	if _, err := c.Till.Do(ctx, req, ledger.CmdJoin, ledger.Join{Hash: hash, Hub: jr.Hub}); err != nil {
		return nil, err
	}
	cert, err := ca.Sign([]byte(jr.CSR), jr.Hub.ID)
	if err != nil {
		return nil, err
	}
	key, err := ca.KeyPEM()
	if err != nil {
		return nil, err
	}
	out := &JoinResponse{Cert: string(cert), CACert: string(ca.CertPEM()), CAKey: string(key), Keys: map[int]string{}}
	for v, k := range c.Keys.PEMs() {
		out.Keys[v] = string(k)
	}
	out.Hubs, _ = c.Ledger.Hubs()
	c.Log.Info("admitted a hub to the shop", "hub", jr.Hub.ID, "raft", jr.Hub.Raft)
	return out, nil
}

// AddMember adds a hub as a non-voter (on the leader; a follower asks the
// leader). A hub already in the cluster is left as it is.
func (c *Cluster) AddMember(ctx context.Context, id, addr string) error {
	if !c.Node.IsLeader() {
		return c.toLeader(ctx, http.MethodPost, "/peer/v1/members", memberReq{ID: id, Raft: addr})
	}
	ms, err := c.Node.Members()
	if err != nil {
		return err
	}
	for _, m := range ms {
		if m.ID == id && m.Addr == addr {
			return nil
		}
	}
	if err := c.Node.AddNonvoter(ctx, id, addr); err != nil {
		return err
	}
	c.Log.Info("a hub entered as a non-voter; it is promoted once caught up", "hub", id, "raft", addr)
	return nil
}

// RemoveMember takes a hub out of the shop: out of the ledger's list of
// hubs, then out of raft. A dead hub is removed the same way; a new box
// then joins with a token.
func (c *Cluster) RemoveMember(ctx context.Context, id string) error {
	if !c.Node.IsLeader() {
		return c.toLeader(ctx, http.MethodDelete, "/peer/v1/members/"+id, nil)
	}
	var rej *ledger.Rejection
	if _, err := c.Till.Do(ctx, till.Req{}, ledger.CmdHubRemove, ledger.Hub{ID: id}); err != nil && !(errors.As(err, &rej) && rej.Code == "unknown_hub") {
		return err
	}
	if err := c.Node.RemoveServer(ctx, id); err != nil {
		return err
	}
	c.Log.Info("removed a hub from the shop", "hub", id)
	return nil
}

type memberReq struct {
	ID   string `json:"id"`
	Raft string `json:"raft"`
}

// toLeader makes a peer call on the leader, waiting briefly for one.
func (c *Cluster) toLeader(ctx context.Context, method, path string, body any) error {
	for {
		_, addr := c.Node.Leader()
		if addr != "" {
			if c.Node.IsLeader() {
				return errors.New("cluster: this hub became the leader: try again")
			}
			return call(ctx, c.Client, method, "https://"+addr+path, body, nil)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w: %w", replicate.ErrNoLeader, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Promote runs on every hub and acts while it leads: each non-voter that
// has caught up (applied within CaughtUp of the leader) becomes a voter, and
// an unhelpful voter count is warned about in the log.
func (c *Cluster) Promote(ctx context.Context) {
	every := time.Duration(float64(500*time.Millisecond) * c.Scale)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if c.Node.State().String() == "Shutdown" {
			c.Log.Warn("this hub is no longer a member of the shop (it was removed): it books nothing; to bring it back, clear its data directory and join with a new token")
			return
		}
		if !c.Node.IsLeader() {
			continue
		}
		ms, err := c.Node.Members()
		if err != nil {
			continue
		}
		c.warnVoters(ms)
		for _, m := range ms {
			if m.Voter {
				continue
			}
			self, err := c.peerSelf(ctx, m.Addr)
			if err != nil {
				continue
			}
			lead := c.Node.Applied()
			if self.Applied+c.CaughtUp < lead {
				continue
			}
			if err := c.Node.AddVoter(ctx, m.ID, m.Addr); err != nil {
				c.Log.Warn("promoting a caught-up hub failed; trying again", "hub", m.ID, "err", err)
				continue
			}
			c.Log.Info("a hub caught up and became a voter", "hub", m.ID, "applied", self.Applied, "leader_applied", lead)
		}
	}
}

// voterWarning says what is wrong with this many voters, if anything.
func voterWarning(voters int) string {
	switch {
	case voters == 2:
		return "2 voting hubs tolerate no failure (both must be up to sell): add a third hub or remove one"
	case voters > 0 && voters%2 == 0:
		return fmt.Sprintf("%d voting hubs tolerate no more failures than %d would (%d): an odd count is better", voters, voters-1, (voters-1)/2)
	}
	return ""
}

func (c *Cluster) warnVoters(ms []replicate.Member) {
	n := 0
	for _, m := range ms {
		if m.Voter {
			n++
		}
	}
	w := voterWarning(n)
	c.warnMu.Lock()
	defer c.warnMu.Unlock()
	if w != "" && w != c.lastWarn {
		c.Log.Warn(w, "voters", n)
	}
	c.lastWarn = w
}

// Self is what a hub says of itself on the peer API.
type Self struct {
	ID        string `json:"id"`
	State     string `json:"state"`
	Leader    string `json:"leader"`
	Applied   uint64 `json:"applied"`
	LastIndex uint64 `json:"last_index"`
	Halted    string `json:"halted,omitempty"`
	API       string `json:"api"`
}

func (c *Cluster) self() Self {
	leader, _ := c.Node.Leader()
	s := Self{ID: c.Self.ID, State: c.Node.State().String(), Leader: leader, Applied: c.Node.Applied(), LastIndex: c.Node.LastIndex(), API: c.Self.API}
	if err := c.Ledger.Halted(); err != nil {
		s.Halted = err.Error()
	}
	return s
}

func (c *Cluster) peerSelf(ctx context.Context, addr string) (Self, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Duration(float64(time.Second)*c.Scale))
	defer cancel()
	var s Self
	err := call(ctx, c.Client, http.MethodGet, "https://"+addr+"/peer/v1/self", nil, &s)
	return s, err
}

// call makes one peer API call; an error answer comes back as its message.
func call(ctx context.Context, hc *http.Client, method, url string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("cluster: %s %s: %w", method, url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		var pe peerError
		if json.NewDecoder(resp.Body).Decode(&pe) == nil && pe.Code != "" {
			return &pe
		}
		return fmt.Errorf("cluster: %s %s: %s", method, url, resp.Status)
	}
	if out == nil {
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// peerError is an error answer of the peer API.
type peerError struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *peerError) Error() string { return e.Code + ": " + e.Message }
