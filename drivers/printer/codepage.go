package printer

import (
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// CodePage is the printer character table that text is encoded in. The
// lower half (0x20–0x7E) is ASCII in every page; the upper half differs.
type CodePage int

const (
	// CP865 is PC865 Nordic, selected with ESC t 5. It has æøåÆØÅ and the
	// box-drawing characters, but no euro sign.
	CP865 CodePage = iota
	// WPC1252 is Windows-1252, selected with ESC t 16. It has æøåÆØÅ, é,
	// ü and the euro sign, but no box drawing.
	WPC1252
)

// escT is the n of ESC t n that selects the page on Epson printers.
func (c CodePage) escT() byte {
	if c == WPC1252 {
		return 16
	}
	return 5
}

// String names the page the way printer manuals do.
func (c CodePage) String() string {
	switch c {
	case CP865:
		return "PC865"
	case WPC1252:
		return "WPC1252"
	}
	return "CodePage(?)"
}

func (c CodePage) valid() bool { return c == CP865 || c == WPC1252 }

// cp865High is PC865 from 0x80 to 0xFF: PC437 with ø at 0x9B, Ø at 0x9D
// and ¤ at 0xAF.
var cp865High = [128]rune{
	'Ç', 'ü', 'é', 'â', 'ä', 'à', 'å', 'ç', 'ê', 'ë', 'è', 'ï', 'î', 'ì', 'Ä', 'Å',
	'É', 'æ', 'Æ', 'ô', 'ö', 'ò', 'û', 'ù', 'ÿ', 'Ö', 'Ü', 'ø', '£', 'Ø', '₧', 'ƒ',
	'á', 'í', 'ó', 'ú', 'ñ', 'Ñ', 'ª', 'º', '¿', '⌐', '¬', '½', '¼', '¡', '«', '¤',
	'░', '▒', '▓', '│', '┤', '╡', '╢', '╖', '╕', '╣', '║', '╗', '╝', '╜', '╛', '┐',
	'└', '┴', '┬', '├', '─', '┼', '╞', '╟', '╚', '╔', '╩', '╦', '╠', '═', '╬', '╧',
	'╨', '╤', '╥', '╙', '╘', '╒', '╓', '╫', '╪', '┘', '┌', '█', '▄', '▌', '▐', '▀',
	'α', 'ß', 'Γ', 'π', 'Σ', 'σ', 'µ', 'τ', 'Φ', 'Θ', 'Ω', 'δ', '∞', 'φ', 'ε', '∩',
	'≡', '±', '≥', '≤', '⌠', '⌡', '÷', '≈', '°', '∙', '·', '√', 'ⁿ', '²', '■', '\u00a0',
}

// wpc1252C1 is Windows-1252 from 0x80 to 0x9F; zero marks an unassigned
// byte. 0xA0–0xFF equal Latin-1.
var wpc1252C1 = [32]rune{
	'€', 0, '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', 0, 'Ž', 0,
	0, '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', 0, 'ž', 'Ÿ',
}

var (
	cp865Enc   = map[rune]byte{}
	wpc1252Enc = map[rune]byte{}
)

func init() {
	for i, r := range cp865High {
		cp865Enc[r] = byte(0x80 + i)
	}
	for i, r := range wpc1252C1 {
		if r != 0 {
			wpc1252Enc[r] = byte(0x80 + i)
		}
	}
	for b := 0xA0; b <= 0xFF; b++ {
		wpc1252Enc[rune(b)] = byte(b)
	}
}

// encodeRune returns the byte for r in the page, or false.
func (c CodePage) encodeRune(r rune) (byte, bool) {
	if r >= 0x20 && r < 0x7F {
		return byte(r), true
	}
	var b byte
	var ok bool
	switch c {
	case CP865:
		b, ok = cp865Enc[r]
	case WPC1252:
		b, ok = wpc1252Enc[r]
	}
	return b, ok
}

// appendText encodes s for the printer: text is first composed (NFC), so
// an "a" followed by a combining ring prints as one "å". Tabs become spaces,
// line breaks become spaces when keepLF is false and LF otherwise, other
// control characters become '?', invisible format characters (zero-width
// joiners, variation selectors, soft hyphens) and combining marks that did
// not compose are dropped, and every other character that the page lacks
// becomes '?'. Each appended byte takes exactly one column on paper, and no
// appended byte is below 0x20 except LF, so text can never form a command.
func (c CodePage) appendText(dst []byte, s string, keepLF bool) []byte {
	if !norm.NFC.IsNormalString(s) {
		s = norm.NFC.String(s)
	}
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r' || r == '\u2028' || r == '\u2029':
			if r == '\r' {
				continue
			}
			if keepLF {
				dst = append(dst, '\n')
			} else {
				dst = append(dst, ' ')
			}
		case r == '\t':
			dst = append(dst, ' ')
		case r < 0x20 || r == 0x7F || (r >= 0x80 && r < 0xA0):
			dst = append(dst, '?')
		case r == 0xAD || unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r):
			// invisible: prints nothing
		default:
			if b, ok := c.encodeRune(r); ok {
				dst = append(dst, b)
			} else {
				dst = append(dst, '?')
			}
		}
	}
	return dst
}
