package scaletest

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
)

// Protocol is the language the stand-in speaks.
type Protocol int

const (
	Toledo8217 Protocol = iota + 1 // Mettler Toledo 8217 ECR protocol
	SICS                           // MT-SICS level 0
)

// Config sets up a simulated scale. Zero fields take defaults.
type Config struct {
	Protocol Protocol // default Toledo8217
	// Capacity in grams; more on the platter is overload. Default 15000
	// (a 15 kg checkout scale). Toledo 8217 sends five digits, so at most
	// 99999.
	Capacity int64
	// ZeroRange is how far from the calibrated zero, in grams either
	// way, Z may set zero. Default 2 % of Capacity.
	ZeroRange int64
	// DecimalPoint makes a Toledo 8217 scale send "01.234" instead of
	// "01234", as some are set up to.
	DecimalPoint bool
	// Unit is the SICS weight unit: "kg" (three decimals, default) or "g"
	// (one decimal).
	Unit string
	// Serial is the serial number SICS I4 reports.
	Serial string
}

func (c Config) withDefaults() Config {
	if c.Protocol == 0 {
		c.Protocol = Toledo8217
	}
	if c.Capacity <= 0 {
		c.Capacity = 15000
	}
	if c.Protocol == Toledo8217 && c.Capacity > 99999 {
		c.Capacity = 99999
	}
	if c.ZeroRange <= 0 {
		c.ZeroRange = c.Capacity / 50
	}
	if c.Unit != "g" {
		c.Unit = "kg"
	}
	if c.Serial == "" {
		c.Serial = "B012345678"
	}
	return c
}

// Device is a simulated scale: its weighing state and the protocol
// engine behind Serial. Hosts attach with Serve.
type Device struct {
	cfg Config

	mu     sync.Mutex
	change chan struct{} // closed and replaced on every request

	load       int64 // grams on the platter, from the calibrated zero
	zero       int64 // zero set by Z
	tare       int64
	tared      bool
	motion     bool
	settle     int // weight requests still answered in motion
	forceOver  bool
	forceUnder bool
	zeroErr    bool
	silent     bool
	failNext   string // SICS: the next reply is this error

	requests map[string]int
	rx       []byte // received, not yet a whole command
	inTare   bool   // 8217: after T, collecting up to CR
}

// NewDevice returns a scale with nothing on it, stable at zero.
func NewDevice(cfg Config) *Device {
	return &Device{cfg: cfg.withDefaults(), change: make(chan struct{}), requests: map[string]int{}}
}

// SetWeight puts grams on the platter, at rest. Negative is less than
// the calibrated zero (a platter lifted off).
func (d *Device) SetWeight(grams int64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.load, d.motion, d.settle = grams, false, 0
}

// Settle puts grams on the platter, still moving: the next n weight
// requests (W, S or SI) are answered in motion, later ones at rest. So a
// test can tell exactly when a driver may see a stable weight, without
// clocks.
func (d *Device) Settle(grams int64, n int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.load, d.settle = grams, max(n, 0)
	d.motion = false
}

// SetMotion makes the scale report motion until SetMotion(false) or
// SetWeight.
func (d *Device) SetMotion(on bool) { d.set(func() { d.motion = on }) }

// SetOverload forces over capacity, whatever the weight. More than
// Capacity on the platter is overload anyway.
func (d *Device) SetOverload(on bool) { d.set(func() { d.forceOver = on }) }

// SetUnderZero forces under zero, whatever the weight. A weight below
// zero (gross, or net of the tare) is under zero anyway.
func (d *Device) SetUnderZero(on bool) { d.set(func() { d.forceUnder = on }) }

// SetZeroError makes the scale report a zero error (8217: status "outside
// zero capture range" instead of a weight; SICS: "S I").
func (d *Device) SetZeroError(on bool) { d.set(func() { d.zeroErr = on }) }

// SetSilent makes the scale ignore everything it receives, as a scale
// switched off with its cable still in.
func (d *Device) SetSilent(on bool) { d.set(func() { d.silent = on }) }

// FailNext makes the next SICS reply the error code given: "ES", "ET" or
// "EL".
func (d *Device) FailNext(code string) { d.set(func() { d.failNext = code }) }

func (d *Device) set(f func()) {
	d.mu.Lock()
	defer d.mu.Unlock()
	f()
}

