// Package terminaltest is a stand-in for a semi-integrated card terminal
// that speaks nexo Sale-to-POI JSON over HTTPS, for tests of package
// terminal and for end-to-end tests of a running hub.
//
// It decodes what arrives on the wire (its message types are its own, not
// package terminal's) and answers as a real terminal would: PaymentRequest
// (payments and PaymentType "Refund"), ReversalRequest, AbortRequest (an
// empty 200) and TransactionStatusRequest (InProgress, NotFound, or the
// original reply repeated). It remembers every transaction by SaleID and
// ServiceID, so a status query answers truthfully, and it records every
// request byte for byte for assertions.
//
// # What a payment does
//
// The next payment or refund takes the next Step given to Script; without
// one, the øre part of RequestedAmount decides (see Rule), so a test that
// drives a running hub picks the behaviour by the price it rings up:
//
//	xx.51  declined by the issuer      (Failure, Refusal)
//	xx.52  partly approved             (Partial, half of amount+tip)
//	xx.53  slow: in progress for Config.SlowFor (2 min), then approved
//	xx.54  approved, but the reply is lost (connection closed); Status finds it
//	xx.55  in progress until aborted   (then Failure, Aborted)
//	xx.56  terminal busy               (Failure, Busy)
//	xx.57  cancelled on the terminal   (Failure, Cancel)
//	xx.58  approved with a Mastercard (a credit card: fundingSource=CREDIT; the Visa says DEBIT)
//	xx.59  approved, but MaskedPan and SensitiveCardData carry the full number (a broken terminal)
//	xx.60  approved with a tip of 10 % (rounded down to whole kroner) the cardholder added
//	other  approved with a VISA        (411111******1111)
//
// A payment that arrives while another is in progress is answered Busy, as a
// real terminal does. A reversed payment's status repeats its PaymentResponse
// with "reversed=true" in AdditionalResponse (nexo has no field for this;
// real terminals may not say it). Messages with a wrong POIID, a reused
// ServiceID, bad JSON, unknown fields or malformed amounts are refused with
// a nexo Reject event, as Adyen's terminals do.
//
// Only public test card numbers are used; nothing here is real card data.
package terminaltest

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// DefaultPOIID is the stand-in's POIID when Config.POIID is empty.
const DefaultPOIID = "KASSE-STANDIN-1"

// Action is what the stand-in does with a payment or refund.
type Action int

const (
	// Approve authorizes amount+tip.
	Approve Action = iota
	// Decline refuses it (Failure, ErrorCondition Refusal).
	Decline
	// ApprovePartial authorizes Step.AuthorizedØre, or half of amount+tip.
	ApprovePartial
	// Slow keeps it in progress for Config.SlowFor, then approves it.
	Slow
	// LoseReply approves it and closes the connection without answering.
	LoseReply
	// HoldUntilAbort keeps it in progress until an AbortRequest (or Complete).
	HoldUntilAbort
	// Busy answers Failure, ErrorCondition Busy.
	Busy
	// CancelOnTerminal answers Failure, ErrorCondition Cancel, as when the
	// cardholder presses Cancel.
	CancelOnTerminal
)

// Card is a public test card.
type Card struct {
	Brand string
	PAN   string
}

// Test cards. Masked shows them as terminals do: first six, last four.
var (
	Visa       = Card{Brand: "VISA", PAN: "4111111111111111"}
	Mastercard = Card{Brand: "MasterCard", PAN: "5555555555554444"}
)

// Masked is the card number as a terminal may show it: 411111******1111.
func (c Card) Masked() string {
	return c.PAN[:6] + strings.Repeat("*", len(c.PAN)-10) + c.PAN[len(c.PAN)-4:]
}

// Step scripts one payment or refund.
type Step struct {
	Action Action
	// AuthorizedØre is what ApprovePartial authorizes; 0 means half of
	// amount+tip (rounded down, at least 1 øre).
	AuthorizedØre int64
	// Card is the card presented; the zero Card means Visa.
	Card Card
	// LeakPAN puts the full card number in MaskedPan, and the number and
	// track data in SensitiveCardData, as a broken or misconfigured
	// terminal might, to test that the sale system keeps none of it.
	LeakPAN bool
	// TipØre is a tip the cardholder adds on the terminal: it is charged on
	// top and reported in AmountsResp.TipAmount.
	TipØre int64
}

