package barcode

import (
	"fmt"
	"sort"
)

// ValueKind says what the value field of an in-store code holds.
type ValueKind uint8

// Value kinds of a Layout.
const (
	PriceØre   ValueKind = iota + 1 // a price; Code.PriceØre
	WeightGram                      // a net weight; Code.WeightGram
)

func (v ValueKind) String() string {
	switch v {
	case PriceØre:
		return "price"
	case WeightGram:
		return "weight"
	}
	return fmt.Sprintf("ValueKind(%d)", uint8(v))
}

// Layout describes an in-store EAN-13 after its 2-digit prefix:
//
//	PP  A…A (ItemDigits)  [K]  V…V (ValueDigits)  C
//
// where K is the inner GS1 price check digit when PriceCheck is set and C
// the ordinary check digit; 2+ItemDigits+(1 if PriceCheck)+ValueDigits must
// be 12. The value field is an amount in kroner (PriceØre) or kilograms
// (WeightGram) with Decimals implied decimals: 0–2 for a price, 0–3 for a
// weight, since the result is kept in whole øre or grams.
type Layout struct {
	ItemDigits  int       // article digits after the prefix
	Value       ValueKind // PriceØre or WeightGram
	ValueDigits int       // digits of the value field
	Decimals    int       // implied decimals of the value in kr or kg
	PriceCheck  bool      // an inner price check digit precedes the value; ValueDigits must be 4 or 5
}

// Layouts maps a 2-digit GTIN-13 prefix ("20"–"29", or "02"/"04", the
// GTIN-13 forms of UPC-A number systems 2 and 4) to its in-store layout.
type Layouts map[string]Layout

// DefaultLayouts returns the layouts Parse uses: prefixes 20–22 carry a
// price in øre, 23–25 a weight in grams, each as 5 article digits and a
// 5-digit value with no inner price check digit:
//
//	20–22: PP AAAAA VVVVV C, VVVVV = øre (2 decimals of a krone)
//	23–25: PP AAAAA VVVVV C, VVVVV = grams (3 decimals of a kilogram)
//
// The caller owns the returned map.
func DefaultLayouts() Layouts {
	price := Layout{ItemDigits: 5, Value: PriceØre, ValueDigits: 5, Decimals: 2}
	weight := Layout{ItemDigits: 5, Value: WeightGram, ValueDigits: 5, Decimals: 3}
	return Layouts{
		"20": price, "21": price, "22": price,
		"23": weight, "24": weight, "25": weight,
	}
}

// NordicLayouts returns the GS1 Sweden scheme, 6 article digits and a 4-digit
// value whose decimals depend on the prefix:
//
//	20: price, 2 decimals (00,01–99,99 kr)   23: weight, 3 decimals (≤ 9,999 kg)
//	21: price, 1 decimal  (≤ 999,9 kr)       24: weight, 2 decimals (≤ 99,99 kg)
//	22: price, 0 decimals (≤ 9999 kr)        25: weight, 1 decimal  (≤ 999,9 kg)
//
// The caller owns the returned map.
func NordicLayouts() Layouts {
	l := Layouts{}
	for i, p := range []string{"20", "21", "22"} {
		l[p] = Layout{ItemDigits: 6, Value: PriceØre, ValueDigits: 4, Decimals: 2 - i}
	}
	for i, p := range []string{"23", "24", "25"} {
		l[p] = Layout{ItemDigits: 6, Value: WeightGram, ValueDigits: 4, Decimals: 3 - i}
	}
	return l
}

// Validate reports the first inconsistent entry, wrapped in ErrLayout.
func (ls Layouts) Validate() error {
	keys := make([]string, 0, len(ls))
	for k := range ls {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !validPrefix(k) {
			return perr(ErrLayout, k, "prefix must be 20–29, 02 or 04")
		}
		if err := ls[k].check(); err != "" {
			return perr(ErrLayout, k, "%s", err)
		}
	}
	return nil
}

func validPrefix(p string) bool {
	return len(p) == 2 && (p[0] == '2' && p[1] >= '0' && p[1] <= '9' || p == "02" || p == "04")
}

