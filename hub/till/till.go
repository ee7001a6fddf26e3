// Package till is what a register talks to: it turns a cashier's request
// into a ledger command (filling in the time, new ids and the idempotency
// key), proposes it through Raft, and answers with the applied result.
//
// It promises that a retried request (same register, same idempotency key,
// same request) never books twice, that bad input is refused before anything
// is proposed where it can be, and that a card payment is journaled before
// the terminal is asked, so an outcome lost to a timeout or a crash is looked
// up from the terminal, never guessed.
package till

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/kasse/kasse/drivers/terminal"
	"github.com/kasse/kasse/hub/barcode"
	"github.com/kasse/kasse/hub/ledger"
	"github.com/kasse/kasse/hub/money"
	"github.com/kasse/kasse/replicate"
)

// Proposer puts a command through Raft and returns once it is applied.
type Proposer interface {
	Propose(ctx context.Context, data []byte) (replicate.Result, error)
}

// Terminal is a card payment terminal (see card.go for how it is used).
type Terminal interface {
	Pay(ctx context.Context, req terminal.PayRequest) (terminal.Result, error)
	Refund(ctx context.Context, req terminal.PayRequest) (terminal.Result, error)
	Reverse(ctx context.Context, txID, poiTxID string, amountØre int64) (terminal.Result, error)
	Status(ctx context.Context, txID string) (terminal.Result, error)
	ReversalStatus(ctx context.Context, txID string) (terminal.Result, error)
	Abort(ctx context.Context, txID string) error
}

// Service serves the registers of one hub.
type Service struct {
	L        *ledger.Ledger
	p        Proposer
	term     Terminal
	parser   barcode.Parser
	now      func() time.Time
	log      *slog.Logger
	inFlight sync.Map // attempt id → struct{}: card payments this hub is asking about now

	// ResolveAfter is how long an unanswered card payment is left to its own
	// request before the resolver asks the terminal about it.
	ResolveAfter time.Duration
	// Mobile, when set, takes mobile payments (mobile.go).
	Mobile Mobile
	// Tenders are the other tenders the shop takes (tender.go).
	Tenders []Tender

	since time.Time          // when this service started: older attempts are nobody's here
	bg    context.Context    // lives until Close, for payments followed in the background
	stop  context.CancelFunc // ends bg
}

// New makes a service. term may be nil: card payments are then refused.
func New(l *ledger.Ledger, p Proposer, term Terminal, layouts barcode.Layouts, log *slog.Logger) *Service {
	bg, stop := context.WithCancel(context.Background())
	return &Service{L: l, p: p, term: term, parser: barcode.Parser{Layouts: layouts}, now: time.Now, log: log, ResolveAfter: 20 * time.Second,
		since: time.Now(), bg: bg, stop: stop}
}

// Close stops following payments in the background; what they left
// pending is resolved after the next start.
func (s *Service) Close() { s.stop() }

// Req says who is asking: the register (from its token), the employee logged
// in on it, and the request's idempotency key with a hash of the request as
// the register sent it.
type Req struct {
	Register string
	Employee string
	Approver string // a second employee whose PIN was checked: Approve
	Key      string
	Hash     string
}

// HashRequest is the idempotency hash of a request: what it asked for, not
// what the hub made of it.
func HashRequest(method, path string, body []byte) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s %s\n", method, path)
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// NewID is a fresh random id with a prefix, for sales and payment attempts.
func NewID(prefix string) string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// Errors of the service.
var (
	// ErrNoTerminal: card payment asked of a hub without a terminal.
	ErrNoTerminal = errors.New("no card terminal is connected to this register")
	// ErrPaymentUnknown: the terminal did not say what became of a payment
	// yet; it is being looked up and will be booked or failed.
	ErrPaymentUnknown = errors.New("the card payment's outcome is not known yet")
	// ErrWrongPIN: login refused.
	ErrWrongPIN = errors.New("wrong employee or PIN")
)

