package ledger

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"
)

// The time clock: employees clock in and out on any register; each worked
// shift is kept in the ledger, so the hours survive any tablet or hub.

// Commands of the time clock.
const (
	CmdClockIn  = "clock.in"
	CmdClockOut = "clock.out"
)

const (
	pfxClock = "s/clock/" // + employee: Clocked while in
	pfxHours = "s/hours/" // + employee + "/" + clock-in unix nanos (8 bytes): Shift
)

func init() {
	addHandlers(map[string]handler{CmdClockIn: applyClockIn, CmdClockOut: applyClockOut})
}

// ClockReq names the employee clocking in or out (the hub checked the PIN).
type ClockReq struct {
	Employee string `json:"employee"`
}

// Clocked is an employee at work now.
type Clocked struct {
	Employee string    `json:"employee"`
	In       time.Time `json:"in"`
	Register string    `json:"register"`
}

// Shift is a worked stretch from clock-in to clock-out.
type Shift struct {
	Employee    string    `json:"employee"`
	In          time.Time `json:"in"`
	Out         time.Time `json:"out"`
	RegisterIn  string    `json:"registerIn"`
	RegisterOut string    `json:"registerOut"`
	Seconds     int64     `json:"seconds"`
}

func hoursKey(emp string, in time.Time) string {
	return pfxHours + emp + "/" + string(binary.BigEndian.AppendUint64(nil, uint64(in.UnixNano())))
}

func (a *applyCtx) clockEmployee(env *Envelope) (*Employee, error) {
	req, err := body[ClockReq](env)
	if err != nil {
		return nil, err
	}
	if _, err := a.register(); err != nil {
		return nil, err
	}
	e, err := load[Employee](a, pfxEmp+req.Employee)
	if err != nil {
		return nil, notFound(err, "unknown_employee", "no employee %s", req.Employee)
	}
	return e, nil
}

func applyClockIn(a *applyCtx, env *Envelope) (any, error) {
	e, err := a.clockEmployee(env)
	if err != nil {
		return nil, err
	}
	if !e.Active {
		return nil, reject("employee_inactive", "%s is not active", e.Name)
	}
	if cur, err := load[Clocked](a, pfxClock+e.ID); err == nil {
		return nil, reject("clocked_in", "%s clocked in at %s already", e.Name, cur.In.In(Oslo).Format("15:04"))
	}
	c := &Clocked{Employee: e.ID, In: env.Time, Register: env.Register}
	if _, err := a.appendEntryOf("clock.in", e.ID, c); err != nil {
		return nil, err
	}
	return c, a.put(pfxClock+e.ID, c)
}

func applyClockOut(a *applyCtx, env *Envelope) (any, error) {
	e, err := a.clockEmployee(env)
	if err != nil {
		return nil, err
	}
	c, err := load[Clocked](a, pfxClock+e.ID)
	if err != nil {
		return nil, notFound(err, "not_clocked_in", "%s is not clocked in", e.Name)
	}
	sh := &Shift{Employee: e.ID, In: c.In, Out: env.Time, RegisterIn: c.Register, RegisterOut: env.Register,
		Seconds: int64(max(env.Time.Sub(c.In), 0) / time.Second)}
	if _, err := a.appendEntryOf("clock.out", e.ID, sh); err != nil {
		return nil, err
	}
	a.b.del(pfxClock + e.ID)
	return sh, a.put(hoursKey(e.ID, c.In), sh)
}

// appendEntryOf journals a time clock entry in the employee's name.
func (a *applyCtx) appendEntryOf(typ, emp string, data any) (*Entry, error) {
	b, err := marshal(data)
	if err != nil {
		return nil, err
	}
	e := &Entry{Type: typ, Event: EvOther, Employee: emp, Data: b}
	return e, a.appendEntry(e)
}

// Hours are an employee's worked shifts that began in [from, to), and
// whether they are clocked in now.
type Hours struct {
	Employee string   `json:"employee"`
	Shifts   []Shift  `json:"shifts"`
	Seconds  int64    `json:"seconds"`
	Now      *Clocked `json:"clockedIn,omitempty"`
}

// HoursOf reads an employee's hours.
func (l *Ledger) HoursOf(emp string, from, to time.Time) (*Hours, error) {
	h := &Hours{Employee: emp, Shifts: []Shift{}}
	start, end := pfxHours+emp+"/", pfxHours+emp+"0" // '0' follows '/'
	if !from.IsZero() {
		start = hoursKey(emp, from)
	}
	if !to.IsZero() {
		end = hoursKey(emp, to)
	}
	err := scan(l.db, pfxHours+emp+"/", func(k, v []byte) (bool, error) {
		if string(k) < start {
			return true, nil
		}
		if string(k) >= end {
			return false, nil
		}
		var s Shift
		if err := json.Unmarshal(v, &s); err != nil {
			return false, fmt.Errorf("shift %q: %w", k, err)
		}
		h.Shifts = append(h.Shifts, s)
		h.Seconds += s.Seconds
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	var c Clocked
	if err := l.get(pfxClock+emp, &c); err == nil {
		h.Now = &c
	}
	return h, nil
}
