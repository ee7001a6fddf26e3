package ledger

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Version is the envelope version this hub writes. A hub reads every version
// up to it; a newer one halts the ledger (see Ledger.Halted) instead of being
// skipped, so no hub ever applies less than another.
const Version = 1

// Envelope is a command as it travels through Raft. The proposer fills in
// everything that is not deterministic (time, ids) before proposing; Apply
// uses nothing else.
type Envelope struct {
	V        int             `json:"v"`
	Type     string          `json:"type"`
	Key      string          `json:"key,omitempty"` // idempotency key, scoped by the proposer
	ReqHash  string          `json:"rh,omitempty"`  // hash of the request the key came with
	Time     time.Time       `json:"time"`
	Register string          `json:"reg,omitempty"`
	Employee string          `json:"emp,omitempty"`
	Approver string          `json:"apr,omitempty"` // a second employee approving (PIN checked by the proposer)
	Body     json.RawMessage `json:"body"`
}

// NewEnvelope builds an envelope of type typ around body.
func NewEnvelope(typ string, at time.Time, body any) (*Envelope, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", typ, err)
	}
	return &Envelope{V: Version, Type: typ, Time: at.UTC(), Body: b}, nil
}

// Encode is the bytes proposed to Raft.
func (e *Envelope) Encode() ([]byte, error) { return json.Marshal(e) }

// Decode reads an envelope proposed by any hub version. It fails on bytes
// that are not an envelope, never on an unknown type (that is Apply's call).
func Decode(b []byte) (*Envelope, error) {
	var e Envelope
	if err := json.Unmarshal(b, &e); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadCommand, err)
	}
	if e.V < 1 || e.Type == "" {
		return nil, fmt.Errorf("%w: no version or type", ErrBadCommand)
	}
	return &e, nil
}

// Errors of the ledger itself (not of a command's content).
var (
	// ErrBadCommand: log bytes that are not a command envelope.
	ErrBadCommand = errors.New("ledger: not a command")
	// ErrHalted: the ledger met a command it cannot apply (a newer hub
	// wrote it, or storage failed) and stopped applying to stay exact.
	ErrHalted = errors.New("ledger: halted")
	// ErrNotFound: no such sale, item, register or entry.
	ErrNotFound = errors.New("not found")
	// ErrAppendOnly: a command tried to change or delete a journal entry,
	// or to write one anywhere but right after the last. The write is not
	// made and the ledger halts: the journal is kept whole for five years.
	ErrAppendOnly = errors.New("ledger: the journal is append-only")
)

// Rejection is a command refused by Apply. It is deterministic: every hub
// refuses the same command the same way, and the refusal is the command's
// recorded answer. Code is stable for programs; Message is for a cashier.
type Rejection struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (r *Rejection) Error() string { return r.Code + ": " + r.Message }

func reject(code, format string, args ...any) *Rejection {
	return &Rejection{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Result is Apply's answer to one command.
type Result struct {
	Index  uint64          `json:"index"`
	Value  json.RawMessage `json:"value,omitempty"`
	Reject *Rejection      `json:"reject,omitempty"`
	// Replay is true when the idempotency key had been applied before: Value
	// and Reject are then the first answer, and nothing was changed.
	Replay bool `json:"replay,omitempty"`
	// Err is set when the ledger could not apply at all (halted).
	Err error `json:"-"`
	// Type and Register say which command this answers, for listeners
	// on this hub (OnApply); they are not part of the answer.
	Type     string `json:"-"`
	Register string `json:"-"`
	// Sale names the sale that is the answer when Value was left empty: a
	// hub applying as a follower does not encode it, as no proposer there
	// normally waits. One may (a leader that stepped down between commit
	// and apply): it reads the sale from its ledger (till.Service.Do).
	Sale string `json:"sale,omitempty"`

	sale *Sale // that sale, for listeners during Apply: see Answer
}

// Answer is the command's answer as JSON. On a follower, Apply leaves a
// sale's answer unencoded (no proposer there reads it); a listener
// (OnApply) gets it encoded here. Only valid while the listener runs: the
// next Apply may change the sale.
func (r Result) Answer() json.RawMessage {
	if r.Value == nil && r.sale != nil {
		b, _ := json.Marshal(r.sale) // a Sale always encodes
		return b
	}
	return r.Value
}
