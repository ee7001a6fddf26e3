package ledger

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// The shop's hubs as the ledger knows them: one-time join tokens (only a
// hash of the secret, so every hub can honour a token once, and no hub
// learns the secret from the log), and each hub's addresses, so registers
// can learn every hub of the shop from any of them.
const (
	CmdJoinToken = "cluster.token"  // a join token was made: its hash and expiry
	CmdJoin      = "cluster.join"   // a hub used a token to join
	CmdHubPut    = "cluster.hub"    // a hub's addresses (on every start, if changed)
	CmdHubRemove = "cluster.remove" // a hub left the shop

	pfxJoinToken = "s/jtok/"
	pfxHub       = "s/hub/"
)

// Hub is one hub of the shop.
type Hub struct {
	ID   string `json:"id"`
	Raft string `json:"raft"` // host:port of its hub port (raft and the peer API)
	API  string `json:"api"`  // the registers' API base URL, e.g. http://192.168.1.11:8080/api/v1
}

// JoinToken is what the ledger keeps of a join token.
type JoinToken struct {
	Hash    string    `json:"hash"` // hex SHA-256 of the secret
	Expires time.Time `json:"expires"`
	UsedBy  string    `json:"used_by,omitempty"`
}

// Join is a hub's use of a join token.
type Join struct {
	Hash string `json:"hash"`
	Hub  Hub    `json:"hub"`
}

func init() {
	addHandlers(map[string]handler{
		CmdJoinToken: applyJoinToken, CmdJoin: applyJoin,
		CmdHubPut: applyHubPut, CmdHubRemove: applyHubRemove,
	})
}

func applyJoinToken(a *applyCtx, env *Envelope) (any, error) {
	t, err := body[JoinToken](env)
	if err != nil {
		return nil, err
	}
	if len(t.Hash) != 64 || t.UsedBy != "" || !t.Expires.After(env.Time) {
		return nil, reject("bad_token", "a join token needs a SHA-256 hash and an expiry after now")
	}
	if _, err := a.b.get(pfxJoinToken + t.Hash); err == nil {
		return nil, reject("token_exists", "this join token exists already")
	} else if !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	return map[string]any{"expires": t.Expires}, a.put(pfxJoinToken+t.Hash, t)
}

// applyJoin honours a token once, before its expiry by the command's time,
// and records the new hub.
func applyJoin(a *applyCtx, env *Envelope) (any, error) {
	j, err := body[Join](env)
	if err != nil {
		return nil, err
	}
	if err := validHub(&j.Hub); err != nil {
		return nil, err
	}
	t, err := load[JoinToken](a, pfxJoinToken+j.Hash)
	switch {
	case errors.Is(err, ErrNotFound):
		return nil, reject("token_unknown", "this join token is not known to the shop: make a new one with `kasse token`")
	case err != nil:
		return nil, err
	case t.UsedBy != "":
		return nil, reject("token_used", "this join token was used already (by %s): make a new one", t.UsedBy)
	case !env.Time.Before(t.Expires):
		return nil, reject("token_expired", "this join token expired at %s: make a new one", t.Expires.Format(time.RFC3339))
	}
	if _, err := a.b.get(pfxHub + j.Hub.ID); err == nil {
		return nil, reject("hub_exists", "the shop has a hub %s already: remove it first (kasse remove %s) or choose another id", j.Hub.ID, j.Hub.ID)
	} else if !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	t.UsedBy = j.Hub.ID
	if err := a.put(pfxJoinToken+j.Hash, t); err != nil {
		return nil, err
	}
	return j.Hub, a.put(pfxHub+j.Hub.ID, j.Hub)
}

func applyHubPut(a *applyCtx, env *Envelope) (any, error) {
	h, err := body[Hub](env)
	if err != nil {
		return nil, err
	}
	if err := validHub(h); err != nil {
		return nil, err
	}
	return h, a.put(pfxHub+h.ID, h)
}

func applyHubRemove(a *applyCtx, env *Envelope) (any, error) {
	h, err := body[Hub](env)
	if err != nil {
		return nil, err
	}
	if _, err := a.b.get(pfxHub + h.ID); errors.Is(err, ErrNotFound) {
		return nil, reject("unknown_hub", "the shop has no hub %s", h.ID)
	} else if err != nil {
		return nil, err
	}
	a.b.del(pfxHub + h.ID)
	return h, nil
}

func validHub(h *Hub) error {
	if h.ID == "" || len(h.ID) > 64 || h.Raft == "" {
		return reject("bad_hub", "a hub needs an id (at most 64 characters) and its hub port address")
	}
	return nil
}

// Hubs lists the shop's hubs with their addresses, by id.
func (l *Ledger) Hubs() ([]Hub, error) {
	var out []Hub
	err := scan(l.db, pfxHub, func(_ []byte, v []byte) (bool, error) {
		var h Hub
		if err := json.Unmarshal(v, &h); err != nil {
			return false, err
		}
		out = append(out, h)
		return true, nil
	})
	return out, err
}

// ResultCodec carries a Result from the leader to the hub that forwarded
// its command (replicate.Codec).
type ResultCodec struct{}

type wireResult struct {
	Result
	Err string `json:"err,omitempty"`
}

// EncodeResult implements replicate.Codec.
func (ResultCodec) EncodeResult(v any) ([]byte, error) {
	r, ok := v.(Result)
	if !ok {
		return nil, fmt.Errorf("ledger: cannot encode a %T as a result", v)
	}
	w := wireResult{Result: r}
	if r.Err != nil {
		w.Err = r.Err.Error()
	}
	return json.Marshal(w)
}

// DecodeResult implements replicate.Codec. A ledger that could not apply
// at the leader is reported as ErrHalted.
func (ResultCodec) DecodeResult(b []byte) (any, error) {
	var w wireResult
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, fmt.Errorf("ledger: decode result: %w", err)
	}
	r := w.Result
	if w.Err != "" {
		r.Err = fmt.Errorf("%w (at the leader: %s)", ErrHalted, w.Err)
	}
	return r, nil
}
