package printertest

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// process runs commands from the receive buffer until it is empty, a
// command is incomplete, or the printer stops (paper out, cover open).
func (d *Device) process() {
	for d.powered && !d.unplugged && d.rxOff < len(d.rx) && !d.stopped() {
		n := d.step(d.rx[d.rxOff:])
		if n == 0 {
			break
		}
		d.rxOff += n
	}
	switch {
	case d.rxOff == len(d.rx):
		d.clearRx()
	case d.rxOff > 4096 && d.rxOff > len(d.rx)/2:
		d.rx = append(d.rx[:0], d.rx[d.rxOff:]...)
		d.rxOff = 0
	}
}

func (d *Device) clearRx() {
	d.rx = d.rx[:0]
	d.rxOff = 0
}

// step runs the command at the start of b and returns its length, or 0
// when b holds only part of it or the printer cannot go on.
func (d *Device) step(b []byte) int {
	c := b[0]
	switch c {
	case 0x0A: // LF
		if !d.printLine() {
			return 0
		}
		return 1
	case 0x09: // HT: tab stops every 8 characters
		n := 8 - (d.used/d.m.wmul)%8
		for range n {
			if !d.putChar(' ') {
				return 0
			}
		}
		return 1
	case 0x10:
		return d.dle(b)
	case 0x1B:
		return d.esc(b)
	case 0x1C:
		return d.fs(b)
	case 0x1D:
		return d.gs(b)
	}
	if c < 0x20 || c == 0x7F { // CR and other controls: ignored
		return 1
	}
	if !d.putChar(c) {
		return 0
	}
	return 1
}

func u16(lo, hi byte) int { return int(lo) | int(hi)<<8 }

// dle skips real-time commands, which acted when they were received.
func (d *Device) dle(b []byte) int {
	if len(b) < 2 {
		return 0
	}
	switch b[1] {
	case 0x04: // DLE EOT n [a]
		if len(b) < 3 {
			return 0
		}
		if b[2] == 7 || b[2] == 8 {
			return need(b, 4)
		}
		return 3
	case 0x05: // DLE ENQ n
		return need(b, 3)
	case 0x14: // DLE DC4 fn ...
		if len(b) < 3 {
			return 0
		}
		switch b[2] {
		case 1, 2:
			return need(b, 5)
		case 7:
			return need(b, 4)
		case 8:
			return need(b, 10)
		}
		return 3
	}
	return 1
}

func need(b []byte, n int) int {
	if len(b) < n {
		return 0
	}
	return n
}

func (d *Device) unknown(b []byte, n int) int {
	d.mark(fmt.Sprintf("[?% X]", b[:n]))
	return n
}

// escLen is the length of the ESC commands with fixed parameters.
var escLen = map[byte]int{
	'2': 2, 'L': 2, 'S': 2, 'i': 2, 'm': 2, '<': 2, 'v': 2,
	'G': 3, '3': 3, 'V': 3, '{': 3, ' ': 3, '=': 3, 'r': 3, 'U': 3, 'T': 3, '%': 3, '?': 3,
	'u': 3, 'e': 3, 'K': 3, 'J': 3, 'M': 3, 'E': 3, '-': 3, '!': 3, 'a': 3, 'd': 3, 't': 3, 'R': 3,
	'$': 4, '\\': 4, 'c': 4,
	'p': 5,
	'W': 10,
}

