package terminal

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Outcome is what the terminal says became of a transaction.
type Outcome int

// The zero Outcome is never returned with a nil error.
const (
	_ Outcome = iota
	// Approved: the full amount (and tip) was authorized.
	Approved
	// Declined: no money moved (refused by the issuer, cancelled on the
	// terminal, aborted by Abort, terminal busy…). Result.Condition says why.
	Declined
	// Partial: less than asked was authorized; Result.AuthorizedØre says how much.
	Partial
	// InProgress: the terminal is still working on it (Status only).
	InProgress
	// NotFound: the terminal has no such transaction (Status only). The
	// message never arrived; retry the sale with a new TxID.
	NotFound
	// Reversed: a reversal succeeded (Reverse, ReversalStatus), or Status
	// learned that the payment was reversed afterwards.
	Reversed
)

var outcomeNames = [...]string{"", "approved", "declined", "partial", "in-progress", "not-found", "reversed"}

func (o Outcome) String() string {
	if o > 0 && int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// Result is what Kasse may keep about a card transaction: never the card
// number, only the terminal's ids, the approval code, the brand and the
// masked number.
type Result struct {
	Outcome Outcome
	// AuthorizedØre is the amount charged (payments, tip included), refunded
	// (refunds) or reversed (reversals). Zero unless Approved, Partial or
	// Reversed.
	AuthorizedØre int64
	// Funding is "credit" or "debit" when the terminal said which kind of
	// card it was (Adyen's fundingSource in AdditionalResponse; nexo has no
	// field for it), "" when it did not.
	Funding string
	// TipØre is the part of AuthorizedØre that is a tip (AmountsResp.TipAmount),
	// whether the sale system proposed it or the cardholder entered it.
	TipØre int64
	// TerminalTxID is POIData.POITransactionID.TransactionID: what Reverse
	// needs and what reconciliation matches against.
	TerminalTxID string
	// TerminalTime is POIData.POITransactionID.TimeStamp, zero if absent.
	TerminalTime time.Time
	ApprovalCode string
	Brand        string
	MaskedPAN    string
	// Condition is nexo's ErrorCondition ("Refusal", "Aborted", "Cancel",
	// "Busy", "NotAllowed", …) when the terminal gave one.
	Condition string
	// Message is a short human-readable reason, scrubbed of card numbers.
	Message string
}

// maxMessage bounds Result.Message; a terminal's free text can be long.
const maxMessage = 200

// decodeResponse parses a terminal's reply. It returns an error wrapping
// ErrUnknownOutcome for anything that is not a nexo envelope, and one
// wrapping ErrRejected for a Reject event. The JSON error itself is not
// wrapped: encoding/json quotes numbers it could not store, and a reply may
// hold a card number.
func decodeResponse(body []byte) (*saleToPOIResponse, error) {
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, fmt.Errorf("%w: reply is not valid JSON for nexo (%s)", ErrUnknownOutcome, jsonErrorKind(err))
	}
	if env.Request != nil && env.Response == nil {
		ev := env.Request.EventNotification
		if ev != nil && ev.EventToNotify == "Reject" {
			return nil, fmt.Errorf("%w: %s", ErrRejected, additionalText(ev.EventDetails, "rejected"))
		}
		return nil, fmt.Errorf("%w: reply is a request, not a response", ErrUnknownOutcome)
	}
	if env.Response == nil {
		return nil, fmt.Errorf("%w: reply has no SaleToPOIResponse", ErrUnknownOutcome)
	}
	return env.Response, nil
}

// jsonErrorKind describes a JSON error without quoting the input.
func jsonErrorKind(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("syntax error at byte %d", syn.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("wrong type for %s", typ.Field)
	}
	return "cannot decode"
}

// checkHeader makes sure a reply answers the message that was sent.
func checkHeader(h messageHeader, category, serviceID string) error {
	if h.MessageCategory != category || h.ServiceID != serviceID {
		return fmt.Errorf("%w: reply is for %s %q, sent %s %q",
			ErrUnknownOutcome, clip(h.MessageCategory), clip(h.ServiceID), category, serviceID)
	}
	if h.MessageType != "" && h.MessageType != typeResponse {
		return fmt.Errorf("%w: reply has MessageType %q", ErrUnknownOutcome, clip(h.MessageType))
	}
	return nil
}

