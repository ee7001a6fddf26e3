package display

import (
	"strings"
	"unicode"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"
)

// The screen of a 2×20 pole display.
const (
	Columns = 20
	Rows    = 2
)

// CodePage is the character table the display is told to use (ESC t n)
// and that text is encoded in. The lower half (0x20–0x7E) is ASCII in all
// of them; the driver selects the USA international set (ESC R 0) so it
// stays so.
type CodePage int

const (
	// PC865 is the Nordic DOS page, ESC t 5 on Epson DM-D displays:
	// æøåÆØÅ, no euro sign. The default.
	PC865 CodePage = iota + 1
	// PC850 is Multilingual Latin-1, ESC t 2: æøåÆØÅ, no euro sign.
	PC850
	// PC858 is PC850 with the euro sign, ESC t 19.
	PC858
	// WPC1252 is Windows-1252, ESC t 16: æøåÆØÅ and €.
	WPC1252
)

var codePages = map[CodePage]struct {
	escT byte
	cm   *charmap.Charmap
	name string
}{
	PC865:   {5, charmap.CodePage865, "PC865"},
	PC850:   {2, charmap.CodePage850, "PC850"},
	PC858:   {19, charmap.CodePage858, "PC858"},
	WPC1252: {16, charmap.Windows1252, "WPC1252"},
}

func (c CodePage) String() string {
	if p, ok := codePages[c]; ok {
		return p.name
	}
	return "CodePage(?)"
}

// cells turns s into what the display shows, one rune a column: composed
// first (NFC), so "a" and a combining ring are one "å"; tabs, line breaks
// and other control characters become spaces; invisible format
// characters and combining marks that did not compose are dropped.
func cells(s string) []rune {
	if !norm.NFC.IsNormalString(s) {
		s = norm.NFC.String(s)
	}
	out := make([]rune, 0, len(s))
	for _, r := range s {
		switch {
		case r < 0x20 || r == 0x7F || (r >= 0x80 && r < 0xA0) || r == '\u2028' || r == '\u2029':
			out = append(out, ' ')
		case r == 0xAD || unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r):
		default:
			out = append(out, r)
		}
	}
	return out
}

// Fit returns s as one line of the display: exactly Columns characters,
// cut or padded with spaces on the right.
func Fit(s string) string {
	c := cells(s)
	if len(c) > Columns {
		c = c[:Columns]
	}
	return string(c) + strings.Repeat(" ", Columns-len(c))
}

// Amount writes øre as Norwegians write kroner: comma before the øre,
// a space between groups of three digits, and a hyphen for minus
// ("83,70", "1 234,50", "-5,00"). There is no rounding: cash rounding to
// whole kroner is decided before the amount gets here.
func Amount(øre int64) string {
	neg := øre < 0
	u := uint64(øre)
	if neg {
		u = -u // two's complement: right for math.MinInt64 too
	}
	kr, o := u/100, u%100
	digits := []byte{}
	for i, s := 0, uintStr(kr); i < len(s); i++ {
		if i > 0 && (len(s)-i)%3 == 0 {
			digits = append(digits, ' ')
		}
		digits = append(digits, s[i])
	}
	out := string(digits) + "," + string([]byte{byte('0' + o/10), byte('0' + o%10)})
	if neg {
		out = "-" + out
	}
	return out
}

func uintStr(u uint64) string {
	if u == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for u > 0 {
		i--
		b[i] = byte('0' + u%10)
		u /= 10
	}
	return string(b[i:])
}

// ItemLine lays out a line item: the name on the left, cut to leave at
// least one space, and the price on the right, e.g.
// "Lettmelk 1 l   21,90". A price too long for the line (beyond a
// hundred million kroner) shows as stars.
func ItemLine(name string, price int64) string {
	return spread(name, Amount(price))
}

// AmountLine lays out a label on the left and "kr" and the amount on the
// right, e.g. "TOTAL       kr 83,70".
func AmountLine(label string, øre int64) string {
	return spread(label, "kr "+Amount(øre))
}

// spread puts left and right on one line of exactly Columns characters.
// The right part (an amount) wins when they do not both fit; an amount
// too long for the line shows as stars, never cut to a smaller number.
func spread(left, right string) string {
	r := cells(right)
	if len(r) > Columns {
		return strings.Repeat("*", Columns)
	}
	l := cells(left)
	room := Columns - len(r) - 1
	if len(l) > room {
		l = l[:max(room, 0)]
	}
	for len(l) > 0 && l[len(l)-1] == ' ' {
		l = l[:len(l)-1]
	}
	return string(l) + strings.Repeat(" ", Columns-len(l)-len(r)) + string(r)
}

// encode turns a fitted line into display bytes. A character the page
// lacks shows as '?'; no byte below 0x20 or 0x7F ever goes out, so text
// can never form a command.
func encode(dst []byte, line string, cm *charmap.Charmap) []byte {
	for _, r := range line {
		b, ok := byte('?'), false
		if r >= 0x20 && r < 0x7F {
			b, ok = byte(r), true
		} else if r >= 0xA0 {
			b, ok = cm.EncodeRune(r)
		}
		if !ok || b < 0x20 || b == 0x7F {
			b = '?'
		}
		dst = append(dst, b)
	}
	return dst
}