// Rule is the Step the stand-in takes for a payment of amountØre when
// nothing is scripted; it looks only at the øre (amountØre % 100).
func Rule(amountØre int64) Step {
	switch amountØre % 100 {
	case 51:
		return Step{Action: Decline}
	case 52:
		return Step{Action: ApprovePartial}
	case 53:
		return Step{Action: Slow}
	case 54:
		return Step{Action: LoseReply}
	case 55:
		return Step{Action: HoldUntilAbort}
	case 56:
		return Step{Action: Busy}
	case 57:
		return Step{Action: CancelOnTerminal}
	case 58:
		return Step{Action: Approve, Card: Mastercard}
	case 59:
		return Step{Action: Approve, LeakPAN: true}
	case 60:
		return Step{Action: Approve, TipØre: amountØre / 1000 * 100}
	}
	return Step{Action: Approve}
}

// State is where a transaction stands on the stand-in.
type State string

// States of a payment or refund.
const (
	InProgress State = "InProgress"
	Approved   State = "Approved" // fully or partly: compare AuthorizedØre
	Declined   State = "Declined" // Condition says why
	Aborted    State = "Aborted"
	Reversed   State = "Reversed" // fully reversed
)

// Transaction is a payment or refund as the stand-in remembers it.
type Transaction struct {
	SaleID, ServiceID string
	SaleTransactionID string
	PaymentType       string // "Normal" or "Refund"
	RequestedØre      int64
	TipØre            int64
	AuthorizedØre     int64
	ReversedØre       int64
	State             State
	Condition         string // nexo ErrorCondition when declined or aborted
	POITransactionID  string
	Brand, MaskedPAN  string
}

// Request is one request as it arrived.
type Request struct {
	Category, ServiceID, SaleID, POIID string
	Body                               []byte // exactly as received
}

// Config sets up a stand-in.
type Config struct {
	// POIID is the terminal's id; requests for another POIID are refused.
	// DefaultPOIID if empty.
	POIID string
	// SlowFor is how long a Slow payment stays in progress (2 min if zero).
	SlowFor time.Duration
	// Now is the stand-in's clock for time stamps (time.Now if nil).
	Now func() time.Time
	// Logger gets one line per request (discarded if nil).
	Logger *slog.Logger
}

// Terminal is the stand-in. It is an http.Handler; NewServer and Serve put
// it on HTTPS. Its methods are safe for concurrent use.
type Terminal struct {
	cfg Config
	log *slog.Logger

	mu        sync.Mutex
	script    []Step
	requests  []Request
	seen      map[string]bool // key(SaleID, ServiceID) of accepted messages
	txs       map[string]*txn
	order     []*txn
	reversals map[string]*reversal
	byPOI     map[string]*txn
	seq       int
	changed   chan struct{} // closed and replaced on every state change
	closing   chan struct{}
	closed    bool
}

type txn struct {
	Transaction
	step     Step
	card     Card
	header   header // the request's header, echoed in replies
	saleTime string
	poiTime  time.Time
	approval string
	done     chan struct{} // closed when the transaction ends
	timer    *time.Timer
}

type reversal struct {
	header header
	resp   revResp
}

// New returns a stand-in terminal.
func New(cfg Config) *Terminal {
	if cfg.POIID == "" {
		cfg.POIID = DefaultPOIID
	}
	if cfg.SlowFor == 0 {
		cfg.SlowFor = 2 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Terminal{
		cfg:       cfg,
		log:       log,
		seen:      map[string]bool{},
		txs:       map[string]*txn{},
		reversals: map[string]*reversal{},
		byPOI:     map[string]*txn{},
		changed:   make(chan struct{}),
		closing:   make(chan struct{}),
	}
}

// POIID is the terminal's POIID.
func (t *Terminal) POIID() string { return t.cfg.POIID }

// Script queues steps for the next payments and refunds, in order; they
// take precedence over the amount rules.
func (t *Terminal) Script(steps ...Step) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.script = append(t.script, steps...)
}

// Requests returns every request received so far, in order.
func (t *Terminal) Requests() []Request {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]Request, len(t.requests))
	for i, r := range t.requests {
		r.Body = slices.Clone(r.Body)
		out[i] = r
	}
	return out
}

