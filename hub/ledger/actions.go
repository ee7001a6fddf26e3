package ledger

import (
	"fmt"
	"time"
)

// Action is a device action that follows from the ledger: print this
// receipt (and kick the drawer). Apply records it; the hub that owns the
// register's printer carries it out once per ID and reports it done with
// another command, so a retry, a replay or a new leader never prints twice.
type Action struct {
	ID       string    `json:"id"` // "receipt/<sale>", "copy/<sale>"
	Kind     string    `json:"kind"`
	Register string    `json:"register"`
	Sale     string    `json:"sale"`
	Report   uint64    `json:"report,omitempty"` // ActReport: the report's journal entry
	Kick     bool      `json:"kick,omitempty"`   // open the drawer after printing
	Status   string    `json:"status"`           // pending, done, failed
	Created  time.Time `json:"created"`
	Index    uint64    `json:"index"` // Raft index of the command that made it: the order to carry it out in
	Message  string    `json:"message,omitempty"`
	To       string    `json:"to,omitempty"` // ActMail: the customer's address (personal data, kept with the sale)
}

// pendingKey orders a register's pending actions as they arose.
func pendingKey(act *Action) string {
	return fmt.Sprintf("%s%s/%020d/%s", pfxActPending, act.Register, act.Index, act.ID)
}

// Action kinds and states.
const (
	ActReceipt = "receipt"
	ActCopy    = "copy"
	ActDrawer  = "drawer" // open the drawer, no paper

	ActPending = "pending"
	ActDone    = "done"
	ActFailed  = "failed"
)

const (
	pfxAction     = "s/act/"
	pfxActPending = "s/actpend/" // + register + "/" + index (20 digits) + "/" + action id
)

// Commands of device actions and device state.
const (
	CmdReceiptCopy = "receipt.copy"
	CmdActionDone  = "action.done"
	CmdDrawerState = "drawer.state"
)

// SAF-T events of copies and drawers.
const (
	EvCopy        = 13014
	EvDrawerClose = 13006
)

type drawerState struct {
	Open bool `json:"open"`
}

// applyDrawerState records what the owning hub saw of a register's drawer.
func applyDrawerState(a *applyCtx, env *Envelope) (any, error) {
	req, err := body[drawerState](env)
	if err != nil {
		return nil, err
	}
	reg, err := a.register()
	if err != nil {
		return nil, err
	}
	if reg.DrawerOpen == req.Open {
		return reg, nil
	}
	reg.DrawerOpen = req.Open
	if !req.Open {
		if _, err := a.journal("drawer.close", EvDrawerClose, "", nil); err != nil {
			return nil, err
		}
	}
	return reg, a.put(pfxReg+reg.ID, reg)
}

// drawerShut refuses a sale change while the register's drawer is open.
func (a *applyCtx) drawerShut() error {
	reg, err := load[Register](a, pfxReg+a.env.Register)
	if err != nil {
		return nil // the handler says what is wrong with the register
	}
	if reg.DrawerOpen {
		return reject("drawer_open", "close the cash drawer first")
	}
	return nil
}

func (a *applyCtx) newAction(kind string, s *Sale, kick bool) error {
	return a.addAction(Action{ID: kind + "/" + s.ID, Kind: kind, Register: s.Register, Sale: s.ID, Kick: kick})
}

func (a *applyCtx) addAction(act Action) error {
	act.Status, act.Created, act.Index = ActPending, a.env.Time, a.index
	a.b.set(pendingKey(&act), nil)
	return a.put(pfxAction+act.ID, act)
}

func applyReceiptCopy(a *applyCtx, env *Envelope) (any, error) {
	s, err := a.namedSale(env)
	if err != nil {
		return nil, err
	}
	if s.Status != SaleCompleted {
		return nil, reject("not_completed", "only a completed sale has a receipt to copy")
	}
	if s.Copies >= 1 {
		return nil, reject("copy_printed", "a copy of this receipt was printed already; the rules allow one")
	}
	s.Copies++
	if _, err := a.journal("receipt.copy", EvCopy, s.ID, map[string]any{"receipt": s.Receipt.No}); err != nil {
		return nil, err
	}
	if err := a.newAction(ActCopy, s, false); err != nil {
		return nil, err
	}
	return s, a.saveSale(s)
}

type actionDone struct {
	ID      string `json:"id"`
	OK      bool   `json:"ok"`
	Message string `json:"message,omitempty"`
}

func applyActionDone(a *applyCtx, env *Envelope) (any, error) {
	req, err := body[actionDone](env)
	if err != nil {
		return nil, err
	}
	act, err := load[Action](a, pfxAction+req.ID)
	if err != nil {
		return nil, notFound(err, "unknown_action", "no device action %s", req.ID)
	}
	if act.Status != ActPending {
		return act, nil // reported twice (two hubs, a retry): the first report stands
	}
	act.Status, act.Message = ActDone, req.Message
	if !req.OK {
		act.Status = ActFailed
	}
	a.b.del(pendingKey(act))
	return act, a.put(pfxAction+act.ID, act)
}

// PendingActions lists the device actions of a register not yet carried
// out. A register without a printer keeps its receipts here: not printed.
func (l *Ledger) PendingActions(register string) ([]Action, error) {
	var ids []string
	pfx := pfxActPending + register + "/"
	err := scan(l.db, pfx, func(k, _ []byte) (bool, error) {
		ids = append(ids, string(k[len(pfx)+21:]))
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]Action, 0, len(ids))
	for _, id := range ids {
		var act Action
		if err := l.get(pfxAction+id, &act); err != nil {
			return nil, fmt.Errorf("action %s: %w", id, err)
		}
		out = append(out, act)
	}
	return out, nil
}

// ActionOf returns a device action.
func (l *Ledger) ActionOf(id string) (*Action, error) {
	var act Action
	if err := l.get(pfxAction+id, &act); err != nil {
		return nil, fmt.Errorf("action %s: %w", id, err)
	}
	return &act, nil
}
