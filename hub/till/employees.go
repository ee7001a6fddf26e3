package till

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/kasse/kasse/hub/ledger"
)

// ErrLockedOut: too many wrong PINs in a row; the employee waits or a
// manager sets a new PIN.
var ErrLockedOut = errors.New("locked out after too many wrong PINs")

// checkPIN checks an employee's PIN. A wrong PIN for a known employee is
// recorded in the ledger (so the lockout holds on every hub); a locked-out
// employee's PIN is not even checked, so guessing gains nothing.
func (s *Service) checkPIN(ctx context.Context, r Req, id, pin string) (*ledger.Employee, error) {
	e, err := s.L.Employee(id)
	if err != nil || !e.Active {
		return nil, ErrWrongPIN
	}
	if f, err := s.L.PINFails(id); err != nil {
		return nil, err
	} else if f.Locked(s.now()) {
		return nil, fmt.Errorf("%w: %s, until %s", ErrLockedOut, e.Name, f.Until.In(ledger.Oslo).Format("15:04"))
	}
	if !CheckPIN(e.PINHash, pin) {
		r.Key = "" // every wrong PIN counts, even one retried
		if _, err := s.Do(ctx, r, ledger.CmdPINFail, map[string]string{"employee": id}); err != nil {
			return nil, err
		}
		return nil, ErrWrongPIN
	}
	return e, nil
}

// approver checks an override's PIN and returns the approving employee.
func (s *Service) approver(ctx context.Context, r Req, o *Override) (string, error) {
	if o == nil {
		return "", nil
	}
	e, err := s.checkPIN(ctx, r, o.Employee, o.PIN)
	if err != nil {
		return "", err
	}
	return e.ID, nil
}

// Approve checks a supervisor's override and returns r with them as the
// approver; Apply then decides whether their role suffices.
func (s *Service) Approve(ctx context.Context, r Req, o Override) (Req, error) {
	id, err := s.approver(ctx, r, &o)
	if err != nil {
		return r, err
	}
	r.Approver = id
	return r, nil
}

// Login checks an employee's PIN and logs them in on the register.
func (s *Service) Login(ctx context.Context, r Req, employee, pin string) (*ledger.Employee, error) {
	e, err := s.checkPIN(ctx, r, employee, pin)
	if err != nil {
		return nil, err
	}
	r.Employee = e.ID
	res, err := s.Do(ctx, r, ledger.CmdLogin, map[string]string{"employee": e.ID})
	if err != nil {
		return nil, err
	}
	return decode[ledger.Employee](res)
}

// PairCodeTTL is how long a pairing code can be used.
const PairCodeTTL = 15 * time.Minute

// Hash is the hex SHA-256 of a pairing code or credential: both are
// random enough that a fast hash suffices.
func Hash(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// NewPairCode makes a single-use pairing code (eight digits, shown to a
// person) and stores its hash in the ledger.
func (s *Service) NewPairCode(ctx context.Context, r Req) (code string, expires time.Time, err error) {
	n, err := rand.Int(rand.Reader, big.NewInt(100_000_000))
	if err != nil {
		return "", time.Time{}, err
	}
	code = fmt.Sprintf("%08d", n)
	expires = s.now().Add(PairCodeTTL).UTC().Truncate(time.Second)
	r.Key = ""
	if _, err := s.Do(ctx, r, ledger.CmdPairCode, ledger.PairCode{Hash: Hash(code), Expires: expires}); err != nil {
		return "", time.Time{}, err
	}
	return code, expires, nil
}

// Pair exchanges a pairing code for a register credential. The credential
// is returned once; the ledger keeps only its hash.
func (s *Service) Pair(ctx context.Context, code, register, name string) (cred string, err error) {
	if !s.L.PairCodeValid(Hash(code), s.now()) {
		return "", invalid("bad_pairing_code", "this pairing code is unknown, used or expired: ask for a new one")
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	cred = base64.RawURLEncoding.EncodeToString(b)
	d := ledger.Device{ID: NewID("D"), Register: register, Name: name, CredHash: Hash(cred)}
	if _, err := s.Do(ctx, Req{}, ledger.CmdPairDevice, ledger.PairDevice{CodeHash: Hash(code), Device: d}); err != nil {
		return "", err
	}
	return cred, nil
}
