package printer

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// ESC/POS control bytes.
const (
	lf  = 0x0A
	dle = 0x10
	eot = 0x04
	enq = 0x05
	dc4 = 0x14
	esc = 0x1B
	gs  = 0x1D
)

// Common paper widths in columns of Font A.
const (
	Columns80mm       = 48 // 80 mm paper, 576-dot head (most current models)
	Columns80mmNarrow = 42 // 80 mm paper, 512-dot head (TM-T88 family)
	Columns58mm       = 32 // 58 mm paper
)

// Align is the horizontal position of lines, barcodes and QR codes.
type Align byte

const (
	AlignLeft   Align = 0
	AlignCenter Align = 1
	AlignRight  Align = 2
)

// CutMode selects a full or a partial cut (one point left uncut).
type CutMode byte

const (
	CutFull    CutMode = 65 // GS V 65 n
	CutPartial CutMode = 66 // GS V 66 n
)

// DrawerPin is the drawer kick-out connector pin that receives the pulse.
type DrawerPin byte

const (
	Pin2 DrawerPin = 0 // ESC p 0: drawer 1 on most cables
	Pin5 DrawerPin = 1 // ESC p 1: drawer 2
)

// HRI is where a barcode's human-readable digits are printed.
type HRI byte

const (
	HRIBelow HRI = iota // default
	HRINone
	HRIAbove
	HRIBoth
)

func (h HRI) gsH() byte {
	switch h {
	case HRINone:
		return 0
	case HRIAbove:
		return 1
	case HRIBoth:
		return 3
	}
	return 2
}

// BarcodeStyle is the look of 1D barcodes. Zero fields take defaults.
type BarcodeStyle struct {
	Height int // dots, 1–255; default 80
	Module int // narrowest bar in dots, 2–6; default 2
	HRI    HRI // default below
}

// Code128Set is the CODE128 code set the data starts in.
type Code128Set byte

const (
	// Code128Auto picks set C for an all-digit string of four digits or
	// more (half as wide), and set B otherwise.
	Code128Auto Code128Set = 0
	Code128A    Code128Set = 'A' // upper case, digits, punctuation
	Code128B    Code128Set = 'B' // printable ASCII
	Code128C    Code128Set = 'C' // digit pairs
)

// QRLevel is the QR error correction level.
type QRLevel byte

const (
	QRLevelM QRLevel = iota // 15 %, the default
	QRLevelL                // 7 %
	QRLevelQ                // 25 %
	QRLevelH                // 30 %
)

func (l QRLevel) fn169() byte {
	switch l {
	case QRLevelL:
		return 48
	case QRLevelQ:
		return 50
	case QRLevelH:
		return 51
	}
	return 49
}

// QROptions shape a QR code. Zero fields take defaults.
type QROptions struct {
	Size  int     // module size in dots, 1–16; default 6
	Level QRLevel // default M
}

// Errors a Doc can hold.
var (
	ErrColumns     = errors.New("printer: columns must be between 8 and 255")
	ErrBarcodeData = errors.New("printer: barcode data not valid for the symbology")
	ErrQRData      = errors.New("printer: QR data must be 1 to 7089 bytes without DLE (0x10)")
	ErrArgument    = errors.New("printer: argument out of range")
)

// Doc builds the ESC/POS bytes of one printout. Methods append commands and
// return the Doc, so calls chain; the first error sticks and is returned by
// Bytes, and later calls do nothing. The same calls always give the same
// bytes. A Doc is not safe for concurrent use.
//
// Text is encoded in the Doc's code page (see CodePage.appendText for what
// happens to characters the page lacks). Every text character takes one
// column, so widths are exact: Rule and Columns fill the line at the current
// character width, and Line wraps words at it.
type Doc struct {
	buf  []byte
	cp   CodePage
	cols int
	wmul int // character width multiplier set by Size
	bar  BarcodeStyle
	open bool // a line has been started and not ended
	err  error
}

