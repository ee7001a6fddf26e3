package ledger

import (
	"crypto/x509"
	"encoding/pem"
)

// PEMs are the private signing keys by version, PEM-encoded, for handing
// to a hub that joins the shop over the hubs' mutual TLS (never the log).
// Written as "sign-v<N>.pem" into a keys directory, OpenKeyring reads them.
func (k *Keyring) PEMs() map[int][]byte {
	k.mu.RLock()
	defer k.mu.RUnlock()
	out := map[int][]byte{}
	for v, pk := range k.keys {
		out[v] = pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(pk)})
	}
	return out
}
