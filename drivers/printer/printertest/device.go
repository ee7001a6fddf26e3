package printertest

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"golang.org/x/text/encoding/charmap"
)

// Config sets up a simulated printer. Zero fields take defaults.
type Config struct {
	// Columns is the number of normal-width characters on a line
	// (48 for 80 mm paper on a 576-dot head, 42 on a 512-dot head, 32 for
	// 58 mm). Longer lines wrap, as on paper. Default 48.
	Columns int
	// NearEnd is the number of lines left on a roll of limited length
	// (PaperLeft) at which the near-end sensor trips. Default 10.
	NearEnd int
	// ASB is the Automatic Status Back setting at power-on and after
	// ESC @ (as set by DIP switches on a real printer). Default 0, off.
	ASB byte
	// CodePage is the ESC t table at power-on and after ESC @. Default 0
	// (PC437), as shipped.
	CodePage byte
}

// Device is a simulated Epson-style receipt printer: the state machine
// behind Server and Serial. Hosts attach with Serve.
type Device struct {
	cfg Config

	sendMu sync.Mutex // keeps replies in order
	mu     sync.Mutex
	change chan struct{} // closed and replaced on every change

	powered   bool
	unplugged bool
	paperLeft int // lines left on the roll; < 0 unlimited
	paperOut  bool
	nearEnd   bool
	coverOpen bool
	pin3High  bool
	cutterErr bool

	asb     byte
	lastASB [4]byte
	asbSent bool

	hosts  map[*host]struct{}
	direct *host // for Write
	outbox []outMsg
	rx     []byte // receive buffer; rx[rxOff:] is received, not yet processed
	rxOff  int

	m     mode
	line  strings.Builder
	used  int  // columns used on the line, in normal-width units
	text  bool // the line holds printed characters
	qr    qrSym
	lines []string
	raw   []byte
	cuts  int
	kicks [2]int
	clrs  int
	wraps int
}

type mode struct {
	bold    bool
	ul      byte
	wmul    int
	hmul    int
	align   byte
	reverse bool
	cp      byte
	intl    byte
}

type qrSym struct {
	model byte
	size  byte
	ecc   byte
	data  []byte
}

type host struct {
	w  io.Writer
	rt rtScanner
}

type outMsg struct {
	h *host // nil: every host
	b []byte
}

// NewDevice returns a powered printer with a full, endless roll, cover
// closed and drawer closed.
func NewDevice(cfg Config) *Device {
	if cfg.Columns <= 0 {
		cfg.Columns = 48
	}
	if cfg.NearEnd <= 0 {
		cfg.NearEnd = 10
	}
	d := &Device{cfg: cfg, change: make(chan struct{}), hosts: map[*host]struct{}{}, powered: true, paperLeft: -1}
	d.reset()
	return d
}

func (d *Device) reset() {
	d.m = mode{wmul: 1, hmul: 1, cp: d.cfg.CodePage}
	d.asb = d.cfg.ASB
	d.asbSent = false
	d.qr = qrSym{model: 50, size: 3, ecc: 48}
	d.line.Reset()
	d.used, d.text = 0, false
}

// Serve connects a host to the printer over rw until a read from rw
// fails: bytes read are printed, replies are written to rw.
func (d *Device) Serve(rw io.ReadWriter) error {
	h := d.attach(rw)
	defer d.detach(h)
	buf := make([]byte, 4096)
	for {
		n, err := rw.Read(buf)
		if n > 0 {
			d.input(h, buf[:n])
		}
		if err != nil {
			return err
		}
	}
}

// Write feeds p to the printer as if a host had sent it, and discards
// the replies. It never fails.
func (d *Device) Write(p []byte) (int, error) {
	d.mu.Lock()
	if d.direct == nil {
		d.direct = &host{w: io.Discard}
	}
	h := d.direct
	d.mu.Unlock()
	d.input(h, p)
	return len(p), nil
}

