package barcode

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Sentinel errors. Every error from Parse wraps exactly one of them; test
// with errors.Is.
var (
	// ErrFormat: the input is not a well-formed code — empty, too long, a
	// wrong number of digits, a stray character, a truncated or overlong
	// GS1 field, an impossible date, an AI repeated with another value.
	// Usually a misread or mistyped code: scan again.
	ErrFormat = errors.New("malformed code")

	// ErrCheckDigit: the code is well-formed but a check digit (the GS1
	// mod-10 digit of a GTIN/SSCC/GLN, or the inner price check digit of an
	// in-store code) does not match. Almost always a misread: scan again.
	ErrCheckDigit = errors.New("wrong check digit")

	// ErrUnsupported: a readable code of a kind this package does not
	// handle, e.g. a non-GS1 Code 128 or QR code, UPC-E, or a URL.
	ErrUnsupported = errors.New("unsupported code")

	// ErrUnknownAI: a GS1 element string uses an application identifier the
	// package does not know, so it cannot be delimited safely. It also
	// matches ErrUnsupported.
	ErrUnknownAI error = &childError{"unknown GS1 application identifier", ErrUnsupported}

	// ErrLayout: an in-store Layout is inconsistent (see Layouts.Validate).
	// From Parse it means the Parser is misconfigured, not that the scan is bad.
	ErrLayout = errors.New("invalid in-store layout")
)

// childError is a sentinel that also matches its parent sentinel.
type childError struct {
	msg    string
	parent error
}

func (e *childError) Error() string { return e.msg }
func (e *childError) Unwrap() error { return e.parent }

// maxQuoted is how many bytes of the offending input an error quotes.
const maxQuoted = 40

// ParseError describes why an input was rejected. It unwraps to one of the
// sentinel errors.
type ParseError struct {
	Input  string // the offending input, whitespace-trimmed, cut to 40 bytes
	Reason string // what is wrong, e.g. "check digit is 1, want 0"
	Err    error  // the sentinel: ErrFormat, ErrCheckDigit, ErrUnsupported, ErrUnknownAI or ErrLayout

	truncated bool // Input was cut
}

// Error returns e.g. `barcode: wrong check digit "7038010055691": check digit is 1, want 0`.
// The input is quoted with Go escapes, so the message is printable.
func (e *ParseError) Error() string {
	msg := "barcode: " + e.Err.Error() + " " + strconv.Quote(e.Input)
	if e.truncated {
		msg += "…"
	}
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	return msg
}

// Unwrap returns the sentinel error.
func (e *ParseError) Unwrap() error { return e.Err }

// perr builds a *ParseError, cutting input to maxQuoted bytes at a UTF-8
// boundary where there is one.
func perr(sentinel error, input, format string, args ...any) error {
	cut := len(input) > maxQuoted
	if cut {
		n := maxQuoted
		for i := 0; i < utf8.UTFMax && n > 0 && !utf8.RuneStart(input[n]); i++ {
			n--
		}
		input = input[:n]
	}
	reason := format
	if len(args) > 0 {
		reason = fmt.Sprintf(format, args...)
	}
	reason = printable(reason)
	return &ParseError{Input: input, Reason: reason, Err: sentinel, truncated: cut}
}

// printable escapes anything in s that is not valid, printable UTF-8, so no
// reason can smuggle control characters into a log line or a display.
func printable(s string) string {
	ok := func(s string) bool {
		for _, r := range s {
			if r == utf8.RuneError || !unicode.IsPrint(r) {
				return false
			}
		}
		return true
	}
	if ok(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			q := strconv.QuoteToASCII(s[i : i+n])
			b.WriteString(q[1 : len(q)-1])
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}
