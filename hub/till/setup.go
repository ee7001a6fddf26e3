package till

import (
	"context"
	"errors"
	"fmt"

	"github.com/kasse/kasse/hub/ledger"
)

// Keys gives the public half of the shop's signing key, making it first if
// this is a new shop.
type Keys interface {
	Public(version int) (*ledger.PublicKey, error)
	Generate(version int) (*ledger.PublicKey, error)
}

// SetUp makes sure the shop, its signing key and the given registers exist in
// the ledger. Every command has a fixed idempotency key, so running it on
// every start (or on two hubs at once) changes nothing twice.
func (s *Service) SetUp(ctx context.Context, shop ledger.Shop, registers []ledger.Register, keys Keys) error {
	sys := func(key string) Req { return Req{Key: "setup/" + key, Hash: key} }
	if _, err := s.L.Shop(); errors.Is(err, ledger.ErrNotFound) {
		if _, err := s.Do(ctx, sys("shop"), ledger.CmdShopSetup, shop); err != nil {
			return fmt.Errorf("set up shop: %w", err)
		}
	}
	if v := s.L.KeyVersion(); v == 0 {
		if err := s.installKey(ctx, keys, 1); err != nil {
			return err
		}
	} else if keys == nil {
		// The caller keeps no keys: the ledger's key stays as it is.
	} else if _, err := keys.Public(v); err != nil {
		// This hub cannot sign with the shop's current key: it was restored
		// from a backup (which holds no private key) or its keys are lost.
		// A new key version continues every register's chain verifiably.
		if err := s.installKey(ctx, keys, v+1); err != nil {
			return err
		}
	}
	for _, r := range registers {
		if cur, err := s.L.Register(r.ID); err == nil && cur.Name == r.Name {
			continue
		}
		if _, err := s.Do(ctx, sys("register/"+r.ID+"/"+r.Name), ledger.CmdRegisterPut, ledger.Register{ID: r.ID, Name: r.Name}); err != nil {
			return fmt.Errorf("register %s: %w", r.ID, err)
		}
	}
	return nil
}

// installKey installs signing key version v, making it if this hub has
// not made it yet.
func (s *Service) installKey(ctx context.Context, keys Keys, v int) error {
	pub, err := keys.Public(v)
	if err != nil {
		if pub, err = keys.Generate(v); err != nil {
			return fmt.Errorf("make signing key version %d: %w", v, err)
		}
	}
	req := Req{Key: fmt.Sprintf("setup/key/%d", v), Hash: fmt.Sprintf("key/%d", v)}
	if _, err := s.Do(ctx, req, ledger.CmdKeyInstall, pub); err != nil {
		return fmt.Errorf("install signing key version %d: %w", v, err)
	}
	return nil
}
