package terminal

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// MaxAmountØre is the largest amount nexo can carry in one field
// (99 999 999.99 NOK; the schema's maximum is 99999999.999999).
const MaxAmountØre int64 = 99_999_999_99

var errAmount = errors.New("bad amount")

// formatØre writes øre as a nexo decimal amount in kroner with two decimals:
// 1 → 0.01, 12345 → 123.45. Callers check the range first.
func formatØre(øre int64) json.Number {
	if øre < 0 {
		panic("terminal: formatØre of a negative amount")
	}
	return json.Number(fmt.Sprintf("%d.%02d", øre/100, øre%100))
}

// parseØre converts a JSON number in kroner to øre exactly, by its digits.
// It accepts any JSON number syntax (including exponents, "1e2", "12.3",
// "12.340"), and refuses negative amounts, amounts finer than one øre
// ("0.005") and amounts that do not fit in int64.
func parseØre(n json.Number) (int64, error) {
	s := string(n)
	if s == "" {
		return 0, fmt.Errorf("%w: missing", errAmount)
	}
	if s[0] == '-' {
		return 0, fmt.Errorf("%w: negative", errAmount)
	}
	intPart, frac, exp, ok := splitJSONNumber(s)
	if !ok {
		return 0, fmt.Errorf("%w: not a JSON number", errAmount)
	}
	digits := strings.TrimLeft(intPart+frac, "0")
	if digits == "" {
		return 0, nil
	}
	// value = digits × 10^(exp − len(frac)) kroner = digits × 10^shift øre.
	shift := 2 + exp - len(frac)
	switch {
	case shift > 18:
		return 0, fmt.Errorf("%w: too large", errAmount)
	case shift >= 0:
		digits += strings.Repeat("0", shift)
	default:
		drop := -shift
		if drop >= len(digits) {
			return 0, fmt.Errorf("%w: finer than one øre", errAmount)
		}
		if strings.TrimLeft(digits[len(digits)-drop:], "0") != "" {
			return 0, fmt.Errorf("%w: finer than one øre", errAmount)
		}
		digits = digits[:len(digits)-drop]
	}
	if len(digits) > 19 {
		return 0, fmt.Errorf("%w: too large", errAmount)
	}
	v, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: too large", errAmount)
	}
	return v, nil
}

// splitJSONNumber splits an unsigned JSON number into integer digits,
// fraction digits and exponent, checking the JSON grammar as it goes. The
// exponent is bounded so a hostile "1e999999999" cannot overflow shift.
func splitJSONNumber(s string) (intPart, frac string, exp int, ok bool) {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	intPart = s[:i]
	if intPart == "" || (len(intPart) > 1 && intPart[0] == '0') {
		return "", "", 0, false
	}
	if i < len(s) && s[i] == '.' {
		j := i + 1
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		frac = s[i+1 : j]
		if frac == "" {
			return "", "", 0, false
		}
		i = j
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		neg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			neg = s[i] == '-'
			i++
		}
		j := i
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		e := strings.TrimLeft(s[i:j], "0")
		if j == i {
			return "", "", 0, false
		}
		if len(e) > 4 {
			return "", "", 0, false
		}
		exp, _ = strconv.Atoi("0" + e)
		if neg {
			exp = -exp
		}
		i = j
	}
	if i != len(s) {
		return "", "", 0, false
	}
	return intPart, frac, exp, true
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }
