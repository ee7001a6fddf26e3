package ledger

import (
	"github.com/kasse/kasse/hub/money"
)

// Commands of returns.
const (
	CmdReturnOpen   = "return.open"
	CmdReturnAdd    = "return.add"
	CmdReturnRefund = "return.refund"
)

// ReturnOpen starts a return of items from a completed sale.
// Original "" is a return without a receipt: it needs PermReturnNoReceipt (the
// employee's, or ApprovedBy's, a supervisor who approved with their PIN).
type ReturnOpen struct {
	Return     string `json:"return"`
	Original   string `json:"original"`
	ApprovedBy string `json:"approvedBy,omitempty"`
}

// ReturnAdd takes back qty of an original line (grams for weighed lines),
// or, on a return without a receipt, qty of item SKU at today's price.
type ReturnAdd struct {
	Return string `json:"return"`
	Line   int    `json:"line,omitempty"`
	SKU    string `json:"sku,omitempty"`
	Qty    int64  `json:"qty"`
}

// ReturnRefund pays a return back in cash, or with a new credit note
// (Voucher is its number). Refunds to a card or a mobile app go through
// refund.start and pay.result instead.
type ReturnRefund struct {
	Return  string `json:"return"`
	Method  string `json:"method"`
	Voucher string `json:"voucher,omitempty"`
}

func applyReturnOpen(a *applyCtx, env *Envelope) (any, error) {
	req, err := body[ReturnOpen](env)
	if err != nil {
		return nil, err
	}
	if req.Return == "" {
		return nil, reject("bad_request", "a new return needs an id")
	}
	if req.Original == "" {
		return a.openBlindReturn(env, req)
	}
	orig, err := a.sale(req.Original)
	if err != nil {
		return nil, err
	}
	if orig.Status != SaleCompleted || orig.Kind == KindReturn {
		return nil, reject("not_returnable", "only a completed sale can be returned from")
	}
	if _, err := a.register(); err != nil {
		return nil, err
	}
	if err := a.sameMode(orig); err != nil {
		return nil, err
	}
	if err := a.drawerShut(); err != nil {
		return nil, err
	}
	if _, err := a.b.get(pfxSale + req.Return); err == nil {
		return nil, reject("sale_exists", "return %s exists", req.Return)
	}
	r := &Sale{ID: req.Return, Kind: KindReturn, Original: orig.ID, Register: env.Register, Employee: env.Employee, Status: SaleOpen, Opened: env.Time, Lines: []Line{}, Training: orig.Training}
	if _, err := a.journal("return.open", 0, r.ID, map[string]any{"original": orig.ID, "receipt": orig.Receipt.No}); err != nil {
		return nil, err
	}
	return r, a.saveSale(r)
}

func applyReturnAdd(a *applyCtx, env *Envelope) (any, error) {
	req, err := body[ReturnAdd](env)
	if err != nil {
		return nil, err
	}
	r, err := a.openSale(req.Return)
	if err != nil {
		return nil, err
	}
	if r.Kind != KindReturn {
		return nil, reject("not_a_return", "%s is a sale, not a return", r.ID)
	}
	if len(r.Payments) > 0 || len(r.Pending) > 0 {
		return nil, reject("sale_paid", "part of this return is refunded already")
	}
	if r.Original == "" {
		return a.addBlindReturn(r, req)
	}
	if err := a.takeBack(r, req.Line, req.Qty); err != nil {
		return nil, err
	}
	return r, a.saveSale(r)
}

// takeBack puts qty of line of r's original sale on r as a negative line,
// reserving it on the original so no later return takes it again.
func (a *applyCtx) takeBack(r *Sale, line int, qty int64) error {
	orig, err := a.sale(r.Original)
	if err != nil {
		return err
	}
	ol := orig.line(line)
	if ol == nil || ol.Removed {
		return reject("unknown_line", "the original sale has no line %d", line)
	}
	if ol.Voucher != "" {
		return reject("not_returnable", "a gift card is spent, not returned")
	}
	left := ol.Qty - orig.Returned[ol.No]
	if qty < 1 || qty > left {
		return reject("bad_quantity", "%d of %s can be returned from that sale", left, ol.Name)
	}
	// The customer gets back what they paid for that share of the line,
	// discounts included.
	amount := money.MulDiv(ol.Amount, qty, ol.Qty)
	no := 1
	if n := len(r.Lines); n > 0 {
		no = r.Lines[n-1].No + 1
	}
	r.Lines = append(r.Lines, Line{No: no, Orig: ol.No, SKU: ol.SKU, Name: ol.Name, Group: ol.Group, Unit: ol.Unit,
		Qty: qty, Price: ol.Price, Fixed: -amount, Rate: ol.Rate})
	if orig.Returned == nil {
		orig.Returned = map[int]int64{}
	}
	orig.Returned[ol.No] += qty
	if _, err := a.journal("return.line", 0, r.ID, r.Lines[len(r.Lines)-1]); err != nil {
		return err
	}
	return a.saveSale(orig)
}

func applyReturnRefund(a *applyCtx, env *Envelope) (any, error) {
	req, err := body[ReturnRefund](env)
	if err != nil {
		return nil, err
	}
	r, err := a.openSale(req.Return)
	if err != nil {
		return nil, err
	}
	if r.Kind != KindReturn && r.Original == "" {
		return nil, reject("not_a_return", "%s is a sale, not a return or an exchange", r.ID)
	}
	if req.Method != MethodCash && req.Method != MethodCredit {
		return nil, reject("bad_method", "this refunds in cash or as a credit note; cards and mobile apps are refunded through refund.start")
	}
	if len(r.Pending) > 0 {
		return nil, reject("payment_pending", "a refund is in progress on this return")
	}
	if r.Totals.Due >= 0 {
		return nil, reject("empty_sale", "the return has nothing to refund")
	}
	if req.Method == MethodCredit {
		if err := a.refundToCredit(r, req.Voucher); err != nil {
			return nil, err
		}
		return r, a.saveSale(r)
	}
	// Cash is rounded to whole kroner, refunds too.
	rounded, diff := r.CashDue()
	p := Payment{Method: "cash", Amount: rounded, Tendered: rounded}
	r.Totals.Rounding += diff
	r.Payments = append(r.Payments, p)
	r.Recompute()
	if _, err := a.journal("refund", 0, r.ID, p); err != nil {
		return nil, err
	}
	if err := a.complete(r); err != nil {
		return nil, err
	}
	return r, a.saveSale(r)
}
