package displaytest

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"

	"golang.org/x/text/encoding/charmap"
)

// The screen.
const (
	Columns = 20
	Rows    = 2
)

// Mode is the display mode, which decides what happens at the edges of
// the screen.
type Mode int

const (
	Overwrite        Mode = iota + 1 // US MD1: wrap to the other line, never scroll
	VerticalScroll                   // US MD2: past the end of the lower line, scroll up
	HorizontalScroll                 // US MD3: past the end of a line, scroll that line left
)

func (m Mode) String() string {
	switch m {
	case Overwrite:
		return "overwrite"
	case VerticalScroll:
		return "vertical scroll"
	case HorizontalScroll:
		return "horizontal scroll"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// Config is the display's power-on state, which on a real display comes
// from its DIP or memory switches, and which ESC @ returns to.
type Config struct {
	CodeTable byte // ESC t page; default 0, PC437
	Intl      byte // ESC R set; default 0, USA
	Mode      Mode // default Overwrite
	// CursorOff hides the cursor at power-on; by default it shows.
	CursorOff bool
}

// Screen is what the display is in: what a customer sees, and the
// settings that decide what the next bytes do.
type Screen struct {
	Lines      [Rows]string // exactly Columns characters each
	X, Y       int          // cursor, 1-based: column 1–20, line 1–2
	Mode       Mode
	CodeTable  byte
	Intl       byte
	Cursor     bool // the cursor is shown
	Brightness int  // US X n, 1–4
	Blink      byte // US E n: 0 steady, 255 off
	Reverse    bool // US r n
	Selected   bool // ESC = n: the display takes data (else it waits for ESC = with bit 1)
}

// Device is a simulated Epson-style 2×20 customer display. It decodes
// the bytes it gets, command by command, into its screen.
type Device struct {
	cfg Config

	mu     sync.Mutex
	change chan struct{}

	cells    [Rows][Columns]rune
	x, y     int  // 0-based
	pending  bool // a character was written at the right end; the next one scrolls
	mode     Mode
	table    byte
	intl     byte
	cursor   bool
	bright   int
	blink    byte
	reverse  bool
	selected bool

	rx      []byte // received, not yet a whole command
	raw     []byte
	unknown []string
	resets  int
}

// NewDevice returns a display as switched on: blank, cursor home.
func NewDevice(cfg Config) *Device {
	if cfg.Mode == 0 {
		cfg.Mode = Overwrite
	}
	d := &Device{cfg: cfg, change: make(chan struct{})}
	d.powerOn()
	return d
}

func (d *Device) powerOn() {
	d.selected = true
	d.rx = d.rx[:0]
	d.reset()
}

// reset is ESC @: settings to their power-on values, screen cleared,
// cursor home.
func (d *Device) reset() {
	d.mode, d.table, d.intl = d.cfg.Mode, d.cfg.CodeTable, d.cfg.Intl
	d.cursor, d.bright, d.blink, d.reverse = !d.cfg.CursorOff, 4, 0, false
	d.clear()
}

func (d *Device) clear() {
	for y := range d.cells {
		d.clearLine(y)
	}
	d.x, d.y, d.pending = 0, 0, false
}

func (d *Device) clearLine(y int) {
	for x := range d.cells[y] {
		d.cells[y][x] = ' '
	}
}

// PowerCycle switches the display off and on: blank, power-on settings,
// anything half received lost. The serial line does not notice.
func (d *Device) PowerCycle() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.powerOn()
	d.changed()
}

// Write feeds p to the display as if a host had sent it. It never fails.
func (d *Device) Write(p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.raw = append(d.raw, p...)
	d.rx = append(d.rx, p...)
	i := 0
	for i < len(d.rx) {
		n := d.step(d.rx[i:])
		if n == 0 {
			break
		}
		i += n
	}
	d.rx = append(d.rx[:0], d.rx[i:]...)
	d.changed()
	return len(p), nil
}

// Serve takes bytes from a host over r until a read fails.
func (d *Device) Serve(r io.Reader) error {
	buf := make([]byte, 512)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			d.Write(buf[:n])
		}
		if err != nil {
			return err
		}
	}
}

