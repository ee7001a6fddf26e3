// Package money holds Kasse's rules for amounts: integer øre, Norwegian VAT
// rates, VAT extracted from VAT-inclusive prices, and cash rounding
// (øreavrunding). Nothing here uses floating point; every rounding is stated
// and happens half away from zero in one place.
package money

import (
	"errors"
	"fmt"
	"math/bits"
	"strconv"
	"strings"
)

// Øre is an amount of money in Norwegian øre (1/100 krone).
type Øre = int64

// Max is the largest single amount Kasse accepts anywhere: 100 million kroner.
// It keeps every product of amount, quantity and rate far inside int64.
const Max Øre = 100_000_000_00

// Rate is a VAT rate in basis points: 2500 is 25 %.
type Rate int64

// The Norwegian VAT rates Kasse knows (merverdiavgift).
const (
	Rate25 Rate = 2500 // general rate
	Rate15 Rate = 1500 // food and drink
	Rate12 Rate = 1200 // transport, cinema, hotels
	Rate0  Rate = 0    // exempt or zero-rated
)

// ErrRate is returned for a VAT rate Norway does not have.
var ErrRate = errors.New("unknown VAT rate")

// ParseRate accepts "25", "15", "12", "0" (percent, optionally with "%").
func ParseRate(s string) (Rate, error) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "%"))
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("%w: %q", ErrRate, s)
	}
	r := Rate(n * 100)
	if !r.Valid() {
		return 0, fmt.Errorf("%w: %d %%", ErrRate, n)
	}
	return r, nil
}

// Valid reports whether r is one of Norway's rates.
func (r Rate) Valid() bool {
	switch r {
	case Rate25, Rate15, Rate12, Rate0:
		return true
	}
	return false
}

// String formats the rate as a percentage with two decimals, as SAF-T wants ("25.00").
func (r Rate) String() string { return Format(Øre(r)) }

// SAFTCode is the standard VAT code (StandardTaxCode) SAF-T uses for an
// outgoing sale at this rate: 3 high, 31 medium (food), 33 low, 6 exempt.
func (r Rate) SAFTCode() string {
	switch r {
	case Rate25:
		return "3"
	case Rate15:
		return "31"
	case Rate12:
		return "33"
	}
	return "6"
}

// Div divides a by b and rounds half away from zero. b must be positive.
func Div(a, b int64) int64 {
	if a >= 0 {
		return (a + b/2) / b
	}
	return -((-a + b/2) / b)
}

// MulDiv is a×b/c rounded half away from zero, exact for any int64 a and b
// (the product is taken in 128 bits). c must be positive and the result must
// fit in int64, which holds whenever |b| ≤ c or |a| ≤ c.
func MulDiv(a, b, c int64) int64 {
	neg := (a < 0) != (b < 0)
	ua, ub := uint64(a), uint64(b)
	if a < 0 {
		ua = uint64(-a)
	}
	if b < 0 {
		ub = uint64(-b)
	}
	hi, lo := bits.Mul64(ua, ub)
	lo, carry := bits.Add64(lo, uint64(c)/2, 0)
	hi += carry
	q, _ := bits.Div64(hi, lo, uint64(c))
	if neg {
		return -int64(q)
	}
	return int64(q)
}

// MulDivFloor is a×b/c rounded down, with the remainder, for 0 ≤ a ≤ c and
// b ≥ 0: shares of an amount that must add up exactly.
func MulDivFloor(a, b, c int64) (q, r int64) {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	uq, ur := bits.Div64(hi, lo, uint64(c))
	return int64(uq), int64(ur)
}

// VAT is the VAT contained in a VAT-inclusive amount at rate r.
func VAT(gross Øre, r Rate) Øre {
	return MulDiv(gross, int64(r), 10000+int64(r))
}

// Percent is p basis points of a, rounded half away from zero.
func Percent(a Øre, bp int64) Øre { return MulDiv(a, bp, 10000) }

// RoundCash rounds an amount to whole kroner the Norwegian way: 1–49 øre
// down, 50–99 øre up (negative amounts mirror this). It returns the rounded
// amount and the rounding, rounded minus a.
func RoundCash(a Øre) (rounded, diff Øre) {
	rounded = Div(a, 100) * 100
	return rounded, rounded - a
}

// Format writes a as kroner with two decimals and a point, the way SAF-T and
// the signature string want it: 1250 → "12.50", -5 → "-0.05".
func Format(a Øre) string {
	sign := ""
	if a < 0 {
		sign, a = "-", -a
	}
	return fmt.Sprintf("%s%d.%02d", sign, a/100, a%100)
}

// Kr formats a for people in Norway: "1 234,50" with a non-breaking
// thin space between thousands and a decimal comma.
func Kr(a Øre) string {
	s := Format(a)
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "−", s[1:]
	}
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteString("\u00a0")
		}
		b.WriteRune(c)
	}
	return sign + b.String() + "," + frac
}

// ErrAmount is returned for a malformed amount.
var ErrAmount = errors.New("malformed amount")

// Parse reads "12.50", "12,50", "12" or "-0.05" as øre, exactly. More than
// two decimals or more than Max is an error.
func Parse(s string) (Øre, error) {
	in := s
	s = strings.TrimSpace(strings.ReplaceAll(s, ",", "."))
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, hasFrac := strings.Cut(s, ".")
	if whole == "" || (hasFrac && (len(frac) == 0 || len(frac) > 2)) || len(whole) > 12 {
		return 0, fmt.Errorf("%w: %q", ErrAmount, in)
	}
	for len(frac) < 2 {
		frac += "0"
	}
	for _, c := range whole + frac {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%w: %q", ErrAmount, in)
		}
	}
	w, _ := strconv.ParseInt(whole, 10, 64)
	f, _ := strconv.ParseInt(frac, 10, 64)
	a := w*100 + f
	if a > Max {
		return 0, fmt.Errorf("%w: %q is more than %s", ErrAmount, in, Format(Max))
	}
	if neg {
		a = -a
	}
	return a, nil
}