func (d *Device) attach(w io.Writer) *host {
	h := &host{w: w}
	d.mu.Lock()
	d.hosts[h] = struct{}{}
	d.mu.Unlock()
	return h
}

func (d *Device) detach(h *host) {
	d.mu.Lock()
	delete(d.hosts, h)
	d.mu.Unlock()
}

// input takes bytes from a host: real-time commands act at once, the
// rest goes through the receive buffer in order.
func (d *Device) input(h *host, p []byte) {
	d.mu.Lock()
	if !d.powered || d.unplugged {
		d.mu.Unlock()
		return
	}
	d.raw = append(d.raw, p...)
	// A printer works on data as it arrives, so it makes no difference
	// how the stream is split into reads.
	for _, c := range p {
		d.rx = append(d.rx, c)
		if ev, ok := h.rt.scan(c); ok {
			d.realtime(h, ev)
		}
		d.process()
	}
	d.settle()
	d.mu.Unlock()
	d.flush()
}

// settle processes what it can and reports changes. Call with mu held,
// and flush after unlocking.
func (d *Device) settle() {
	d.process()
	d.checkASB()
	close(d.change)
	d.change = make(chan struct{})
}

func (d *Device) flush() {
	d.sendMu.Lock()
	defer d.sendMu.Unlock()
	d.mu.Lock()
	out := d.outbox
	d.outbox = nil
	hosts := make([]*host, 0, len(d.hosts))
	for h := range d.hosts {
		hosts = append(hosts, h)
	}
	d.mu.Unlock()
	for _, m := range out {
		if m.h != nil {
			send(m.h, m.b)
			continue
		}
		for _, h := range hosts {
			send(h, m.b)
		}
	}
}

func send(h *host, b []byte) {
	if c, ok := h.w.(interface{ SetWriteDeadline(time.Time) error }); ok {
		c.SetWriteDeadline(time.Now().Add(2 * time.Second))
	}
	h.w.Write(b) // a host that went away just misses it
}

func (d *Device) reply(h *host, b ...byte) { d.outbox = append(d.outbox, outMsg{h: h, b: b}) }

// stopped: the printer holds data without printing it.
func (d *Device) stopped() bool { return d.paperOut || d.coverOpen || d.cutterErr }

func (d *Device) offline() bool { return d.stopped() || !d.powered }

// Status bytes, as Epson's ESC/POS reference lays them out.
func (d *Device) realtimeStatus(n byte) byte {
	b := byte(0x12)
	set := func(on bool, bit uint) {
		if on {
			b |= 1 << bit
		}
	}
	switch n {
	case 1: // printer
		set(d.pin3High, 2)
		set(d.offline(), 3)
		set(d.cutterErr, 5) // waiting for online recovery
	case 2: // offline cause
		set(d.coverOpen, 2)
		set(d.paperOut, 5)
		set(d.cutterErr, 6)
	case 3: // error cause
		set(d.cutterErr, 3)
	case 4: // roll paper sensor
		if d.nearEnd || d.paperOut {
			b |= 0x0C
		}
		if d.paperOut {
			b |= 0x60
		}
	}
	return b
}

func (d *Device) asbStatus() [4]byte {
	var s [4]byte
	s[0] = 0x10
	if d.pin3High {
		s[0] |= 0x04
	}
	if d.offline() {
		s[0] |= 0x08
	}
	if d.coverOpen {
		s[0] |= 0x20
	}
	if d.cutterErr {
		s[1] |= 0x01 | 0x08
	}
	s[2] = d.paperByte()
	return s
}

// paperByte is the GS r 1 reply and the third ASB byte.
func (d *Device) paperByte() byte {
	var b byte
	if d.nearEnd || d.paperOut {
		b |= 0x03
	}
	if d.paperOut {
		b |= 0x0C
	}
	return b
}

