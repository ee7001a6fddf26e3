package barcode

import (
	"fmt"
	"strings"
	"time"
)

// Kind is what sort of code was scanned.
type Kind uint8

// Kinds of code.
const (
	Unknown       Kind = iota // zero value; never returned with a nil error
	EAN13                     // 13-digit EAN (GTIN-13), not an in-store code
	EAN8                      // 8-digit EAN (GTIN-8)
	UPCA                      // 12-digit UPC-A (GTIN-12)
	GTIN14                    // bare 14 digits, e.g. ITF-14 on a carton
	InStorePrice              // in-store EAN-13/UPC-A with an embedded price
	InStoreWeight             // in-store EAN-13/UPC-A with an embedded weight
	GS1                       // GS1 element string (GS1-128, DataMatrix, QR, DataBar, or "(01)…")
)

var kindNames = [...]string{"Unknown", "EAN-13", "EAN-8", "UPC-A", "GTIN-14", "in-store price", "in-store weight", "GS1"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Code is a parsed scan.
type Code struct {
	Kind Kind

	// GTIN is the 14-digit catalog key with a valid check digit: the
	// zero-padded GTIN of an EAN/UPC, the article key of an in-store code
	// (see the package doc), or AI (01) of a GS1 string — empty when a GS1
	// string has no (01).
	GTIN string

	// Article is the article digits of an in-store code, e.g. "12345".
	Article string

	PriceØre   int64 // embedded price (in-store code, AI 390n/392n), when HasPrice
	WeightGram int64 // embedded net weight (in-store code, AI 310n), when HasWeight
	HasPrice   bool
	HasWeight  bool

	Expiry     Date   // AI (17); zero if absent
	BestBefore Date   // AI (15); zero if absent
	Batch      string // AI (10)
	Serial     string // AI (21)

	// Elements lists every element of a GS1 string in order, interpreted
	// or not; nil for other kinds.
	Elements []Element

	// Raw is the input without surrounding whitespace.
	Raw string
}

// Element is one GS1 application identifier and its value, e.g.
// {AI: "3103", Value: "001250"}.
type Element struct {
	AI    string
	Value string
}

// Parser parses scans with a given in-store layout table. The zero Parser
// decodes no in-store codes (they come back as plain EAN-13).
type Parser struct {
	// Layouts decodes in-store codes; see DefaultLayouts and NordicLayouts.
	// Check it with Validate when it comes from configuration.
	Layouts Layouts

	// Now gives the current year for expanding two-digit GS1 years.
	// Nil means time.Now.
	Now func() time.Time
}

var defaultParser = Parser{Layouts: DefaultLayouts()}

// Parse classifies and validates one scan using DefaultLayouts. See the
// package doc for what is accepted. Errors wrap ErrFormat, ErrCheckDigit or
// ErrUnsupported.
func Parse(s string) (Code, error) {
	return defaultParser.Parse(s)
}

// maxInput is the longest input (after trimming) Parse looks at.
const maxInput = 512

// gs is ASCII group separator, how scanners transmit FNC1.
const gs = 0x1D

// Parse classifies and validates one scan. See the package doc.
func (p *Parser) Parse(input string) (Code, error) {
	s := strings.Trim(input, " \t\r\n\v\f")
	switch {
	case s == "":
		return Code{}, perr(ErrFormat, s, "empty scan")
	case len(s) > maxInput:
		return Code{}, perr(ErrFormat, s, "%d bytes is too long for a barcode", len(s))
	}

	if s[0] == ']' {
		if len(s) < 3 {
			return Code{}, perr(ErrFormat, s, "truncated symbology identifier")
		}
		body := s[3:]
		switch id := s[1:3]; id {
		case "C1", "d2", "Q3", "e0", "J1":
			return p.parseGS1(s, body)
		case "E0", "E4", "I1":
			if id == "E0" && len(body) == 8 {
				return Code{}, perr(ErrUnsupported, s, "UPC-E; set the scanner to expand UPC-E to UPC-A")
			}
			if id == "E4" && len(body) != 8 {
				return Code{}, perr(ErrFormat, s, "EAN-8 with %d characters", len(body))
			}
			if id == "I1" && len(body) != 14 {
				return Code{}, perr(ErrUnsupported, s, "ITF of %d characters is not an ITF-14", len(body))
			}
			return p.parseLinear(s, body)
		default:
			return Code{}, perr(ErrUnsupported, s, "symbology identifier %q is neither EAN/UPC nor GS1", "]"+id)
		}
	}

	if s[0] == '(' || s[0] == gs || strings.IndexByte(s, gs) >= 0 {
		return p.parseGS1(s, s)
	}
	switch len(s) {
	case 8, 12, 13, 14:
		return p.parseLinear(s, s)
	}
	if startsWithKey(s) {
		return p.parseGS1(s, s)
	}
	if nonDigit(s) < 0 {
		return Code{}, perr(ErrFormat, s, "%d digits; EAN/UPC codes have 8, 12, 13 or 14", len(s))
	}
	return Code{}, perr(ErrUnsupported, s, "not an EAN/UPC or GS1 code")
}

// startsWithKey reports whether s, longer than any EAN/UPC, opens with a
// complete AI 00, 01 or 02 field, as a GS1 element string sent without
// symbology identifier does.
func startsWithKey(s string) bool {
	n := 0
	switch {
	case strings.HasPrefix(s, "00"):
		n = 20
	case strings.HasPrefix(s, "01"), strings.HasPrefix(s, "02"):
		n = 16
	default:
		return false
	}
	return len(s) > 14 && len(s) >= n && nonDigit(s[:n]) < 0
}

// parseLinear handles EAN-8, UPC-A, EAN-13 and GTIN-14 digits in body; raw
// is the whole trimmed input.
func (p *Parser) parseLinear(raw, body string) (Code, error) {
	if i := nonDigit(body); i >= 0 {
		return Code{}, perr(ErrFormat, raw, "non-digit %q at position %d", body[i], i+1)
	}
	c := Code{Raw: raw}
	switch len(body) {
	case 8:
		c.Kind, c.GTIN = EAN8, "000000"+body
	case 12:
		c.Kind, c.GTIN = UPCA, "00"+body
	case 13:
		c.Kind, c.GTIN = EAN13, "0"+body
	case 14:
		c.Kind, c.GTIN = GTIN14, body
	default:
		return Code{}, perr(ErrFormat, raw, "%d digits; EAN/UPC codes have 8, 12, 13 or 14", len(body))
	}
	if want := mod10(body[:len(body)-1]); int(body[len(body)-1]-'0') != want {
		return Code{}, perr(ErrCheckDigit, raw, "check digit is %c, want %d", body[len(body)-1], want)
	}
	if c.Kind == EAN13 || c.Kind == UPCA {
		g13 := c.GTIN[1:]
		if l, ok := p.Layouts[g13[:2]]; ok && validPrefix(g13[:2]) {
			if err := inStore(&c, raw, g13, l); err != nil {
				return Code{}, err
			}
		}
	}
	return c, nil
}