// Tare returns the tare in grams and whether one is taken.
func (d *Device) Tare() (grams int64, taken bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.tare, d.tared
}

// ZeroOffset returns where Z last set zero, in grams from the calibrated
// zero.
func (d *Device) ZeroOffset() int64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.zero
}

// Requests returns how many times cmd ("W", "Z", "T", "SI", "S", …) was
// received.
func (d *Device) Requests(cmd string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.requests[cmd]
}

// WaitRequests blocks until cmd has been received at least n times in
// all, or ctx ends.
func (d *Device) WaitRequests(ctx context.Context, cmd string, n int) error {
	for {
		d.mu.Lock()
		got, ch := d.requests[cmd], d.change
		d.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("scaletest: %d of %d %q requests: %w", got, n, cmd, ctx.Err())
		}
	}
}

// Serve answers a host over rw until a read from rw fails.
func (d *Device) Serve(rw io.ReadWriter) error {
	buf := make([]byte, 256)
	for {
		n, err := rw.Read(buf)
		if n > 0 {
			if out := d.Input(buf[:n]); len(out) > 0 {
				if _, werr := rw.Write(out); werr != nil {
					return werr
				}
			}
		}
		if err != nil {
			return err
		}
	}
}

// Input takes bytes from the host and returns the scale's replies.
func (d *Device) Input(p []byte) []byte {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.silent {
		return nil
	}
	var out []byte
	if d.cfg.Protocol == SICS {
		out = d.inputSICS(p)
	} else {
		out = d.input8217(p)
	}
	return out
}

func (d *Device) count(cmd string) {
	d.requests[cmd]++
	close(d.change)
	d.change = make(chan struct{})
}

// state is what the scale makes of its load. Call with mu held.
type state struct {
	gross, shown                  int64
	over, under, moving, zeroFail bool
}

func (d *Device) state() state {
	s := state{gross: d.load - d.zero}
	s.shown = s.gross
	if d.tared {
		s.shown -= d.tare
	}
	s.over = d.forceOver || s.gross > d.cfg.Capacity
	s.under = !s.over && (d.forceUnder || s.shown < 0)
	s.moving = d.motion || d.settle > 0
	s.zeroFail = d.zeroErr
	return s
}

// weighed counts down a settling load after a weight request.
func (d *Device) weighed() {
	if d.settle > 0 {
		d.settle--
	}
}

// Toledo 8217, after the DIVA / Magellan 8500 service manual, 6.1.4:
// W → STX weight CR, or STX ? status CR when in motion, under zero, over
// capacity or in zero error; Z and T<CR>/TWWWWW<CR> and C → STX ? status
// CR. The status byte has bit 6 set, bit 7 (parity) clear as a 7E1 UART
// hands it over, and bits 0–5: motion, over capacity, under zero,
// outside zero capture range, center of zero, net.
func (d *Device) input8217(p []byte) []byte {
	var out []byte
	for _, c := range p {
		if d.inTare {
			if c != '\r' {
				d.rx = append(d.rx, c)
				if len(d.rx) > 5 {
					d.inTare, d.rx = false, d.rx[:0] // not a tare command: ignored
				}
				continue
			}
			out = append(out, d.tare8217(string(d.rx))...)
			d.inTare, d.rx = false, d.rx[:0]
			continue
		}
		switch c {
		case 'W':
			d.count("W")
			out = append(out, d.weigh8217()...)
		case 'Z':
			d.count("Z")
			s := d.state()
			if !s.moving && !s.over && !d.tared && abs(d.load) <= d.cfg.ZeroRange {
				d.zero = d.load
			}
			out = append(out, d.status8217()...)
		case 'T':
			d.inTare = true
		case 'C':
			d.count("C")
			if !d.state().moving {
				d.tare, d.tared = 0, false
			}
			out = append(out, d.status8217()...)
		}
	}
	return out
}

func (d *Device) weigh8217() []byte {
	s := d.state()
	defer d.weighed()
	if s.over || s.under || s.moving || s.zeroFail || s.shown > 99999 {
		return d.status8217()
	}
	var w string
	if d.cfg.DecimalPoint {
		w = fmt.Sprintf("%02d.%03d", s.shown/1000, s.shown%1000)
	} else {
		w = fmt.Sprintf("%05d", s.shown)
	}
	if d.tared {
		w += "N"
	}
	return []byte("\x02" + w + "\r")
}

