package cluster

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/kasse/kasse/hub/ledger"
	"github.com/kasse/kasse/hub/pki"
	"github.com/kasse/kasse/replicate"
)

// Join gets this hub its place in the shop with a join token: it asks the
// hubs named in the token, trusting only the CA the token pins, and writes
// what it is given — the shop CA and its own certificate into pkiDir, the
// signing keys into keysDir. It returns the shop's hubs. The hub then
// starts raft (without bootstrapping) and asks to be added (AskToBeAdded).
func Join(ctx context.Context, token string, self ledger.Hub, names []string, pkiDir, keysDir string, log *slog.Logger) ([]ledger.Hub, error) {
	t, err := ParseToken(token)
	if err != nil {
		return nil, err
	}
	key, err := pki.NewKey()
	if err != nil {
		return nil, err
	}
	csr, err := pki.NewCSR(key, self.ID, names)
	if err != nil {
		return nil, err
	}
	req := JoinRequest{Secret: t.Secret, Hub: self, CSR: string(csr)}
	var out JoinResponse
	var errs []error
	for _, addr := range t.Addrs {
		var ca *x509.Certificate
		hc := pinnedClient(t.Fingerprint, &ca)
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := call(cctx, hc, http.MethodPost, "https://"+addr+"/peer/v1/join", req, &out)
		cancel()
		if err == nil {
			break
		}
		var pe *peerError
		if errors.As(err, &pe) && pe.Code != "unavailable" && pe.Code != "internal" {
			return nil, fmt.Errorf("the shop refused this hub: %w", err) // the token's verdict: asking another hub changes nothing
		}
		log.Warn("join: a hub of the shop did not answer; trying the next", "addr", addr, "err", err)
		errs = append(errs, err)
	}
	if out.Cert == "" {
		return nil, fmt.Errorf("join: no hub of the shop answered: %w", errors.Join(errs...))
	}
	ca, err := pki.ParseCA([]byte(out.CACert), []byte(out.CAKey))
	if err != nil {
		return nil, err
	}
	if ca.Fingerprint() != t.Fingerprint {
		return nil, errors.New("join: the shop sent a CA other than the one the token pins")
	}
	if err := os.MkdirAll(keysDir, 0o700); err != nil {
		return nil, err
	}
	for v, k := range out.Keys {
		p := filepath.Join(keysDir, fmt.Sprintf("sign-v%d.pem", v))
		if err := os.WriteFile(p, []byte(k), 0o600); err != nil {
			return nil, fmt.Errorf("join: write signing key: %w", err)
		}
	}
	if err := ca.Save(pkiDir); err != nil {
		return nil, err
	}
	// The hub certificate last: its presence says the join is complete.
	if err := pki.SaveIdentity(pkiDir, []byte(out.Cert), key); err != nil {
		return nil, err
	}
	if _, err := pki.LoadIdentity(pkiDir); err != nil {
		return nil, err
	}
	log.Info("joined the shop: certificate and signing keys received", "hub", self.ID, "hubs", len(out.Hubs))
	return out.Hubs, nil
}

func pinnedClient(fp string, ca **x509.Certificate) *http.Client {
	conf := pki.PinnedTLS(fp, ca, replicate.ProtoPeer)
	d := &net.Dialer{Timeout: 5 * time.Second}
	return &http.Client{Transport: &http.Transport{
		DialTLSContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return (&tls.Dialer{NetDialer: d, Config: conf}).DialContext(ctx, network, addr)
		},
	}}
}

// AskToBeAdded asks the shop's hubs, one after the other, to add this hub
// as a non-voter, until one does or ctx ends. Raft must already listen.
func (c *Cluster) AskToBeAdded(ctx context.Context, addrs []string) error {
	for {
		var last error
		for _, a := range addrs {
			if a == c.Self.Raft {
				continue
			}
			cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			last = call(cctx, c.Client, http.MethodPost, "https://"+a+"/peer/v1/members", memberReq{ID: c.Self.ID, Raft: c.Self.Raft}, nil)
			cancel()
			if last == nil {
				c.Log.Info("the shop added this hub as a non-voter; catching up", "via", a)
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("join: no hub added this one: %w", errors.Join(last, ctx.Err()))
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// Joined reports whether pkiDir holds this hub's certificate.
func Joined(pkiDir string) bool {
	_, err := os.Stat(filepath.Join(pkiDir, pki.HubCert))
	return err == nil
}
