package ledger

import (
	"errors"

	"github.com/kasse/kasse/hub/money"
)

// openBlindReturn opens a return without an original sale; it needs
// PermReturnNoReceipt (see perms.go) and is refunded as a credit note
// unless the cashier chooses otherwise.
func (a *applyCtx) openBlindReturn(env *Envelope, req *ReturnOpen) (any, error) {
	// The approver comes in the body, or as the envelope's Approver, which
	// checked has already verified and journaled as an override.
	if !a.mayDo(PermReturnNoReceipt, req.ApprovedBy, env.Approver) {
		return nil, reject("permission_denied", "a return without a receipt needs a supervisor")
	}
	if _, err := a.register(); err != nil {
		return nil, err
	}
	if err := a.drawerShut(); err != nil {
		return nil, err
	}
	if _, err := a.b.get(pfxSale + req.Return); err == nil {
		return nil, reject("sale_exists", "return %s exists", req.Return)
	} else if !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	r := &Sale{ID: req.Return, Kind: KindReturn, Register: env.Register, Employee: env.Employee, Status: SaleOpen, Opened: env.Time, Lines: []Line{}}
	if _, err := a.journal("return.open", 0, r.ID, map[string]any{"receipt": false, "approvedBy": req.ApprovedBy}); err != nil {
		return nil, err
	}
	return r, a.saveSale(r)
}

// addBlindReturn takes back an item at its catalog price.
func (a *applyCtx) addBlindReturn(r *Sale, req *ReturnAdd) (any, error) {
	it, err := load[Item](a, pfxItem+req.SKU)
	if err != nil {
		return nil, notFound(err, "unknown_item", "no item with SKU %s", req.SKU)
	}
	if err := checkQty(it.Unit, req.Qty); err != nil {
		return nil, err
	}
	if len(r.Lines) >= MaxLines {
		return nil, reject("too_many_lines", "a return holds at most %d lines", MaxLines)
	}
	l := Line{SKU: it.SKU, Name: it.Name, Group: it.Group, Unit: it.Unit, Qty: req.Qty, Price: it.Price, Rate: it.Rate}
	amount := lineGross(&l)
	if amount > money.Max {
		return nil, reject("sale_too_large", "a return cannot be more than %s", money.Kr(money.Max))
	}
	l.Fixed = -amount
	l.No = 1
	if n := len(r.Lines); n > 0 {
		l.No = r.Lines[n-1].No + 1
	}
	r.Lines = append(r.Lines, l)
	if _, err := a.journal("return.line", 0, r.ID, l); err != nil {
		return nil, err
	}
	return r, a.saveSale(r)
}