func (d *Device) esc(b []byte) int {
	if len(b) < 2 {
		return 0
	}
	switch b[1] {
	case '@':
		d.initialize()
		return 2
	case 'D': // tab positions, NUL-terminated
		i := bytes.IndexByte(b[2:], 0)
		if i < 0 {
			return 0
		}
		return 3 + i
	case '*': // bit image
		if len(b) < 5 {
			return 0
		}
		k := u16(b[3], b[4])
		if b[2] > 1 {
			k *= 3
		}
		if len(b) < 5+k {
			return 0
		}
		if !d.symbol(fmt.Sprintf("[IMAGE %d columns]", u16(b[3], b[4]))) {
			return 0
		}
		return 5 + k
	case '&': // user-defined characters
		if len(b) < 5 {
			return 0
		}
		y, c1, c2 := int(b[2]), int(b[3]), int(b[4])
		i := 5
		for c := c1; c <= c2; c++ {
			if len(b) < i+1 {
				return 0
			}
			i += 1 + y*int(b[i])
		}
		return need(b, i)
	}
	n, ok := escLen[b[1]]
	if !ok {
		return d.unknown(b, 2)
	}
	if len(b) < n {
		return 0
	}
	switch b[1] {
	case 't':
		d.m.cp = b[2]
		if _, ok := codePages[b[2]]; !ok {
			d.mark(fmt.Sprintf("[?CODEPAGE %d]", b[2]))
		}
	case 'R':
		d.m.intl = b[2]
	case 'E':
		d.setBold(b[2]&1 != 0)
	case '-':
		d.setUnderline(min(b[2]&3, 2))
	case '!':
		d.setBold(b[2]&0x08 != 0)
		w, h := 1, 1
		if b[2]&0x20 != 0 {
			w = 2
		}
		if b[2]&0x10 != 0 {
			h = 2
		}
		d.setSize(w, h)
		if b[2]&0x80 != 0 {
			d.setUnderline(1)
		} else {
			d.setUnderline(0)
		}
	case 'a':
		if a := b[2] % 48; a <= 2 {
			d.setAlign(a)
		}
	case 'd': // print and feed n lines
		if !d.printLine() {
			return 0
		}
		for k := b[2]; k > 0; k-- {
			if !d.printLine() {
				b[2] = k - 1 // the rest waits for paper; LF of the retry feeds one
				return 0
			}
		}
	case 'J': // print and feed n dots
		if !d.printLine() {
			return 0
		}
	case 'p': // drawer kick-out pulse
		m := b[2] % 48
		if m > 1 {
			break
		}
		on, off := int(b[3])*2, int(b[4])*2
		if off < on {
			off = on
		}
		d.kick(m, on, off, "")
	case 'v': // paper sensor status
		d.reply(nil, d.paperByte())
	case 'u': // peripheral status: drawer
		d.reply(nil, b2b(d.pin3High))
	}
	return n
}

func b2b(v bool) byte {
	if v {
		return 1
	}
	return 0
}

func (d *Device) fs(b []byte) int {
	if len(b) < 2 {
		return 0
	}
	switch b[1] {
	case '&', '.':
		return 2
	case '!', '-', 'C', 'W':
		return need(b, 3)
	case 'S':
		return need(b, 4)
	case 'p': // print NV bit image n
		if len(b) < 4 {
			return 0
		}
		if !d.symbol(fmt.Sprintf("[NV IMAGE %d]", b[2])) {
			return 0
		}
		return 4
	case '2':
		return need(b, 76)
	case 'q': // define NV images: n, then per image xL xH yL yH data
		if len(b) < 3 {
			return 0
		}
		i := 3
		for range int(b[2]) {
			if len(b) < i+4 {
				return 0
			}
			i += 4 + u16(b[i], b[i+1])*u16(b[i+2], b[i+3])*8
		}
		return need(b, i)
	}
	return d.unknown(b, 2)
}

func (d *Device) gs(b []byte) int {
	if len(b) < 2 {
		return 0
	}
	switch b[1] {
	case '(':
		if len(b) < 5 {
			return 0
		}
		n := u16(b[3], b[4])
		if len(b) < 5+n {
			return 0
		}
		if !d.gsParen(b[2], b[5:5+n]) {
			return 0
		}
		return 5 + n
	case 'k':
		return d.barcode(b)
	case 'V':
		if len(b) < 3 {
			return 0
		}
		m, n := b[2], 3
		switch m {
		case 0, 1, 48, 49:
		case 65, 66, 97, 98, 103, 104:
			n = 4
		default:
			return d.unknown(b, 3)
		}
		if len(b) < n {
			return 0
		}
		if d.text {
			d.mark("[?CUT not at line start]")
			return n
		}
		kind := "full"
		if m%2 == 1 && m < 60 || m%2 == 0 && m >= 60 {
			kind = "partial"
		}
		d.cuts++
		d.lines = append(d.lines, d.line.String()+"[CUT "+kind+"]")
		d.discardLine()
		return n
	case 'v': // GS v 0 m xL xH yL yH raster image
		if len(b) < 8 {
			return 0
		}
		x, y := u16(b[4], b[5]), u16(b[6], b[7])
		if len(b) < 8+x*y {
			return 0
		}
		if !d.symbol(fmt.Sprintf("[RASTER %dx%d]", x*8, y)) {
			return 0
		}
		return 8 + x*y
	case '8': // GS 8 L p1 p2 p3 p4 ...
		if len(b) < 7 {
			return 0
		}
		n := int(b[3]) | int(b[4])<<8 | int(b[5])<<16 | int(b[6])<<24
		return need(b, 7+n)
	case '*':
		if len(b) < 4 {
			return 0
		}
		return need(b, 4+int(b[2])*int(b[3])*8)
	case 'g':
		return need(b, 6)
	case 'z':
		return need(b, 4)
	case '^':
		return need(b, 5)
	case ':', 'c':
		return 2
	case 'L', 'W', '$', '\\', 'P':
		return need(b, 4)
	case '!', 'B', 'a', 'r', 'I', 'H', 'h', 'w', 'f', 'b', 'T', '/':
	default:
		return d.unknown(b, 2)
	}
	if len(b) < 3 {
		return 0
	}
	n := b[2]
	switch b[1] {
	case '!':
		d.setSize(int(n>>4&7)+1, int(n&7)+1)
	case 'B':
		d.setReverse(n&1 != 0)
	case 'a': // Automatic Status Back
		d.asb = n
		if n != 0 {
			d.sendASB(d.asbStatus())
		} else {
			d.asbSent = false
		}
	case 'r': // status, in turn with the data
		switch n {
		case 1, 49:
			d.reply(nil, d.paperByte())
		case 2, 50:
			d.reply(nil, b2b(d.pin3High))
		}
	case 'I': // printer ID
		switch n {
		case 1, 49:
			d.reply(nil, 0x20)
		case 2, 50:
			d.reply(nil, 0x02)
		case 3, 51:
			d.reply(nil, 0x64)
		}
	}
	return 3
}