func (d *Device) changed() {
	close(d.change)
	d.change = make(chan struct{})
}

// Screen returns what the display is in now.
func (d *Device) Screen() Screen {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.screen()
}

func (d *Device) screen() Screen {
	s := Screen{
		X: d.x + 1, Y: d.y + 1, Mode: d.mode, CodeTable: d.table, Intl: d.intl,
		Cursor: d.cursor, Brightness: d.bright, Blink: d.blink, Reverse: d.reverse, Selected: d.selected,
	}
	for y := range d.cells {
		s.Lines[y] = string(d.cells[y][:])
	}
	return s
}

// Lines returns the two lines a customer sees.
func (d *Device) Lines() [Rows]string { return d.Screen().Lines }

// Received returns every byte received.
func (d *Device) Received() []byte {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]byte(nil), d.raw...)
}

// Unknown lists what the display received and did not understand, or
// understood and does not simulate (ESC W windows, macros), in order.
func (d *Device) Unknown() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.unknown...)
}

// Resets counts ESC @ commands.
func (d *Device) Resets() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.resets
}

// Wait blocks until cond holds for the screen, or ctx ends.
func (d *Device) Wait(ctx context.Context, cond func(Screen) bool) error {
	for {
		d.mu.Lock()
		s, ch := d.screen(), d.change
		d.mu.Unlock()
		if cond(s) {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("displaytest: screen is\n|%s|\n|%s|\n%w", s.Lines[0], s.Lines[1], ctx.Err())
		}
	}
}

// WaitLines blocks until the display shows line1 and line2 (compared
// with trailing spaces removed), or ctx ends.
func (d *Device) WaitLines(ctx context.Context, line1, line2 string) error {
	want := [Rows]string{strings.TrimRight(line1, " "), strings.TrimRight(line2, " ")}
	return d.Wait(ctx, func(s Screen) bool {
		return strings.TrimRight(s.Lines[0], " ") == want[0] && strings.TrimRight(s.Lines[1], " ") == want[1]
	})
}

const (
	bs  = 0x08
	ht  = 0x09
	lf  = 0x0A
	hom = 0x0B
	clr = 0x0C
	cr  = 0x0D
	can = 0x18
	esc = 0x1B
	us  = 0x1F
)

// step carries out the command at the start of b and returns how many
// bytes it took, or 0 when b holds only part of it.
func (d *Device) step(b []byte) int {
	c := b[0]
	if !d.selected {
		// A deselected display listens for ESC = n only.
		if c != esc {
			return 1
		}
		if len(b) < 2 {
			return 0
		}
		if b[1] != '=' {
			return 1
		}
		if len(b) < 3 {
			return 0
		}
		d.selected = b[2]&0x02 != 0
		return 3
	}
	switch c {
	case bs:
		d.left()
	case ht:
		d.right()
	case lf:
		d.down()
	case hom:
		d.x, d.y, d.pending = 0, 0, false
	case clr:
		d.clear()
	case cr:
		d.x, d.pending = 0, false
	case can:
		d.clearLine(d.y)
		d.x, d.pending = 0, false
	case esc:
		return d.escape(b)
	case us:
		return d.unit(b)
	default:
		if c < 0x20 {
			d.unknown = append(d.unknown, fmt.Sprintf("0x%02x", c))
			return 1
		}
		d.put(d.decode(c))
	}
	return 1
}

// need returns n when b holds n bytes, else 0.
func need(b []byte, n int) int {
	if len(b) < n {
		return 0
	}
	return n
}

