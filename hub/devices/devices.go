// Package devices carries out the device actions the ledger records — print
// this receipt, kick that drawer — on the hub that owns the device, once per
// action id.
//
// Every hub applies the same ledger; only the hub whose configuration owns
// the printer a register is bound to acts. A job's id is the action's id, so
// the printer queue prints it once; printed ids are kept in a local store
// that survives restarts; and the action is reported done through the
// ledger, so after a restart, a retry or a change of leader nothing prints
// twice and nothing pending is forgotten.
package devices

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/kasse/kasse/drivers/printer"
	"github.com/kasse/kasse/drivers/scanner"
	"github.com/kasse/kasse/hub/ledger"
	"github.com/kasse/kasse/hub/receipt"
	"github.com/kasse/kasse/hub/report"
	"github.com/kasse/kasse/hub/till"
)

// Proposer puts a command through the ledger.
type Proposer interface {
	Do(ctx context.Context, r till.Req, typ string, body any) (*ledger.Result, error)
}

// Printer is a receipt printer this hub owns, and the registers it serves.
type Printer struct {
	ID        string
	Registers []string
	Queue     *printer.Queue
	Print     receipt.Print
}

// Service carries out device actions for this hub's devices.
type Service struct {
	Bus        *Bus
	l          *ledger.Ledger
	p          Proposer
	log        *slog.Logger
	byRegister map[string]*Printer
	printers   []*Printer
	scales     map[string]Scale // by register
	kickers    map[string]Kicker
	poles      map[string]Pole // customer pole displays by register

	mu        sync.Mutex
	submitted map[string]bool // action ids handed to a queue and not yet reported
}

// New makes the service for the given printers.
func New(l *ledger.Ledger, p Proposer, printers []*Printer, log *slog.Logger) *Service {
	s := &Service{Bus: NewBus(), l: l, p: p, log: log, byRegister: map[string]*Printer{}, printers: printers, submitted: map[string]bool{}}
	for _, pr := range printers {
		for _, r := range pr.Registers {
			s.byRegister[r] = pr
		}
	}
	return s
}

// Scale is a checkout scale.
type Scale interface {
	Stable(ctx context.Context) (int64, error)
}

// AddScale binds a scale to registers.
func (s *Service) AddScale(sc Scale, registers ...string) {
	if s.scales == nil {
		s.scales = map[string]Scale{}
	}
	for _, r := range registers {
		s.scales[r] = sc
	}
}

// Kicker opens a cash drawer on a relay.
type Kicker interface {
	KickDrawer(ctx context.Context) error
}

// AddDrawer binds a relay-driven drawer to a register: its kicks go to the
// relay instead of the printer.
func (s *Service) AddDrawer(k Kicker, register string) {
	if s.kickers == nil {
		s.kickers = map[string]Kicker{}
	}
	s.kickers[register] = k
}

// DrawerChanged tells the ledger that a register's drawer opened or closed.
func (s *Service) DrawerChanged(ctx context.Context, register string, open bool) {
	if cur, err := s.l.Register(register); err == nil && cur.DrawerOpen == open {
		return
	}
	if _, err := s.p.Do(ctx, till.Req{Register: register}, ledger.CmdDrawerState, map[string]bool{"open": open}); err != nil {
		s.log.Warn("report drawer state", "register", register, "open", open, "err", err)
	}
}

// Call tells a register that someone pressed a button for it.
func (s *Service) Call(register, button string, at time.Time) {
	s.Bus.Publish(register, Event{Type: "call", Device: button, At: at})
}

// Pole is a customer pole display.
type Pole interface {
	ShowItem(ctx context.Context, name string, price, total int64) error
	ShowTotal(ctx context.Context, total int64) error
	ShowChange(ctx context.Context, total, change int64) error
	Clear(ctx context.Context) error
}

// AddPole binds a customer pole display to a register.
func (s *Service) AddPole(p Pole, register string) {
	if s.poles == nil {
		s.poles = map[string]Pole{}
	}
	s.poles[register] = p
}

// Applied shows what the ledger just did to sales on the customer displays
// of their registers: the page (through the register's event stream) and
// the pole display. Call it from Ledger.OnApply; it decodes a sale only for
// a register someone is watching.
func (s *Service) Applied(results []ledger.Result) {
	for _, r := range results {
		if r.Reject != nil || r.Err != nil || !strings.HasPrefix(r.Type, "sale.") && !strings.HasPrefix(r.Type, "pay.") {
			continue
		}
		pole := s.poles[r.Register]
		if pole == nil && !s.Bus.Listening(r.Register) {
			continue
		}
		raw := r.Answer()
		if len(raw) == 0 {
			continue
		}
		var v struct {
			ledger.Sale
			Inner *ledger.Sale `json:"sale"` // pay.result answers {attempt, sale}
		}
		if err := json.Unmarshal(raw, &v); err != nil {
			continue
		}
		sale := &v.Sale
		if v.Inner != nil {
			sale = v.Inner
			raw, _ = json.Marshal(sale)
		}
		if sale.ID == "" {
			continue
		}
		s.Bus.Publish(r.Register, Event{Type: "sale", Device: "ledger", State: sale.Status, At: time.Now(), Sale: raw})
		if pole != nil {
			s.showPole(pole, sale)
		}
	}
}

func (s *Service) showPole(p Pole, sale *ledger.Sale) {
	ctx := context.Background()
	var err error
	t := sale.Totals
	switch {
	case sale.Status == ledger.SaleCompleted && t.Change != 0:
		err = p.ShowChange(ctx, t.Total+t.Rounding, t.Change)
	case sale.Status == ledger.SaleCompleted:
		err = p.ShowTotal(ctx, t.Total+t.Rounding)
	case sale.Status == ledger.SaleVoided || sale.Status == ledger.SaleParked:
		err = p.Clear(ctx)
	default:
		for i := len(sale.Lines) - 1; i >= 0; i-- {
			if l := sale.Lines[i]; !l.Removed {
				err = p.ShowItem(ctx, l.Name, l.Amount, t.Total)
				break
			}
		}
		if len(sale.Lines) == 0 || t.Total == 0 {
			err = p.ShowTotal(ctx, t.Total)
		}
	}
	if err != nil {
		s.log.Warn("customer display", "err", err)
	}
}

// ErrNoScale: the register has no scale on this hub.
var ErrNoScale = errors.New("this register has no scale")

// Weigh waits for the register's scale to settle and returns the weight.
func (s *Service) Weigh(ctx context.Context, register string) (int64, error) {
	sc := s.scales[register]
	if sc == nil {
		return 0, ErrNoScale
	}
	return sc.Stable(ctx)
}

// Scan delivers a scan from a scanner bound to register.
func (s *Service) Scan(register string, sc scanner.Scan) {
	s.Bus.Publish(register, Event{Type: "scan", Code: sc.Code, Symbol: sc.Symbology, Device: sc.Device, At: sc.At})
}

// Run carries out pending actions as the ledger changes, until ctx ends.
// A hub without printers has nothing to do here.
func (s *Service) Run(ctx context.Context) {
	if len(s.printers) == 0 && len(s.kickers) == 0 {
		return
	}
	for _, pr := range s.printers {
		go s.watch(ctx, pr)
	}
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	for {
		changed := s.l.Changed()
		s.sweep(ctx)
		select {
		case <-ctx.Done():
			return
		case <-changed:
		case <-tick.C:
		}
	}
}

// sweep hands every pending action of this hub's printers to its queue.
func (s *Service) sweep(ctx context.Context) {
	var acts []ledger.Action
	regs := map[string]bool{}
	for reg := range s.byRegister {
		regs[reg] = true
	}
	for reg := range s.kickers {
		regs[reg] = true
	}
	for reg := range regs {
		pending, err := s.l.PendingActions(reg)
		if err != nil {
			s.log.Error("list device actions", "register", reg, "err", err)
			return
		}
		acts = append(acts, pending...)
	}
	for _, a := range acts {
		if a.Kind == ledger.ActMail {
			continue // the mailer's, not a printer's
		}
		if k := s.kickers[a.Register]; k != nil && a.Kick {
			if a.Kind == ledger.ActDrawer || s.byRegister[a.Register] == nil {
				s.kick(ctx, k, a)
				continue
			}
		}
		pr := s.byRegister[a.Register]
		if pr == nil {
			continue // another hub's device, or none
		}
		s.mu.Lock()
		busy := s.submitted[a.ID]
		s.submitted[a.ID] = true
		s.mu.Unlock()
		if busy {
			continue
		}
		data, err := s.render(a, pr)
		if err != nil {
			s.log.Error("render receipt", "action", a.ID, "err", err)
			s.report(ctx, a, false, err.Error())
			continue
		}
		if err := pr.Queue.Submit(ctx, printer.Job{ID: a.ID, Data: data}); err != nil {
			s.log.Warn("printer refused a job; will try again", "printer", pr.ID, "action", a.ID, "err", err)
			s.mu.Lock()
			delete(s.submitted, a.ID)
			s.mu.Unlock()
		}
	}
}

func (s *Service) render(a ledger.Action, pr *Printer) ([]byte, error) {
	if a.Kind == ledger.ActDrawer {
		return printer.NewDoc(pr.Print.CodePage, pr.Print.Columns).Kick(printer.Pin2, 100*time.Millisecond, 200*time.Millisecond).Bytes()
	}
	if a.Kind == ledger.ActReport {
		_, l, err := report.ForEntry(s.l, a.Report)
		if err != nil {
			return nil, err
		}
		return l.ESCPOS(receipt.Print{CodePage: pr.Print.CodePage, Columns: pr.Print.Columns})
	}
	l, err := receipt.ForSale(s.l, a.Sale, a.Kind == ledger.ActCopy)
	if err != nil {
		return nil, err
	}
	o := pr.Print
	o.Kick = a.Kick
	if k := s.kickers[a.Register]; k != nil && a.Kick {
		// The drawer hangs on a relay, not on the printer: open it now.
		o.Kick = false
		if err := k.KickDrawer(context.Background()); err != nil {
			s.log.Warn("kick drawer relay", "register", a.Register, "err", err)
		}
	}
	return l.ESCPOS(o)
}

// watch reports jobs done as the printer confirms them.
func (s *Service) watch(ctx context.Context, pr *Printer) {
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-pr.Queue.Events():
			if !ok {
				return
			}
			switch ev.Kind {
			case printer.JobDone:
				act, err := s.l.ActionOf(ev.JobID)
				if err != nil {
					s.log.Error("printed job has no action", "job", ev.JobID, "err", err)
					continue
				}
				s.report(ctx, *act, true, "")
			case printer.JobRetrying:
				s.log.Warn("receipt printer interrupted; the receipt prints again when it is back", "printer", pr.ID, "job", ev.JobID, "err", ev.Err)
				if act, err := s.l.ActionOf(ev.JobID); err == nil {
					s.Bus.Publish(act.Register, Event{Type: "printer", Device: pr.ID, State: "receipt waits: " + ev.Status.String(), At: ev.Time})
				}
			case printer.StatusChanged:
				s.log.Info("receipt printer status", "printer", pr.ID, "status", ev.Status.String())
				for _, reg := range pr.Registers {
					s.Bus.Publish(reg, Event{Type: "printer", Device: pr.ID, State: ev.Status.String(), At: ev.Time})
				}
				if ev.Status.Known && (ev.Status.DrawerOpen != ev.Prev.DrawerOpen || !ev.Prev.Known) {
					s.drawer(ctx, pr, ev.Status.DrawerOpen)
				}
			}
		}
	}
}

// drawer tells the ledger that the drawer on this printer's registers
// opened or closed, so every hub refuses sale changes while it is open.
func (s *Service) drawer(ctx context.Context, pr *Printer, open bool) {
	for _, reg := range pr.Registers {
		if cur, err := s.l.Register(reg); err == nil && cur.DrawerOpen == open {
			continue
		}
		r := till.Req{Register: reg}
		if _, err := s.p.Do(ctx, r, ledger.CmdDrawerState, map[string]bool{"open": open}); err != nil {
			s.log.Warn("report drawer state", "register", reg, "open", open, "err", err)
		}
	}
}

// kick opens a relay drawer for an action with no paper to print, once:
// the action is reported done right after the pulse.
func (s *Service) kick(ctx context.Context, k Kicker, a ledger.Action) {
	s.mu.Lock()
	busy := s.submitted[a.ID]
	s.submitted[a.ID] = true
	s.mu.Unlock()
	if busy {
		return
	}
	if err := k.KickDrawer(ctx); err != nil {
		s.log.Warn("kick drawer relay; will try again", "register", a.Register, "err", err)
		s.mu.Lock()
		delete(s.submitted, a.ID)
		s.mu.Unlock()
		return
	}
	go s.report(ctx, a, true, "")
}

func (s *Service) report(ctx context.Context, a ledger.Action, ok bool, msg string) {
	r := till.Req{Register: a.Register, Key: "action/" + a.ID, Hash: a.ID}
	for try := 0; ; try++ {
		_, err := s.p.Do(ctx, r, ledger.CmdActionDone, map[string]any{"id": a.ID, "ok": ok, "message": msg})
		if err == nil || ctx.Err() != nil {
			break
		}
		s.log.Warn("report device action", "action", a.ID, "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(min(time.Duration(try+1)*time.Second, 10*time.Second)):
		}
	}
	s.mu.Lock()
	delete(s.submitted, a.ID)
	s.mu.Unlock()
}

// DoneStore keeps printed job ids in this hub's Badger, outside the
// replicated ledger (what a printer printed is this hub's own knowledge).
type DoneStore struct{ DB *badger.DB }

// LocalPrefix holds what a hub keeps for itself, outside the ledger.
const LocalPrefix = "local/"

const pfxPrinted = LocalPrefix + "printed/"

// Done reports whether id was printed.
func (d DoneStore) Done(id string) bool {
	err := d.DB.View(func(txn *badger.Txn) error {
		_, err := txn.Get([]byte(pfxPrinted + id))
		return err
	})
	return err == nil
}

// MarkDone records id as printed, durably.
func (d DoneStore) MarkDone(id string) {
	err := d.DB.Update(func(txn *badger.Txn) error { return txn.Set([]byte(pfxPrinted+id), nil) })
	if err != nil && !errors.Is(err, badger.ErrDBClosed) {
		slog.Error("remember printed job", "job", id, "err", fmt.Errorf("%w", err))
	}
}