// NewDoc starts a printout for a printer whose line holds columns
// characters of normal width (Columns80mm, Columns80mmNarrow, Columns58mm).
// It begins with ESC @ (initialise), ESC R 0 (USA international set, so the
// ASCII range is plain ASCII whatever the printer's switches say) and ESC t
// (code page).
func NewDoc(cp CodePage, columns int) *Doc {
	d := &Doc{cp: cp, cols: columns, wmul: 1, buf: make([]byte, 0, 1024)}
	switch {
	case !cp.valid():
		d.err = fmt.Errorf("%w: unknown code page %d", ErrArgument, int(cp))
	case columns < 8 || columns > 255:
		d.err = fmt.Errorf("%w: %d", ErrColumns, columns)
	}
	d.buf = append(d.buf, esc, '@', esc, 'R', 0, esc, 't', cp.escT())
	return d
}

// Bytes returns the printout, or the first error met while building it.
func (d *Doc) Bytes() ([]byte, error) {
	if d.err != nil {
		return nil, d.err
	}
	return append([]byte(nil), d.buf...), nil
}

// Err returns the first error met, if any.
func (d *Doc) Err() error { return d.err }

// Width is the number of characters that fit on a line at the current size.
func (d *Doc) Width() int { return d.cols / d.wmul }

func (d *Doc) fail(err error) *Doc {
	if d.err == nil {
		d.err = err
	}
	return d
}

// lineStart ends an open line, because the printer only obeys cuts,
// alignment, barcodes and QR codes at the beginning of a line.
func (d *Doc) lineStart() {
	if d.open {
		d.buf = append(d.buf, lf)
		d.open = false
	}
}

// Text appends text without ending the line. A "\n" in s ends a line.
func (d *Doc) Text(s string) *Doc {
	if d.err != nil || s == "" {
		return d
	}
	d.buf = d.cp.appendText(d.buf, s, true)
	d.open = d.buf[len(d.buf)-1] != lf
	return d
}

// Line prints s as one or more whole lines, wrapping at spaces so that no
// line is wider than Width (a word longer than the line is split).
func (d *Doc) Line(s string) *Doc {
	if d.err != nil {
		return d
	}
	d.lineStart()
	for _, para := range strings.Split(s, "\n") {
		enc := d.cp.appendText(nil, para, false)
		for _, l := range wrap(enc, d.Width()) {
			d.buf = append(d.buf, l...)
			d.buf = append(d.buf, lf)
		}
	}
	return d
}

// wrap splits encoded text into lines of at most w bytes, at spaces where
// it can. An empty input gives one empty line.
func wrap(b []byte, w int) [][]byte {
	var out [][]byte
	for len(b) > w {
		cut := -1
		for i := w; i > 0; i-- {
			if b[i] == ' ' {
				cut = i
				break
			}
		}
		if cut <= 0 {
			out = append(out, b[:w])
			b = b[w:]
			continue
		}
		out = append(out, trimRightSpace(b[:cut]))
		b = b[cut+1:]
	}
	return append(out, b)
}

func trimRightSpace(b []byte) []byte {
	for len(b) > 0 && b[len(b)-1] == ' ' {
		b = b[:len(b)-1]
	}
	return b
}

// LF ends the current line (prints it); on an empty line it feeds one line.
func (d *Doc) LF() *Doc {
	if d.err != nil {
		return d
	}
	d.buf = append(d.buf, lf)
	d.open = false
	return d
}

// Feed prints the current line, if any, and feeds n more lines (ESC d n).
func (d *Doc) Feed(n int) *Doc {
	if d.err != nil {
		return d
	}
	if n < 0 || n > 255 {
		return d.fail(fmt.Errorf("%w: feed %d lines", ErrArgument, n))
	}
	d.buf = append(d.buf, esc, 'd', byte(n))
	d.open = false
	return d
}

// Bold switches emphasized printing (ESC E).
func (d *Doc) Bold(on bool) *Doc {
	if d.err != nil {
		return d
	}
	d.buf = append(d.buf, esc, 'E', b2i(on))
	return d
}

