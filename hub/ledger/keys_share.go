package ledger

// PEMs are the private signing keys by version, PEM-encoded, for handing
// to a hub that joins the shop over the hubs' mutual TLS (never the log).
// Written as "sign-v<N>.pem" into a keys directory, OpenKeyring reads them.
func (k *Keyring) PEMs() map[int][]byte {
	k.mu.RLock()
	defer k.mu.RUnlock()
	out := map[int][]byte{}
	for v, pk := range k.keys {
		out[v] = pemOf(pk)
	}
	return out
}
