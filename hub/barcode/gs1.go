package barcode

import (
	"strings"
	"time"
)

// aiSpec describes the value of one application identifier.
type aiSpec struct {
	fixed   int  // exact length of the value, or 0 if variable
	min     int  // variable: shortest value (default 1)
	max     int  // variable: longest value
	numeric bool // digits only; otherwise GS1 character set 82
	check   bool // last digit is a GS1 mod-10 check digit
	date    bool // YYMMDD, DD=00 allowed
}

var (
	specKey14 = aiSpec{fixed: 14, numeric: true, check: true}
	specDate  = aiSpec{fixed: 6, numeric: true, date: true}
	specN6    = aiSpec{fixed: 6, numeric: true}
	specX20   = aiSpec{max: 20}
	specX30   = aiSpec{max: 30}
	specN8v   = aiSpec{max: 8, numeric: true}
	specN15v  = aiSpec{max: 15, numeric: true}
	specN18v  = aiSpec{min: 4, max: 18, numeric: true}
	specGLN   = aiSpec{fixed: 13, numeric: true, check: true}
	specN3    = aiSpec{fixed: 3, numeric: true}
	specN3_15 = aiSpec{min: 3, max: 15, numeric: true}
)

// aiLen returns the length of an AI from its first two digits (GS1 General
// Specifications, table of AI prefixes), or 0 for a prefix not in use.
func aiLen(p0, p1 byte) int {
	switch p0 {
	case '0', '1', '9':
		return 2
	case '2':
		switch p1 {
		case '0', '1', '2':
			return 2
		case '3', '4', '5':
			return 3
		}
	case '3':
		switch p1 {
		case '0', '7':
			return 2
		case '1', '2', '3', '4', '5', '6', '9':
			return 4
		}
	case '4':
		switch p1 {
		case '0', '1', '2':
			return 3
		case '3':
			return 4
		}
	case '7':
		switch p1 {
		case '0', '2':
			return 4
		case '1':
			return 3
		}
	case '8':
		switch p1 {
		case '0', '1', '2':
			return 4
		}
	}
	return 0
}

// predefined reports whether an AI starting with p0 p1 has a predefined
// length and so is never followed by FNC1 (General Specifications, figure
// 7.8.5-2). All other AIs end at FNC1 or at the end of the data, even the
// fixed-length ones.
func predefined(p0, p1 byte) bool {
	switch p0 {
	case '0':
		return p1 <= '4'
	case '1':
		return p1 >= '1'
	case '2':
		return p1 == '0'
	case '3':
		return p1 >= '1' && p1 <= '6'
	case '4':
		return p1 == '1'
	}
	return false
}

// specFor returns the spec of a complete AI (as long as aiLen says).
func specFor(ai string) (aiSpec, bool) {
	switch len(ai) {
	case 2:
		switch ai {
		case "00":
			return aiSpec{fixed: 18, numeric: true, check: true}, true
		case "01", "02":
			return specKey14, true
		case "10", "21", "22":
			return specX20, true
		case "11", "12", "13", "15", "16", "17":
			return specDate, true
		case "20":
			return aiSpec{fixed: 2, numeric: true}, true
		case "30", "37":
			return specN8v, true
		case "90":
			return specX30, true
		}
		if ai[0] == '9' { // 91–99, company internal
			return aiSpec{max: 90}, true
		}
	case 3:
		switch ai {
		case "240", "241", "250", "251", "400", "401", "403":
			return specX30, true
		case "242":
			return aiSpec{max: 6, numeric: true}, true
		case "402":
			return aiSpec{fixed: 17, numeric: true, check: true}, true
		case "410", "411", "412", "413", "414", "415", "416", "417":
			return specGLN, true
		case "420":
			return specX20, true
		case "421":
			return aiSpec{min: 4, max: 12}, true
		case "422", "424", "426":
			return specN3, true
		case "423", "425":
			return specN3_15, true
		}
	case 4:
		stem, n := ai[:3], ai[3]
		switch {
		case stem >= "310" && stem <= "316", stem >= "320" && stem <= "337",
			stem >= "340" && stem <= "357", stem >= "360" && stem <= "369":
			if n <= '5' {
				return specN6, true
			}
		case stem == "390" || stem == "392":
			return specN15v, true
		case stem == "391" || stem == "393":
			return specN18v, true
		case stem == "394":
			if n <= '3' {
				return aiSpec{fixed: 4, numeric: true}, true
			}
		}
		switch ai {
		case "7003":
			return aiSpec{fixed: 10, numeric: true}, true
		case "7006", "8005":
			return specN6, true
		case "8008":
			return aiSpec{min: 8, max: 12, numeric: true}, true
		case "8020":
			return aiSpec{max: 25}, true
		case "8200":
			return aiSpec{max: 70}, true
		}
	}
	return aiSpec{}, false
}

