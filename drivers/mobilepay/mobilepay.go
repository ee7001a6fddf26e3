// Package mobilepay holds what Kasse knows of a mobile payment provider that
// works as Vipps MobilePay's ePayment API does: the shop creates a payment
// under its own reference, the customer approves (or not) in the app on
// their phone, the shop reads the payment's state by that reference,
// captures what was authorised, and can cancel or refund it.
//
// It promises the same rule as the card terminal: an error says what the
// caller may assume. ErrUnreachable: the request surely never arrived,
// nothing happened. ErrUnknownOutcome: it may have arrived; read the state
// by reference (Get) before anything else. A Create, Capture or Refund
// repeated with the same reference and idempotency key does nothing twice,
// as the provider promises for its Idempotency-Key header.
//
// The HTTP client for the provider's API is not part of Kasse yet; the
// stand-in in mobilepaytest behaves as the documented flow does.
package mobilepay

import "errors"

// State is a payment's state at the provider (ePayment "state").
type State string

// States as the provider names them.
const (
	Created    State = "CREATED"    // waiting for the customer
	Authorized State = "AUTHORIZED" // the customer approved; capture it
	Aborted    State = "ABORTED"    // the customer declined, or the shop cancelled
	Expired    State = "EXPIRED"    // the customer did not answer in time
	Terminated State = "TERMINATED" // the shop cancelled after authorisation
)

// Payment is a payment as the provider reports it. Amounts are øre.
type Payment struct {
	Reference    string
	State        State
	Amount       int64
	Authorized   int64
	Captured     int64
	Refunded     int64
	PSPReference string // the provider's own id of the payment
}

// Errors of a provider call.
var (
	// ErrUnreachable: the request never reached the provider.
	ErrUnreachable = errors.New("mobilepay: provider unreachable")
	// ErrUnknownOutcome: the request may have arrived; read the state.
	ErrUnknownOutcome = errors.New("mobilepay: outcome unknown")
	// ErrNotFound: the provider has no payment with that reference.
	ErrNotFound = errors.New("mobilepay: no such payment")
	// ErrRefused: the provider refused the request (wrong state, amount
	// above what can be captured or refunded).
	ErrRefused = errors.New("mobilepay: refused")
)
