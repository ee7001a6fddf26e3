package ledger

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/kasse/kasse/hub/money"
)

type saleRef struct {
	Sale string `json:"sale"`
}

// SaleAdd adds an item to a sale.
type SaleAdd struct {
	Sale  string    `json:"sale"`
	SKU   string    `json:"sku"`
	Qty   int64     `json:"qty"`             // pieces, or grams for a weighed item
	Fixed money.Øre `json:"fixed,omitempty"` // price embedded in the scanned code
	Code  string    `json:"code,omitempty"`  // what was scanned
}

// SaleQty sets a line's quantity (grams for a weighed line).
type SaleQty struct {
	Sale string `json:"sale"`
	Line int    `json:"line"`
	Qty  int64  `json:"qty"`
}

// SaleLine names a line.
type SaleLine struct {
	Sale string `json:"sale"`
	Line int    `json:"line"`
}

// SaleDiscount sets (or with Remove, clears) a discount on a line, or on the
// whole sale when Line is 0.
type SaleDiscount struct {
	Sale   string `json:"sale"`
	Line   int    `json:"line,omitempty"`
	Remove bool   `json:"remove,omitempty"`
	Discount
}

// SalePrice overrides a line's unit price.
type SalePrice struct {
	Sale   string    `json:"sale"`
	Line   int       `json:"line"`
	Price  money.Øre `json:"price"`
	Reason string    `json:"reason,omitempty"`
}

// PayCash pays with cash; Tendered is what the customer handed over.
type PayCash struct {
	Sale     string    `json:"sale"`
	Tendered money.Øre `json:"tendered"`
}

// PayStart records a card payment attempt before the terminal is asked.
type PayStart struct {
	Sale    string    `json:"sale"`
	Attempt string    `json:"attempt"`
	Method  string    `json:"method"`
	Amount  money.Øre `json:"amount"`
}

// PayResult books a terminal's outcome for an attempt.
type PayResult struct {
	Attempt string  `json:"attempt"`
	Outcome Outcome `json:"outcome"`
}

// sale returns a sale the handler may change: a copy, so a refused command
// leaves the decoded sales Apply keeps untouched.
func (a *applyCtx) sale(id string) (*Sale, error) {
	s, ok := a.b.staged[id]
	if !ok {
		s, ok = a.b.flushed[id]
	}
	if !ok {
		s, ok = a.l.sales[id]
	}
	if !ok || s == nil {
		var err error
		if s, err = a.loadSale(id); err != nil {
			return nil, notFound(err, "unknown_sale", "no sale %s", id)
		}
	}
	if a.orig == nil {
		a.orig = map[string]*Sale{}
	}
	a.orig[id] = s
	c := *s
	c.Lines = slices.Clone(s.Lines)
	c.Payments = slices.Clone(s.Payments)
	c.Pending = slices.Clone(s.Pending)
	return &c, nil
}

// namedSale loads the sale a command's body names, in whatever state.
func (a *applyCtx) namedSale(env *Envelope) (*Sale, error) {
	req, err := body[saleRef](env)
	if err != nil {
		return nil, err
	}
	return a.sale(req.Sale)
}

// openSale loads a sale this register may change.
func (a *applyCtx) openSale(id string) (*Sale, error) {
	s, err := a.sale(id)
	if err != nil {
		return nil, err
	}
	switch {
	case s.Status == SaleParked:
		return nil, reject("sale_parked", "sale is parked: resume it first")
	case s.Status != SaleOpen:
		return nil, reject("sale_closed", "sale is %s and cannot be changed", s.Status)
	case s.Register != a.env.Register:
		return nil, reject("wrong_register", "sale belongs to register %s", s.Register)
	}
	if err := a.drawerShut(); err != nil {
		return nil, err
	}
	return s, nil
}

// saveSale recomputes and stores s, keeping the open-sales index right.
func (a *applyCtx) saveSale(s *Sale) error {
	s.Recompute()
	idx := pfxOpen + s.Register + "/" + s.ID
	listed := func(s *Sale) bool { return s != nil && (s.Status == SaleOpen || s.Status == SaleParked) }
	o := a.orig[s.ID] // as last stored; its index entry is right for it
	switch {
	case listed(s):
		if !listed(o) || o.Register != s.Register {
			a.b.set(idx, nil)
		}
		a.b.staged[s.ID] = s
	default:
		if o == nil || listed(o) {
			a.b.del(idx)
		}
		a.b.staged[s.ID] = nil
	}
	// Store the header and only the lines that changed: a sale of n lines
	// then costs O(n) bytes on the SD card, not O(n²).
	head := *s
	head.Lines = nil
	b, err := json.Marshal(&head)
	if err != nil {
		return fmt.Errorf("encode sale %s: %w", s.ID, err)
	}
	a.b.set(pfxSale+s.ID, b)
	var was []Line
	if o != nil {
		was = o.Lines
	}
	for i := range s.Lines {
		if i < len(was) && s.Lines[i] == was[i] {
			continue
		}
		lb, err := a.l.lines.get(&s.Lines[i])
		if err != nil {
			return fmt.Errorf("encode sale %s line %d: %w", s.ID, s.Lines[i].No, err)
		}
		a.b.set(lineKey(s.ID, s.Lines[i].No), lb)
	}
	return nil
}

func lineKey(sale string, no int) string { return fmt.Sprintf("%s%s/%04d", pfxSaleLine, sale, no) }

// loadSale reads a sale and its lines from the transaction.
func (a *applyCtx) loadSale(id string) (*Sale, error) {
	s, err := load[Sale](a, pfxSale+id)
	if err != nil {
		return nil, err
	}
	s.Lines, err = readLines(a.b.txn, id)
	return s, err
}

// encoded is s as JSON, lines and all. Its lines' JSON is mostly
// remembered from earlier commands (encodedLines).
func (a *applyCtx) encoded(s *Sale) []byte {
	head := *s
	head.Lines = nil
	hb, err := json.Marshal(&head)
	if err == nil {
		if b, err := a.l.lines.encodeSale(s, hb); err == nil {
			return b
		}
	}
	b, _ := json.Marshal(s) // a Sale always encodes
	return b
}

// bounded refuses a sale that grew beyond what Kasse handles in one sale.
func bounded(s *Sale) error {
	s.Recompute()
	if s.Totals.Gross > money.Max {
		return reject("sale_too_large", "a sale cannot be more than %s", money.Kr(money.Max))
	}
	return nil
}

// editSale decodes a sale command's body and loads the open sale it names,
// ready to be changed.
func editSale[T any](a *applyCtx, env *Envelope, sale func(*T) string) (*T, *Sale, error) {
	req, err := body[T](env)
	if err != nil {
		return nil, nil, err
	}
	s, err := a.openSale(sale(req))
	if err != nil {
		return nil, nil, err
	}
	if err := editable(s); err != nil {
		return nil, nil, err
	}
	return req, s, nil
}

// editable refuses changes while money is on its way, and sale edits on a
// return (whose lines come from its original sale).
func editable(s *Sale) error {
	if s.Kind == KindReturn {
		return reject("is_return", "a return takes lines from its original sale and is then refunded")
	}
	if len(s.Pending) > 0 {
		return reject("payment_pending", "a card payment is in progress on this sale")
	}
	if s.Totals.Paid != 0 {
		return reject("sale_paid", "part of this sale is paid: finish paying or return it")
	}
	return nil
}

func applySaleOpen(a *applyCtx, env *Envelope) (any, error) {
	req, err := body[saleRef](env)
	if err != nil {
		return nil, err
	}
	if req.Sale == "" {
		return nil, reject("bad_request", "a new sale needs an id")
	}
	if _, err := a.register(); err != nil {
		return nil, err
	}
	if err := a.drawerShut(); err != nil {
		return nil, err
	}
	if _, err := a.b.get(pfxSale + req.Sale); err == nil {
		return nil, reject("sale_exists", "sale %s exists", req.Sale)
	} else if !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	s := &Sale{ID: req.Sale, Register: env.Register, Employee: env.Employee, Status: SaleOpen, Opened: env.Time, Lines: []Line{}}
	if s.Training, err = a.training(); err != nil {
		return nil, err
	}
	if _, err := a.journal("sale.open", 0, s.ID, nil); err != nil {
		return nil, err
	}
	return s, a.saveSale(s)
}

func checkQty(unit string, q int64) error {
	if unit == UnitKg {
		if q < 1 || q > MaxGrams {
			return reject("bad_quantity", "a weight must be between 1 g and %d kg", MaxGrams/1000)
		}
		return nil
	}
	if q < 1 || q > MaxQty {
		return reject("bad_quantity", "a quantity must be between 1 and %d", MaxQty)
	}
	return nil
}

func applySaleAdd(a *applyCtx, env *Envelope) (any, error) {
	req, s, err := editSale(a, env, func(r *SaleAdd) string { return r.Sale })
	if err != nil {
		return nil, err
	}
	if len(s.Lines) >= MaxLines {
		return nil, reject("too_many_lines", "a sale holds at most %d lines: finish this one and start another", MaxLines)
	}
	it, err := load[Item](a, pfxItem+req.SKU)
	if err != nil {
		return nil, notFound(err, "unknown_item", "no item with SKU %s", req.SKU)
	}
	if !it.Active {
		return nil, reject("item_inactive", "%s is not for sale", it.Name)
	}
	if err := checkQty(it.Unit, req.Qty); err != nil {
		return nil, err
	}
	if req.Fixed < 0 || req.Fixed > money.Max {
		return nil, reject("bad_price", "the price in the barcode is out of range")
	}
	no := 1
	if n := len(s.Lines); n > 0 {
		no = s.Lines[n-1].No + 1
	}
	s.Lines = append(s.Lines, Line{
		No: no, SKU: it.SKU, Name: it.Name, Group: it.Group, Code: req.Code, Unit: it.Unit,
		Qty: req.Qty, Price: it.Price, Fixed: req.Fixed, Rate: it.Rate,
	})
	if err := bounded(s); err != nil {
		return nil, err
	}
	line, err := a.l.lines.get(&s.Lines[len(s.Lines)-1])
	if err != nil {
		return nil, err
	}
	if _, err := a.journal("sale.line", 0, s.ID, json.RawMessage(line)); err != nil {
		return nil, err
	}
	return s, a.saveSale(s)
}

// liveLine finds a line that may be changed.
func liveLine(s *Sale, no int) (*Line, error) {
	l := s.line(no)
	if l == nil || l.Removed {
		return nil, reject("unknown_line", "sale has no line %d", no)
	}
	return l, nil
}

func applySaleQty(a *applyCtx, env *Envelope) (any, error) {
	req, s, err := editSale(a, env, func(r *SaleQty) string { return r.Sale })
	if err != nil {
		return nil, err
	}
	l, err := liveLine(s, req.Line)
	if err != nil {
		return nil, err
	}
	if l.Fixed != 0 {
		return nil, reject("fixed_line", "the price of this line came from its barcode: remove it and scan again")
	}
	if err := checkQty(l.Unit, req.Qty); err != nil {
		return nil, err
	}
	from := l.Qty
	l.Qty = req.Qty
	if err := bounded(s); err != nil {
		return nil, err
	}
	if _, err := a.journal("sale.qty", 0, s.ID, map[string]any{"line": l.No, "sku": l.SKU, "from": from, "to": l.Qty}); err != nil {
		return nil, err
	}
	return s, a.saveSale(s)
}

func applySaleRemove(a *applyCtx, env *Envelope) (any, error) {
	req, s, err := editSale(a, env, func(r *SaleLine) string { return r.Sale })
	if err != nil {
		return nil, err
	}
	l, err := liveLine(s, req.Line)
	if err != nil {
		return nil, err
	}
	l.Removed = true
	was := l.Amount
	if _, err := a.journal("sale.correction", 0, s.ID, map[string]any{"line": l.No, "sku": l.SKU, "qty": l.Qty, "amount": was}); err != nil {
		return nil, err
	}
	return s, a.saveSale(s)
}

func applySaleDiscount(a *applyCtx, env *Envelope) (any, error) {
	req, s, err := editSale(a, env, func(r *SaleDiscount) string { return r.Sale })
	if err != nil {
		return nil, err
	}
	d := &req.Discount
	if !req.Remove {
		if (d.Percent > 0) == (d.Amount > 0) || d.Percent < 0 || d.Amount < 0 {
			return nil, reject("bad_discount", "give a discount as either a percentage or an amount")
		}
		if d.Percent > 10000 {
			return nil, reject("bad_discount", "a discount cannot be more than 100 %%")
		}
	} else {
		d = nil
	}
	if req.Line == 0 {
		if d != nil && d.Amount > s.Totals.Total {
			return nil, reject("bad_discount", "the discount is more than the sale's total %s", money.Kr(s.Totals.Total))
		}
		s.Discount = d
	} else {
		l, err := liveLine(s, req.Line)
		if err != nil {
			return nil, err
		}
		if d != nil && d.Amount > l.Gross {
			return nil, reject("bad_discount", "the discount is more than the line's amount %s", money.Kr(l.Gross))
		}
		l.Discount = d
	}
	if _, err := a.journal("sale.discount", 0, s.ID, req); err != nil {
		return nil, err
	}
	return s, a.saveSale(s)
}

func applySalePrice(a *applyCtx, env *Envelope) (any, error) {
	req, s, err := editSale(a, env, func(r *SalePrice) string { return r.Sale })
	if err != nil {
		return nil, err
	}
	l, err := liveLine(s, req.Line)
	if err != nil {
		return nil, err
	}
	if req.Price < 0 || req.Price > money.Max {
		return nil, reject("bad_price", "a price must be between 0 and %s", money.Kr(money.Max))
	}
	l.Override = &Override{Price: req.Price, Was: l.Price, Reason: req.Reason}
	l.Fixed = 0
	if err := bounded(s); err != nil {
		return nil, err
	}
	if _, err := a.journal("sale.price", 0, s.ID, map[string]any{"line": l.No, "sku": l.SKU, "from": l.Price, "to": req.Price, "reason": req.Reason}); err != nil {
		return nil, err
	}
	return s, a.saveSale(s)
}

func applySalePark(a *applyCtx, env *Envelope) (any, error) {
	_, s, err := editSale(a, env, func(r *saleRef) string { return r.Sale })
	if err != nil {
		return nil, err
	}
	s.Status = SaleParked
	if _, err := a.journal("sale.park", EvPark, s.ID, nil); err != nil {
		return nil, err
	}
	return s, a.saveSale(s)
}

func applySaleResume(a *applyCtx, env *Envelope) (any, error) {
	s, err := a.namedSale(env)
	if err != nil {
		return nil, err
	}
	if s.Status != SaleParked {
		return nil, reject("not_parked", "sale is %s, not parked", s.Status)
	}
	if _, err := a.register(); err != nil {
		return nil, err
	}
	a.b.del(pfxOpen + s.Register + "/" + s.ID)
	s.Status, s.Register = SaleOpen, env.Register // any register may take it up
	if _, err := a.journal("sale.resume", EvResume, s.ID, nil); err != nil {
		return nil, err
	}
	return s, a.saveSale(s)
}

func applySaleVoid(a *applyCtx, env *Envelope) (any, error) {
	s, err := a.namedSale(env)
	if err != nil {
		return nil, err
	}
	if s.Status != SaleOpen && s.Status != SaleParked {
		return nil, reject("sale_closed", "sale is %s and cannot be voided", s.Status)
	}
	if s.Original != "" {
		return nil, reject("is_exchange", "an exchange, like a return, is finished, not voided: remove its lines instead")
	}
	if err := editable(s); err != nil {
		return nil, err
	}
	s.Status, s.Closed = SaleVoided, env.Time
	if _, err := a.journal("sale.void", EvVoid, s.ID, s); err != nil {
		return nil, err
	}
	return s, a.saveSale(s)
}

// --- payment --------------------------------------------------------------

func payable(s *Sale) error {
	if s.Kind == KindReturn {
		return reject("is_return", "a return is refunded, not paid")
	}
	if len(s.Lines) == 0 || s.Totals.Total <= 0 && slices.IndexFunc(s.Lines, func(l Line) bool { return !l.Removed }) < 0 {
		return reject("empty_sale", "the sale has nothing to pay for")
	}
	if s.Totals.Due <= 0 {
		return reject("nothing_due", "nothing is left to pay")
	}
	return nil
}

func applyPayCash(a *applyCtx, env *Envelope) (any, error) {
	req, err := body[PayCash](env)
	if err != nil {
		return nil, err
	}
	s, err := a.openSale(req.Sale)
	if err != nil {
		return nil, err
	}
	if len(s.Pending) > 0 {
		return nil, reject("payment_pending", "a card payment is in progress on this sale")
	}
	if err := payable(s); err != nil {
		return nil, err
	}
	if req.Tendered < 1 || req.Tendered > money.Max {
		return nil, reject("bad_amount", "the cash amount must be between 0,01 and %s", money.Kr(money.Max))
	}
	p := Payment{Method: "cash", Tendered: req.Tendered}
	rounded, diff := s.CashDue()
	if req.Tendered >= rounded {
		// Settles the sale: the rest is rounded to whole kroner.
		p.Amount, p.Change = rounded, req.Tendered-rounded
		s.Totals.Rounding += diff
		s.Totals.Change = p.Change
	} else {
		p.Amount = req.Tendered
	}
	s.Payments = append(s.Payments, p)
	s.Recompute()
	if _, err := a.journal("payment", 0, s.ID, p); err != nil {
		return nil, err
	}
	if s.Totals.Due <= 0 {
		if err := a.complete(s); err != nil {
			return nil, err
		}
	}
	return s, a.saveSale(s)
}

func applyPayStart(a *applyCtx, env *Envelope) (any, error) {
	req, err := body[PayStart](env)
	if err != nil {
		return nil, err
	}
	if req.Attempt == "" || (req.Method != MethodCard && req.Method != MethodMobile) {
		return nil, reject("bad_request", "a card or mobile payment needs an attempt id")
	}
	s, err := a.openSale(req.Sale)
	if err != nil {
		return nil, err
	}
	if len(s.Pending) > 0 {
		return nil, reject("payment_pending", "a card payment is already in progress on this sale")
	}
	if err := payable(s); err != nil {
		return nil, err
	}
	if req.Amount < 1 || req.Amount > s.Totals.Due {
		return nil, reject("bad_amount", "a card payment must be between 0,01 and %s, what is due", money.Kr(s.Totals.Due))
	}
	if _, err := a.b.get(pfxAttempt + req.Attempt); err == nil {
		return nil, reject("attempt_exists", "payment attempt %s exists", req.Attempt)
	}
	at := &Attempt{ID: req.Attempt, Sale: s.ID, Register: s.Register, Method: req.Method, Amount: req.Amount, Status: AttemptPending, Started: env.Time}
	s.Pending = append(s.Pending, at.ID)
	if _, err := a.journal("payment.attempt", 0, s.ID, at); err != nil {
		return nil, err
	}
	a.b.set(pfxPending+at.ID, []byte(s.ID))
	if err := a.put(pfxAttempt+at.ID, at); err != nil {
		return nil, err
	}
	return at, a.saveSale(s)
}