// decoded carries, beside the Result, what the client should warn about.
type decoded struct {
	Result
	unmaskedPAN    bool // a full card number was masked
	sensitiveCard  bool // SensitiveCardData was present and dropped
	scrubbedFields bool // free text held something like a card number
}

// paymentOutcome turns a PaymentResponse into a Result. "Success" and
// "Partial" need an AuthorizedAmount; "Failure" is Declined.
func paymentOutcome(pr *paymentResponse) (decoded, error) {
	var d decoded
	if pr == nil {
		return d, fmt.Errorf("%w: reply has no PaymentResponse", ErrUnknownOutcome)
	}
	d.fillPOI(pr.POIData)
	d.fillCard(pr.PaymentResult)
	switch pr.Response.Result {
	case resultSuccess, resultPartial:
		d.Outcome = Approved
		if pr.Response.Result == resultPartial {
			d.Outcome = Partial
		}
		if pr.PaymentResult == nil || pr.PaymentResult.AmountsResp == nil {
			return d, fmt.Errorf("%w: %s without AuthorizedAmount", ErrUnknownOutcome, pr.Response.Result)
		}
		amt, err := parseØre(pr.PaymentResult.AmountsResp.AuthorizedAmount)
		if err != nil {
			return d, fmt.Errorf("%w: AuthorizedAmount: %w", ErrUnknownOutcome, err)
		}
		d.AuthorizedØre = amt
		if tip := pr.PaymentResult.AmountsResp.TipAmount; tip != "" {
			if d.TipØre, err = parseØre(tip); err != nil || d.TipØre > amt {
				return d, fmt.Errorf("%w: TipAmount is not an amount within AuthorizedAmount", ErrUnknownOutcome)
			}
		}
		d.Funding = fundingSource(pr.Response.AdditionalResponse)
		if reversedFlag(pr.Response.AdditionalResponse) {
			d.Outcome = Reversed
		}
	case resultFailure:
		if pr.Response.ErrorCondition == "MessageFormat" {
			return d, fmt.Errorf("%w: %s", ErrRejected, d.failureText(pr.Response))
		}
		d.Outcome = Declined
		d.Condition = clip(pr.Response.ErrorCondition)
		d.Message = d.failureText(pr.Response)
	default:
		return d, fmt.Errorf("%w: unknown Result %q", ErrUnknownOutcome, clip(pr.Response.Result))
	}
	return d, nil
}

// reversalOutcome turns a ReversalResponse into a Result: Reversed or Declined.
func reversalOutcome(rr *reversalResponse) (decoded, error) {
	var d decoded
	if rr == nil {
		return d, fmt.Errorf("%w: reply has no ReversalResponse", ErrUnknownOutcome)
	}
	d.fillPOI(rr.POIData)
	switch rr.Response.Result {
	case resultSuccess:
		d.Outcome = Reversed
		if rr.ReversedAmount != "" {
			amt, err := parseØre(rr.ReversedAmount)
			if err != nil {
				return d, fmt.Errorf("%w: ReversedAmount: %w", ErrUnknownOutcome, err)
			}
			d.AuthorizedØre = amt
		}
	case resultFailure:
		if rr.Response.ErrorCondition == "MessageFormat" {
			return d, fmt.Errorf("%w: %s", ErrRejected, d.failureText(rr.Response))
		}
		d.Outcome = Declined
		d.Condition = clip(rr.Response.ErrorCondition)
		d.Message = d.failureText(rr.Response)
	default:
		return d, fmt.Errorf("%w: unknown Result %q", ErrUnknownOutcome, clip(rr.Response.Result))
	}
	return d, nil
}

// statusOutcome reads a TransactionStatusResponse about the message
// (category, serviceID): InProgress, NotFound, or the repeated original.
func statusOutcome(sr *transactionStatusResponse, category, serviceID string) (decoded, error) {
	var d decoded
	if sr == nil {
		return d, fmt.Errorf("%w: reply has no TransactionStatusResponse", ErrUnknownOutcome)
	}
	switch sr.Response.Result {
	case resultSuccess:
	case resultFailure:
		switch sr.Response.ErrorCondition {
		case "InProgress":
			d.Outcome = InProgress
			return d, nil
		case "NotFound":
			d.Outcome = NotFound
			return d, nil
		}
		return d, fmt.Errorf("%w: status query failed: %s", ErrUnknownOutcome, d.failureText(sr.Response))
	default:
		return d, fmt.Errorf("%w: unknown status Result %q", ErrUnknownOutcome, clip(sr.Response.Result))
	}
	rep := sr.RepeatedMessageResponse
	if rep == nil {
		return d, fmt.Errorf("%w: status Success without RepeatedMessageResponse", ErrUnknownOutcome)
	}
	if err := checkHeader(rep.MessageHeader, category, serviceID); err != nil {
		return d, err
	}
	var err error
	if category == categoryReversal {
		d, err = reversalOutcome(rep.RepeatedResponseMessageBody.ReversalResponse)
	} else {
		d, err = paymentOutcome(rep.RepeatedResponseMessageBody.PaymentResponse)
	}
	if errors.Is(err, ErrRejected) {
		// The original was refused; as far as that TxID goes, nothing happened.
		d.Outcome, d.Condition, err = Declined, "MessageFormat", nil
	}
	return d, err
}

