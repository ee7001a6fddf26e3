package scale

import (
	"errors"
	"fmt"
)

// State is what the scale says about the weight on it.
type State int

// The zero State is not a state any scale reports, so a zero Reading is
// never mistaken for a stable one.
const (
	Stable    State = iota + 1 // at rest: the weight may be charged
	Motion                     // moving; Grams is 0 unless the protocol sends a dynamic weight (SICS "S D")
	Overload                   // over capacity
	UnderZero                  // below zero (platter lifted, or net weight negative)
	Error                      // the scale reports a fault or refused the request; see Reading.Info
)

func (s State) String() string {
	switch s {
	case Stable:
		return "stable"
	case Motion:
		return "motion"
	case Overload:
		return "overload"
	case UnderZero:
		return "under zero"
	case Error:
		return "error"
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// Reading is one answer from the scale.
type Reading struct {
	// Grams is the weight the scale sent, rounded to whole grams (half
	// away from zero). It is meaningful when State is Stable, and for
	// Motion when the protocol sends a dynamic weight.
	Grams int64
	State State
	// Net: the weight is net of a tare taken on the scale.
	Net bool
	// Info is the scale's own words for what it reported, in English,
	// for logs and operators, e.g. "in motion, outside zero capture
	// range" or "EL logical error". Empty for a plain weight.
	Info string
}

func (r Reading) String() string {
	s := r.State.String()
	switch {
	case r.State == Stable || (r.State == Motion && r.Grams != 0):
		s = fmt.Sprintf("%s %d g", s, r.Grams)
		if r.Net {
			s += " net"
		}
	}
	if r.Info != "" {
		s += " (" + r.Info + ")"
	}
	return s
}

// Errors of the driver. A Read that returns one of these got no Reading
// from the scale; a scale that answers but cannot weigh (overload, fault)
// gives a Reading with that State and a nil error.
var (
	ErrDisabled    = errors.New("scale: disabled in configuration")
	ErrClosed      = errors.New("scale: closed")
	ErrUnreachable = errors.New("scale: unreachable")          // the port cannot be opened, read or written
	ErrNoReply     = errors.New("scale: no reply")             // nothing complete came back in time
	ErrBadReply    = errors.New("scale: reply not understood") // a reply that breaks the protocol
	ErrRefused     = errors.New("scale: command refused")      // zero or tare was not done (in motion, out of range)
	ErrNotStable   = errors.New("scale: no stable weight")     // Stable gave up
)
