package ledger

import (
	"errors"
	"slices"
	"time"
)

// Permissions beyond selling, and the roles that hold them. This table is
// the shop's written rule; Apply checks it against the employees in the
// ledger, so a tampered request cannot grant itself a permission and every
// hub decides the same way.
//
//	permission        cashier  supervisor  manager  admin
//	nosale                -        x          x       x    open the drawer without a sale
//	void                  -        x          x       x    cancel a sale
//	discount              -        x          x       x    discount above the cashier's limit
//	price                 -        -          x       x    override a line's price
//	return.noreceipt      -        x          x       x    take goods back without the receipt
//	cashout               -        x          x       x    take cash out of a drawer (withdrawal, bank drop)
//	zreport               -        x          x       x    close the day with a Z report
//	pair                  -        -          x       x    issue a pairing code for a new register
//
// Selling (scan, quantity, park, resume, pay) and discounts up to
// CashierDiscountPercent or CashierDiscountAmount need no permission.
// Without the permission, a second employee who holds it approves with
// their PIN (the envelope's Approver); the journal entry then names both.
const (
	PermNoSale          = "nosale"
	PermVoid            = "void"
	PermDiscount        = "discount"
	PermPrice           = "price"
	PermReturnNoReceipt = "return.noreceipt"
	PermCashOut         = "cashout"
	PermZ               = "zreport"
	PermPair            = "pair"
)

// The largest discount a cashier gives alone: 20 % (basis points) or 100 kr.
const (
	CashierDiscountPercent = 2000
	CashierDiscountAmount  = 100_00
)

var rolePerms = map[string][]string{
	RoleCashier:    {},
	RoleSupervisor: {PermNoSale, PermVoid, PermDiscount, PermReturnNoReceipt, PermCashOut, PermZ},
	RoleManager:    {PermNoSale, PermVoid, PermDiscount, PermPrice, PermReturnNoReceipt, PermCashOut, PermZ, PermPair},
	RoleAdmin:      {PermNoSale, PermVoid, PermDiscount, PermPrice, PermReturnNoReceipt, PermCashOut, PermZ, PermPair},
}

// Perms lists what role may do beyond selling.
func Perms(role string) []string { return slices.Clone(rolePerms[role]) }

// Holds reports whether role holds perm.
func Holds(role, perm string) bool { return slices.Contains(rolePerms[role], perm) }

// allowed reports whether employee id may do perm now: an active employee
// whose role holds it and who is not locked out.
func (a *applyCtx) allowed(id, perm string) bool {
	if id == "" {
		return false
	}
	e, err := load[Employee](a, pfxEmp+id)
	return err == nil && e.Active && slices.Contains(rolePerms[e.Role], perm) && !a.lockedOut(id)
}

// mayDo reports whether the command's employee holds perm, or else one of
// the approvers named (in the command's body, or its envelope's Approver)
// does. An employee approving themself holds nothing they did not hold.
func (a *applyCtx) mayDo(perm string, approvers ...string) bool {
	if a.allowed(a.env.Employee, perm) {
		return true
	}
	for _, id := range approvers {
		if id != a.env.Employee && a.allowed(id, perm) {
			return true
		}
	}
	return false
}

// needs says which permission a register's command needs, and in words
// what it is, or "" when it needs none.
var needs = map[string]func(a *applyCtx, env *Envelope) (perm, what string){
	CmdSaleVoid:  func(*applyCtx, *Envelope) (string, string) { return PermVoid, "voiding a sale" },
	CmdSalePrice: func(*applyCtx, *Envelope) (string, string) { return PermPrice, "a price override" },
	CmdPairCode:  func(*applyCtx, *Envelope) (string, string) { return PermPair, "pairing a new register" },
	CmdReturnOpen: func(a *applyCtx, env *Envelope) (string, string) {
		r, err := body[ReturnOpen](env)
		if err != nil || r.Original != "" || r.ApprovedBy != "" {
			return "", "" // with a receipt; or approved in the body, checked by the handler
		}
		return PermReturnNoReceipt, "a return without a receipt"
	},
	CmdSaleDisc: func(a *applyCtx, env *Envelope) (string, string) {
		d, err := body[SaleDiscount](env)
		if err != nil || d.Remove || d.Percent <= CashierDiscountPercent && d.Amount <= CashierDiscountAmount {
			return "", ""
		}
		return PermDiscount, "a discount above 20 % or 100 kr"
	},
}

