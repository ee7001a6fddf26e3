package till

import (
	"context"
	"errors"
	"time"

	"github.com/kasse/kasse/hub/ledger"
	"github.com/kasse/kasse/hub/money"
)

// The cashier's day: drawer sessions, cash in and out, the count, the time
// clock, training mode and X/Z reports.

// OpenSession opens a drawer session with a counted float for the given
// registers (the asking one if none).
func (s *Service) OpenSession(ctx context.Context, r Req, registers []string, float money.Øre, blind bool) (*ledger.DrawerSession, error) {
	return doDecode[ledger.DrawerSession](ctx, s, r, ledger.CmdSessionOpen,
		ledger.SessionOpen{Session: NewID("D"), Registers: registers, Float: float, Blind: blind})
}

// JoinSession puts the register into an open drawer session.
func (s *Service) JoinSession(ctx context.Context, r Req, session string) (*ledger.DrawerSession, error) {
	return doDecode[ledger.DrawerSession](ctx, s, r, ledger.CmdSessionJoin, ledger.SessionJoin{Session: session})
}

// MoveCash puts cash in or takes it out of the register's drawer session;
// taking out needs the permission or a supervisor's override.
func (s *Service) MoveCash(ctx context.Context, r Req, kind string, amount money.Øre, reason string, o *Override) (*ledger.DrawerSession, error) {
	by, err := s.approver(ctx, r, o)
	if err != nil {
		return nil, err
	}
	return doDecode[ledger.DrawerSession](ctx, s, r, ledger.CmdCashMove,
		ledger.CashMoveReq{Kind: kind, Amount: amount, Reason: reason, ApprovedBy: by})
}

// Count closes the register's drawer session with what was counted.
func (s *Service) Count(ctx context.Context, r Req, counted map[string]money.Øre, note string) (*ledger.DrawerSession, error) {
	return doDecode[ledger.DrawerSession](ctx, s, r, ledger.CmdDrawerCount, ledger.CountReq{Counted: counted, Note: note})
}

// Session is the register's open drawer session as its register may see
// it: a blind session shows no expected amounts until it is counted.
func (s *Service) Session(register string) (*ledger.DrawerSession, map[string]money.Øre, error) {
	d, err := s.L.SessionOf(register)
	if err != nil {
		return nil, nil, err
	}
	if d.Blind {
		return d, nil, nil
	}
	return d, d.Expected(), nil
}

// Clock clocks an employee in (in) or out on the register after checking
// their PIN.
func (s *Service) Clock(ctx context.Context, r Req, in bool, employee, pin string) (any, error) {
	e, err := s.L.Employee(employee)
	if err != nil || !CheckPIN(e.PINHash, pin) {
		return nil, ErrWrongPIN
	}
	if in {
		return doDecode[ledger.Clocked](ctx, s, r, ledger.CmdClockIn, ledger.ClockReq{Employee: e.ID})
	}
	return doDecode[ledger.Shift](ctx, s, r, ledger.CmdClockOut, ledger.ClockReq{Employee: e.ID})
}

// Hours reads an employee's worked shifts that began in [from, to).
func (s *Service) Hours(employee string, from, to time.Time) (*ledger.Hours, error) {
	if _, err := s.L.Employee(employee); errors.Is(err, ledger.ErrNotFound) {
		return nil, invalid("unknown_employee", "no employee %s", employee)
	}
	return s.L.HoursOf(employee, from, to)
}

// Training switches the register's training mode on or off.
func (s *Service) Training(ctx context.Context, r Req, on bool) error {
	typ := ledger.CmdTrainingOff
	if on {
		typ = ledger.CmdTrainingOn
	}
	_, err := s.Do(ctx, r, typ, struct{}{})
	return err
}

// Report runs an X report (z false) or closes the day with a Z report; a Z
// needs the permission or a supervisor's override. The report is journaled
// whole and printed on the register's printer.
func (s *Service) Report(ctx context.Context, r Req, z bool, o *Override) (*ledger.Report, error) {
	by, err := s.approver(ctx, r, o)
	if err != nil {
		return nil, err
	}
	typ := ledger.CmdReportX
	if z {
		typ = ledger.CmdReportZ
	}
	return doDecode[ledger.Report](ctx, s, r, typ, ledger.ReportReq{ApprovedBy: by})
}

func doDecode[T any](ctx context.Context, s *Service, r Req, typ string, body any) (*T, error) {
	res, err := s.Do(ctx, r, typ, body)
	if err != nil {
		return nil, err
	}
	return decode[T](res)
}
