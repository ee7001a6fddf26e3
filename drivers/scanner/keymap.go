package scanner

import "fmt"

// Keymap is the keyboard layout a keyboard-wedge scanner is set to: the
// scanner sends key positions, and the layout says which character each
// position means. It must match the scanner's own keyboard setting.
type Keymap string

const (
	// US is the United States layout, most scanners' factory setting.
	US Keymap = "us"
	// NO is the Norwegian layout, which shops often set so that the
	// scanner and the till's keyboard agree: AIM's ']' is AltGr+9 and
	// '-' is where US has '/'.
	NO Keymap = "no"
)

// Linux input key codes (linux/input-event-codes.h) the decoder needs.
const (
	key1          = 2 // key1 … key9 are 2 … 10
	key0          = 11
	keyMinus      = 12
	keyEqual      = 13
	keyQ          = 16 // q w e r t y u i o p are 16 … 25
	keyLeftBrace  = 26
	keyRightBrace = 27
	keyEnter      = 28
	keyLeftCtrl   = 29
	keyA          = 30 // a s d f g h j k l are 30 … 38
	keySemicolon  = 39
	keyApostrophe = 40
	keyGrave      = 41
	keyLeftShift  = 42
	keyBackslash  = 43
	keyZ          = 44 // z x c v b n m are 44 … 50
	keyComma      = 51
	keyDot        = 52
	keySlash      = 53
	keyRightShift = 54
	keyKPAsterisk = 55
	keyLeftAlt    = 56
	keySpace      = 57
	keyCapsLock   = 58
	keyKP7        = 71
	keyKP8        = 72
	keyKP9        = 73
	keyKPMinus    = 74
	keyKP4        = 75
	keyKP5        = 76
	keyKP6        = 77
	keyKPPlus     = 78
	keyKP1        = 79
	keyKP2        = 80
	keyKP3        = 81
	keyKP0        = 82
	keyKPDot      = 83
	key102nd      = 86
	keyKPEnter    = 96
	keyRightCtrl  = 97
	keyKPSlash    = 98
	keyRightAlt   = 100
)

// dead marks a dead key: it types nothing by itself and puts its accent
// on the next key (space gives the accent alone).
const dead rune = 1 << 30

// key is what one key position types in a layout; 0 means nothing.
type key struct {
	plain, shift, altGr rune
	caps                bool // Caps Lock swaps plain and shift (letters)
}

type layout map[uint16]key

// keypad digits follow neither layout nor Num Lock: a scanner that
// "emulates the numeric keypad" means digits.
var keypad = map[uint16]rune{
	keyKP0: '0', keyKP1: '1', keyKP2: '2', keyKP3: '3', keyKP4: '4', keyKP5: '5', keyKP6: '6',
	keyKP7: '7', keyKP8: '8', keyKP9: '9', keyKPAsterisk: '*', keyKPMinus: '-', keyKPPlus: '+', keyKPSlash: '/',
}

// keypadDigit is the value of a keypad digit key for Alt+keypad codes, or -1.
func keypadDigit(code uint16) int {
	switch code {
	case keyKP0:
		return 0
	case keyKP1, keyKP2, keyKP3:
		return int(code-keyKP1) + 1
	case keyKP4, keyKP5, keyKP6:
		return int(code-keyKP4) + 4
	case keyKP7, keyKP8, keyKP9:
		return int(code-keyKP7) + 7
	}
	return -1
}

var layouts = map[Keymap]layout{US: usLayout(), NO: noLayout()}

func (k Keymap) layout() (layout, error) {
	if k == "" {
		k = US
	}
	l, ok := layouts[k]
	if !ok {
		return nil, fmt.Errorf("unknown keymap %q (have %q and %q)", string(k), US, NO)
	}
	return l, nil
}

// letters adds the 26 letters, which sit in the same places in both layouts.
func letters(l layout) {
	for i, c := range "qwertyuiop" {
		l[uint16(keyQ+i)] = key{plain: c, shift: c - 'a' + 'A', caps: true}
	}
	for i, c := range "asdfghjkl" {
		l[uint16(keyA+i)] = key{plain: c, shift: c - 'a' + 'A', caps: true}
	}
	for i, c := range "zxcvbnm" {
		l[uint16(keyZ+i)] = key{plain: c, shift: c - 'a' + 'A', caps: true}
	}
	l[keySpace] = key{plain: ' ', shift: ' ', altGr: ' '}
}

// usLayout is xkb "us" (pc105).
func usLayout() layout {
	l := layout{}
	letters(l)
	for i, c := range "1234567890" {
		l[uint16(key1+i)] = key{plain: c, shift: rune("!@#$%^&*()"[i])}
	}
	l[keyGrave] = key{plain: '`', shift: '~'}
	l[keyMinus] = key{plain: '-', shift: '_'}
	l[keyEqual] = key{plain: '=', shift: '+'}
	l[keyLeftBrace] = key{plain: '[', shift: '{'}
	l[keyRightBrace] = key{plain: ']', shift: '}'}
	l[keySemicolon] = key{plain: ';', shift: ':'}
	l[keyApostrophe] = key{plain: '\'', shift: '"'}
	l[keyBackslash] = key{plain: '\\', shift: '|'}
	l[keyComma] = key{plain: ',', shift: '<'}
	l[keyDot] = key{plain: '.', shift: '>'}
	l[keySlash] = key{plain: '/', shift: '?'}
	l[key102nd] = key{plain: '<', shift: '>'}
	l[keyKPDot] = key{plain: '.', shift: '.'}
	return l
}

// noLayout is xkb "no" (Norwegian bokmål, pc105).
func noLayout() layout {
	l := layout{}
	letters(l)
	altGr := map[int]rune{2: '@', 3: '£', 4: '$', 5: '€', 7: '{', 8: '[', 9: ']', 0: '}'}
	for i, c := range "1234567890" {
		l[uint16(key1+i)] = key{plain: c, shift: rune([]rune(`!"#¤%&/()=`)[i]), altGr: altGr[int(c-'0')]}
	}
	l[keyGrave] = key{plain: '|', shift: '§'}
	l[keyMinus] = key{plain: '+', shift: '?'}
	l[keyEqual] = key{plain: '\\', shift: '`' | dead, altGr: '´' | dead}
	l[keyLeftBrace] = key{plain: 'å', shift: 'Å', caps: true}
	l[keyRightBrace] = key{plain: '¨' | dead, shift: '^' | dead, altGr: '~' | dead}
	l[keySemicolon] = key{plain: 'ø', shift: 'Ø', caps: true}
	l[keyApostrophe] = key{plain: 'æ', shift: 'Æ', caps: true}
	l[keyBackslash] = key{plain: '\'', shift: '*'}
	l[keyComma] = key{plain: ',', shift: ';'}
	l[keyDot] = key{plain: '.', shift: ':'}
	l[keySlash] = key{plain: '-', shift: '_'}
	l[key102nd] = key{plain: '<', shift: '>'}
	l[keyKPDot] = key{plain: ',', shift: ','}
	e := l[keyQ+2]
	e.altGr = '€'
	l[keyQ+2] = e
	m := l[keyZ+6]
	m.altGr = 'µ'
	l[keyZ+6] = m
	return l
}
