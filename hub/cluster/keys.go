package cluster

// Signing keys made after the hubs joined reach every hub of the shop
// (see ledger/keys_fetch.go for how Apply behaves while a key is missing).
//
//   - The hub that makes key version N (setting up the shop, or continuing
//     under a new version after its key was lost, or kasse rotate-key) hands
//     it to every member over the peer API (PUT /peer/v1/keys/N) and
//     proposes key.install N only once a majority of the voters hold it.
//   - A hub that lacks the version in use (down during the hand-out, or its
//     keys lost) asks the shop's hubs for it (GET /peer/v1/keys/N): ahead of
//     time (WatchKeys), or from Apply when a sale is to be signed.
//   - Only a member of the shop's cluster with a certificate of the shop CA
//     is given a key or may hand one in; a key is taken only if it is the
//     private half of the ledger's public key of that version (or, before
//     its key.install, any well-formed key). Every transfer is logged.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/kasse/kasse/hub/ledger"
	"github.com/kasse/kasse/hub/pki"
	"github.com/kasse/kasse/hub/till"
	"github.com/kasse/kasse/replicate"
)

// Keyring is what the cluster needs of the hub's signing keys
// (ledger.Keyring).
type Keyring interface {
	PEMs() map[int][]byte
	PEM(v int) ([]byte, bool)
	Public(v int) (*ledger.PublicKey, error)
	Generate(v int) (*ledger.PublicKey, error)
	Put(v int, pem []byte, want *ledger.PublicKey) error
	FetchOnce(want ledger.PublicKey) error
}

// keyTimeout bounds one key exchange with a hub: 5 s × raft.timeout_scale.
func keyTimeout(scale float64) time.Duration {
	return time.Duration(float64(5*time.Second) * max(scale, 1))
}

// keyMsg carries one private signing key between hubs.
type keyMsg struct {
	Version int    `json:"version"`
	PEM     string `json:"pem"`
}

// RotateKey makes signing key version N+1 on this hub, hands it to the
// shop's hubs, and installs it: every register's next signature uses it.
func (c *Cluster) RotateKey(ctx context.Context) (int, error) {
	v := c.Ledger.KeyVersion() + 1
	pub, err := c.KeyMaker(ctx).Generate(v)
	if err != nil {
		return 0, err
	}
	sum := sha256.Sum256([]byte(pub.PEM))
	h := hex.EncodeToString(sum[:])
	if _, err := c.Till.Do(ctx, till.Req{Key: "key/rotate/" + h, Hash: h}, ledger.CmdKeyInstall, pub); err != nil {
		return 0, fmt.Errorf("cluster: install signing key version %d: %w", v, err)
	}
	c.Log.Info("signing key rotated", "version", v)
	return v, nil
}

// KeyMaker is the keyring as setting up the shop uses it (till.Keys): a
// key version that is not installed yet is handed to the shop's hubs
// before it is proposed (made first if this hub does not hold it).
func (c *Cluster) KeyMaker(ctx context.Context) till.Keys { return keyMaker{c: c, ctx: ctx} }

type keyMaker struct {
	c   *Cluster
	ctx context.Context
}

var errNotHandedOut = errors.New("cluster: the key version is not installed yet")

func (k keyMaker) Public(v int) (*ledger.PublicKey, error) {
	if v > k.c.Ledger.KeyVersion() {
		return nil, errNotHandedOut // Generate hands it out, making it if needed
	}
	return k.c.Keys.Public(v)
}

func (k keyMaker) Generate(v int) (*ledger.PublicKey, error) {
	pub, err := k.c.Keys.Public(v)
	if err != nil {
		if pub, err = k.c.Keys.Generate(v); err != nil {
			return nil, fmt.Errorf("cluster: make signing key version %d: %w", v, err)
		}
		k.c.Log.Info("made a signing key version", "version", v)
	}
	return pub, k.c.Distribute(k.ctx, v)
}

// Distribute hands key version v to every member of the shop, and asks
// again until a majority of the voters (this hub among them if it votes)
// hold it. A member that did not take it now fetches it when it needs it.
func (c *Cluster) Distribute(ctx context.Context, v int) error {
	p, ok := c.Keys.PEM(v)
	if !ok {
		return fmt.Errorf("cluster: this hub holds no signing key version %d", v)
	}
	for {
		ms, err := c.Node.Members()
		if err != nil {
			return fmt.Errorf("cluster: hand out signing key version %d: %w", v, err)
		}
		var (
			mu              sync.Mutex
			wg              sync.WaitGroup
			voters, holders int
			errs            []error
		)
		for _, m := range ms {
			if m.Voter {
				voters++
			}
			if m.ID == c.Self.ID {
				if m.Voter {
					mu.Lock()
					holders++
					mu.Unlock()
				}
				continue
			}
			wg.Go(func() {
				cctx, cancel := context.WithTimeout(ctx, keyTimeout(c.Scale))
				defer cancel()
				err := call(cctx, c.Client, http.MethodPut, "https://"+m.Addr+"/peer/v1/keys/"+strconv.Itoa(v), keyMsg{Version: v, PEM: string(p)}, nil)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					errs = append(errs, fmt.Errorf("%s: %w", m.ID, err))
					return
				}
				c.Log.Info("handed a signing key to a hub", "version", v, "hub", m.ID)
				if m.Voter {
					holders++
				}
			})
		}
		wg.Wait()
		if len(ms) == 0 || holders > voters/2 {
			if len(errs) > 0 {
				c.Log.Warn("some hubs did not take the signing key now: they fetch it when they need it", "version", v, "err", errors.Join(errs...))
			}
			return nil
		}
		c.Log.Warn("fewer than a majority of the voting hubs hold the new signing key: asking again", "version", v, "holders", holders, "voters", voters, "err", errors.Join(errs...))
		select {
		case <-ctx.Done():
			return fmt.Errorf("cluster: signing key version %d reached %d of %d voting hubs, not a majority: it is not installed: %w",
				v, holders, voters, errors.Join(append(errs, ctx.Err())...))
		case <-time.After(time.Second):
		}
	}
}

