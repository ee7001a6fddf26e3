package terminal

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"os"
	"sync/atomic"
	"time"
)

// DefaultTimeout bounds one exchange with the terminal. A payment waits for
// the cardholder (card, PIN, tip), and terminals give up on their own after
// about 120 s, so the default leaves room for that.
const DefaultTimeout = 150 * time.Second

// maxReply bounds how much of a reply is read.
const maxReply = 1 << 20

// Config says how to reach one terminal.
type Config struct {
	// URL is the terminal's nexo endpoint, e.g. https://192.168.1.50:8443/nexo.
	// Only https is accepted.
	URL string
	// POIID identifies the terminal (nexo POIID, e.g. "V400m-324688179").
	POIID string
	// SaleID identifies this hub to the terminal (nexo SaleID).
	SaleID string
	// TLS trusts the terminal's certificate, normally from LoadCA. Required:
	// a terminal's certificate never chains to the system roots.
	TLS *tls.Config
	// Timeout bounds each exchange (DefaultTimeout if zero). A reply that
	// has not come when it runs out makes the outcome unknown.
	Timeout time.Duration
	// Logger receives warnings (never card numbers). Nil discards them.
	Logger *slog.Logger
}

// DefaultConfig returns a Config with the defaults filled in; URL, POIID,
// SaleID and TLS are still to be set.
func DefaultConfig() Config {
	return Config{Timeout: DefaultTimeout}
}

// Validate says in plain words what is wrong with c.
func (c Config) Validate() error {
	u, err := url.Parse(c.URL)
	switch {
	case c.URL == "":
		return errors.New("terminal: URL is empty")
	case err != nil:
		return fmt.Errorf("terminal: URL %q: %w", c.URL, err)
	case u.Scheme != "https":
		return fmt.Errorf("terminal: URL %q must use https, card traffic never goes in clear", c.URL)
	case u.Host == "":
		return fmt.Errorf("terminal: URL %q has no host", c.URL)
	case c.POIID == "":
		return errors.New("terminal: POIID is empty (the terminal's id, e.g. V400m-324688179)")
	case c.SaleID == "":
		return errors.New("terminal: SaleID is empty (this hub's id towards the terminal)")
	case c.TLS == nil:
		return errors.New("terminal: TLS is nil; load the terminal's CA file with LoadCA")
	case c.Timeout < 0:
		return fmt.Errorf("terminal: Timeout %v is negative", c.Timeout)
	}
	return nil
}

// LoadCA returns a TLS configuration that trusts only the certificates in
// the PEM file caFile (the terminal's CA, or its self-signed certificate).
// serverName overrides the name checked in the terminal's certificate;
// leave it empty to check the URL's host.
func LoadCA(caFile, serverName string) (*tls.Config, error) {
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("terminal: CA file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("terminal: CA file %s holds no PEM certificate", caFile)
	}
	return &tls.Config{RootCAs: pool, ServerName: serverName, MinVersion: tls.VersionTLS12}, nil
}

// Client talks to one terminal. It is safe for concurrent use.
type Client struct {
	cfg  Config
	http *http.Client
	log  *slog.Logger
}

