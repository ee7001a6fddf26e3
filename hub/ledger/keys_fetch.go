package ledger

// How every hub comes to hold the signing key a register signs with.
//
// Signing happens inside Apply, on every hub, so each hub needs the private
// key of the version the ledger says is in use; the log carries only the
// public half. A hub that joins gets the keys of the day over the hubs'
// mutual TLS. A key made later (a rotation, or a hub that lost its key and
// continues under a new version) reaches the others two ways:
//
//   - Before it is used: the hub that makes version N hands it to the shop's
//     hubs and proposes key.install N only once a majority of the voters
//     hold it (cluster.Distribute). Any later leader is elected by a
//     majority, so some hub that holds the key is always among those that
//     can answer.
//   - When it is needed: Apply, about to sign with a version this hub does
//     not hold (it was down during the hand-out, or lost its keys dir),
//     waits in Ensure until the key is fetched from another hub of the shop
//     and checked against the ledger's public half. It never signs without
//     the key, never signs with another key, and never skips the command:
//     the hub is behind for a moment, the log keeps arriving, and when the
//     key is here it applies exactly what every other hub applied, so the
//     journal and the state stay byte for byte the same on every hub.
//     Without a source (a lone hub, a test ledger) or once the hub stops,
//     Ensure fails and the ledger halts at that command, as before.

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// KeySource gets signing keys from the shop's other hubs.
type KeySource interface {
	// FetchKey asks the other hubs for private key version v and hands
	// each PEM block it gets to take, until take accepts one (returns
	// nil). It fails when no hub gave a key that take accepted.
	FetchKey(ctx context.Context, v int, take func(pem []byte) error) error
}

type keySource struct {
	ctx context.Context
	src KeySource
	log *slog.Logger
	mu  sync.Mutex // one fetch at a time: Apply and the prefetch ask for the same key
}

// FetchFrom lets the keyring get a key version it lacks from src, until ctx
// ends (the hub stops).
func (k *Keyring) FetchFrom(ctx context.Context, src KeySource, log *slog.Logger) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.src = &keySource{ctx: ctx, src: src, log: log}
}

// ParsePrivateKey reads a PEM "RSA PRIVATE KEY" block and, when want is
// given, checks that it is the private half of want.
func ParsePrivateKey(p []byte, want *PublicKey) (*rsa.PrivateKey, error) {
	blk, _ := pem.Decode(p)
	if blk == nil || blk.Type != "RSA PRIVATE KEY" {
		return nil, errors.New("keyring: no RSA PRIVATE KEY PEM block")
	}
	pk, err := x509.ParsePKCS1PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	if want != nil && !matches(pk, *want) {
		return nil, fmt.Errorf("keyring: the key is not the private half of the ledger's key version %d", want.Version)
	}
	return pk, nil
}

func matches(pk *rsa.PrivateKey, want PublicKey) bool {
	pub, err := ParsePublicKey(want.PEM)
	return err == nil && pk.PublicKey.Equal(pub)
}

// PEM returns key version v, PEM-encoded, if this hub holds it.
func (k *Keyring) PEM(v int) ([]byte, bool) {
	k.mu.RLock()
	pk := k.keys[v]
	k.mu.RUnlock()
	if pk == nil {
		return nil, false
	}
	return pemOf(pk), true
}

func pemOf(pk *rsa.PrivateKey) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(pk)})
}

// Holds reports whether the keyring holds the private half of want.
func (k *Keyring) Holds(want PublicKey) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	pk := k.keys[want.Version]
	if pk == nil || !matches(pk, want) {
		return false
	}
	k.check(want.Version)
	return true
}

func (k *Keyring) check(v int) {
	if k.checked == nil {
		k.checked = map[int]bool{}
	}
	k.checked[v] = true
}