// gsParen runs GS ( x with parameter block p (after pL pH).
func (d *Device) gsParen(x byte, p []byte) bool {
	switch x {
	case 'k':
		if len(p) < 2 {
			return true
		}
		cn, fn, a := p[0], p[1], p[2:]
		if cn != 49 { // only QR Code is simulated
			if fn == 81 {
				return d.symbol(fmt.Sprintf("[2D cn=%d]", cn))
			}
			return true
		}
		switch fn {
		case 65:
			if len(a) > 0 {
				d.qr.model = a[0]
			}
		case 67:
			if len(a) > 0 && a[0] >= 1 && a[0] <= 16 {
				d.qr.size = a[0]
			}
		case 69:
			if len(a) > 0 && a[0] >= 48 && a[0] <= 51 {
				d.qr.ecc = a[0]
			}
		case 80:
			if len(a) > 0 {
				d.qr.data = append(d.qr.data[:0], a[1:]...)
			}
		case 81:
			if len(d.qr.data) == 0 {
				d.mark("[?QR no data]")
				return true
			}
			return d.symbol(fmt.Sprintf("[QR model%d size=%d ecc=%c] %s",
				int(d.qr.model)-48, d.qr.size, "LMQH"[d.qr.ecc-48], show(d.qr.data)))
		}
	case 'H': // request transmission of response: fn 48 m d1..d4
		if len(p) == 6 && p[0] == 48 {
			d.reply(nil, 0x37, 0x22, p[2], p[3], p[4], p[5], 0x00)
		}
	case 'L':
		if len(p) >= 2 && (p[1] == 50 || p[1] == 2) {
			return d.symbol("[GRAPHICS]")
		}
	}
	return true
}

// show renders symbol data as text when it is UTF-8, quoted otherwise.
func show(b []byte) string {
	if utf8.Valid(b) && !bytes.ContainsFunc(b, func(r rune) bool { return r < 0x20 || r == 0x7F }) {
		return string(b)
	}
	return strconv.Quote(string(b))
}

func (d *Device) barcode(b []byte) int {
	if len(b) < 3 {
		return 0
	}
	m := b[2]
	var data []byte
	var n int
	switch {
	case m <= 6:
		i := bytes.IndexByte(b[3:], 0)
		if i < 0 {
			return 0
		}
		data, n = b[3:3+i], 4+i
	case m >= 65 && m <= 79:
		if len(b) < 4 || len(b) < 4+int(b[3]) {
			return 0
		}
		data, n = b[4:4+int(b[3])], 4+int(b[3])
	default:
		return d.unknown(b, 3)
	}
	if !d.symbol("[BARCODE " + barcodeText(m, data) + "]") {
		return 0
	}
	return n
}

func barcodeText(m byte, data []byte) string {
	switch m {
	case 2, 67:
		return "EAN13 " + ean13(data)
	case 4, 69:
		return "CODE39 " + show(data)
	case 73:
		s, err := code128(data)
		if err != nil {
			return "CODE128 invalid: " + err.Error()
		}
		return "CODE128 " + s
	}
	return fmt.Sprintf("m=%d %s", m, show(data))
}

