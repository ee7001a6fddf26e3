package ledger

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/kasse/kasse/hub/internal/durable"
)

// PublicKey is the public half of a signing key, kept in the ledger so any
// hub (and an auditor) can verify signatures.
type PublicKey struct {
	Version int    `json:"version"`
	PEM     string `json:"pem"`
}

// KeyBits is the key size the regulation names for the signature.
const KeyBits = 1024

// Keyring holds the shop's private signing keys by version, as PEM files
// "sign-v<N>.pem" in a directory readable by the hub alone.
type Keyring struct {
	dir  string
	mu   sync.RWMutex
	keys map[int]*rsa.PrivateKey
	// checked holds the versions found equal to the ledger's public key
	// (keys_fetch.go); src fetches the ones this hub lacks.
	checked map[int]bool
	src     *keySource
}

// OpenKeyring loads every key in dir (creating dir if needed).
func OpenKeyring(dir string) (*Keyring, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	k := &Keyring{dir: dir, keys: map[int]*rsa.PrivateKey{}}
	if tmps, _ := filepath.Glob(filepath.Join(dir, ".sign-v*.tmp")); len(tmps) > 0 {
		for _, f := range tmps {
			os.Remove(f) // a write cut short by a power loss; the key comes again
		}
	}
	files, err := filepath.Glob(filepath.Join(dir, "sign-v*.pem"))
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		v, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "sign-v"), ".pem"))
		if err != nil {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("keyring: %w", err)
		}
		blk, _ := pem.Decode(b)
		if blk == nil {
			return nil, fmt.Errorf("keyring: %s holds no PEM block", f)
		}
		pk, err := x509.ParsePKCS1PrivateKey(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("keyring: %s: %w", f, err)
		}
		k.keys[v] = pk
	}
	return k, nil
}

// Versions lists the versions held, lowest first.
func (k *Keyring) Versions() []int {
	k.mu.RLock()
	defer k.mu.RUnlock()
	var vs []int
	for v := range k.keys {
		vs = append(vs, v)
	}
	sort.Ints(vs)
	return vs
}

// Generate makes key version v and writes it to the directory.
func (k *Keyring) Generate(v int) (*PublicKey, error) {
	pk, err := rsa.GenerateKey(rand.Reader, KeyBits)
	if err != nil {
		return nil, err
	}
	return k.Add(v, pk)
}

// Add stores key pk as version v.
func (k *Keyring) Add(v int, pk *rsa.PrivateKey) (*PublicKey, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if _, ok := k.keys[v]; ok {
		return nil, fmt.Errorf("keyring: version %d exists", v)
	}
	if err := k.write(v, pk); err != nil {
		return nil, err
	}
	k.keys[v] = pk
	return publicOf(v, pk)
}

// write puts key version v on disk whole or not at all (0600), so a hub
// that loses power never finds half a key.
func (k *Keyring) write(v int, pk *rsa.PrivateKey) error {
	if err := durable.WriteFile(filepath.Join(k.dir, fmt.Sprintf("sign-v%d.pem", v)), pemOf(pk), 0o600); err != nil {
		return fmt.Errorf("keyring: key version %d: %w", v, err)
	}
	return nil
}

// Public returns the public half of version v.
func (k *Keyring) Public(v int) (*PublicKey, error) {
	k.mu.RLock()
	pk := k.keys[v]
	k.mu.RUnlock()
	if pk == nil {
		return nil, fmt.Errorf("keyring: no key version %d", v)
	}
	return publicOf(v, pk)
}

func publicOf(v int, pk *rsa.PrivateKey) (*PublicKey, error) {
	der, err := x509.MarshalPKIXPublicKey(&pk.PublicKey)
	if err != nil {
		return nil, err
	}
	return &PublicKey{Version: v, PEM: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))}, nil
}

// Sign implements Signer.
func (k *Keyring) Sign(v int, msg []byte) ([]byte, error) {
	k.mu.RLock()
	pk := k.keys[v]
	k.mu.RUnlock()
	if pk == nil {
		return nil, fmt.Errorf("keyring: this hub does not hold signing key version %d", v)
	}
	return SignRSA(pk, msg)
}
