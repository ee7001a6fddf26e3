package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/kasse/kasse/hub/cluster"
	"github.com/kasse/kasse/hub/config"
	"github.com/kasse/kasse/hub/ledger"
	"github.com/kasse/kasse/hub/pki"
	"github.com/kasse/kasse/hub/till"
	"github.com/kasse/kasse/replicate"
)

// joinedMarker in the pki directory says this hub joined an existing shop,
// so it must never bootstrap a cluster of its own.
const joinedMarker = "joined"

// raftAddr is the hub port other hubs dial.
func raftAddr(c config.Config) string {
	if c.Raft.Advertise != "" {
		return c.Raft.Advertise
	}
	return c.Raft.Bind
}

// apiURL is the registers' API base URL other hubs hand to registers.
func apiURL(c config.Config) string {
	host, port, _ := net.SplitHostPort(c.HTTP.Addr)
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host, _, _ = net.SplitHostPort(raftAddr(c))
	}
	scheme := "http"
	if useTLS(c.HTTP.TLS, c.HTTP.Addr) {
		scheme = "https"
	}
	return scheme + "://" + net.JoinHostPort(host, port) + "/api/v1"
}

// certNames are the names and addresses on this hub's certificate.
func certNames(c config.Config) []string {
	names := []string{raftAddr(c), c.Raft.Bind, c.HTTP.Addr, "localhost", "127.0.0.1"}
	if hn, err := os.Hostname(); err == nil {
		names = append(names, hn)
	}
	return names
}

// identity makes sure this hub has its certificate: the first hub of a
// shop creates the shop CA; a new hub joins with a token. It returns the
// identity, the hub ports to ask for membership (joining only), and
// whether raft may bootstrap.
func (h *hub) identity(ctx context.Context) (*pki.Identity, []string, bool, error) {
	cfg := h.cfg
	dir := filepath.Join(cfg.Hub.Data, "pki")
	self := ledger.Hub{ID: cfg.Hub.ID, Raft: raftAddr(cfg), API: apiURL(cfg)}
	var ask []string
	switch {
	case cluster.Joined(dir):
		// A hub that joined but stopped before it was added asks again.
		if b, err := os.ReadFile(filepath.Join(dir, joinedMarker)); err == nil {
			_ = json.Unmarshal(b, &ask)
		}
	case cfg.Raft.Join != "":
		t, err := cluster.ParseToken(cfg.Raft.Join)
		if err != nil {
			return nil, nil, false, err
		}
		hubs, err := cluster.Join(ctx, cfg.Raft.Join, self, certNames(cfg), dir, filepath.Join(cfg.Hub.Data, "keys"), h.log)
		if err != nil {
			return nil, nil, false, fmt.Errorf("join the shop: %w", err)
		}
		ask = t.Addrs
		for _, hb := range hubs {
			ask = append(ask, hb.Raft)
		}
		b, _ := json.Marshal(ask)
		if err := os.WriteFile(filepath.Join(dir, joinedMarker), b, 0o600); err != nil {
			return nil, nil, false, err
		}
	case cfg.Raft.Bootstrap:
		if _, err := pki.Bootstrap(dir, cfg.Shop.Name, cfg.Hub.ID, certNames(cfg)); err != nil {
			return nil, nil, false, err
		}
		h.log.Info("created the shop's certificate authority", "dir", dir)
	default:
		return nil, nil, false, errors.New("this hub has no certificate of a shop: start it with a join token (kasse join TOKEN, or raft.join), or set raft.bootstrap for a new shop")
	}
	id, err := pki.LoadIdentity(dir)
	if err != nil {
		return nil, nil, false, err
	}
	if id.ID != cfg.Hub.ID {
		return nil, nil, false, fmt.Errorf("this hub's certificate names %q, but hub.id is %q", id.ID, cfg.Hub.ID)
	}
	_, err = os.Stat(filepath.Join(dir, joinedMarker))
	bootstrap := cfg.Raft.Bootstrap && cfg.Raft.Join == "" && errors.Is(err, os.ErrNotExist)
	return id, ask, bootstrap, nil
}

// recordSelf keeps this hub's addresses in the ledger, so registers learn
// every hub of the shop from any of them.
func (h *hub) recordSelf(ctx context.Context, svc *till.Service, self ledger.Hub) {
	for {
		hubs, err := h.ledger.Hubs()
		if err == nil {
			for _, hb := range hubs {
				if hb == self {
					return
				}
			}
			req := till.Req{Key: "cluster/hub/" + self.ID + "/" + self.Raft + "/" + self.API, Hash: self.Raft + " " + self.API}
			wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			_, err = svc.Do(wctx, req, ledger.CmdHubPut, self)
			cancel()
			if err == nil {
				return
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}

// peerServer serves the peer API on the hub port.
func (h *hub) peerServer(c *cluster.Cluster, mux *replicate.Mux) {
	srv := &http.Server{Handler: c.Handler(), ConnContext: replicate.PeerConnContext, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(mux.Peer()); err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, replicate.ErrMuxClosed) {
			h.log.Error("peer API stopped", "err", err)
		}
	}()
	h.closers = append(h.closers, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(ctx)
	})
}

// peerClient is how the kasse command talks to its own running hub's peer
// API: with the hub's certificate, on its hub port.
func peerClient(cfg config.Config) (*http.Client, string, error) {
	id, err := pki.LoadIdentity(filepath.Join(cfg.Hub.Data, "pki"))
	if err != nil {
		return nil, "", fmt.Errorf("this hub has no certificate yet (has it started once?): %w", err)
	}
	addr := raftAddr(cfg)
	if host, port, err := net.SplitHostPort(addr); err == nil {
		if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
			addr = net.JoinHostPort("127.0.0.1", port)
		}
	}
	return replicate.PeerClient(id.ClientTLS()), "https://" + addr, nil
}

// errCatchingUp: this hub is behind the shop: it joined and is not a voter
// yet, is restoring a snapshot, or is applying a backlog. Its local reads
// (the till's checks: does the item, the sale exist?) would be wrong.
var errCatchingUp = errors.New("this hub is catching up with the shop")

// maxLag is how many committed commands a hub may be behind in applying
// them and still serve registers: a busy hub is a few batches behind.
const maxLag = 512

// catchingUp says whether this hub is behind the shop (see errCatchingUp).
func (h *hub) catchingUp() error {
	if h.cluster == nil {
		return nil
	}
	if h.ledger.Restoring() {
		return fmt.Errorf("%w: restoring a snapshot", errCatchingUp)
	}
	ms, err := h.node.Members()
	if err != nil {
		return fmt.Errorf("%w: %v", errCatchingUp, err)
	}
	in := false
	for _, m := range ms {
		if m.ID == h.cfg.Hub.ID {
			in = true
			if !m.Voter {
				return fmt.Errorf("%w: a non-voter until it has", errCatchingUp)
			}
		}
	}
	if !in {
		return fmt.Errorf("%w: not a member yet", errCatchingUp)
	}
	if c, a := h.node.CommitIndex(), h.ledger.Applied(); c > a+maxLag {
		return fmt.Errorf("%w: %d commands behind", errCatchingUp, c-a)
	}
	return nil
}