func applyPayResult(a *applyCtx, env *Envelope) (any, error) {
	req, err := body[PayResult](env)
	if err != nil {
		return nil, err
	}
	at, err := load[Attempt](a, pfxAttempt+req.Attempt)
	if err != nil {
		return nil, notFound(err, "unknown_attempt", "no payment attempt %s", req.Attempt)
	}
	if at.Status != AttemptPending {
		return nil, reject("attempt_resolved", "payment attempt %s is already %s", at.ID, at.Status)
	}
	s, err := a.sale(at.Sale)
	if err != nil {
		return nil, err
	}
	o := req.Outcome
	switch o.Status {
	case AttemptApproved:
		if err := checkApproval(at, &o); err != nil {
			return nil, err
		}
	case AttemptDeclined, AttemptFailed:
	default:
		return nil, reject("bad_outcome", "unknown outcome %q", o.Status)
	}
	at.Status, at.Outcome = o.Status, &o
	s.Pending = slices.DeleteFunc(s.Pending, func(id string) bool { return id == at.ID })
	a.b.del(pfxPending + at.ID)
	if o.Status == AttemptApproved {
		s.Payments = append(s.Payments, paymentOf(at, &o))
		s.Recompute()
		if err := a.markReversed(at); err != nil {
			return nil, err
		}
	}
	if _, err := a.journal("payment.result", 0, s.ID, at); err != nil {
		return nil, err
	}
	if err := a.put(pfxAttempt+at.ID, at); err != nil {
		return nil, err
	}
	if s.Status == SaleOpen && settled(s) && o.Status == AttemptApproved {
		if err := a.complete(s); err != nil {
			return nil, err
		}
	}
	if err := a.saveSale(s); err != nil {
		return nil, err
	}
	return map[string]any{"attempt": at, "sale": s}, nil
}

// complete closes a paid sale: it signs it in the register's chain, numbers
// the receipt, moves stock and journals the transaction, all in this Apply.
func (a *applyCtx) complete(s *Sale) error {
	reg, err := load[Register](a, pfxReg+s.Register)
	if err != nil {
		return err
	}
	s.Recompute()
	sig, err := a.sign(reg, s.Totals.Total, s.Totals.Net)
	if err != nil {
		return err
	}
	no := &reg.Receipts
	if s.Training {
		no = &reg.TrainingReceipts // a series of its own (training.go)
	}
	*no++
	s.Status, s.Closed = SaleCompleted, a.env.Time
	s.Receipt = &Receipt{
		No: *no, Nr: sig.Nr, Local: a.env.Time.In(Oslo).Format("2006-01-02 15:04:05"),
		Signature: sig.Value, KeyVer: sig.KeyVersion, Journal: a.tip.Seq + 1, Time: a.env.Time,
	}
	for _, l := range s.Lines {
		back := int64(1)
		if s.Kind == KindReturn || l.Orig != 0 {
			back = -1 // a return (or an exchange's returned line) puts the goods back
		}
		if !l.Removed && l.Voucher == "" && !s.Training { // training moves no goods
			if _, err := a.moveStock(l.SKU, -back*l.Qty); err != nil {
				return err
			}
		}
	}
	typ := "sale.complete"
	if s.Kind == KindReturn {
		typ = "return.complete"
	}
	e := &Entry{Type: typ, Sale: s.ID, Register: s.Register, Sig: sig, sale: s, Data: a.encoded(s)}
	if err := a.appendEntry(e); err != nil {
		return err
	}
	if err := a.completed(s); err != nil {
		return err
	}
	cash := slices.ContainsFunc(s.Payments, func(p Payment) bool { return p.Method == "cash" })
	if cash {
		if _, err := a.journal("drawer.open", EvDrawerOpen, s.ID, drawerReq{Reason: "sale", Sale: s.ID}); err != nil {
			return err
		}
	}
	if err := a.newAction(ActReceipt, s, cash); err != nil {
		return err
	}
	a.b.completed++
	return a.put(pfxReg+reg.ID, reg)
}
