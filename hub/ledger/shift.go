package ledger

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/kasse/kasse/hub/money"
)

// Drawer sessions. A session starts with a counted float, takes the tenders
// of the sales and returns of its registers, cash put in and taken out, and
// ends with a count: expected against counted per tender, the difference
// booked. The float, every cash movement and the count's difference are
// signed transactions of the register that made them (cashsign.go). It
// lives in the ledger, so it outlives any tablet or hub, and several
// registers and employees can share it.

// Commands of drawer sessions and cash.
const (
	CmdSessionOpen = "drawer.session.open"
	CmdSessionJoin = "drawer.session.join"
	CmdCashMove    = "cash.move"
	CmdDrawerCount = "drawer.count"
)

// SAF-T codes of the cashier's day: events (PredefinedBasicID-13) and the
// transaction types (PredefinedBasicID-11) their journal data names.
const (
	EvXReport  = 13008
	EvZReport  = 13009
	EvTrainRec = 13017
	EvCashOut  = 13019
	EvTrainOn  = 13023
	EvTrainOff = 13024

	TxFloat   = 11007 // cash declaration: the opening float
	TxCashDif = 11008 // cash difference at the count
	TxOut     = 11010 // out payment: withdrawal, bank drop
	TxIn      = 11011 // in payment
)

func init() {
	addHandlers(map[string]handler{
		CmdSessionOpen: applySessionOpen, CmdSessionJoin: applySessionJoin,
		CmdCashMove: applyCashMove, CmdDrawerCount: applyDrawerCount,
	})
}

const (
	pfxSession = "s/drw/"  // + session id
	pfxRegDraw = "s/rdrw/" // + register: its open session's id
)

// Session states.
const (
	SessionActive  = "open"
	SessionCounted = "counted"
)

// Cash movement kinds.
const (
	MoveIn       = "in"       // change added, a loan from the safe
	MoveOut      = "out"      // a withdrawal
	MoveBankDrop = "bankdrop" // takings taken to the bank or the safe
)

// DrawerSession is one cash drawer from its float to its count.
type DrawerSession struct {
	ID        string    `json:"id"`
	Status    string    `json:"status"`
	Registers []string  `json:"registers"`
	Employees []string  `json:"employees"` // who opened, sold into, moved cash or counted
	Blind     bool      `json:"blind"`     // the count is made without seeing what is expected
	Opened    time.Time `json:"opened"`
	Closed    time.Time `json:"closed,omitzero"`
	Float     money.Øre `json:"float"`
	// Sales are the tenders taken on the registers' sales and returns
	// (training excluded), net of refunds.
	Sales   map[string]money.Øre `json:"sales"`
	CashIn  money.Øre            `json:"cashIn"`
	CashOut money.Øre            `json:"cashOut"`
	Moves   []CashMove           `json:"moves"`
	Count   *DrawerCount         `json:"count,omitempty"`
}

// CashMove is cash put into or taken out of a drawer.
type CashMove struct {
	Kind       string    `json:"kind"`
	Amount     money.Øre `json:"amount"`
	Reason     string    `json:"reason"`
	Register   string    `json:"register"`
	Employee   string    `json:"employee,omitempty"`
	ApprovedBy string    `json:"approvedBy,omitempty"`
	Time       time.Time `json:"time"`
}

// DrawerCount is the close of a session: per tender what the ledger
// expected, what was counted and the difference (counted − expected).
type DrawerCount struct {
	Expected   map[string]money.Øre `json:"expected"`
	Counted    map[string]money.Øre `json:"counted"`
	Difference map[string]money.Øre `json:"difference"`
	Total      money.Øre            `json:"total"` // sum of the differences
	Employee   string               `json:"employee,omitempty"`
	Note       string               `json:"note,omitempty"`
}