// Transactions returns every payment and refund, in the order they arrived.
func (t *Terminal) Transactions() []Transaction {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]Transaction, len(t.order))
	for i, tx := range t.order {
		out[i] = tx.Transaction
	}
	return out
}

// Transaction returns the payment or refund with this ServiceID.
func (t *Terminal) Transaction(serviceID string) (Transaction, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if tx := t.findLocked(serviceID); tx != nil {
		return tx.Transaction, true
	}
	return Transaction{}, false
}

// AwaitState waits until the payment or refund with this ServiceID exists
// and is in state want, and returns it; or returns ctx's error.
func (t *Terminal) AwaitState(ctx context.Context, serviceID string, want State) (Transaction, error) {
	for {
		t.mu.Lock()
		tx := t.findLocked(serviceID)
		changed := t.changed
		t.mu.Unlock()
		if tx != nil && tx.State == want {
			return tx.Transaction, nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return Transaction{}, ctx.Err()
		}
	}
}

// Complete approves an in-progress payment now, as if the cardholder had
// finished (Slow or HoldUntilAbort). It reports whether there was one.
func (t *Terminal) Complete(serviceID string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	tx := t.findLocked(serviceID)
	if tx == nil || tx.State != InProgress {
		return false
	}
	t.approveLocked(tx)
	return true
}

// Decline ends an in-progress payment as refused by the issuer, as if the
// cardholder's card had been declined. It reports whether there was one.
func (t *Terminal) Decline(serviceID string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	tx := t.findLocked(serviceID)
	if tx == nil || tx.State != InProgress {
		return false
	}
	t.endLocked(tx, Declined, "Refusal")
	return true
}

// Close ends every held payment's wait (its request gets no reply) and
// stops the timers. Requests after Close get HTTP 503.
func (t *Terminal) Close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return
	}
	t.closed = true
	close(t.closing)
	for _, tx := range t.order {
		if tx.timer != nil {
			tx.timer.Stop()
		}
	}
}

func key(saleID, serviceID string) string { return saleID + "\x00" + serviceID }

func (t *Terminal) findLocked(serviceID string) *txn {
	for i := len(t.order) - 1; i >= 0; i-- {
		if t.order[i].ServiceID == serviceID {
			return t.order[i]
		}
	}
	return nil
}

func (t *Terminal) notifyLocked() {
	close(t.changed)
	t.changed = make(chan struct{})
}

var serviceIDSyntax = regexp.MustCompile(`^[A-Za-z0-9]{1,10}$`)

// ServeHTTP answers one nexo request.
func (t *Terminal) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST nexo JSON here", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		http.Error(w, "cannot read request", http.StatusBadRequest)
		return
	}
	var env reqEnvelope
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	decErr := dec.Decode(&env)
	if decErr == nil && dec.More() {
		decErr = io.ErrUnexpectedEOF
	}
	var hdr header
	if env.SaleToPOIRequest != nil {
		hdr = env.SaleToPOIRequest.MessageHeader
	}

	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		http.Error(w, "terminal closed", http.StatusServiceUnavailable)
		return
	}
	t.requests = append(t.requests, Request{
		Category: hdr.MessageCategory, ServiceID: hdr.ServiceID, SaleID: hdr.SaleID, POIID: hdr.POIID,
		Body: body,
	})
	t.notifyLocked()
	t.mu.Unlock()
	t.log.Info("terminaltest: request", "category", hdr.MessageCategory, "service_id", hdr.ServiceID)

	switch {
	case decErr != nil:
		t.reject(w, hdr, "Invalid JSON: "+decErr.Error())
		return
	case env.SaleToPOIRequest == nil:
		t.reject(w, hdr, "No SaleToPOIRequest")
		return
	}
	msg := env.SaleToPOIRequest
	if why := t.checkHeader(hdr); why != "" {
		t.reject(w, hdr, why)
		return
	}
	if why := bodyFits(msg); why != "" {
		t.reject(w, hdr, why)
		return
	}

	switch hdr.MessageCategory {
	case "Payment":
		t.payment(w, r, hdr, msg.PaymentRequest)
	case "Reversal":
		t.reverse(w, hdr, msg.ReversalRequest)
	case "Abort":
		t.abort(w, hdr, msg.AbortRequest)
	case "TransactionStatus":
		t.status(w, hdr, msg.TransactionStatusRequest)
	}
}