func (d *decoded) fillPOI(p *poiData) {
	if p == nil {
		return
	}
	d.TerminalTxID = p.POITransactionID.TransactionID
	if t, err := time.Parse(time.RFC3339Nano, p.POITransactionID.TimeStamp); err == nil {
		d.TerminalTime = t
	}
}

func (d *decoded) fillCard(pr *paymentResult) {
	if pr == nil {
		return
	}
	if acq := pr.PaymentAcquirerData; acq != nil {
		d.ApprovalCode = d.scrub(acq.ApprovalCode)
	}
	if pid := pr.PaymentInstrumentData; pid != nil && pid.CardData != nil {
		cd := pid.CardData
		d.Brand = d.scrub(cd.PaymentBrand)
		masked, full := maskPAN(cd.MaskedPan)
		d.MaskedPAN = clip(masked)
		d.unmaskedPAN = d.unmaskedPAN || full
		d.sensitiveCard = d.sensitiveCard || bool(cd.SensitiveCardData)
	}
}

// scrub is clean, remembering that something had to be masked.
func (d *decoded) scrub(s string) string {
	s, changed := clean(s)
	d.scrubbedFields = d.scrubbedFields || changed
	return s
}

// failureText is "ErrorCondition: message", the message taken from the
// AdditionalResponse's "message" or "refusalReason" key only: the rest of
// an AdditionalResponse may hold card details Kasse does not keep.
func (d *decoded) failureText(r response) string {
	text := r.ErrorCondition
	if msg := additionalText(r.AdditionalResponse, ""); msg != "" {
		if text != "" {
			text += ": "
		}
		text += msg
	}
	return d.scrub(text)
}

// additionalText picks the human-readable part of a URL-encoded
// AdditionalResponse or EventDetails.
func additionalText(s, fallback string) string {
	q, err := url.ParseQuery(s)
	if err == nil {
		for _, k := range []string{"message", "refusalReason"} {
			if v := strings.TrimSpace(q.Get(k)); v != "" {
				return clip(v)
			}
		}
	}
	return fallback
}

// reversedFlag reports the "reversed=true" note a terminal may add to a
// repeated PaymentResponse once the payment was reversed. nexo has no field
// for it; the terminaltest stand-in sends it, real terminals may not, so the
// hub must not rely on it and keeps its own record of reversals.
func reversedFlag(additional string) bool {
	if !strings.Contains(additional, "reversed") {
		return false
	}
	q, err := url.ParseQuery(additional)
	return err == nil && q.Get("reversed") == "true"
}

// fundingSource reads "fundingSource=CREDIT|DEBIT" from an AdditionalResponse.
func fundingSource(additional string) string {
	if !strings.Contains(additional, "fundingSource") {
		return ""
	}
	q, err := url.ParseQuery(additional)
	if err != nil {
		return ""
	}
	switch strings.ToUpper(q.Get("fundingSource")) {
	case "CREDIT":
		return "credit"
	case "DEBIT":
		return "debit"
	}
	return ""
}

// clip makes text from the terminal fit to keep or log: card-number-like
// digit runs masked (before cutting, so a cut cannot hide half a number),
// control characters dropped, at most maxMessage bytes of valid UTF-8.
func clip(s string) string {
	s, _ = clean(s)
	return s
}

// clean is clip that also reports whether a card number was masked.
func clean(s string) (string, bool) {
	s, masked := scrubText(s)
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return -1
		}
		return r
	}, s)
	if len(s) > maxMessage {
		s = s[:maxMessage]
	}
	return strings.ToValidUTF8(s, ""), masked
}