// New returns a Client for the terminal cfg describes.
func New(cfg Config) (*Client, error) {
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	tlsConf := cfg.TLS.Clone()
	if tlsConf.MinVersion < tls.VersionTLS12 {
		tlsConf.MinVersion = tls.VersionTLS12
	}
	dialer := &net.Dialer{Timeout: 10 * time.Second}
	tr := &http.Transport{
		Proxy:               nil, // the terminal is on the shop LAN
		DialContext:         dialer.DialContext,
		TLSClientConfig:     tlsConf,
		TLSHandshakeTimeout: 10 * time.Second,
		// A fresh connection per exchange: "refused" then surely means "not
		// sent", and a keep-alive connection the terminal closed while idle
		// can never swallow a payment request.
		DisableKeepAlives: true,
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	hc := &http.Client{
		Transport: tr,
		// A terminal does not redirect; following one would resend a payment.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return &Client{cfg: cfg, http: hc, log: log}, nil
}

// PayRequest is one payment (or refund) attempt.
type PayRequest struct {
	// TxID is the caller's id for this attempt, unique per attempt: it is
	// sent as SaleTransactionID and gives the ServiceID (see ServiceID).
	// Write it down before calling Pay, to ask Status after a crash.
	TxID string
	// AmountØre is the purchase amount, tip excluded; 1 ≤ AmountØre.
	AmountØre int64
	// TipØre is a tip proposed on top (0 for none; refunds take none).
	TipØre int64
	// Time is when the sale system started the attempt (now if zero).
	Time time.Time
}

func (r PayRequest) check(refund bool) error {
	switch {
	case r.TxID == "":
		return errors.New("terminal: TxID is empty")
	case len(r.TxID) > 64:
		return fmt.Errorf("terminal: TxID is %d bytes, at most 64", len(r.TxID))
	case r.AmountØre <= 0:
		return fmt.Errorf("terminal: amount %d øre is not positive", r.AmountØre)
	case r.TipØre < 0:
		return fmt.Errorf("terminal: tip %d øre is negative", r.TipØre)
	case refund && r.TipØre != 0:
		return errors.New("terminal: a refund takes no tip")
	case r.AmountØre > MaxAmountØre || r.TipØre > MaxAmountØre-r.AmountØre:
		return fmt.Errorf("terminal: amount and tip above %d øre", MaxAmountØre)
	}
	return nil
}

// Pay asks the terminal to take a card payment and waits for the answer:
// Approved, Partial (less authorized: see AuthorizedØre) or Declined.
// On ErrUnknownOutcome ask Status with the same TxID; on ErrUnreachable
// nothing happened.
func (c *Client) Pay(ctx context.Context, req PayRequest) (Result, error) {
	return c.payment(ctx, req, false)
}

// Refund returns money to whatever card is presented (an unreferenced
// refund: a PaymentRequest with PaymentType "Refund"). The Result reads as
// for Pay: Approved means the refund was accepted. Status with the same
// TxID finds it later.
func (c *Client) Refund(ctx context.Context, req PayRequest) (Result, error) {
	return c.payment(ctx, req, true)
}

func (c *Client) payment(ctx context.Context, req PayRequest, refund bool) (Result, error) {
	if err := req.check(refund); err != nil {
		return Result{}, err
	}
	at := req.Time
	if at.IsZero() {
		at = time.Now()
	}
	pr := &paymentRequest{
		SaleData: saleData{SaleTransactionID: transactionID{TransactionID: req.TxID, TimeStamp: timestamp(at)}},
		PaymentTransaction: paymentTransaction{AmountsReq: amountsReq{
			Currency:        currencyNOK,
			RequestedAmount: formatØre(req.AmountØre),
		}},
	}
	if req.TipØre > 0 {
		pr.PaymentTransaction.AmountsReq.TipAmount = formatØre(req.TipØre)
	}
	if refund {
		pr.PaymentData = &paymentData{PaymentType: "Refund"}
	}
	sid := ServiceID(req.TxID)
	resp, err := c.exchange(ctx, categoryPayment, sid, &saleToPOIRequest{PaymentRequest: pr})
	if err != nil {
		return Result{}, err
	}
	d, err := paymentOutcome(resp.PaymentResponse)
	c.warn(d, sid)
	if err != nil {
		return Result{}, fmt.Errorf("payment %s: %w", sid, err)
	}
	if d.Outcome == Approved && d.AuthorizedØre < req.AmountØre+req.TipØre {
		d.Outcome = Partial
	}
	return d.Result, nil
}

// Status asks what became of the payment or refund sent with txID:
// Approved, Partial, Declined, Reversed (if the terminal says it was
// reversed since), InProgress (ask again) or NotFound (it never arrived:
// retry the sale with a new TxID). ErrUnknownOutcome here means the
// terminal could not say; ask again.
func (c *Client) Status(ctx context.Context, txID string) (Result, error) {
	return c.status(ctx, categoryPayment, txID)
}

// ReversalStatus is Status for a reversal sent with Reverse(ctx, txID, …):
// Reversed, Declined, InProgress or NotFound.
func (c *Client) ReversalStatus(ctx context.Context, txID string) (Result, error) {
	return c.status(ctx, categoryReversal, txID)
}

func (c *Client) status(ctx context.Context, category, txID string) (Result, error) {
	if txID == "" {
		return Result{}, errors.New("terminal: TxID is empty")
	}
	ref := ServiceID(txID)
	resp, err := c.exchange(ctx, categoryStatus, oneOffServiceID(), &saleToPOIRequest{
		TransactionStatusRequest: &transactionStatusRequest{MessageReference: &messageReference{
			MessageCategory: category,
			ServiceID:       ref,
			SaleID:          c.cfg.SaleID,
			POIID:           c.cfg.POIID,
		}},
	})
	if err != nil {
		return Result{}, err
	}
	d, err := statusOutcome(resp.TransactionStatusResponse, category, ref)
	c.warn(d, ref)
	if err != nil {
		return Result{}, fmt.Errorf("status of %s %s: %w", category, ref, err)
	}
	return d.Result, nil
}

// Reverse cancels an approved payment (a referenced reversal) by the
// terminal's transaction id poiTxID (Result.TerminalTxID of the payment).
// txID is the caller's id for this reversal attempt, unique like a payment
// TxID: ReversalStatus(txID) finds it later. amountØre is how much to give
// back; 0 reverses the whole authorized amount. The Result is Reversed
// (AuthorizedØre is the amount reversed, when the terminal says) or
// Declined (Condition says why: NotAllowed for an unknown or already
// reversed payment).
func (c *Client) Reverse(ctx context.Context, txID, poiTxID string, amountØre int64) (Result, error) {
	switch {
	case txID == "":
		return Result{}, errors.New("terminal: TxID is empty")
	case len(txID) > 64:
		return Result{}, fmt.Errorf("terminal: TxID is %d bytes, at most 64", len(txID))
	case poiTxID == "":
		return Result{}, errors.New("terminal: terminal transaction id is empty")
	case amountØre < 0 || amountØre > MaxAmountØre:
		return Result{}, fmt.Errorf("terminal: reversal amount %d øre out of range", amountØre)
	}
	rr := &reversalRequest{
		OriginalPOITransaction: originalPOITransaction{POITransactionID: transactionID{TransactionID: poiTxID}},
		ReversalReason:         "MerchantCancel",
		SaleData:               &saleData{SaleTransactionID: transactionID{TransactionID: txID, TimeStamp: timestamp(time.Now())}},
	}
	if amountØre > 0 {
		rr.ReversedAmount = formatØre(amountØre)
	}
	sid := ServiceID(txID)
	resp, err := c.exchange(ctx, categoryReversal, sid, &saleToPOIRequest{ReversalRequest: rr})
	if err != nil {
		return Result{}, err
	}
	d, err := reversalOutcome(resp.ReversalResponse)
	c.warn(d, sid)
	if err != nil {
		return Result{}, fmt.Errorf("reversal %s: %w", sid, err)
	}
	if d.Outcome == Reversed && d.AuthorizedØre == 0 {
		d.AuthorizedØre = amountØre
	}
	return d.Result, nil
}

// Abort asks the terminal to cancel the payment or refund sent with txID
// while it is still in progress. The terminal acknowledges at once; the
// waiting Pay then returns Declined with Condition "Aborted", unless the
// payment finished first. A nil error only means the request was accepted:
// what became of the payment is for Pay or Status to say.
func (c *Client) Abort(ctx context.Context, txID string) error {
	if txID == "" {
		return errors.New("terminal: TxID is empty")
	}
	_, err := c.exchange(ctx, categoryAbort, oneOffServiceID(), &saleToPOIRequest{
		AbortRequest: &abortRequest{
			AbortReason: "MerchantAbort",
			MessageReference: messageReference{
				MessageCategory: categoryPayment,
				ServiceID:       ServiceID(txID),
				SaleID:          c.cfg.SaleID,
				POIID:           c.cfg.POIID,
			},
		},
	})
	return err
}

// exchange sends one request and returns the terminal's checked reply
// (nil for an empty reply to an Abort). It decides between ErrUnreachable
// and ErrUnknownOutcome: until the transport has a connection nothing can
// have been written, so any failure before that is "unreachable"; any
// failure after it may have left the request on the terminal.
func (c *Client) exchange(ctx context.Context, category, serviceID string, req *saleToPOIRequest) (*saleToPOIResponse, error) {
	req.MessageHeader = messageHeader{
		ProtocolVersion: protocolVersion,
		MessageClass:    classService,
		MessageCategory: category,
		MessageType:     typeRequest,
		ServiceID:       serviceID,
		SaleID:          c.cfg.SaleID,
		POIID:           c.cfg.POIID,
	}
	body, err := json.Marshal(envelope{Request: req})
	if err != nil {
		return nil, fmt.Errorf("terminal: encode %s: %w", category, err)
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()

	var connected atomic.Bool
	trace := &httptrace.ClientTrace{GotConn: func(httptrace.GotConnInfo) { connected.Store(true) }}
	hreq, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), http.MethodPost, c.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("terminal: %w", err)
	}
	hreq.Header.Set("Content-Type", "application/json")
	hreq.Header.Set("Accept", "application/json")

	hresp, err := c.http.Do(hreq)
	if err != nil {
		if !connected.Load() {
			return nil, fmt.Errorf("%w: %s %s: %w", ErrUnreachable, category, serviceID, err)
		}
		return nil, fmt.Errorf("%w: %s %s: %w", ErrUnknownOutcome, category, serviceID, err)
	}
	defer hresp.Body.Close()
	reply, err := io.ReadAll(io.LimitReader(hresp.Body, maxReply+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %s %s: reading reply: %w", ErrUnknownOutcome, category, serviceID, err)
	}
	switch {
	case hresp.StatusCode >= 500:
		return nil, fmt.Errorf("%w: %s %s: HTTP %s", ErrUnknownOutcome, category, serviceID, hresp.Status)
	case hresp.StatusCode >= 300:
		return nil, fmt.Errorf("%w: %s %s: HTTP %s", ErrRejected, category, serviceID, hresp.Status)
	case len(reply) > maxReply:
		return nil, fmt.Errorf("%w: %s %s: reply larger than %d bytes", ErrUnknownOutcome, category, serviceID, maxReply)
	}
	if len(bytes.TrimSpace(reply)) == 0 {
		if category == categoryAbort {
			return nil, nil
		}
		return nil, fmt.Errorf("%w: %s %s: empty reply", ErrUnknownOutcome, category, serviceID)
	}
	resp, err := decodeResponse(reply)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", category, serviceID, err)
	}
	if err := checkHeader(resp.MessageHeader, category, serviceID); err != nil {
		return nil, err
	}
	return resp, nil
}

// warn logs what had to be masked or dropped, never the data itself.
func (c *Client) warn(d decoded, serviceID string) {
	if d.unmaskedPAN {
		c.log.Warn("terminal sent an unmasked card number in MaskedPan; masked it before use",
			"poi_id", c.cfg.POIID, "service_id", serviceID)
	}
	if d.sensitiveCard {
		c.log.Warn("terminal sent SensitiveCardData; discarded it unread",
			"poi_id", c.cfg.POIID, "service_id", serviceID)
	}
	if d.scrubbedFields {
		c.log.Warn("terminal sent something like a card number in a text field; masked it",
			"poi_id", c.cfg.POIID, "service_id", serviceID)
	}
}

// timestamp formats t as nexo's ISODateTime, in UTC with milliseconds.
func timestamp(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z07:00")
}