// Expected is what the drawer should hold per tender now: cash is the float,
// cash taken and put in, less cash paid out and taken out.
func (d *DrawerSession) Expected() map[string]money.Øre {
	out := map[string]money.Øre{"cash": d.Float + d.CashIn - d.CashOut}
	for m, v := range d.Sales {
		out[m] += v
	}
	return out
}

// SessionOpen opens a drawer session with a counted float.
type SessionOpen struct {
	Session   string    `json:"session"`
	Registers []string  `json:"registers,omitempty"` // the register asking if empty
	Float     money.Øre `json:"float"`
	Blind     bool      `json:"blind,omitempty"`
}

// SessionJoin puts the asking register into an open session.
type SessionJoin struct {
	Session string `json:"session"`
}

// CashMoveReq puts cash in or takes it out of the register's session.
type CashMoveReq struct {
	Kind       string    `json:"kind"`
	Amount     money.Øre `json:"amount"`
	Reason     string    `json:"reason"`
	ApprovedBy string    `json:"approvedBy,omitempty"`
}

// CountReq closes the register's session with what was counted per tender.
// Cash must be counted; a tender left out counts as expected (a card
// terminal's settlement says what it took).
type CountReq struct {
	Counted map[string]money.Øre `json:"counted"`
	Note    string               `json:"note,omitempty"`
}

func (a *applyCtx) employee() error {
	if a.env.Employee == "" {
		return reject("not_logged_in", "log in on the register first")
	}
	if e, err := load[Employee](a, pfxEmp+a.env.Employee); err != nil || !e.Active {
		return reject("not_logged_in", "employee %s may not work the registers", a.env.Employee)
	}
	return nil
}

// sessionOf is the open session of a register, nil if none.
func (a *applyCtx) sessionOf(reg string) (*DrawerSession, error) {
	id, err := a.b.get(pfxRegDraw + reg)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return load[DrawerSession](a, pfxSession+string(id))
}

func (a *applyCtx) mySession() (*DrawerSession, error) {
	d, err := a.sessionOf(a.env.Register)
	if err == nil && d == nil {
		return nil, reject("no_session", "register %s has no open drawer session: open one with a counted float", a.env.Register)
	}
	return d, err
}

// kick opens the asking register's drawer, journaled like any opening.
func (a *applyCtx) kick(reason string) (string, error) {
	e, err := a.journal("drawer.open", EvDrawerOpen, "", drawerReq{Reason: reason})
	if err != nil {
		return "", err
	}
	act := Action{ID: fmt.Sprintf("drawer/%s/%d", a.env.Register, e.Seq), Kind: ActDrawer, Register: a.env.Register, Kick: true}
	return act.ID, a.addAction(act)
}

func (d *DrawerSession) worked(emp string) {
	if emp != "" && !slices.Contains(d.Employees, emp) {
		d.Employees = append(d.Employees, emp)
	}
}

func applySessionOpen(a *applyCtx, env *Envelope) (any, error) {
	req, err := body[SessionOpen](env)
	if err != nil {
		return nil, err
	}
	if req.Session == "" || len(req.Session) > 64 {
		return nil, reject("bad_request", "a drawer session needs an id")
	}
	if _, err := a.register(); err != nil {
		return nil, err
	}
	if err := a.employee(); err != nil {
		return nil, err
	}
	if req.Float < 0 || req.Float > money.Max {
		return nil, reject("bad_amount", "the float must be between 0 and %s", money.Kr(money.Max))
	}
	if _, err := a.b.get(pfxSession + req.Session); err == nil {
		return nil, reject("session_exists", "drawer session %s exists", req.Session)
	}
	regs := req.Registers
	if len(regs) == 0 {
		regs = []string{env.Register}
	}
	if len(regs) > 32 {
		return nil, reject("bad_request", "a drawer session is shared by at most 32 registers")
	}
	for _, r := range regs {
		if _, err := load[Register](a, pfxReg+r); err != nil {
			return nil, notFound(err, "unknown_register", "register %q is not set up in this shop", r)
		}
		if cur, err := a.sessionOf(r); err != nil {
			return nil, err
		} else if cur != nil {
			return nil, reject("session_open", "register %s is in drawer session %s already: count and close it first", r, cur.ID)
		}
		a.b.set(pfxRegDraw+r, []byte(req.Session))
	}
	d := &DrawerSession{ID: req.Session, Status: SessionActive, Registers: slices.Clone(regs), Blind: req.Blind,
		Opened: env.Time, Float: req.Float, Sales: map[string]money.Øre{}, Moves: []CashMove{}}
	d.worked(env.Employee)
	if _, err := a.journalSigned("drawer.float", EvOther, d.Float, map[string]any{"session": d.ID, "registers": d.Registers,
		"float": d.Float, "transType": TxFloat}); err != nil {
		return nil, err
	}
	if err := a.count(env.Register, func(c *Counters) error { c.Float.add(1, d.Float); return nil }); err != nil {
		return nil, err
	}
	if _, err := a.kick("float"); err != nil {
		return nil, err
	}
	return d, a.put(pfxSession+d.ID, d)
}