// Underline sets the underline thickness in dots: 0 (off), 1 or 2 (ESC -).
func (d *Doc) Underline(dots int) *Doc {
	if d.err != nil {
		return d
	}
	if dots < 0 || dots > 2 {
		return d.fail(fmt.Errorf("%w: underline %d dots", ErrArgument, dots))
	}
	d.buf = append(d.buf, esc, '-', byte(dots))
	return d
}

// Size sets the character width and height multipliers, 1–8 each (GS !).
// Size(1, 1) is normal; Size(2, 2) is double width and height. Width and
// the wrapping of Line, Rule and Columns follow the width multiplier.
func (d *Doc) Size(width, height int) *Doc {
	if d.err != nil {
		return d
	}
	if width < 1 || width > 8 || height < 1 || height > 8 {
		return d.fail(fmt.Errorf("%w: size %dx%d", ErrArgument, width, height))
	}
	d.buf = append(d.buf, gs, '!', byte((width-1)<<4|(height-1)))
	d.wmul = width
	return d
}

// Align positions the lines, barcodes and QR codes that follow (ESC a). It
// starts a new line if one is open, because the printer ignores ESC a
// elsewhere.
func (d *Doc) Align(a Align) *Doc {
	if d.err != nil {
		return d
	}
	if a > AlignRight {
		return d.fail(fmt.Errorf("%w: align %d", ErrArgument, a))
	}
	d.lineStart()
	d.buf = append(d.buf, esc, 'a', byte(a))
	return d
}

// Normal resets bold, underline, size and alignment.
func (d *Doc) Normal() *Doc {
	return d.Bold(false).Underline(0).Size(1, 1).Align(AlignLeft)
}

// Rule prints a full-width line of '-'.
func (d *Doc) Rule() *Doc { return d.RuleOf('-') }

// RuleOf prints a full-width line of r ('=', '─' in CP865, ...).
func (d *Doc) RuleOf(r rune) *Doc {
	if d.err != nil {
		return d
	}
	d.lineStart()
	c := d.cp.appendText(nil, string(r), false)
	if len(c) != 1 {
		c = []byte{'-'}
	}
	for range d.Width() {
		d.buf = append(d.buf, c[0])
	}
	d.buf = append(d.buf, lf)
	return d
}

// Columns prints left text and a right-aligned right text (an amount) on a
// full-width line. A left text too long to share the line wraps at spaces;
// the amount stays on the last line. An amount wider than the line gets a
// line of its own.
func (d *Doc) Columns(left, right string) *Doc {
	if d.err != nil {
		return d
	}
	d.lineStart()
	w := d.Width()
	l := d.cp.appendText(nil, left, false)
	r := d.cp.appendText(nil, right, false)
	if len(r) == 0 {
		for _, x := range wrap(l, w) {
			d.buf = append(append(d.buf, x...), lf)
		}
		return d
	}
	room := w - len(r) - 1
	if room < 1 {
		// The amount does not fit beside anything: text first, then the
		// amount right-aligned on lines of its own.
		if len(l) > 0 {
			for _, x := range wrap(l, w) {
				d.buf = append(append(d.buf, x...), lf)
			}
		}
		for len(r) > w {
			d.buf = append(append(d.buf, r[:w]...), lf)
			r = r[w:]
		}
		d.buf = append(d.buf, pad(w-len(r))...)
		d.buf = append(append(d.buf, r...), lf)
		return d
	}
	lines := wrap(l, room)
	for _, x := range lines[:len(lines)-1] {
		d.buf = append(append(d.buf, x...), lf)
	}
	last := lines[len(lines)-1]
	d.buf = append(d.buf, last...)
	d.buf = append(d.buf, pad(w-len(last)-len(r))...)
	d.buf = append(append(d.buf, r...), lf)
	return d
}

func pad(n int) []byte {
	if n <= 0 {
		return nil
	}
	return []byte(strings.Repeat(" ", n))
}