func ean13(data []byte) string {
	if len(data) != 12 && len(data) != 13 {
		return "invalid: " + show(data)
	}
	sum := 0
	for i, c := range data {
		if c < '0' || c > '9' {
			return "invalid: " + show(data)
		}
		if i < 12 {
			v := int(c - '0')
			if i%2 == 1 {
				v *= 3
			}
			sum += v
		}
	}
	check := byte('0' + (10-sum%10)%10)
	if len(data) == 13 && data[12] != check {
		return "invalid check digit: " + string(data)
	}
	return string(data[:12]) + string(check)
}

// code128 reads Epson's CODE128 data: it starts with {A, {B or {C; a '{'
// introduces a code set change ({A {B {C}, a shift ({S), a function
// character ({1}–{4}) or a literal brace ({{); in code set C each byte
// is a digit pair 0–99.
func code128(p []byte) (string, error) {
	if len(p) < 2 || p[0] != '{' || p[1] < 'A' || p[1] > 'C' {
		return "", fmt.Errorf("does not start with a code set")
	}
	set := p[1]
	var out strings.Builder
	shift := false
	for i := 2; i < len(p); i++ {
		c := p[i]
		if c == '{' {
			if i+1 >= len(p) {
				return "", fmt.Errorf("dangling {")
			}
			i++
			switch x := p[i]; x {
			case 'A', 'B', 'C':
				set = x
			case 'S':
				shift = true
			case '1', '2', '3', '4':
				out.WriteString("<FNC" + string(x) + ">")
			case '{':
				out.WriteByte('{')
			default:
				return "", fmt.Errorf("unknown escape {%c", x)
			}
			continue
		}
		cur := set
		if shift {
			if set == 'C' {
				return "", fmt.Errorf("shift in code set C")
			}
			cur = 'A' + 'B' - set
			shift = false
		}
		switch cur {
		case 'A', 'B':
			if cur == 'A' && c > 0x5F || cur == 'B' && (c < 0x20 || c > 0x7F) {
				return "", fmt.Errorf("byte %#x not in code set %c", c, cur)
			}
			if c < 0x20 || c == 0x7F {
				fmt.Fprintf(&out, "\\x%02x", c) // control characters of set A
			} else {
				out.WriteByte(c)
			}
		case 'C':
			if c > 99 {
				return "", fmt.Errorf("byte %d not a digit pair", c)
			}
			fmt.Fprintf(&out, "%02d", c)
		}
	}
	return out.String(), nil
}

// Real-time commands, recognised as bytes arrive, wherever they are.
type rtKind byte

const (
	rtNone rtKind = iota
	rtStatus
	rtRecover
	rtPulse
	rtClear
)

type rtEvent struct {
	kind rtKind
	n, t byte
}

type rtScanner struct {
	st   byte
	fn   byte
	need int
	args [8]byte
	got  int
}

var clearArgs = [7]byte{1, 3, 20, 1, 6, 2, 8}

func (s *rtScanner) scan(c byte) (rtEvent, bool) {
	switch s.st {
	case 0:
		if c == 0x10 {
			s.st = 1
		}
	case 1: // after DLE
		switch c {
		case 0x04:
			s.st = 2
		case 0x05:
			s.st = 3
		case 0x14:
			s.st = 4
		case 0x10:
		default:
			s.st = 0
		}
	case 2: // DLE EOT n
		s.st = 0
		switch {
		case c >= 1 && c <= 4:
			return rtEvent{kind: rtStatus, n: c}, true
		case c == 7 || c == 8:
			s.st = 5
		case c == 0x10:
			s.st = 1
		}
	case 3: // DLE ENQ n
		s.st = 0
		if c == 1 || c == 2 {
			return rtEvent{kind: rtRecover, n: c}, true
		}
		if c == 0x10 {
			s.st = 1
		}
	case 4: // DLE DC4 fn
		s.fn, s.got, s.st = c, 0, 6
		switch c {
		case 1, 2:
			s.need = 2
		case 7:
			s.need = 1
		case 8:
			s.need = 7
		default:
			s.st = 0
			if c == 0x10 {
				s.st = 1
			}
		}
	case 5: // the a of DLE EOT 7/8 a: no reply simulated
		s.st = 0
	case 6:
		s.args[s.got] = c
		s.got++
		if s.got < s.need {
			break
		}
		s.st = 0
		a := s.args[:s.got]
		switch s.fn {
		case 1:
			if a[0] <= 1 && a[1] >= 1 && a[1] <= 8 {
				return rtEvent{kind: rtPulse, n: a[0], t: a[1]}, true
			}
		case 8:
			if [7]byte(a) == clearArgs {
				return rtEvent{kind: rtClear}, true
			}
		}
	}
	return rtEvent{}, false
}