func applySessionJoin(a *applyCtx, env *Envelope) (any, error) {
	req, err := body[SessionJoin](env)
	if err != nil {
		return nil, err
	}
	if _, err := a.register(); err != nil {
		return nil, err
	}
	if err := a.employee(); err != nil {
		return nil, err
	}
	d, err := load[DrawerSession](a, pfxSession+req.Session)
	if err != nil {
		return nil, notFound(err, "unknown_session", "no drawer session %s", req.Session)
	}
	if d.Status != SessionActive {
		return nil, reject("session_closed", "drawer session %s is counted and closed", d.ID)
	}
	if cur, err := a.sessionOf(env.Register); err != nil {
		return nil, err
	} else if cur != nil {
		if cur.ID == d.ID {
			return d, nil
		}
		return nil, reject("session_open", "register %s is in drawer session %s already: count and close it first", env.Register, cur.ID)
	}
	d.Registers = append(d.Registers, env.Register)
	d.worked(env.Employee)
	a.b.set(pfxRegDraw+env.Register, []byte(d.ID))
	if _, err := a.journal("drawer.join", EvOther, "", map[string]any{"session": d.ID}); err != nil {
		return nil, err
	}
	return d, a.put(pfxSession+d.ID, d)
}

func applyCashMove(a *applyCtx, env *Envelope) (any, error) {
	req, err := body[CashMoveReq](env)
	if err != nil {
		return nil, err
	}
	if _, err := a.register(); err != nil {
		return nil, err
	}
	if err := a.employee(); err != nil {
		return nil, err
	}
	d, err := a.mySession()
	if err != nil {
		return nil, err
	}
	if req.Amount < 1 || req.Amount > money.Max {
		return nil, reject("bad_amount", "the amount must be between 0,01 and %s", money.Kr(money.Max))
	}
	if req.Reason == "" || len(req.Reason) > 200 {
		return nil, reject("reason_required", "say why cash goes in or out (at most 200 characters)")
	}
	m := CashMove{Kind: req.Kind, Amount: req.Amount, Reason: req.Reason, Register: env.Register, Employee: env.Employee, Time: env.Time}
	typ, ev, tx := "cash.in", EvOther, TxIn
	switch req.Kind {
	case MoveIn:
		d.CashIn += req.Amount
	case MoveOut, MoveBankDrop:
		if !a.allowed(env.Employee, PermCashOut) {
			if !a.mayDo(PermCashOut, req.ApprovedBy) {
				return nil, reject("permission_denied", "taking cash out of the drawer needs a supervisor")
			}
			m.ApprovedBy = req.ApprovedBy
		}
		if cash := d.Expected()["cash"]; req.Amount > cash {
			return nil, reject("not_enough_cash", "the drawer should hold %s in cash; %s cannot be taken out", money.Kr(cash), money.Kr(req.Amount))
		}
		d.CashOut += req.Amount
		typ, ev, tx = "cash.out", EvCashOut, TxOut
	default:
		return nil, reject("bad_kind", "cash moves %q, %q or %q", MoveIn, MoveOut, MoveBankDrop)
	}
	d.Moves = append(d.Moves, m)
	d.worked(env.Employee)
	signed := m.Amount
	if typ == "cash.out" {
		signed = -signed
	}
	if _, err := a.journalSigned(typ, ev, signed, map[string]any{"session": d.ID, "kind": m.Kind, "amount": m.Amount,
		"reason": m.Reason, "approvedBy": m.ApprovedBy, "transType": tx}); err != nil {
		return nil, err
	}
	err = a.count(env.Register, func(c *Counters) error {
		if typ == "cash.in" {
			c.CashIn.add(1, m.Amount)
		} else {
			c.CashOut.add(1, m.Amount)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if _, err := a.kick(typ); err != nil {
		return nil, err
	}
	return d, a.put(pfxSession+d.ID, d)
}

func applyDrawerCount(a *applyCtx, env *Envelope) (any, error) {
	req, err := body[CountReq](env)
	if err != nil {
		return nil, err
	}
	if _, err := a.register(); err != nil {
		return nil, err
	}
	if err := a.employee(); err != nil {
		return nil, err
	}
	d, err := a.mySession()
	if err != nil {
		return nil, err
	}
	if _, ok := req.Counted["cash"]; !ok {
		return nil, reject("cash_not_counted", "count the cash in the drawer")
	}
	exp := d.Expected()
	for m, v := range req.Counted {
		if v < 0 || v > money.Max {
			return nil, reject("bad_amount", "the counted %s must be between 0 and %s", m, money.Kr(money.Max))
		}
		if _, ok := exp[m]; !ok && m != "card" {
			return nil, reject("bad_tender", "%q is not a tender of this drawer", m)
		}
	}
	c := &DrawerCount{Expected: exp, Counted: map[string]money.Øre{}, Difference: map[string]money.Øre{}, Employee: env.Employee, Note: req.Note}
	for _, m := range slices.Sorted(maps.Keys(exp)) {
		got, ok := req.Counted[m]
		if !ok {
			got = exp[m]
		}
		c.Counted[m], c.Difference[m] = got, got-exp[m]
		c.Total += got - exp[m]
	}
	for m, v := range req.Counted {
		if _, ok := exp[m]; !ok {
			c.Expected[m], c.Counted[m], c.Difference[m] = 0, v, v
			c.Total += v
		}
	}
	d.Count, d.Status, d.Closed = c, SessionCounted, env.Time
	d.worked(env.Employee)
	for _, r := range d.Registers {
		a.b.del(pfxRegDraw + r)
	}
	if _, err := a.journalSigned("drawer.count", EvOther, c.Total, map[string]any{"session": d.ID, "blind": d.Blind, "expected": c.Expected,
		"counted": c.Counted, "difference": c.Difference, "total": c.Total, "note": c.Note, "transType": TxCashDif}); err != nil {
		return nil, err
	}
	return d, a.put(pfxSession+d.ID, d)
}

// Session returns a drawer session by id.
func (l *Ledger) Session(id string) (*DrawerSession, error) {
	var d DrawerSession
	if err := l.get(pfxSession+id, &d); err != nil {
		return nil, fmt.Errorf("drawer session %s: %w", id, err)
	}
	return &d, nil
}

// SessionOf returns the open drawer session of a register (ErrNotFound if
// it has none).
func (l *Ledger) SessionOf(register string) (*DrawerSession, error) {
	var id []byte
	err := l.db.View(func(txn *badger.Txn) error {
		var err error
		id, err = getTxn(txn, pfxRegDraw+register)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("drawer session of %s: %w", register, err)
	}
	return l.Session(string(id))
}