// SetBarcodeStyle sets height, bar width and HRI position for the barcodes
// that follow.
func (d *Doc) SetBarcodeStyle(s BarcodeStyle) *Doc {
	if d.err != nil {
		return d
	}
	if s.Height < 0 || s.Height > 255 || s.Module != 0 && (s.Module < 2 || s.Module > 6) || s.HRI > HRIBoth {
		return d.fail(fmt.Errorf("%w: barcode style %+v", ErrArgument, s))
	}
	d.bar = s
	return d
}

func (d *Doc) barcodeHead() {
	h, m := d.bar.Height, d.bar.Module
	if h == 0 {
		h = 80
	}
	if m == 0 {
		m = 2
	}
	d.lineStart()
	d.buf = append(d.buf, gs, 'H', d.bar.HRI.gsH(), gs, 'h', byte(h), gs, 'w', byte(m))
}

// Code128 prints a CODE128 barcode (GS k 73) starting in code set set.
// Set A takes space to '_' (no control characters), set B printable ASCII,
// set C digits (an odd last digit switches to set B). When set C data would
// contain the bytes of a real-time command (DLE EOT/ENQ/DC4, as in
// "1604"), set B is used instead, so the printer never mistakes the
// barcode for a status request; the barcode reads the same.
func (d *Doc) Code128(data string, set Code128Set) *Doc {
	if d.err != nil {
		return d
	}
	p, err := code128Payload(data, set)
	if err != nil {
		return d.fail(err)
	}
	d.barcodeHead()
	d.buf = append(d.buf, gs, 'k', 73, byte(len(p)))
	d.buf = append(d.buf, p...)
	return d
}

func code128Payload(data string, set Code128Set) ([]byte, error) {
	bad := func(why string) error {
		return fmt.Errorf("%w: CODE128 %q: %s", ErrBarcodeData, data, why)
	}
	if data == "" {
		return nil, bad("empty")
	}
	digits := true
	for i := 0; i < len(data); i++ {
		if data[i] < '0' || data[i] > '9' {
			digits = false
		}
	}
	if set == Code128Auto {
		set = Code128B
		if digits && len(data) >= 4 {
			set = Code128C
		}
	}
	var p []byte
	switch set {
	case Code128A, Code128B:
		lo, hi := byte(0x20), byte(0x5F)
		if set == Code128B {
			hi = 0x7E
		}
		p = append(p, '{', byte(set))
		for i := 0; i < len(data); i++ {
			c := data[i]
			if c < lo || c > hi {
				return nil, bad(fmt.Sprintf("byte %#x not in code set %c", c, set))
			}
			p = append(p, c)
			if c == '{' {
				p = append(p, '{')
			}
		}
	case Code128C:
		if !digits {
			return nil, bad("code set C takes digits only")
		}
		p = append(p, '{', 'C')
		i := 0
		for ; i+1 < len(data); i += 2 {
			p = append(p, (data[i]-'0')*10+data[i+1]-'0')
		}
		if i < len(data) {
			p = append(p, '{', 'B', data[i])
		}
		if realtimeHazard(p) {
			return code128Payload(data, Code128B)
		}
	default:
		return nil, bad(fmt.Sprintf("unknown code set %d", set))
	}
	if len(p) > 255 {
		return nil, bad("too long")
	}
	return p, nil
}

// realtimeHazard reports whether p holds DLE followed by EOT, ENQ or DC4,
// which a printer acts on wherever it appears in the stream.
func realtimeHazard(p []byte) bool {
	for i := 0; i+1 < len(p); i++ {
		if p[i] == dle && (p[i+1] == eot || p[i+1] == enq || p[i+1] == dc4) {
			return true
		}
	}
	return false
}