func (t *Terminal) checkHeader(h header) string {
	switch {
	case h.ProtocolVersion != "3.0":
		return "ProtocolVersion must be 3.0"
	case h.MessageClass != "Service":
		return "MessageClass must be Service"
	case h.MessageType != "Request":
		return "MessageType must be Request"
	case !serviceIDSyntax.MatchString(h.ServiceID):
		return "ServiceID must be 1 to 10 letters and digits"
	case h.SaleID == "":
		return "SaleID missing"
	case h.POIID != t.cfg.POIID:
		return "Wrong POIID " + h.POIID
	}
	return ""
}

// bodyFits checks that the message carries exactly the body its category names.
func bodyFits(m *reqMessage) string {
	n := 0
	for _, present := range []bool{m.PaymentRequest != nil, m.ReversalRequest != nil, m.AbortRequest != nil, m.TransactionStatusRequest != nil} {
		if present {
			n++
		}
	}
	var ok bool
	switch m.MessageHeader.MessageCategory {
	case "Payment":
		ok = m.PaymentRequest != nil
	case "Reversal":
		ok = m.ReversalRequest != nil
	case "Abort":
		ok = m.AbortRequest != nil
	case "TransactionStatus":
		ok = m.TransactionStatusRequest != nil
	default:
		return "Unsupported MessageCategory " + m.MessageHeader.MessageCategory
	}
	if !ok || n != 1 {
		return "Message body does not match MessageCategory " + m.MessageHeader.MessageCategory
	}
	return ""
}

// acceptLocked marks the ServiceID used; false if it was used before.
func (t *Terminal) acceptLocked(h header) bool {
	k := key(h.SaleID, h.ServiceID)
	if t.seen[k] {
		return false
	}
	t.seen[k] = true
	return true
}

func (t *Terminal) payment(w http.ResponseWriter, r *http.Request, hdr header, req *payReq) {
	amounts := req.PaymentTransaction.AmountsReq
	requested, ok := parseKroner(amounts.RequestedAmount)
	if !ok || requested == 0 {
		t.reject(w, hdr, "RequestedAmount must be a positive amount with at most two decimals")
		return
	}
	var tip int64
	if amounts.TipAmount != "" {
		if tip, ok = parseKroner(amounts.TipAmount); !ok {
			t.reject(w, hdr, "TipAmount must be an amount with at most two decimals")
			return
		}
	}
	payType := "Normal"
	if req.PaymentData != nil {
		payType = req.PaymentData.PaymentType
	}
	switch {
	case amounts.Currency != "NOK":
		t.reject(w, hdr, "Currency must be NOK")
		return
	case payType != "Normal" && payType != "Refund":
		t.reject(w, hdr, "PaymentType must be Normal or Refund")
		return
	case payType == "Refund" && tip != 0:
		t.reject(w, hdr, "A refund takes no tip")
		return
	case req.SaleData.SaleTransactionID.TransactionID == "":
		t.reject(w, hdr, "SaleTransactionID.TransactionID missing")
		return
	}

	t.mu.Lock()
	if !t.acceptLocked(hdr) {
		t.mu.Unlock()
		t.reject(w, hdr, "Duplicate ServiceID "+hdr.ServiceID)
		return
	}
	busy := false
	for _, o := range t.order {
		busy = busy || o.State == InProgress
	}
	step := Rule(requested)
	if len(t.script) > 0 {
		step, t.script = t.script[0], t.script[1:]
	}
	if busy {
		step = Step{Action: Busy}
	}
	card := step.Card
	if card == (Card{}) {
		card = Visa
	}
	if step.TipØre > 0 && payType == "Normal" {
		tip += step.TipØre
	}
	t.seq++
	now := t.cfg.Now()
	tx := &txn{
		Transaction: Transaction{
			SaleID:            hdr.SaleID,
			ServiceID:         hdr.ServiceID,
			SaleTransactionID: req.SaleData.SaleTransactionID.TransactionID,
			PaymentType:       payType,
			RequestedØre:      requested,
			TipØre:            tip,
			State:             InProgress,
			POITransactionID:  poiTxID(now, t.seq),
		},
		step:     step,
		card:     card,
		header:   hdr,
		saleTime: req.SaleData.SaleTransactionID.TimeStamp,
		poiTime:  now,
		approval: approvalCode(t.seq),
		done:     make(chan struct{}),
	}
	t.txs[key(hdr.SaleID, hdr.ServiceID)] = tx
	t.order = append(t.order, tx)
	t.byPOI[tx.POITransactionID] = tx
	switch step.Action {
	case Approve, ApprovePartial, LoseReply:
		t.approveLocked(tx)
	case Decline:
		t.endLocked(tx, Declined, "Refusal")
	case Busy:
		t.endLocked(tx, Declined, "Busy")
	case CancelOnTerminal:
		t.endLocked(tx, Declined, "Cancel")
	case Slow:
		tx.timer = time.AfterFunc(t.cfg.SlowFor, func() {
			t.mu.Lock()
			defer t.mu.Unlock()
			if tx.State == InProgress {
				t.approveLocked(tx)
			}
		})
	case HoldUntilAbort:
	}
	t.notifyLocked()
	closing := t.closing
	t.mu.Unlock()

	select {
	case <-tx.done:
	case <-r.Context().Done():
		return // the sale system gave up; the transaction carries on
	case <-closing:
		return
	}
	if step.Action == LoseReply {
		loseReply(w)
		return
	}
	t.mu.Lock()
	resp := t.paymentResponse(tx, false)
	t.mu.Unlock()
	t.reply(w, &respMessage{MessageHeader: replyHeader(hdr), PaymentResponse: resp})
}