func (d *Device) escape(b []byte) int {
	if len(b) < 2 {
		return 0
	}
	switch b[1] {
	case '@':
		d.reset()
		d.resets++
		return 2
	case 't':
		if n := need(b, 3); n > 0 {
			d.table = b[2]
			if pageOf(d.table) == nil {
				d.unknown = append(d.unknown, fmt.Sprintf("ESC t %d (code table not simulated)", b[2]))
			}
			return n
		}
		return 0
	case 'R':
		if n := need(b, 3); n > 0 {
			d.intl = b[2]
			if _, ok := intlSets[d.intl]; !ok && d.intl != 0 {
				d.unknown = append(d.unknown, fmt.Sprintf("ESC R %d (international set not simulated)", b[2]))
			}
			return n
		}
		return 0
	case '=':
		if n := need(b, 3); n > 0 {
			d.selected = b[2]&0x02 != 0
			return n
		}
		return 0
	case '%', '?':
		return need(b, 3) // user-defined characters: not simulated, harmless
	case 'l':
		// ESC l x y: "move cursor to specified position" in the CD5220
		// standard mode that many Epson-mode displays also take.
		if n := need(b, 4); n > 0 {
			d.moveTo(b[2], b[3])
			return n
		}
		return 0
	case 'W':
		if len(b) < 4 {
			return 0
		}
		n := 4
		if b[3] == 1 || b[3] == 49 {
			n = 8
		}
		if len(b) < n {
			return 0
		}
		d.unknown = append(d.unknown, "ESC W (windows not simulated)")
		return n
	case '&':
		// ESC & s n m [a p1…p(s×a)] × (m−n+1): define characters.
		if len(b) < 5 {
			return 0
		}
		s, first, last := int(b[2]), int(b[3]), int(b[4])
		i := 5
		for ch := first; ch <= last; ch++ {
			if len(b) <= i {
				return 0
			}
			i += 1 + s*int(b[i])
		}
		if len(b) < i {
			return 0
		}
		return i
	}
	d.unknown = append(d.unknown, fmt.Sprintf("ESC %q", b[1]))
	return 2
}

func (d *Device) unit(b []byte) int {
	if len(b) < 2 {
		return 0
	}
	switch b[1] {
	case 0x01:
		d.mode, d.pending = Overwrite, false
	case 0x02:
		d.mode, d.pending = VerticalScroll, false
	case 0x03:
		d.mode, d.pending = HorizontalScroll, false
	case lf:
		d.up()
	case cr:
		d.x, d.pending = Columns-1, false
	case 'B':
		d.x, d.y, d.pending = Columns-1, Rows-1, false
	case '$':
		if n := need(b, 4); n > 0 {
			d.moveTo(b[2], b[3])
			return n
		}
		return 0
	case 'C':
		if n := need(b, 3); n > 0 {
			d.cursor = b[2]&1 != 0
			return n
		}
		return 0
	case 'E':
		if n := need(b, 3); n > 0 {
			d.blink = b[2]
			return n
		}
		return 0
	case 'X':
		if n := need(b, 3); n > 0 {
			if b[2] >= 1 && b[2] <= 4 {
				d.bright = int(b[2])
			}
			return n
		}
		return 0
	case 'r':
		if n := need(b, 3); n > 0 {
			d.reverse = b[2]&1 != 0
			return n
		}
		return 0
	case 'v', '.', ',', ';':
		return need(b, 3)
	case 'T', '^', '#':
		return need(b, 4)
	case '@', 'U', ':':
		d.unknown = append(d.unknown, fmt.Sprintf("US %q (not simulated)", b[1]))
	default:
		d.unknown = append(d.unknown, fmt.Sprintf("US %q", b[1]))
	}
	return 2
}

// moveTo is US $ x y: outside 1–20, 1–2 it is ignored.
func (d *Device) moveTo(x, y byte) {
	if x < 1 || x > Columns || y < 1 || y > Rows {
		return
	}
	d.x, d.y, d.pending = int(x)-1, int(y)-1, false
}

// put writes a character at the cursor and moves on, as the mode says
// (DM-D110 specification, 5.4: HT and the display modes).
func (d *Device) put(r rune) {
	if d.pending {
		d.pending = false
		switch d.mode {
		case VerticalScroll:
			d.scrollUp()
			d.x, d.y = 0, Rows-1
		case HorizontalScroll:
			d.shiftLeft(d.y)
		}
	}
	d.cells[d.y][d.x] = r
	if d.x < Columns-1 {
		d.x++
		return
	}
	switch {
	case d.mode == Overwrite:
		d.x, d.y = 0, (d.y+1)%Rows
	case d.mode == VerticalScroll && d.y == 0:
		d.x, d.y = 0, 1
	default:
		d.pending = true
	}
}