// checkASB sends the 4-byte status when an item enabled by GS a changed.
func (d *Device) checkASB() {
	if d.asb == 0 || !d.powered || d.unplugged {
		return
	}
	var mask [4]byte
	if d.asb&1 != 0 {
		mask[0] |= 0x04
	}
	if d.asb&2 != 0 {
		mask[0] |= 0x68
		mask[1] |= 0x01
	}
	if d.asb&4 != 0 {
		mask[1] |= 0x6C
	}
	if d.asb&8 != 0 {
		mask[2] |= 0x0F
	}
	cur := d.asbStatus()
	if d.asbSent {
		same := true
		for i := range cur {
			if cur[i]&mask[i] != d.lastASB[i]&mask[i] {
				same = false
			}
		}
		if same {
			return
		}
	}
	d.sendASB(cur)
}

func (d *Device) sendASB(cur [4]byte) {
	d.lastASB = cur
	d.asbSent = true
	d.reply(nil, cur[:]...)
}

func (d *Device) realtime(h *host, ev rtEvent) {
	switch ev.kind {
	case rtStatus:
		d.reply(h, d.realtimeStatus(ev.n))
	case rtRecover:
		d.cutterErr = false
		if ev.n == 2 {
			d.clearRx()
		}
	case rtPulse:
		d.kick(ev.n, int(ev.t)*100, int(ev.t)*100, " real-time")
	case rtClear:
		d.clearRx()
		d.discardLine()
		d.cutterErr = false
		d.clrs++
		d.reply(h, 0x37, 0x25, 0x00)
	}
}

// Controls: what a person does to the printer.

func (d *Device) do(f func()) {
	d.mu.Lock()
	f()
	d.settle()
	d.mu.Unlock()
	d.flush()
}

// SetPaperOut empties the roll (true), or loads a new endless roll
// (false). Without paper the printer goes offline and holds what it
// receives; with paper again it goes online and prints what it holds.
func (d *Device) SetPaperOut(out bool) {
	d.do(func() {
		d.paperOut = out
		d.nearEnd = out
		if !out {
			d.paperLeft = -1
		}
	})
}

// PaperLeft loads a roll that holds n more lines; printing line n+1
// runs it out, mid-job if need be. The near-end sensor trips at
// Config.NearEnd lines left.
func (d *Device) PaperLeft(n int) {
	d.do(func() {
		d.paperLeft = max(n, 0)
		d.paperOut = false
		d.nearEnd = d.paperLeft <= d.cfg.NearEnd
	})
}

// SetCoverOpen opens or closes the roll cover. Open, the printer is
// offline and holds what it receives.
func (d *Device) SetCoverOpen(open bool) { d.do(func() { d.coverOpen = open }) }

// SetDrawerOpen sets pin 3 of the drawer connector: HIGH when open.
func (d *Device) SetDrawerOpen(open bool) { d.do(func() { d.pin3High = open }) }

// SetCutterError jams the autocutter (true): the printer stops until DLE
// ENQ 1/2 or a buffer clear recovers it, or until SetCutterError(false).
func (d *Device) SetCutterError(on bool) { d.do(func() { d.cutterErr = on }) }

// Unplug pulls the cable: bytes from hosts are lost and nothing is
// answered, but connections stay open. Plug puts it back.
func (d *Device) Unplug() { d.do(func() { d.unplugged = true }) }

// Plug reconnects the cable.
func (d *Device) Plug() { d.do(func() { d.unplugged = false }) }

// powerOff loses everything not yet printed; powerOn starts afresh.
func (d *Device) powerOff() {
	d.do(func() {
		if !d.powered {
			return
		}
		d.powered = false
		d.clearRx()
		d.lines = append(d.lines, "[POWER OFF]")
		d.reset()
	})
}

func (d *Device) powerOn() {
	d.do(func() {
		if d.powered {
			return
		}
		d.powered = true
		d.reset()
		d.lines = append(d.lines, "[POWER ON]")
		for h := range d.hosts {
			h.rt = rtScanner{}
		}
	})
}