// cset82 reports whether b is in GS1 AI encodable character set 82.
func cset82(b byte) bool {
	switch {
	case b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z', b >= '0' && b <= '9':
		return true
	}
	return strings.IndexByte(`!"%&'()*+,-./:;<=>?_`, b) >= 0
}

// checkValue validates v against spec; it returns the sentinel and a
// reason, or nil.
func checkValue(raw, ai, v string, spec aiSpec) error {
	if spec.fixed > 0 && len(v) != spec.fixed {
		return perr(ErrFormat, raw, "(%s) has %d characters, want %d", ai, len(v), spec.fixed)
	}
	if spec.fixed == 0 {
		lo := max(spec.min, 1)
		if len(v) < lo {
			return perr(ErrFormat, raw, "(%s) has %d characters, want at least %d", ai, len(v), lo)
		}
		if len(v) > spec.max {
			return perr(ErrFormat, raw, "(%s) has %d characters, at most %d allowed (missing separator?)", ai, len(v), spec.max)
		}
	}
	for i := 0; i < len(v); i++ {
		b := v[i]
		if spec.numeric && (b < '0' || b > '9') || !cset82(b) {
			return perr(ErrFormat, raw, "(%s) has invalid character %q", ai, b)
		}
	}
	if spec.check && !checkOK(v) {
		return perr(ErrCheckDigit, raw, "(%s) check digit is %c, want %d", ai, v[len(v)-1], mod10(v[:len(v)-1]))
	}
	return nil
}

// parseGS1 parses the element string body (without symbology identifier);
// raw is the whole trimmed input.
func (p *Parser) parseGS1(raw, body string) (Code, error) {
	for len(body) > 0 && body[0] == gs { // FNC1 in first position
		body = body[1:]
	}
	if body == "" {
		return Code{}, perr(ErrFormat, raw, "no GS1 data")
	}
	var (
		elems []Element
		err   error
	)
	if body[0] == '(' {
		elems, err = splitHRI(raw, body)
	} else {
		elems, err = splitElementString(raw, body)
	}
	if err != nil {
		return Code{}, err
	}
	if len(elems) == 0 {
		return Code{}, perr(ErrFormat, raw, "no GS1 data")
	}
	c := Code{Kind: GS1, Raw: raw, Elements: elems}
	if err := p.interpret(&c, raw); err != nil {
		return Code{}, err
	}
	return c, nil
}

// splitElementString splits an unbracketed element string with GS
// separators.
func splitElementString(raw, s string) ([]Element, error) {
	elems := make([]Element, 0, 6)
	for len(s) > 0 {
		if s[0] == gs { // separator after a predefined-length field, doubled, or trailing
			s = s[1:]
			continue
		}
		if len(s) < 2 || nonDigit(s[:2]) >= 0 {
			return nil, perr(ErrFormat, raw, "expected an application identifier at %q", head(s))
		}
		n := aiLen(s[0], s[1])
		if n == 0 {
			return nil, perr(ErrUnknownAI, raw, "AI (%s…)", s[:2])
		}
		if len(s) < n || nonDigit(s[:n]) >= 0 {
			return nil, perr(ErrFormat, raw, "truncated application identifier %q", head(s))
		}
		ai := s[:n]
		spec, ok := specFor(ai)
		if !ok {
			return nil, perr(ErrUnknownAI, raw, "AI (%s)", ai)
		}
		s = s[n:]
		var v string
		if predefined(ai[0], ai[1]) {
			end := min(spec.fixed, len(s))
			if i := strings.IndexByte(s[:end], gs); i >= 0 {
				end = i
			}
			v, s = s[:end], s[end:]
		} else {
			end := strings.IndexByte(s, gs)
			if end < 0 {
				end = len(s)
			}
			v, s = s[:end], s[end:]
		}
		if err := checkValue(raw, ai, v, spec); err != nil {
			return nil, err
		}
		elems = append(elems, Element{AI: ai, Value: v})
	}
	return elems, nil
}

// splitHRI splits the bracketed form "(01)…(17)…".
func splitHRI(raw, s string) ([]Element, error) {
	elems := make([]Element, 0, 6)
	for len(s) > 0 {
		if s[0] != '(' {
			return nil, perr(ErrFormat, raw, "expected \"(\" at %q", head(s))
		}
		j := strings.IndexByte(s, ')')
		if j < 0 {
			return nil, perr(ErrFormat, raw, "unclosed \"(\"")
		}
		ai := s[1:j]
		if len(ai) < 2 || len(ai) > 4 || nonDigit(ai) >= 0 {
			return nil, perr(ErrFormat, raw, "%q is not an application identifier", "("+head(ai)+")")
		}
		if n := aiLen(ai[0], ai[1]); n == 0 || n != len(ai) {
			return nil, perr(ErrUnknownAI, raw, "AI (%s)", ai)
		}
		spec, ok := specFor(ai)
		if !ok {
			return nil, perr(ErrUnknownAI, raw, "AI (%s)", ai)
		}
		s = s[j+1:]
		end := strings.IndexByte(s, '(')
		if end < 0 {
			end = len(s)
		}
		v := strings.Trim(s[:end], " ")
		s = s[end:]
		if err := checkValue(raw, ai, v, spec); err != nil {
			return nil, err
		}
		elems = append(elems, Element{AI: ai, Value: v})
	}
	return elems, nil
}

// head returns at most the first 8 bytes of s, for messages.
func head(s string) string {
	if len(s) > 8 {
		return s[:8]
	}
	return s
}

// interpret fills c's fields from c.Elements.
func (p *Parser) interpret(c *Code, raw string) error {
	// An AI may repeat only with the same value.
	for i, e := range c.Elements {
		for _, f := range c.Elements[:i] {
			if e.AI == f.AI && e.Value != f.Value {
				return perr(ErrFormat, raw, "(%s) appears twice with different values", e.AI)
			}
		}
	}
	year := 0
	thisYear := func() int {
		if year == 0 {
			now := time.Now
			if p.Now != nil {
				now = p.Now
			}
			year = now().Year()
		}
		return year
	}
	var priceAI, weightAI string
	for _, e := range c.Elements {
		ai, v := e.AI, e.Value
		switch {
		case ai == "01":
			c.GTIN = v
		case ai == "10":
			c.Batch = v
		case ai == "21":
			c.Serial = v
		case ai == "15" || ai == "17":
			d, ok := parseYYMMDD(v, thisYear(), true)
			if !ok {
				return perr(ErrFormat, raw, "(%s) %s is not a date (YYMMDD)", ai, v)
			}
			if ai == "15" {
				c.BestBefore = d
			} else {
				c.Expiry = d
			}
		case ai == "11" || ai == "12" || ai == "13" || ai == "16":
			if _, ok := parseYYMMDD(v, thisYear(), true); !ok {
				return perr(ErrFormat, raw, "(%s) %s is not a date (YYMMDD)", ai, v)
			}
		case len(ai) == 4 && ai[:3] == "310":
			g := toUnit(atoi(v), int(ai[3]-'0'), 3, true)
			if c.HasWeight && g != c.WeightGram {
				return perr(ErrFormat, raw, "(%s) and (%s) give different weights", weightAI, ai)
			}
			c.WeightGram, c.HasWeight, weightAI = g, true, ai
		case len(ai) == 4 && (ai[:3] == "390" || ai[:3] == "392"):
			n := int(ai[3] - '0')
			if n > 2 && atoi(v)%pow10[n-2] != 0 {
				return perr(ErrFormat, raw, "(%s) %s has a fraction of an øre", ai, v)
			}
			øre := toUnit(atoi(v), n, 2, false)
			if c.HasPrice && øre != c.PriceØre {
				return perr(ErrFormat, raw, "(%s) and (%s) give different amounts", priceAI, ai)
			}
			c.PriceØre, c.HasPrice, priceAI = øre, true, ai
		}
	}
	return nil
}

// toUnit converts v with n implied decimals to a whole number of units that
// have scale decimals (øre: 2, grams: 3), rounding half up when round is
// set and n > scale, truncating otherwise. v has at most 15 digits.
func toUnit(v int64, n, scale int, round bool) int64 {
	if n <= scale {
		return v * pow10[scale-n]
	}
	d := pow10[n-scale]
	if round {
		return (v + d/2) / d
	}
	return v / d
}