// check returns what is wrong with l, or "".
func (l Layout) check() string {
	pc := 0
	if l.PriceCheck {
		pc = 1
	}
	switch {
	case l.Value != PriceØre && l.Value != WeightGram:
		return "value kind must be PriceØre or WeightGram"
	case l.ItemDigits < 1 || l.ValueDigits < 1:
		return "need at least one article and one value digit"
	case 2+l.ItemDigits+pc+l.ValueDigits != 12:
		return fmt.Sprintf("2 prefix + %d article + %d price check + %d value digits + check digit is not 13",
			l.ItemDigits, pc, l.ValueDigits)
	case l.PriceCheck && l.ValueDigits != 4 && l.ValueDigits != 5:
		return "a price check digit needs a 4- or 5-digit value"
	case l.Decimals < 0 || l.Decimals > l.scale():
		return fmt.Sprintf("%d decimals is more than a %s value can keep (max %d)", l.Decimals, l.Value, l.scale())
	}
	return ""
}

// scale is the number of decimals of the unit the value is kept in.
func (l Layout) scale() int {
	if l.Value == WeightGram {
		return 3
	}
	return 2
}

// MakeInStore builds the 13-digit in-store code for an article and a value
// in øre or grams (by the prefix's layout), with the inner price check
// digit where the layout has one. MakeInStore(prefix, article, 0) is the
// article key of Code.GTIN without its leading "0". A value that needs
// more digits, or finer resolution, than the layout has is ErrFormat.
func (ls Layouts) MakeInStore(prefix, article string, value int64) (string, error) {
	l, ok := ls[prefix]
	if !ok {
		return "", perr(ErrLayout, prefix, "no layout for this prefix")
	}
	if !validPrefix(prefix) {
		return "", perr(ErrLayout, prefix, "prefix must be 20–29, 02 or 04")
	}
	if err := l.check(); err != "" {
		return "", perr(ErrLayout, prefix, "%s", err)
	}
	if len(article) != l.ItemDigits || nonDigit(article) >= 0 {
		return "", perr(ErrFormat, article, "article must be %d digits", l.ItemDigits)
	}
	if value < 0 {
		return "", perr(ErrFormat, article, "negative value %d", value)
	}
	unit := pow10[l.scale()-l.Decimals]
	if value%unit != 0 {
		return "", perr(ErrFormat, article, "value %d is not a multiple of %d", value, unit)
	}
	field := value / unit
	if field >= pow10[l.ValueDigits] {
		return "", perr(ErrFormat, article, "value %d does not fit in %d digits", value, l.ValueDigits)
	}
	v := fmt.Sprintf("%0*d", l.ValueDigits, field)
	b := make([]byte, 0, 13)
	b = append(b, prefix...)
	b = append(b, article...)
	if l.PriceCheck {
		b = append(b, byte('0'+priceCheckDigit(v)))
	}
	b = append(b, v...)
	b = append(b, byte('0'+mod10(b)))
	return string(b), nil
}

// pow10[i] is 10^i.
var pow10 = [...]int64{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18}

// inStore decodes the in-store code g13 (13 digits, check digit already
// verified) into c by layout l. raw is for error messages.
func inStore(c *Code, raw, g13 string, l Layout) error {
	if err := l.check(); err != "" {
		return perr(ErrLayout, raw, "layout for prefix %s: %s", g13[:2], err)
	}
	itemEnd := 2 + l.ItemDigits
	valStart := itemEnd
	if l.PriceCheck {
		valStart++
	}
	v := g13[valStart:12]
	if l.PriceCheck {
		want := priceCheckDigit(v)
		if got := int(g13[itemEnd] - '0'); got != want {
			return perr(ErrCheckDigit, raw, "price check digit is %d, want %d", got, want)
		}
	}
	n := atoi(v) * pow10[l.scale()-l.Decimals]

	var key [13]byte
	copy(key[:], g13[:itemEnd])
	for i := itemEnd; i < 12; i++ {
		key[i] = '0'
	}
	key[12] = byte('0' + mod10(key[:12]))

	c.GTIN = "0" + string(key[:])
	c.Article = g13[2:itemEnd]
	switch l.Value {
	case PriceØre:
		c.Kind, c.PriceØre, c.HasPrice = InStorePrice, n, true
	default:
		c.Kind, c.WeightGram, c.HasWeight = InStoreWeight, n, true
	}
	return nil
}

// atoi converts up to 18 ASCII digits; the caller has checked them.
func atoi(s string) int64 {
	var n int64
	for i := 0; i < len(s); i++ {
		n = n*10 + int64(s[i]-'0')
	}
	return n
}