// Observations.

// Snapshot is a cheap summary of the printer's state and counters.
type Snapshot struct {
	Powered, Unplugged          bool
	PaperOut, PaperNearEnd      bool
	CoverOpen, DrawerOpen       bool
	Lines, Cuts, Bytes, Pending int // Pending: bytes received and not yet printed
	Kicks                       [2]int
	Clears                      int // buffer clears (DLE DC4 8) obeyed
	Wraps                       int // lines the printer broke because they were too long
}

// Snapshot returns the current state.
func (d *Device) Snapshot() Snapshot {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.snapshot()
}

func (d *Device) snapshot() Snapshot {
	return Snapshot{
		Powered: d.powered, Unplugged: d.unplugged,
		PaperOut: d.paperOut, PaperNearEnd: d.nearEnd,
		CoverOpen: d.coverOpen, DrawerOpen: d.pin3High,
		Lines: len(d.lines), Cuts: d.cuts, Bytes: len(d.raw), Pending: len(d.rx) - d.rxOff,
		Kicks: d.kicks, Clears: d.clrs, Wraps: d.wraps,
	}
}

// Wait blocks until cond holds for the printer's state, or ctx ends.
func (d *Device) Wait(ctx context.Context, cond func(Snapshot) bool) error {
	for {
		d.mu.Lock()
		s, ch := d.snapshot(), d.change
		d.mu.Unlock()
		if cond(s) {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("printertest: %w waiting; state %+v", ctx.Err(), s)
		}
	}
}

// Lines returns the rendering of what was printed, one string per line
// of paper, with markers for what is not text: [B] [/B] bold, [U1] [U2]
// [/U] underline, [SIZE 2x2], [LEFT] [CENTER] [RIGHT], [REV] [/REV],
// [QR ...] and [BARCODE ...] on lines of their own, [CUT full] and [CUT
// partial], [DRAWER pin2 on=...] for a drawer pulse, [POWER OFF] and
// [POWER ON], and [?...] for what the printer ignored or did not know.
// Text is decoded from the selected code page to UTF-8.
func (d *Device) Lines() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.lines...)
}

// Text is Lines joined with newlines.
func (d *Device) Text() string { return strings.Join(d.Lines(), "\n") }

// Receipts returns the text of each piece of paper cut off so far,
// without the cut marker.
func (d *Device) Receipts() []string {
	var out []string
	var cur []string
	for _, l := range d.Lines() {
		if strings.Contains(l, "[CUT ") {
			out = append(out, strings.Join(cur, "\n"))
			cur = nil
			continue
		}
		cur = append(cur, l)
	}
	return out
}

// Received returns every byte received while powered, in order.
func (d *Device) Received() []byte {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]byte(nil), d.raw...)
}

// Cuts counts the cuts made.
func (d *Device) Cuts() int { return d.Snapshot().Cuts }

// Kicks counts drawer pulses on pin 2 or pin 5.
func (d *Device) Kicks(pin int) int {
	s := d.Snapshot()
	switch pin {
	case 2:
		return s.Kicks[0]
	case 5:
		return s.Kicks[1]
	}
	return 0
}

// Printing side.

func (d *Device) mark(s string) { d.line.WriteString(s) }

func (d *Device) discardLine() {
	d.line.Reset()
	d.used, d.text = 0, false
}

// usePaper takes one line of paper, or runs out.
func (d *Device) usePaper() bool {
	if d.paperOut {
		return false
	}
	if d.paperLeft == 0 {
		d.paperOut, d.nearEnd = true, true
		return false
	}
	if d.paperLeft > 0 {
		d.paperLeft--
		if d.paperLeft <= d.cfg.NearEnd {
			d.nearEnd = true
		}
	}
	return true
}

// printLine prints the line buffer (LF).
func (d *Device) printLine() bool {
	if !d.usePaper() {
		return false
	}
	d.lines = append(d.lines, d.line.String())
	d.discardLine()
	return true
}