// invalid is bad input caught before proposing, answered like a ledger
// rejection: a stable code and a message for the cashier.
func invalid(code, format string, args ...any) error {
	return &ledger.Rejection{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Do proposes a command of type typ and returns its applied result. A
// rejection comes back as a *ledger.Rejection error.
func (s *Service) Do(ctx context.Context, r Req, typ string, body any) (*ledger.Result, error) {
	env, err := ledger.NewEnvelope(typ, s.now(), body)
	if err != nil {
		return nil, err
	}
	env.Register, env.Employee, env.Approver, env.ReqHash = r.Register, r.Employee, r.Approver, r.Hash
	if r.Key != "" {
		env.Key = r.Register + "/" + r.Key
	}
	data, err := env.Encode()
	if err != nil {
		return nil, err
	}
	out, err := s.p.Propose(ctx, data)
	if err != nil {
		return nil, err
	}
	res, ok := out.Value.(ledger.Result)
	if !ok {
		return nil, fmt.Errorf("propose %s: unexpected result %T", typ, out.Value)
	}
	if res.Err != nil {
		return nil, res.Err
	}
	if res.Reject != nil {
		return &res, res.Reject
	}
	if len(res.Value) == 0 && res.Sale != "" {
		// Applied while this hub was not leading (it stepped down between
		// commit and apply): the answer is the sale as it is now, applied
		// here before Propose returned, as for a retried request.
		sale, err := s.L.Sale(res.Sale)
		if err != nil {
			return nil, fmt.Errorf("%s: read the answer, sale %s: %w", typ, res.Sale, err)
		}
		if res.Value, err = json.Marshal(sale); err != nil {
			return nil, err
		}
	}
	return &res, nil
}

// decode reads a result's value into a new T.
func decode[T any](res *ledger.Result) (*T, error) {
	var v T
	if err := json.Unmarshal(res.Value, &v); err != nil {
		return nil, fmt.Errorf("decode result: %w", err)
	}
	return &v, nil
}

// SaleJSON is a sale as the ledger encoded it, passed on as it is.
type SaleJSON = json.RawMessage

// DecodeSale reads a SaleJSON.
func DecodeSale(b SaleJSON) (*ledger.Sale, error) {
	var s ledger.Sale
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("decode sale: %w", err)
	}
	return &s, nil
}

func (s *Service) sale(ctx context.Context, r Req, typ string, body any) (SaleJSON, error) {
	res, err := s.Do(ctx, r, typ, body)
	if err != nil {
		return nil, err
	}
	return res.Value, nil
}

// OpenSale starts a sale on the register.
func (s *Service) OpenSale(ctx context.Context, r Req) (SaleJSON, error) {
	return s.sale(ctx, r, ledger.CmdSaleOpen, map[string]string{"sale": NewID("S")})
}

// Scan adds what a scanner read. qty is pieces (0 means 1), or grams for a
// weighed item whose code carries no weight (from the scale).
func (s *Service) Scan(ctx context.Context, r Req, sale, code string, qty int64) (SaleJSON, error) {
	c, err := s.parser.Parse(code)
	if err != nil {
		return nil, invalid("bad_barcode", "%s", cashierText(err))
	}
	key := c.GTIN
	if key == "" {
		return nil, invalid("bad_barcode", "the code %q names no article", c.Raw)
	}
	it, err := s.L.ItemByCode(key)
	if errors.Is(err, ledger.ErrNotFound) {
		return nil, invalid("unknown_barcode", "no item has barcode %s", c.Raw)
	}
	if err != nil {
		return nil, err
	}
	add := ledger.SaleAdd{Sale: sale, SKU: it.SKU, Qty: qty, Code: c.Raw}
	switch {
	case c.HasPrice:
		add.Fixed, add.Qty = c.PriceØre, 1
	case c.HasWeight && it.Unit == ledger.UnitKg:
		add.Qty = c.WeightGram
	case it.Unit == ledger.UnitKg && qty == 0:
		return nil, invalid("needs_weight", "%s is sold by weight: put it on the scale", it.Name)
	case qty == 0:
		add.Qty = 1
	}
	return s.sale(ctx, r, ledger.CmdSaleAdd, add)
}

// cashierText turns a barcode error into words for a cashier.
func cashierText(err error) string {
	switch {
	case errors.Is(err, barcode.ErrCheckDigit):
		return "the barcode's check digit is wrong: scan again or type the number"
	case errors.Is(err, barcode.ErrUnsupported):
		return "this kind of barcode is not supported here"
	}
	return "this is not a barcode Kasse can read"
}

// AddSKU adds an item by SKU (quick keys, search).
func (s *Service) AddSKU(ctx context.Context, r Req, sale, sku string, qty int64) (SaleJSON, error) {
	it, err := s.L.Item(sku)
	if errors.Is(err, ledger.ErrNotFound) {
		return nil, invalid("unknown_item", "no item with SKU %s", sku)
	}
	if err != nil {
		return nil, err
	}
	if qty == 0 {
		if it.Unit == ledger.UnitKg {
			return nil, invalid("needs_weight", "%s is sold by weight: put it on the scale", it.Name)
		}
		qty = 1
	}
	return s.sale(ctx, r, ledger.CmdSaleAdd, ledger.SaleAdd{Sale: sale, SKU: sku, Qty: qty})
}

// SetQty changes a line's quantity.
func (s *Service) SetQty(ctx context.Context, r Req, sale string, line int, qty int64) (SaleJSON, error) {
	return s.sale(ctx, r, ledger.CmdSaleQty, ledger.SaleQty{Sale: sale, Line: line, Qty: qty})
}

// RemoveLine removes a line (kept in the sale as a correction).
func (s *Service) RemoveLine(ctx context.Context, r Req, sale string, line int) (SaleJSON, error) {
	return s.sale(ctx, r, ledger.CmdSaleRemove, ledger.SaleLine{Sale: sale, Line: line})
}

// Discount sets or clears a discount on a line (line > 0) or the sale.
func (s *Service) Discount(ctx context.Context, r Req, d ledger.SaleDiscount) (SaleJSON, error) {
	return s.sale(ctx, r, ledger.CmdSaleDisc, d)
}

// OverridePrice sets a line's price by hand.
func (s *Service) OverridePrice(ctx context.Context, r Req, p ledger.SalePrice) (SaleJSON, error) {
	return s.sale(ctx, r, ledger.CmdSalePrice, p)
}

// Park, Resume and Void change a sale's state.
func (s *Service) Park(ctx context.Context, r Req, sale string) (SaleJSON, error) {
	return s.sale(ctx, r, ledger.CmdSalePark, map[string]string{"sale": sale})
}

// Resume takes up a parked sale on this register.
func (s *Service) Resume(ctx context.Context, r Req, sale string) (SaleJSON, error) {
	return s.sale(ctx, r, ledger.CmdSaleResume, map[string]string{"sale": sale})
}

// Void cancels an unpaid sale.
func (s *Service) Void(ctx context.Context, r Req, sale string) (SaleJSON, error) {
	return s.sale(ctx, r, ledger.CmdSaleVoid, map[string]string{"sale": sale})
}

// PayCash pays with what the customer handed over.
func (s *Service) PayCash(ctx context.Context, r Req, sale string, tendered money.Øre) (SaleJSON, error) {
	return s.sale(ctx, r, ledger.CmdPayCash, ledger.PayCash{Sale: sale, Tendered: tendered})
}

// Lookup is a price look-up (journaled, as the regulation asks).
func (s *Service) Lookup(ctx context.Context, r Req, code string) (*ledger.Item, error) {
	sku := code
	if c, err := s.parser.Parse(code); err == nil {
		it, err := s.L.ItemByCode(c.GTIN)
		if err != nil {
			return nil, invalid("unknown_barcode", "no item has barcode %s", c.Raw)
		}
		sku = it.SKU
	}
	res, err := s.Do(ctx, r, ledger.CmdPriceLookup, map[string]string{"sku": sku, "code": code})
	if err != nil {
		return nil, err
	}
	return decode[ledger.Item](res)
}

// Override is a supervisor approving, with their PIN, what the employee
// logged in may not do alone.
type Override struct {
	Employee string `json:"employee"`
	PIN      string `json:"pin"`
}

// OpenDrawer opens the register's drawer without a sale: the employee
// logged in needs the permission, or a supervisor's override.
func (s *Service) OpenDrawer(ctx context.Context, r Req, reason string, o *Override) error {
	by, err := s.approver(ctx, r, o)
	if err != nil {
		return err
	}
	_, err = s.Do(ctx, r, ledger.CmdDrawerOpen, map[string]string{"reason": reason, "approvedBy": by})
	return err
}

// Logout logs the employee out of the register.
func (s *Service) Logout(ctx context.Context, r Req) error {
	_, err := s.Do(ctx, r, ledger.CmdLogout, struct{}{})
	return err
}

// PutItems creates or changes catalog items. Barcodes are normalised to the
// keys scans are looked up by; a barcode that does not parse is refused.
func (s *Service) PutItems(ctx context.Context, r Req, items []ledger.Item) (*ledger.Result, error) {
	for i := range items {
		it := &items[i]
		for j, code := range it.Barcodes {
			c, err := s.parser.Parse(code)
			if err != nil || c.GTIN == "" {
				return nil, invalid("bad_barcode", "item %s: barcode %q: %s", it.SKU, code, cashierText(err))
			}
			it.Barcodes[j] = c.GTIN
		}
	}
	return s.Do(ctx, r, ledger.CmdItemPut, map[string]any{"items": items})
}

// PutEmployee creates or changes an employee; pin "" keeps the old PIN.
func (s *Service) PutEmployee(ctx context.Context, r Req, e ledger.Employee, pin string) (*ledger.Employee, error) {
	if pin != "" {
		h, err := HashPIN(pin)
		if err != nil {
			return nil, err
		}
		e.PINHash = h
	}
	res, err := s.Do(ctx, r, ledger.CmdEmployeePut, e)
	if err != nil {
		return nil, err
	}
	return decode[ledger.Employee](res)
}

// CopyReceipt prints the one copy of a completed sale's receipt the rules allow.
func (s *Service) CopyReceipt(ctx context.Context, r Req, sale string) (SaleJSON, error) {
	return s.sale(ctx, r, ledger.CmdReceiptCopy, map[string]string{"sale": sale})
}

// OpenReturn starts a return from a completed sale (found by the code on
// its receipt, which is the sale's id).
func (s *Service) OpenReturn(ctx context.Context, r Req, original string) (SaleJSON, error) {
	return s.sale(ctx, r, ledger.CmdReturnOpen, ledger.ReturnOpen{Return: NewID("R"), Original: original})
}

// ReturnLine takes back qty of the original sale's line.
func (s *Service) ReturnLine(ctx context.Context, r Req, ret string, line int, qty int64) (SaleJSON, error) {
	return s.sale(ctx, r, ledger.CmdReturnAdd, ledger.ReturnAdd{Return: ret, Line: line, Qty: qty})
}

// Refund pays a return back.
func (s *Service) Refund(ctx context.Context, r Req, ret, method string) (SaleJSON, error) {
	return s.sale(ctx, r, ledger.CmdReturnRefund, ledger.ReturnRefund{Return: ret, Method: method})
}
