package terminal

import "strings"

// A full primary account number has 13 to 19 digits (ISO/IEC 7812).
const (
	minPAN = 13
	maxPAN = 19
)

// maskPAN returns the MaskedPan field as it may be kept: if v is nothing but
// 13–19 digits (spaces and dashes allowed between them) it is a full card
// number, whatever its Luhn check says, since a masked number always has
// masking characters; it is reduced to the first six and last four digits.
// Anything else goes through scrubText. The bool reports whether a number
// was masked.
func maskPAN(v string) (string, bool) {
	digits, ok := onlyDigits(v)
	if ok && len(digits) >= minPAN && len(digits) <= maxPAN {
		return maskDigits(digits), true
	}
	return scrubText(v)
}

// scrubText masks every run of 13–19 digits (single spaces or dashes may
// separate them) that passes the Luhn check: free text from a terminal may
// quote a card number and must not be kept. The bool reports whether
// anything was masked.
func scrubText(s string) (string, bool) {
	var (
		b       strings.Builder
		changed bool
		i       int
	)
	for i < len(s) {
		if !isDigit(s[i]) {
			b.WriteByte(s[i])
			i++
			continue
		}
		// Take a run of digits with single separators between digits.
		j := i
		var digits []byte
		for j < len(s) {
			if isDigit(s[j]) {
				digits = append(digits, s[j])
				j++
				continue
			}
			if (s[j] == ' ' || s[j] == '-') && j+1 < len(s) && isDigit(s[j+1]) {
				j++
				continue
			}
			break
		}
		if len(digits) >= minPAN && len(digits) <= maxPAN && luhn(string(digits)) {
			b.WriteString(maskDigits(string(digits)))
			changed = true
		} else {
			b.WriteString(s[i:j])
		}
		i = j
	}
	if !changed {
		return s, false
	}
	return b.String(), true
}

// maskDigits keeps the first six and last four digits, as PCI DSS allows
// for display: 4111111111111111 → 411111******1111.
func maskDigits(d string) string {
	return d[:6] + strings.Repeat("*", len(d)-10) + d[len(d)-4:]
}

// onlyDigits strips spaces and dashes and reports whether only digits were left.
func onlyDigits(v string) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case isDigit(c):
			b.WriteByte(c)
		case c == ' ' || c == '-':
		default:
			return "", false
		}
	}
	return b.String(), b.Len() > 0
}

// luhn reports whether a string of digits passes the Luhn (mod 10) check.
func luhn(d string) bool {
	sum := 0
	double := false
	for i := len(d) - 1; i >= 0; i-- {
		n := int(d[i] - '0')
		if double {
			n *= 2
			if n > 9 {
				n -= 9
			}
		}
		sum += n
		double = !double
	}
	return sum%10 == 0
}
