package barcode

// CheckDigit returns the GS1 mod-10 check digit (General Specifications
// 7.9.1) of digits, which must not include the check digit itself. The
// result is the ASCII character '0'–'9', ready to append:
// s + string(rune(d)). It works for any length (GTIN-8/12/13/14, GLN, SSCC).
// An empty string or a non-digit is ErrFormat.
func CheckDigit(digits string) (byte, error) {
	if digits == "" {
		return 0, perr(ErrFormat, digits, "no digits")
	}
	if i := nonDigit(digits); i >= 0 {
		return 0, perr(ErrFormat, digits, "non-digit %q at position %d", digits[i], i+1)
	}
	return '0' + byte(mod10(digits)), nil
}

// Valid reports whether s is a GTIN — 8, 12, 13 or 14 digits, nothing
// else, not even whitespace — whose last digit is the right check digit.
// Use Parse to classify scanner input.
func Valid(s string) bool {
	switch len(s) {
	case 8, 12, 13, 14:
	default:
		return false
	}
	return nonDigit(s) < 0 && checkOK(s)
}

// MakeEAN13 appends the check digit to first12, which must be exactly 12
// digits; otherwise it returns "". Intended for test data and seeding demo
// catalogs, e.g. MakeEAN13("703801005569") == "7038010055690".
func MakeEAN13(first12 string) string {
	if len(first12) != 12 || nonDigit(first12) >= 0 {
		return ""
	}
	return first12 + string(rune('0'+mod10(first12)))
}

// mod10 is the GS1 check digit of d (all ASCII digits, check digit
// excluded): weights 3,1,3,1… from the right.
func mod10[T string | []byte](d T) int {
	sum, w := 0, 3
	for i := len(d) - 1; i >= 0; i-- {
		sum += int(d[i]-'0') * w
		w = 4 - w
	}
	return (10 - sum%10) % 10
}

// checkOK reports whether the last digit of the all-digit string d (len ≥ 2)
// is its check digit.
func checkOK(d string) bool {
	return len(d) >= 2 && int(d[len(d)-1]-'0') == mod10(d[:len(d)-1])
}

// nonDigit returns the index of the first byte of s that is not an ASCII
// digit, or -1.
func nonDigit(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return i
		}
	}
	return -1
}

// Weighting-factor tables of the price check digit (General Specifications
// 7.9.3): the units digit of the weighted product of each digit 0–9.
var (
	// "2-": 2×d, then units minus tens.
	wt2minus = [10]byte{0, 2, 4, 6, 8, 9, 1, 3, 5, 7}
	// "3": units of 3×d.
	wt3 = [10]byte{0, 3, 6, 9, 2, 5, 8, 1, 4, 7}
	// "5+": 5×d, then units plus tens.
	wt5plus = [10]byte{0, 5, 1, 6, 2, 7, 3, 8, 4, 9}
	// "5-": 5×d, then units minus tens.
	wt5minus = [10]byte{0, 5, 9, 4, 8, 3, 7, 2, 6, 1}
	// inv5minus[r] is the digit d with wt5minus[d] == r.
	inv5minus = [10]byte{0, 9, 7, 5, 3, 1, 8, 6, 4, 2}
)

// priceCheckDigit returns the GS1 price check digit (0–9) of a 4- or
// 5-digit value field (General Specifications 7.9.3 and 7.9.4), or -1 for
// another length or a non-digit.
//
// 4 digits: weights 2-, 2-, 3, 5-; the check digit is the units digit of
// 3 × the sum. 5 digits: weights 5+, 2-, 5-, 5+, 2-; the sum is subtracted
// from the next multiple of ten, and the check digit is the digit whose
// 5- product is that result.
func priceCheckDigit(v string) int {
	if nonDigit(v) >= 0 {
		return -1
	}
	switch len(v) {
	case 4:
		s := int(wt2minus[v[0]-'0']) + int(wt2minus[v[1]-'0']) + int(wt3[v[2]-'0']) + int(wt5minus[v[3]-'0'])
		return s * 3 % 10
	case 5:
		s := int(wt5plus[v[0]-'0']) + int(wt2minus[v[1]-'0']) + int(wt5minus[v[2]-'0']) +
			int(wt5plus[v[3]-'0']) + int(wt2minus[v[4]-'0'])
		return int(inv5minus[(10-s%10)%10])
	}
	return -1
}
