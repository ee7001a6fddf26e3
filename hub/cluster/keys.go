package cluster

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"

	"github.com/kasse/kasse/hub/ledger"
	"github.com/kasse/kasse/hub/till"
)

// Keyring is what the cluster needs of the hub's signing keys
// (ledger.Keyring).
type Keyring interface {
	PEMs() map[int][]byte
	Public(v int) (*ledger.PublicKey, error)
	Generate(v int) (*ledger.PublicKey, error)
}

// RotateKey makes signing key version N+1 on this hub and installs it:
// every register's next signature uses it.
func (c *Cluster) RotateKey(ctx context.Context) (int, error) {
	v := c.Ledger.KeyVersion() + 1
	pub, err := c.Keys.Public(v)
	if err != nil {
		if pub, err = c.Keys.Generate(v); err != nil {
			return 0, fmt.Errorf("cluster: make signing key version %d: %w", v, err)
		}
	}
	sum := sha256.Sum256([]byte(pub.PEM))
	h := hex.EncodeToString(sum[:])
	if _, err := c.Till.Do(ctx, till.Req{Key: "key/rotate/" + h, Hash: h}, ledger.CmdKeyInstall, pub); err != nil {
		return 0, fmt.Errorf("cluster: install signing key version %d: %w", v, err)
	}
	c.Log.Info("signing key rotated", "version", v)
	return v, nil
}

func (c *Cluster) keyRoutes(mux *http.ServeMux, hub func(http.HandlerFunc) http.Handler) {
	mux.Handle("POST /peer/v1/keys", hub(func(w http.ResponseWriter, r *http.Request) {
		v, err := c.RotateKey(r.Context())
		c.answer(w, err, map[string]int{"version": v})
	}))
}
