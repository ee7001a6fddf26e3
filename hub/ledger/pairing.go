package ledger

import (
	"errors"
	"time"
)

// Pairing: a register (a tablet's browser) is paired to the shop once, with
// a short code shown by a hub or issued by a manager. The code and the
// credential the register gets in exchange are stored only as hashes, in
// the ledger, so every hub of the shop honours a pairing made on any of
// them, and a copy of the ledger gives away neither.
const (
	CmdPairCode   = "pair.code"   // a new pairing code
	CmdPairDevice = "pair.device" // a device paired with a code
)

const (
	pfxPairCode = "s/paircode/" // + code hash
	pfxDevice   = "s/device/"   // + credential hash
)

// PairCode is a pairing code waiting to be used: single use, until Expires.
type PairCode struct {
	Hash    string    `json:"hash"`
	Expires time.Time `json:"expires"`
}

// Device is a paired register device.
type Device struct {
	ID       string    `json:"id"`
	Register string    `json:"register"`
	Name     string    `json:"name,omitempty"`
	CredHash string    `json:"credHash"`
	Paired   time.Time `json:"paired"`
}

// PairDevice pairs a device: the proposer hashed the code the person typed
// and made the credential (random) and its hash.
type PairDevice struct {
	CodeHash string `json:"codeHash"`
	Device   Device `json:"device"`
}

func applyPairCode(a *applyCtx, env *Envelope) (any, error) {
	req, err := body[PairCode](env)
	if err != nil {
		return nil, err
	}
	if len(req.Hash) != 64 || !req.Expires.After(env.Time) {
		return nil, reject("bad_request", "a pairing code needs a hash and an expiry in the future")
	}
	if _, err := a.journal("pair.code", EvOther, "", map[string]any{"expires": req.Expires}); err != nil {
		return nil, err
	}
	return map[string]any{"expires": req.Expires}, a.put(pfxPairCode+req.Hash, req)
}

func applyPairDevice(a *applyCtx, env *Envelope) (any, error) {
	req, err := body[PairDevice](env)
	if err != nil {
		return nil, err
	}
	code, err := load[PairCode](a, pfxPairCode+req.CodeHash)
	if errors.Is(err, ErrNotFound) || err == nil && !env.Time.Before(code.Expires) {
		return nil, reject("bad_pairing_code", "this pairing code is unknown, used or expired: ask for a new one")
	}
	if err != nil {
		return nil, err
	}
	d := req.Device
	if _, err := load[Register](a, pfxReg+d.Register); err != nil {
		return nil, notFound(err, "unknown_register", "register %q is not set up in this shop", d.Register)
	}
	if d.ID == "" || len(d.CredHash) != 64 || len(d.Name) > 64 {
		return nil, reject("bad_request", "a device needs an id, a credential hash and a short name")
	}
	d.Paired = env.Time
	a.b.del(pfxPairCode + req.CodeHash)
	if _, err := a.journal("pair.device", EvOther, "", map[string]string{"device": d.ID, "register": d.Register, "name": d.Name}); err != nil {
		return nil, err
	}
	return map[string]string{"device": d.ID, "register": d.Register}, a.put(pfxDevice+d.CredHash, d)
}

// DeviceByCredential finds a paired device by its credential's hash.
func (l *Ledger) DeviceByCredential(hash string) (*Device, error) {
	var d Device
	if err := l.get(pfxDevice+hash, &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// PairCodeValid reports whether a code hash names an unused, unexpired code at t.
func (l *Ledger) PairCodeValid(hash string, t time.Time) bool {
	var c PairCode
	return l.get(pfxPairCode+hash, &c) == nil && t.Before(c.Expires)
}

func init() {
	addHandlers(map[string]handler{CmdPairCode: applyPairCode, CmdPairDevice: applyPairDevice})
}