// EAN13 prints an EAN-13 barcode (GS k 67). digits has 12 digits (the check
// digit is added) or 13 (the check digit is verified).
func (d *Doc) EAN13(digits string) *Doc {
	if d.err != nil {
		return d
	}
	if len(digits) != 12 && len(digits) != 13 {
		return d.fail(fmt.Errorf("%w: EAN13 %q: needs 12 or 13 digits", ErrBarcodeData, digits))
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return d.fail(fmt.Errorf("%w: EAN13 %q: digits only", ErrBarcodeData, digits))
		}
	}
	c := ean13Check(digits[:12])
	if len(digits) == 13 && digits[12] != c {
		return d.fail(fmt.Errorf("%w: EAN13 %q: check digit should be %c", ErrBarcodeData, digits, c))
	}
	d.barcodeHead()
	d.buf = append(d.buf, gs, 'k', 67, 13)
	d.buf = append(d.buf, digits[:12]...)
	d.buf = append(d.buf, c)
	return d
}

func ean13Check(d12 string) byte {
	sum := 0
	for i := 0; i < 12; i++ {
		v := int(d12[i] - '0')
		if i%2 == 1 {
			v *= 3
		}
		sum += v
	}
	return byte('0' + (10-sum%10)%10)
}

// QR prints a QR code (model 2) holding data as bytes (UTF-8 for text):
// GS ( k functions 165 (model), 167 (size), 169 (error correction), 180
// (store) and 181 (print).
func (d *Doc) QR(data string, o QROptions) *Doc {
	if d.err != nil {
		return d
	}
	if len(data) == 0 || len(data) > 7089 || strings.IndexByte(data, dle) >= 0 {
		return d.fail(ErrQRData)
	}
	if !utf8.ValidString(data) {
		return d.fail(fmt.Errorf("%w: not UTF-8", ErrQRData))
	}
	size := o.Size
	if size == 0 {
		size = 6
	}
	if size < 1 || size > 16 || o.Level > QRLevelH {
		return d.fail(fmt.Errorf("%w: QR %+v", ErrArgument, o))
	}
	d.lineStart()
	n := len(data) + 3
	d.buf = append(d.buf,
		gs, '(', 'k', 4, 0, 49, 65, 50, 0, // model 2
		gs, '(', 'k', 3, 0, 49, 67, byte(size),
		gs, '(', 'k', 3, 0, 49, 69, o.Level.fn169(),
		gs, '(', 'k', byte(n), byte(n>>8), 49, 80, 48)
	d.buf = append(d.buf, data...)
	d.buf = append(d.buf, gs, '(', 'k', 3, 0, 49, 81, 48)
	return d
}

// Cut feeds the paper to the cutter and cuts (GS V 65/66 0), after ending
// an open line.
func (d *Doc) Cut(m CutMode) *Doc {
	if d.err != nil {
		return d
	}
	if m != CutFull && m != CutPartial {
		return d.fail(fmt.Errorf("%w: cut mode %d", ErrArgument, m))
	}
	d.lineStart()
	d.buf = append(d.buf, gs, 'V', byte(m), 0)
	return d
}

// Kick sends a pulse to the drawer kick-out connector (ESC p m t1 t2): on
// for on, then off for off, in steps of 2 ms from 2 to 510 ms. Drawers
// commonly want 50–100 ms on.
func (d *Doc) Kick(pin DrawerPin, on, off time.Duration) *Doc {
	if d.err != nil {
		return d
	}
	if pin > Pin5 {
		return d.fail(fmt.Errorf("%w: drawer pin %d", ErrArgument, pin))
	}
	d.buf = append(d.buf, esc, 'p', byte(pin), pulse(on), pulse(off))
	return d
}

func pulse(t time.Duration) byte {
	n := (t.Milliseconds() + 1) / 2
	return byte(min(max(n, 1), 255))
}

// Raw appends bytes as they are, for commands the Doc lacks. The caller
// answers for them; in particular they must not contain DLE EOT, DLE ENQ or
// DLE DC4 sequences unless a real-time command is meant.
func (d *Doc) Raw(b []byte) *Doc {
	if d.err != nil {
		return d
	}
	d.buf = append(d.buf, b...)
	if len(b) > 0 {
		d.open = b[len(b)-1] >= 0x20
	}
	return d
}

func b2i(b bool) byte {
	if b {
		return 1
	}
	return 0
}