// loseReply drops the connection without an answer, as a terminal that
// approved and then lost the network would.
func loseReply(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

func (t *Terminal) approveLocked(tx *txn) {
	total := tx.RequestedØre + tx.TipØre
	amount := total
	if tx.step.Action == ApprovePartial {
		amount = tx.step.AuthorizedØre
		if amount <= 0 {
			amount = max(total/2, 1)
		}
	}
	tx.AuthorizedØre = amount
	tx.Brand = tx.card.Brand
	tx.MaskedPAN = tx.card.Masked()
	if tx.step.LeakPAN {
		tx.MaskedPAN = tx.card.PAN
	}
	t.endLocked(tx, Approved, "")
}

func (t *Terminal) endLocked(tx *txn, s State, condition string) {
	if tx.State != InProgress {
		return
	}
	tx.State, tx.Condition = s, condition
	if condition == "Refusal" {
		tx.Brand, tx.MaskedPAN = tx.card.Brand, tx.card.Masked()
	}
	if tx.timer != nil {
		tx.timer.Stop()
	}
	close(tx.done)
	t.notifyLocked()
}

// paymentResponse builds the PaymentResponse for tx as it stands; for a
// status reply it notes a reversal in AdditionalResponse.
func (t *Terminal) paymentResponse(tx *txn, forStatus bool) *payResp {
	p := &payResp{
		SaleData: saleData{SaleTransactionID: txIdent{TransactionID: tx.SaleTransactionID, TimeStamp: tx.saleTime}},
		POIData:  poiData{POITransactionID: txIdent{TransactionID: tx.POITransactionID, TimeStamp: stamp(tx.poiTime)}, POIReconciliationID: "1000"},
	}
	note := url.Values{}
	switch tx.State {
	case Approved, Reversed:
		p.Response.Result = "Success"
		if tx.AuthorizedØre < tx.RequestedØre+tx.TipØre {
			p.Response.Result = "Partial"
		}
		note.Set("message", "Approved")
		// As Adyen's terminals say: the test Visa is a debit card, the
		// test Mastercard a credit card.
		note.Set("fundingSource", map[bool]string{true: "CREDIT", false: "DEBIT"}[tx.card == Mastercard])
		if forStatus && tx.ReversedØre > 0 {
			note.Set("reversedAmount", string(kroner(tx.ReversedØre)))
			if tx.State == Reversed {
				note.Set("reversed", "true")
			}
		}
	default:
		p.Response.Result = "Failure"
		p.Response.ErrorCondition = tx.Condition
		note.Set("message", map[string]string{
			"Refusal": "Not enough balance",
			"Busy":    "Terminal busy",
			"Cancel":  "Cancelled on terminal",
			"Aborted": "Aborted by sale system",
		}[tx.Condition])
	}
	p.Response.AdditionalResponse = note.Encode()
	if tx.Brand != "" {
		pr := &payResult{PaymentType: tx.PaymentType, OnlineFlag: true}
		pr.PaymentInstrumentData.PaymentInstrumentType = "Card"
		pr.PaymentInstrumentData.CardData.PaymentBrand = tx.Brand
		pr.PaymentInstrumentData.CardData.MaskedPan = tx.MaskedPAN
		pr.PaymentInstrumentData.CardData.EntryMode = []string{"ICC"}
		if tx.step.LeakPAN {
			sd := &sensitiveCardData{PAN: tx.card.PAN, ExpiryDate: "1230"}
			sd.TrackData = append(sd.TrackData, struct{ TrackValue string }{";" + tx.card.PAN + "=30121010000000000000?"})
			pr.PaymentInstrumentData.CardData.SensitiveCardData = sd
		}
		pr.PaymentAcquirerData.AcquirerPOIID = t.cfg.POIID
		pr.PaymentAcquirerData.MerchantID = "KasseTestMerchant"
		if tx.State == Approved || tx.State == Reversed {
			pr.PaymentAcquirerData.ApprovalCode = tx.approval
			pr.AmountsResp = &struct {
				Currency         string
				AuthorizedAmount json.Number
				TipAmount        json.Number `json:",omitempty"`
			}{Currency: "NOK", AuthorizedAmount: kroner(tx.AuthorizedØre)}
			if tx.TipØre > 0 {
				pr.AmountsResp.TipAmount = kroner(tx.TipØre)
			}
		}
		p.PaymentResult = pr
	}
	return p
}

func (t *Terminal) reverse(w http.ResponseWriter, hdr header, req *revReq) {
	var amount int64
	if req.ReversedAmount != "" {
		a, ok := parseKroner(req.ReversedAmount)
		if !ok || a == 0 {
			t.reject(w, hdr, "ReversedAmount must be a positive amount with at most two decimals")
			return
		}
		amount = a
	}
	origID := req.OriginalPOITransaction.POITransactionID.TransactionID

	t.mu.Lock()
	if !t.acceptLocked(hdr) {
		t.mu.Unlock()
		t.reject(w, hdr, "Duplicate ServiceID "+hdr.ServiceID)
		return
	}
	t.seq++
	now := t.cfg.Now()
	rv := &reversal{header: hdr}
	orig := t.byPOI[origID]
	left := int64(0)
	if orig != nil {
		left = orig.AuthorizedØre - orig.ReversedØre
		if amount == 0 {
			amount = left
		}
	}
	fail := func(msg string) {
		rv.resp.Response = result{Result: "Failure", ErrorCondition: "NotAllowed", AdditionalResponse: url.Values{"message": {msg}}.Encode()}
	}
	switch {
	case orig == nil:
		fail("Original transaction not found")
	case orig.State != Approved:
		fail("Original transaction is " + string(orig.State))
	case amount > left:
		fail("Amount exceeds what is left to reverse")
	default:
		orig.ReversedØre += amount
		if orig.ReversedØre == orig.AuthorizedØre {
			orig.State = Reversed
		}
		rv.resp.Response = result{Result: "Success"}
		rv.resp.POIData = &poiData{POITransactionID: txIdent{TransactionID: poiTxID(now, t.seq), TimeStamp: stamp(now)}}
		rv.resp.ReversedAmount = kroner(amount)
		rv.resp.OriginalPOITransaction = &struct{ POITransactionID txIdent }{
			POITransactionID: txIdent{TransactionID: orig.POITransactionID, TimeStamp: stamp(orig.poiTime)},
		}
	}
	t.reversals[key(hdr.SaleID, hdr.ServiceID)] = rv
	t.notifyLocked()
	resp := rv.resp
	t.mu.Unlock()
	t.reply(w, &respMessage{MessageHeader: replyHeader(hdr), ReversalResponse: &resp})
}

func (t *Terminal) abort(w http.ResponseWriter, hdr header, req *abortReq) {
	ref := req.MessageReference
	saleID := cmp.Or(ref.SaleID, hdr.SaleID)
	t.mu.Lock()
	if !t.acceptLocked(hdr) {
		t.mu.Unlock()
		t.reject(w, hdr, "Duplicate ServiceID "+hdr.ServiceID)
		return
	}
	if tx := t.txs[key(saleID, ref.ServiceID)]; tx != nil && tx.State == InProgress {
		t.endLocked(tx, Aborted, "Aborted")
	}
	t.mu.Unlock()
	w.WriteHeader(http.StatusOK) // a terminal acknowledges an abort with no body
}

func (t *Terminal) status(w http.ResponseWriter, hdr header, req *statusReq) {
	t.mu.Lock()
	if !t.acceptLocked(hdr) {
		t.mu.Unlock()
		t.reject(w, hdr, "Duplicate ServiceID "+hdr.ServiceID)
		return
	}
	sr := &statusResp{}
	category := "Payment"
	var tx *txn
	var rv *reversal
	if ref := req.MessageReference; ref == nil {
		if len(t.order) > 0 { // no reference: the last payment
			tx = t.order[len(t.order)-1]
		}
	} else {
		sr.MessageReference = ref
		category = cmp.Or(ref.MessageCategory, "Payment")
		k := key(cmp.Or(ref.SaleID, hdr.SaleID), ref.ServiceID)
		switch category {
		case "Payment":
			tx = t.txs[k]
		case "Reversal":
			rv = t.reversals[k]
		}
	}
	notFound := func() {
		sr.Response = result{Result: "Failure", ErrorCondition: "NotFound",
			AdditionalResponse: url.Values{"message": {"Message not found"}}.Encode()}
	}
	switch {
	case category == "Payment" && tx == nil, category == "Reversal" && rv == nil, category != "Payment" && category != "Reversal":
		notFound()
	case tx != nil && tx.State == InProgress:
		sr.Response = result{Result: "Failure", ErrorCondition: "InProgress",
			AdditionalResponse: url.Values{"message": {"Uncompleted transaction"}}.Encode()}
	default:
		sr.Response = result{Result: "Success"}
		sr.RepeatedMessageResponse = &struct {
			MessageHeader               header
			RepeatedResponseMessageBody struct {
				PaymentResponse  *payResp `json:",omitempty"`
				ReversalResponse *revResp `json:",omitempty"`
			}
		}{}
		if tx != nil {
			sr.RepeatedMessageResponse.MessageHeader = replyHeader(tx.header)
			sr.RepeatedMessageResponse.RepeatedResponseMessageBody.PaymentResponse = t.paymentResponse(tx, true)
		} else {
			resp := rv.resp
			sr.RepeatedMessageResponse.MessageHeader = replyHeader(rv.header)
			sr.RepeatedMessageResponse.RepeatedResponseMessageBody.ReversalResponse = &resp
		}
	}
	t.mu.Unlock()
	t.reply(w, &respMessage{MessageHeader: replyHeader(hdr), TransactionStatusResponse: sr})
}

func (t *Terminal) reply(w http.ResponseWriter, m *respMessage) {
	t.writeJSON(w, respEnvelope{SaleToPOIResponse: m})
}

// reject answers with a nexo Reject event: the message was not processed.
func (t *Terminal) reject(w http.ResponseWriter, h header, why string) {
	t.log.Info("terminaltest: reject", "service_id", h.ServiceID, "why", why)
	m := &rejectMessage{MessageHeader: header{
		ProtocolVersion: "3.0",
		MessageClass:    "Event",
		MessageCategory: "Event",
		MessageType:     "Notification",
		ServiceID:       h.ServiceID,
		SaleID:          h.SaleID,
		POIID:           t.cfg.POIID,
	}}
	m.EventNotification.EventToNotify = "Reject"
	m.EventNotification.EventDetails = url.Values{"message": {why}}.Encode()
	m.EventNotification.TimeStamp = stamp(t.cfg.Now())
	t.writeJSON(w, respEnvelope{SaleToPOIRequest: m})
}

func (t *Terminal) writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}

func replyHeader(h header) header {
	h.MessageType = "Response"
	return h
}

// poiTxID makes a terminal transaction id in the style of a real one.
func poiTxID(at time.Time, seq int) string {
	return fmt.Sprintf("KST%s.%06d", at.UTC().Format("20060102150405"), seq)
}

func approvalCode(seq int) string { return fmt.Sprintf("%06d", (seq*7919+104729)%1_000_000) }