// WatchKeys makes sure, at start and whenever the ledger moves on to a new
// key version, that this hub holds the version in use, fetching it before
// a sale needs it. It returns when ctx ends.
func (c *Cluster) WatchKeys(ctx context.Context) {
	t := time.NewTicker(2 * time.Second)
	defer t.Stop()
	held := 0
	var warned time.Time
	for {
		if v := c.Ledger.KeyVersion(); v > 0 && v != held {
			pub, err := c.Ledger.PublicKey(v)
			if err == nil {
				err = c.Keys.FetchOnce(*pub)
			}
			if err == nil {
				held = v
			} else if time.Since(warned) > 30*time.Second {
				warned = time.Now()
				c.Log.Warn("this hub lacks the signing key version in use: asking the shop's hubs for it", "version", v, "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (c *Cluster) keyRoutes(mux *http.ServeMux, hub func(http.HandlerFunc) http.Handler) {
	// member admits a hub of the cluster, or this hub's own kasse command.
	member := func(h func(w http.ResponseWriter, r *http.Request, peer string)) http.Handler {
		return hub(func(w http.ResponseWriter, r *http.Request) {
			id := pki.PeerID(replicate.PeerTLS(r.Context()))
			if _, ok := c.member(id); !ok && id != c.Self.ID {
				c.Log.Warn("refused a signing key to a hub that is not a member of the shop", "hub", id, "path", r.URL.Path, "remote", r.RemoteAddr)
				writeErr(w, http.StatusForbidden, "not_member", "only member hubs of this shop may exchange signing keys")
				return
			}
			h(w, r, id)
		})
	}
	version := func(w http.ResponseWriter, r *http.Request) (int, bool) {
		v, err := strconv.Atoi(r.PathValue("v"))
		if err != nil || v < 1 {
			writeErr(w, http.StatusBadRequest, "bad_request", "a key version is a number from 1")
			return 0, false
		}
		return v, true
	}
	mux.Handle("POST /peer/v1/keys", member(func(w http.ResponseWriter, r *http.Request, _ string) {
		v, err := c.RotateKey(r.Context())
		c.answer(w, err, map[string]int{"version": v})
	}))
	mux.Handle("GET /peer/v1/keys/{v}", member(func(w http.ResponseWriter, r *http.Request, peer string) {
		v, ok := version(w, r)
		if !ok {
			return
		}
		p, ok := c.Keys.PEM(v)
		if !ok {
			writeErr(w, http.StatusNotFound, "key_unknown", fmt.Sprintf("this hub holds no signing key version %d", v))
			return
		}
		c.Log.Info("handed a signing key to a hub", "version", v, "hub", peer, "asked", true)
		writeJSON(w, keyMsg{Version: v, PEM: string(p)})
	}))
	mux.Handle("PUT /peer/v1/keys/{v}", member(func(w http.ResponseWriter, r *http.Request, peer string) {
		v, ok := version(w, r)
		if !ok {
			return
		}
		var m keyMsg
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&m); err != nil || m.Version != v {
			writeErr(w, http.StatusBadRequest, "bad_request", "send {\"version\",\"pem\"} for the version in the path")
			return
		}
		want, err := c.Ledger.PublicKey(v)
		if errors.Is(err, ledger.ErrNotFound) {
			want = nil // handed out ahead of its key.install
		} else if err != nil {
			c.answer(w, err, nil)
			return
		}
		if err := c.Keys.Put(v, []byte(m.PEM), want); err != nil {
			c.Log.Warn("refused a signing key a hub handed in", "version", v, "hub", peer, "err", err)
			writeErr(w, http.StatusConflict, "key_mismatch", err.Error())
			return
		}
		c.Log.Info("received a signing key from a hub", "version", v, "hub", peer)
		writeJSON(w, map[string]string{"status": "ok"})
	}))
}

// Fetcher gets a signing key this hub lacks from the shop's other hubs, as
// the ledger records them, over the peer API (ledger.KeySource). It works
// before the cluster is wired: Apply may need a key while Raft replays.
type Fetcher struct {
	Ledger *ledger.Ledger
	Client *http.Client // the peer API client (this hub's certificate)
	Self   string       // this hub's id
	Scale  float64      // raft.timeout_scale
	Log    *slog.Logger
}

// FetchKey implements ledger.KeySource.
func (f *Fetcher) FetchKey(ctx context.Context, v int, take func([]byte) error) error {
	hubs, err := f.Ledger.Hubs()
	if err != nil {
		return fmt.Errorf("cluster: the shop's hubs: %w", err)
	}
	var errs []error
	for _, h := range hubs {
		if h.ID == f.Self || h.Raft == "" {
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, keyTimeout(f.Scale))
		var m keyMsg
		err := call(cctx, f.Client, http.MethodGet, "https://"+h.Raft+"/peer/v1/keys/"+strconv.Itoa(v), nil, &m)
		cancel()
		if err == nil && m.Version != v {
			err = fmt.Errorf("answered with key version %d", m.Version)
		}
		if err == nil {
			err = take([]byte(m.PEM))
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", h.ID, err))
			continue
		}
		f.Log.Info("received a signing key from a hub", "version", v, "hub", h.ID)
		return nil
	}
	if len(errs) == 0 {
		return errors.New("cluster: the ledger names no other hub to ask")
	}
	return errors.Join(errs...)
}
