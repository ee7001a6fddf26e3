package scannertest

// stroke is how to type one character.
type stroke struct {
	code               uint16
	shift, altGr, ctrl bool
	dead               bool // a dead key: a space must follow to get the character
}

// row is a run of keys with consecutive Linux key codes and what their
// caps show: unshifted, shifted, and with AltGr (a space where none).
type row struct {
	codes               []uint16
	plain, shift, altGr string
}

func seq(from, to uint16) []uint16 {
	var c []uint16
	for k := from; k <= to; k++ {
		c = append(c, k)
	}
	return c
}

var layouts = map[string]map[rune]stroke{
	"us": build([]row{
		{codes: append([]uint16{41}, seq(2, 13)...), plain: "`1234567890-=", shift: "~!@#$%^&*()_+"},
		{codes: seq(16, 27), plain: "qwertyuiop[]", shift: "QWERTYUIOP{}"},
		{codes: append(seq(30, 40), 43), plain: "asdfghjkl;'\\", shift: "ASDFGHJKL:\"|"},
		{codes: seq(44, 53), plain: "zxcvbnm,./", shift: "ZXCVBNM<>?"},
		{codes: []uint16{KeySpace}, plain: " "},
	}, ""),
	"no": build([]row{
		{codes: append([]uint16{41}, seq(2, 13)...), plain: "|1234567890+\\", shift: "§!\"#¤%&/()=?`", altGr: "  @£$€ {[]} ´"},
		{codes: seq(16, 27), plain: "qwertyuiopå¨", shift: "QWERTYUIOPÅ^", altGr: "  €        ~"},
		{codes: append(seq(30, 40), 43), plain: "asdfghjkløæ'", shift: "ASDFGHJKLØÆ*"},
		{codes: []uint16{86}, plain: "<", shift: ">"},
		{codes: seq(44, 53), plain: "zxcvbnm,.-", shift: "ZXCVBNM;:_", altGr: "      µ"},
		{codes: []uint16{KeySpace}, plain: " "},
	}, "`´¨^~"),
}

func build(rows []row, deadKeys string) map[rune]stroke {
	isDead := map[rune]bool{}
	for _, r := range deadKeys {
		isDead[r] = true
	}
	m := map[rune]stroke{'\x1d': {code: 27, ctrl: true}} // GS is Ctrl+]
	add := func(r rune, s stroke) {
		if r == ' ' && s.code != KeySpace {
			return // a gap in the row
		}
		if _, ok := m[r]; !ok {
			s.dead = isDead[r]
			m[r] = s
		}
	}
	for _, rw := range rows {
		for level, chars := range []string{rw.plain, rw.shift, rw.altGr} {
			for i, r := range []rune(chars) {
				add(r, stroke{code: rw.codes[i], shift: level == 1, altGr: level == 2})
			}
		}
	}
	return m
}

// hidUsage is the USB HID keyboard usage (page 7) the kernel reports in
// MSC_SCAN for a Linux key code.
func hidUsage(code uint16) int32 {
	u := map[uint16]int32{
		1: 0x29, 11: 0x27, 12: 0x2d, 13: 0x2e, 14: 0x2a, 15: 0x2b, 26: 0x2f, 27: 0x30, 28: 0x28,
		29: 0xe0, 39: 0x33, 40: 0x34, 41: 0x35, 42: 0xe1, 43: 0x31, 51: 0x36, 52: 0x37, 53: 0x38,
		54: 0xe5, 56: 0xe2, 57: 0x2c, 58: 0x39, 86: 0x64, 96: 0x58, 97: 0xe4, 100: 0xe6,
	}
	letters := "qwertyuiop" + "asdfghjkl" + "zxcvbnm"
	codes := append(append(seq(16, 25), seq(30, 38)...), seq(44, 50)...)
	for i, c := range codes {
		u[c] = int32(letters[i]-'a') + 0x04
	}
	for k := uint16(2); k <= 10; k++ { // 1 … 9
		u[k] = int32(k-2) + 0x1e
	}
	if v, ok := u[code]; ok {
		return 0x70000 | v
	}
	return 0x70000
}