// symbol prints a line of its own (barcode, QR, image), keeping markers
// that are waiting in the line buffer in front of it.
func (d *Device) symbol(s string) bool {
	if !d.usePaper() {
		return false
	}
	if d.text {
		s += " [?not at line start]"
	}
	d.lines = append(d.lines, d.line.String()+s)
	d.discardLine()
	return true
}

func (d *Device) kick(m byte, on, off int, how string) {
	pin := 2
	if m == 1 {
		pin = 5
	}
	d.kicks[m] += 1
	d.lines = append(d.lines, fmt.Sprintf("[DRAWER pin%d on=%dms off=%dms%s]", pin, on, off, how))
}

func (d *Device) putChar(c byte) bool {
	if d.used+d.m.wmul > d.cfg.Columns {
		if !d.printLine() {
			return false
		}
		d.wraps++
	}
	d.line.WriteRune(d.decode(c))
	d.used += d.m.wmul
	d.text = true
	return true
}

var codePages = map[byte]*charmap.Charmap{
	0:  charmap.CodePage437,
	2:  charmap.CodePage850,
	5:  charmap.CodePage865,
	16: charmap.Windows1252,
	17: charmap.CodePage866,
	18: charmap.CodePage852,
	19: charmap.CodePage858,
}

// International character sets (ESC R n) replace twelve ASCII positions.
var intlPositions = []byte("#$@[\\]^`{|}~")

var intlSets = map[byte][]rune{
	4:  []rune("#$@ÆØÅ^`æøå~"), // Denmark I
	9:  []rune("#¤ÉÆØÅÜéæøåü"), // Norway
	10: []rune("#$ÉÆØÅÜéæøåü"), // Denmark II
}

func (d *Device) decode(c byte) rune {
	if c < 0x80 {
		if set, ok := intlSets[d.m.intl]; ok {
			if i := strings.IndexByte(string(intlPositions), c); i >= 0 {
				return set[i]
			}
		}
		return rune(c)
	}
	cm, ok := codePages[d.m.cp]
	if !ok {
		return '?'
	}
	return cm.DecodeByte(c)
}

func (d *Device) setBold(on bool) {
	if on != d.m.bold {
		d.m.bold = on
		if on {
			d.mark("[B]")
		} else {
			d.mark("[/B]")
		}
	}
}

func (d *Device) setUnderline(n byte) {
	if n != d.m.ul {
		d.m.ul = n
		if n == 0 {
			d.mark("[/U]")
		} else {
			d.mark(fmt.Sprintf("[U%d]", n))
		}
	}
}

func (d *Device) setSize(w, h int) {
	if w != d.m.wmul || h != d.m.hmul {
		d.m.wmul, d.m.hmul = w, h
		d.mark(fmt.Sprintf("[SIZE %dx%d]", w, h))
	}
}

func (d *Device) setReverse(on bool) {
	if on != d.m.reverse {
		d.m.reverse = on
		if on {
			d.mark("[REV]")
		} else {
			d.mark("[/REV]")
		}
	}
}

func (d *Device) setAlign(a byte) {
	if d.text {
		d.mark("[?ALIGN not at line start]")
		return
	}
	if a != d.m.align {
		d.m.align = a
		d.mark([]string{"[LEFT]", "[CENTER]", "[RIGHT]"}[a])
	}
}

// initialize is ESC @: the print buffer is cleared and modes return to
// their power-on values; the receive buffer is kept.
func (d *Device) initialize() {
	d.discardLine()
	d.setBold(false)
	d.setUnderline(0)
	d.setSize(1, 1)
	d.setReverse(false)
	d.setAlign(0)
	d.m.cp = d.cfg.CodePage
	d.m.intl = 0
	d.asb = d.cfg.ASB
	d.asbSent = false
	d.qr = qrSym{model: 50, size: 3, ecc: 48}
}
