package scanner

import (
	"encoding/binary"
	"strconv"
	"unicode/utf8"
)

// eventSize is sizeof(struct input_event) for the running platform: a
// struct timeval of two C longs, then type (u16), code (u16) and value
// (s32), in the machine's byte order. That is 24 bytes on arm64 and amd64.
const eventSize = 2*strconv.IntSize/8 + 8

// Event types, codes and key values of linux/input-event-codes.h.
const (
	evSyn        = 0x00
	evKey        = 0x01
	evMsc        = 0x04
	synReport    = 0
	synDropped   = 3
	valueRelease = 0
	valuePress   = 1
	valueRepeat  = 2
)

// evdevDecoder turns a keyboard's input_event stream into codes. It is a
// pure function of the bytes it is fed, however they are split.
//
// Only key presses type: a release only lets go of a modifier, and an
// autorepeat (value 2) is ignored, because a scanner never holds a key
// and a repeat would double a character. Enter and keypad Enter end a
// code. Shift and Caps Lock select the shifted character, right Alt the
// AltGr one; Ctrl+] is GS (ASCII 29, FNC1 in GS1 codes), as is Alt+029 on
// the keypad, the way scanners set to "Alt mode" send characters their
// layout lacks. When the kernel reports dropped events (SYN_DROPPED),
// the code in progress is discarded at its Enter rather than delivered
// with characters missing; so is a code longer than max bytes.
type evdevDecoder struct {
	keys layout
	max  int

	rec [eventSize]byte
	n   int

	shiftL, shiftR, ctrlL, ctrlR, alt, altGr, caps bool

	dead      rune // accent of a pending dead key, or 0
	altCode   int  // Alt+keypad value so far
	altDigits int

	buf        []byte
	bad        bool // the code in progress is incomplete: drop it at Enter
	waitReport bool // after SYN_DROPPED, ignore everything up to SYN_REPORT
	dropped    int  // codes discarded
}

func newEvdevDecoder(keys layout, max int) *evdevDecoder {
	return &evdevDecoder{keys: keys, max: max}
}

func (d *evdevDecoder) discarded() int { return d.dropped }

// feed decodes p, calling emit with each complete code.
func (d *evdevDecoder) feed(p []byte, emit func(string)) {
	for len(p) > 0 {
		c := copy(d.rec[d.n:], p)
		d.n += c
		p = p[c:]
		if d.n < eventSize {
			return
		}
		d.n = 0
		const off = eventSize - 8
		typ := binary.NativeEndian.Uint16(d.rec[off:])
		code := binary.NativeEndian.Uint16(d.rec[off+2:])
		value := int32(binary.NativeEndian.Uint32(d.rec[off+4:]))
		d.event(typ, code, value, emit)
	}
}

func (d *evdevDecoder) event(typ, code uint16, value int32, emit func(string)) {
	if d.waitReport {
		d.waitReport = !(typ == evSyn && code == synReport)
		return
	}
	if typ == evSyn && code == synDropped {
		// Presses and releases were lost: the code in progress is
		// unreliable, and so is the modifier state, which a scanner
		// only holds within one character anyway.
		d.waitReport = true
		d.bad = true
		d.shiftL, d.shiftR, d.ctrlL, d.ctrlR, d.alt, d.altGr = false, false, false, false, false, false
		d.dead, d.altCode, d.altDigits = 0, 0, 0
		return
	}
	if typ != evKey {
		return
	}
	switch value {
	case valuePress:
		d.press(code, emit)
	case valueRelease:
		d.release(code)
	}
}

func (d *evdevDecoder) release(code uint16) {
	switch code {
	case keyLeftShift:
		d.shiftL = false
	case keyRightShift:
		d.shiftR = false
	case keyLeftCtrl:
		d.ctrlL = false
	case keyRightCtrl:
		d.ctrlR = false
	case keyRightAlt:
		d.altGr = false
	case keyLeftAlt:
		d.alt = false
		if d.altDigits > 0 {
			v := d.altCode
			d.altCode, d.altDigits = 0, 0
			switch {
			case v == int(GS):
				d.add(GS)
			case v >= 0x20 && v <= 0x7e, v >= 0xa0 && v <= 0xff: // ASCII, Latin-1
				d.add(rune(v))
			}
		}
	}
}