// Put stores key p (PEM) as version v, written whole to the keys dir
// before it is used. With want (the ledger's public half of v) it must
// match; without, it is a key handed out ahead of its key.install and
// replaces a different one held under v (made for a rotation that was
// never installed: nothing was signed with it).
func (k *Keyring) Put(v int, p []byte, want *PublicKey) error {
	if want != nil && want.Version != v {
		return fmt.Errorf("keyring: key version %d offered as %d", want.Version, v)
	}
	pk, err := ParsePrivateKey(p, want)
	if err != nil {
		return err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if old := k.keys[v]; old != nil && old.Equal(pk) {
		if want != nil {
			k.check(v)
		}
		return nil
	}
	if want == nil && k.checked[v] {
		// The ledger installed the key held: its apply may be on its way
		// to the disk while the caller read the state before it.
		return fmt.Errorf("keyring: key version %d is installed with another key", v)
	}
	if err := k.write(v, pk); err != nil {
		return err
	}
	k.keys[v] = pk
	delete(k.checked, v)
	if want != nil {
		k.check(v)
	}
	return nil
}

// Ensure makes sure this hub holds the private half of the ledger's key
// version v (want reads it; asked once per version). When it does not, it
// fetches the key from another hub of the shop, asking again with a
// growing pause until it has it: Apply waits here rather than sign
// without the key (see the top of this file). It fails only without a
// source or once the hub stops.
func (k *Keyring) Ensure(v int, want func() (*PublicKey, error)) error {
	k.mu.RLock()
	ok, s := k.checked[v], k.src
	k.mu.RUnlock()
	if ok {
		return nil
	}
	pub, err := want()
	if err != nil {
		return fmt.Errorf("keyring: the ledger's public key version %d: %w", v, err)
	}
	if k.Holds(*pub) {
		return nil
	}
	if s == nil {
		return errNoSource(v)
	}
	return s.fetch(k, *pub)
}

func errNoSource(v int) error {
	return fmt.Errorf("keyring: this hub does not hold signing key version %d and has no other hub to get it from", v)
}

// FetchOnce asks the shop's hubs once for the private half of want, unless
// this hub holds it: for fetching ahead of need, without waiting.
func (k *Keyring) FetchOnce(want PublicKey) error {
	if k.Holds(want) {
		return nil
	}
	k.mu.RLock()
	s := k.src
	k.mu.RUnlock()
	if s == nil {
		return errNoSource(want.Version)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if k.Holds(want) {
		return nil
	}
	return s.ask(k, want)
}

// ask asks the shop's hubs once for want and keeps the first that matches.
func (s *keySource) ask(k *Keyring, want PublicKey) error {
	return s.src.FetchKey(s.ctx, want.Version, func(p []byte) error { return k.Put(want.Version, p, &want) })
}

func (s *keySource) fetch(k *Keyring, want PublicKey) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if k.Holds(want) {
		return nil // fetched while this caller waited
	}
	pause := 100 * time.Millisecond
	var warned time.Time
	for attempt := 1; ; attempt++ {
		err := s.ask(k, want)
		if err == nil {
			s.log.Info("this hub now holds signing key version it lacked", "version", want.Version, "attempts", attempt)
			return nil
		}
		if time.Since(warned) > 30*time.Second {
			warned = time.Now()
			s.log.Warn("this hub lacks the signing key the ledger uses: it applies nothing further until a hub of the shop hands it over",
				"version", want.Version, "attempts", attempt, "err", err)
		}
		select {
		case <-s.ctx.Done():
			return fmt.Errorf("keyring: signing key version %d not fetched before the hub stopped: %w", want.Version, errors.Join(err, s.ctx.Err()))
		case <-time.After(pause):
		}
		pause = min(2*pause, 5*time.Second)
	}
}

// keyEnsurer is a Signer that can get a key version it lacks (Keyring).
type keyEnsurer interface {
	Ensure(v int, want func() (*PublicKey, error)) error
}

// haveKey makes sure the signer holds key version v before Apply signs
// with it (see the top of this file).
func (a *applyCtx) haveKey(v int) error {
	e, ok := a.l.signer.(keyEnsurer)
	if !ok {
		return nil
	}
	return e.Ensure(v, func() (*PublicKey, error) {
		return load[PublicKey](a, publicKeyKey(v))
	})
}