func (d *Device) tare8217(arg string) []byte {
	d.count("T")
	s := d.state()
	switch {
	case arg == "":
		// Tare what is on the platter, if it is at rest and not zero.
		if !s.moving && !s.over && s.gross > 0 {
			d.tare, d.tared = s.gross, true
		}
	case len(arg) == 5 && allDigits(arg):
		t, _ := strconv.ParseInt(arg, 10, 64)
		d.tare, d.tared = t, t > 0
	default:
		return nil
	}
	return d.status8217()
}

func (d *Device) status8217() []byte {
	s := d.state()
	b := byte(0x40)
	if s.moving {
		b |= 1 << 0
	}
	if s.over {
		b |= 1 << 1
	}
	if s.under {
		b |= 1 << 2
	}
	if s.zeroFail || abs(s.gross) > d.cfg.ZeroRange {
		b |= 1 << 3
	}
	if !s.moving && s.shown == 0 {
		b |= 1 << 4
	}
	if d.tared {
		b |= 1 << 5
	}
	return []byte{0x02, '?', b, '\r'}
}

// MT-SICS level 0, after the MT-SICS reference manual: commands and
// replies are lines ending in CR LF; a weight reply is
// "S S <value right-aligned in 10> <unit>".
func (d *Device) inputSICS(p []byte) []byte {
	var out []byte
	for _, c := range p {
		d.rx = append(d.rx, c)
		if c != '\n' {
			if len(d.rx) > 64 {
				d.rx = d.rx[:0]
				out = append(out, "ET\r\n"...)
			}
			continue
		}
		line := string(d.rx)
		d.rx = d.rx[:0]
		cmd, ok := strings.CutSuffix(line, "\r\n")
		if !ok {
			out = append(out, "ET\r\n"...)
			continue
		}
		d.count(cmd)
		var reply string
		if d.failNext != "" {
			reply, d.failNext = d.failNext, ""
		} else {
			reply = d.sics(cmd)
		}
		out = append(out, reply+"\r\n"...)
	}
	return out
}

func (d *Device) sics(cmd string) string {
	s := d.state()
	switch cmd {
	case "S":
		defer d.weighed()
		switch {
		case s.over:
			return "S +"
		case s.under:
			return "S -"
		case s.moving || s.zeroFail:
			// The balance waits for stability, then gives up with S I; the
			// stand-in gives up at once.
			return "S I"
		}
		return "S S " + d.sicsWeight(s.shown)
	case "SI":
		defer d.weighed()
		switch {
		case s.over:
			return "S +"
		case s.under:
			return "S -"
		case s.zeroFail:
			return "S I"
		case s.moving:
			return "S D " + d.sicsWeight(s.shown)
		}
		return "S S " + d.sicsWeight(s.shown)
	case "Z", "ZI":
		switch {
		case cmd == "Z" && s.moving:
			return "Z I"
		case d.load > d.cfg.ZeroRange:
			return cmd + " +"
		case d.load < -d.cfg.ZeroRange:
			return cmd + " -"
		}
		d.zero, d.tare, d.tared = d.load, 0, false
		if cmd == "Z" {
			return "Z A"
		}
		if s.moving {
			return "ZI D"
		}
		return "ZI S"
	case "T":
		switch {
		case s.moving:
			return "T I"
		case s.over:
			return "T +"
		case s.gross <= 0:
			return "T -"
		}
		d.tare, d.tared = s.gross, true
		return "T S " + d.sicsWeight(d.tare)
	case "TA":
		return "TA A " + d.sicsWeight(d.tare)
	case "TAC":
		d.tare, d.tared = 0, false
		return "TAC A"
	case "@":
		d.tare, d.tared, d.failNext = 0, false, ""
		return `I4 A "` + d.cfg.Serial + `"`
	case "I4":
		return `I4 A "` + d.cfg.Serial + `"`
	}
	return "ES"
}

func (d *Device) sicsWeight(g int64) string {
	sign := ""
	if g < 0 {
		sign, g = "-", -g
	}
	var v string
	if d.cfg.Unit == "g" {
		v = fmt.Sprintf("%s%d.0", sign, g)
	} else {
		v = fmt.Sprintf("%s%d.%03d", sign, g/1000, g%1000)
	}
	return fmt.Sprintf("%10s %s", v, d.cfg.Unit)
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
