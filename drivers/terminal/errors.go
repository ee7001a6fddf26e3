package terminal

import "errors"

// Errors a Client returns, wrapped with %w; test them with errors.Is.
var (
	// ErrUnknownOutcome: the message may have reached the terminal but no
	// usable answer came back (timeout after sending, connection reset, an
	// HTTP 5xx, a reply that is not valid nexo or answers another message, a
	// status query the terminal could not answer). Money may have moved.
	// Ask Status (or ReversalStatus) with the same TxID; never resend it.
	ErrUnknownOutcome = errors.New("terminal: outcome unknown, ask the terminal for the transaction status")

	// ErrUnreachable: the message surely never reached the terminal
	// (connection refused, no route, TLS handshake failed, cancelled before a
	// connection existed). Nothing happened on the terminal.
	ErrUnreachable = errors.New("terminal: unreachable, nothing was sent")

	// ErrRejected: the terminal refused the message itself (nexo Reject
	// event, an HTTP 4xx, or ErrorCondition "MessageFormat"), for instance a
	// wrong POIID, a malformed body or a ServiceID it has already seen. This
	// message started no transaction; if an earlier message with the same
	// TxID may have reached the terminal, Status says what became of it.
	ErrRejected = errors.New("terminal: message rejected by the terminal")
)