// checked runs h after checking the permission the command needs. An
// approval is journaled as an override naming both employees.
func (a *applyCtx) checked(h handler) (any, error) {
	env := a.env
	if f := needs[env.Type]; f != nil && env.Register != "" {
		perm, what := f(a, env)
		if perm != "" && !a.allowed(env.Employee, perm) {
			if !a.mayDo(perm, env.Approver) {
				return nil, reject("permission_denied", "%s needs a %s's approval", what, leastRole(perm))
			}
			if _, err := a.journal("employee.override", EvOther, "", map[string]string{
				"permission": perm, "command": env.Type, "employee": env.Employee, "approvedBy": env.Approver,
			}); err != nil {
				return nil, err
			}
		}
	}
	return h(a, env)
}

// leastRole is the lowest role holding perm, for messages.
func leastRole(perm string) string {
	for _, r := range []string{RoleCashier, RoleSupervisor, RoleManager, RoleAdmin} {
		if Holds(r, perm) {
			return r
		}
	}
	return RoleAdmin
}

// --- lockout ----------------------------------------------------------------

// CmdPINFail records a wrong PIN for an employee (at login or as an
// approver). After MaxPINFails in a row the employee is locked out for
// LockoutFor on every hub, since the count lives in the ledger.
const CmdPINFail = "employee.pinfail"

// Lockout rules.
const (
	MaxPINFails = 5
	LockoutFor  = 15 * time.Minute
)

const pfxPINFail = "s/pinfail/"

// PINFails is an employee's run of wrong PINs.
type PINFails struct {
	Count int       `json:"count"`
	Until time.Time `json:"until,omitzero"` // locked out until then
}

// Locked reports whether the employee is locked out at t.
func (f *PINFails) Locked(t time.Time) bool { return f != nil && t.Before(f.Until) }

type pinFailReq struct {
	Employee string `json:"employee"`
}

func (a *applyCtx) lockedOut(id string) bool {
	f, err := load[PINFails](a, pfxPINFail+id)
	return err == nil && f.Locked(a.env.Time)
}

func applyPINFail(a *applyCtx, env *Envelope) (any, error) {
	req, err := body[pinFailReq](env)
	if err != nil {
		return nil, err
	}
	if _, err := load[Employee](a, pfxEmp+req.Employee); err != nil {
		return nil, notFound(err, "unknown_employee", "no employee %s", req.Employee)
	}
	f, err := load[PINFails](a, pfxPINFail+req.Employee)
	if err != nil {
		f = &PINFails{}
	}
	if f.Locked(env.Time) {
		return f, nil
	}
	if !f.Until.IsZero() { // an earlier lockout has run out: a new run
		f = &PINFails{}
	}
	f.Count++
	if _, err := a.journal("employee.pinfail", EvOther, "", map[string]any{"employee": req.Employee, "count": f.Count}); err != nil {
		return nil, err
	}
	if f.Count >= MaxPINFails {
		f.Until = env.Time.Add(LockoutFor)
		if _, err := a.journal("employee.locked", EvOther, "", map[string]any{"employee": req.Employee, "until": f.Until}); err != nil {
			return nil, err
		}
	}
	return f, a.put(pfxPINFail+req.Employee, f)
}

// PINFails is an employee's current run of wrong PINs (zero if none).
func (l *Ledger) PINFails(employee string) (PINFails, error) {
	var f PINFails
	err := l.get(pfxPINFail+employee, &f)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return f, err
	}
	return f, nil
}

func init() {
	addHandlers(map[string]handler{CmdPINFail: applyPINFail})
}