func (d *evdevDecoder) press(code uint16, emit func(string)) {
	switch code {
	case keyLeftShift:
		d.shiftL = true
		return
	case keyRightShift:
		d.shiftR = true
		return
	case keyLeftCtrl:
		d.ctrlL = true
		return
	case keyRightCtrl:
		d.ctrlR = true
		return
	case keyLeftAlt:
		d.alt, d.altCode, d.altDigits = true, 0, 0
		return
	case keyRightAlt:
		d.altGr = true
		return
	case keyCapsLock:
		d.caps = !d.caps
		return
	case keyEnter, keyKPEnter:
		d.end(emit)
		return
	}
	if d.alt {
		if v := keypadDigit(code); v >= 0 && d.altDigits < 4 {
			d.altCode = d.altCode*10 + v
			d.altDigits++
		}
		return // Alt with any other key is a shortcut: it types nothing
	}
	if d.ctrlL || d.ctrlR {
		if code == keyRightBrace {
			d.add(GS)
		}
		return
	}
	if r, ok := keypad[code]; ok {
		d.typeRune(r)
		return
	}
	k, ok := d.keys[code]
	if !ok {
		return // Tab, Backspace, Esc, function keys: no part of a code
	}
	shift := d.shiftL || d.shiftR
	if k.caps && d.caps {
		shift = !shift
	}
	r := k.plain
	switch {
	case d.altGr:
		r = k.altGr
	case shift:
		r = k.shift
	}
	if r != 0 {
		d.typeRune(r)
	}
}

// typeRune types r, resolving a pending dead key the way xkb does: the
// accent on a letter that has it, alone before a space or the same dead
// key, else followed by the character.
func (d *evdevDecoder) typeRune(r rune) {
	if r&dead != 0 {
		acc := r &^ dead
		switch d.dead {
		case 0:
			d.dead = acc
		case acc:
			d.add(acc)
			d.dead = 0
		default:
			d.add(d.dead)
			d.dead = acc
		}
		return
	}
	if acc := d.dead; acc != 0 {
		d.dead = 0
		if r == ' ' {
			d.add(acc)
			return
		}
		if c := compose(acc, r); c != 0 {
			d.add(c)
			return
		}
		d.add(acc)
	}
	d.add(r)
}

func (d *evdevDecoder) add(r rune) {
	if d.bad {
		return
	}
	if len(d.buf)+utf8.RuneLen(r) > d.max {
		d.bad = true
		return
	}
	d.buf = utf8.AppendRune(d.buf, r)
}

func (d *evdevDecoder) end(emit func(string)) {
	buf, bad := d.buf, d.bad
	d.buf, d.bad, d.dead = d.buf[:0], false, 0
	if bad {
		d.dropped++
		return
	}
	if s := clean(string(buf)); s != "" {
		emit(s)
	}
}

var composeTable = map[rune][2]string{
	'`': {"aeiouAEIOU", "àèìòùÀÈÌÒÙ"},
	'´': {"aeiouyAEIOUY", "áéíóúýÁÉÍÓÚÝ"},
	'^': {"aeiouAEIOU", "âêîôûÂÊÎÔÛ"},
	'¨': {"aeiouyAEIOU", "äëïöüÿÄËÏÖÜ"},
	'~': {"anoANO", "ãñõÃÑÕ"},
}

// compose is the precomposed letter for accent on base, or 0.
func compose(accent, base rune) rune {
	t, ok := composeTable[accent]
	if !ok {
		return 0
	}
	bases, out := []rune(t[0]), []rune(t[1])
	for i, b := range bases {
		if b == base {
			return out[i]
		}
	}
	return 0
}