// right is HT.
func (d *Device) right() {
	d.pending = false
	if d.x < Columns-1 {
		d.x++
		return
	}
	switch d.mode {
	case Overwrite:
		d.x, d.y = 0, (d.y+1)%Rows
	case VerticalScroll:
		if d.y == 0 {
			d.x, d.y = 0, 1
		} else {
			d.scrollUp()
			d.x = 0
		}
	case HorizontalScroll:
		d.shiftLeft(d.y)
	}
}

// left is BS.
func (d *Device) left() {
	d.pending = false
	if d.x > 0 {
		d.x--
		return
	}
	switch d.mode {
	case Overwrite:
		d.x, d.y = Columns-1, (d.y+1)%Rows
	case VerticalScroll:
		if d.y == 1 {
			d.x, d.y = Columns-1, 0
		} else {
			d.scrollDown()
			d.x = Columns - 1
		}
	case HorizontalScroll:
		copy(d.cells[d.y][1:], d.cells[d.y][:Columns-1])
		d.cells[d.y][0] = ' '
	}
}

// down is LF.
func (d *Device) down() {
	d.pending = false
	switch d.mode {
	case Overwrite:
		d.y = (d.y + 1) % Rows
	case VerticalScroll:
		if d.y == 0 {
			d.y = 1
		} else {
			d.scrollUp()
		}
	}
}

// up is US LF.
func (d *Device) up() {
	d.pending = false
	switch d.mode {
	case Overwrite:
		d.y = (d.y + 1) % Rows
	case VerticalScroll:
		if d.y == 1 {
			d.y = 0
		} else {
			d.scrollDown()
		}
	}
}

func (d *Device) scrollUp() {
	d.cells[0] = d.cells[1]
	d.clearLine(1)
}

func (d *Device) scrollDown() {
	d.cells[1] = d.cells[0]
	d.clearLine(0)
}

func (d *Device) shiftLeft(y int) {
	copy(d.cells[y][:], d.cells[y][1:])
	d.cells[y][Columns-1] = ' '
}

// International character sets (ESC R n) replace twelve ASCII positions.
var (
	intlPositions = "#$@[\\]^`{|}~"
	intlSets      = map[byte][]rune{
		0:  []rune("#$@[\\]^`{|}~"), // USA
		2:  []rune("#$§ÄÖÜ^`äöüß"),  // Germany
		3:  []rune("£$@[\\]^`{|}~"), // United Kingdom
		4:  []rune("#$@ÆØÅ^`æøå~"),  // Denmark I
		5:  []rune("#¤ÉÄÖÅÜéäöåü"),  // Sweden
		9:  []rune("#¤ÉÆØÅÜéæøåü"),  // Norway
		10: []rune("#$ÉÆØÅÜéæøåü"),  // Denmark II
	}
)

// pageOf returns the code table ESC t n selects on Epson displays, or nil
// for one not simulated.
func pageOf(n byte) *charmap.Charmap {
	switch n {
	case 0:
		return charmap.CodePage437
	case 2:
		return charmap.CodePage850
	case 3:
		return charmap.CodePage860
	case 4:
		return charmap.CodePage863
	case 5:
		return charmap.CodePage865
	case 16:
		return charmap.Windows1252
	case 17:
		return charmap.CodePage866
	case 18:
		return charmap.CodePage852
	case 19:
		return charmap.CodePage858
	}
	return nil
}

// decode returns the character byte c shows as. Bytes the selected table
// does not define show as '?'.
func (d *Device) decode(c byte) rune {
	if c < 0x80 {
		if set, ok := intlSets[d.intl]; ok {
			if i := strings.IndexByte(intlPositions, c); i >= 0 {
				return set[i]
			}
		}
		return rune(c)
	}
	p := pageOf(d.table)
	if p == nil {
		return '?'
	}
	r := p.DecodeByte(c)
	if r == '\uFFFD' {
		return '?'
	}
	return r
}
