package barcode

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

// sentinel returns which sentinel err wraps, most specific first.
func sentinel(err error) error {
	for _, s := range []error{ErrUnknownAI, ErrFormat, ErrCheckDigit, ErrUnsupported, ErrLayout} {
		if errors.Is(err, s) {
			return s
		}
	}
	return nil
}

func TestParseLinear(t *testing.T) {
	tests := []struct {
		in   string
		kind Kind
		gtin string
		err  error
	}{
		// Real codes.
		{"7038010055690", EAN13, "07038010055690", nil}, // Norwegian EAN-13
		{"4006381333931", EAN13, "04006381333931", nil},
		{"5012345678900", EAN13, "05012345678900", nil},
		{"96385074", EAN8, "00000096385074", nil},
		{"036000291452", UPCA, "00036000291452", nil},
		{"0036000291452", EAN13, "00036000291452", nil}, // UPC-A in EAN-13 form: same key
		{"10012345678902", GTIN14, "10012345678902", nil},
		// Scanners end reads with CR/LF; keyboard wedges may add spaces/tabs.
		{"7038010055690\r\n", EAN13, "07038010055690", nil},
		{"7038010055690\n", EAN13, "07038010055690", nil},
		{" \t96385074\r", EAN8, "00000096385074", nil},
		// AIM symbology identifiers.
		{"]E07038010055690", EAN13, "07038010055690", nil},
		{"]E0036000291452\r\n", UPCA, "00036000291452", nil},
		{"]E496385074", EAN8, "00000096385074", nil},
		{"]I110012345678902", GTIN14, "10012345678902", nil},
		// In-store prefix without a layout in DefaultLayouts: plain EAN-13.
		{"2600001000016", EAN13, "02600001000016", nil},
		// Bad check digits.
		{"7038010055691", 0, "", ErrCheckDigit},
		{"7038010055699", 0, "", ErrCheckDigit},
		{"96385075", 0, "", ErrCheckDigit},
		{"036000291453", 0, "", ErrCheckDigit},
		{"10012345678903", 0, "", ErrCheckDigit},
		{"]E07038010055691", 0, "", ErrCheckDigit},
		// Wrong lengths.
		{"70380100556", 0, "", ErrFormat},
		{"123", 0, "", ErrFormat},
		{"703801005569000", 0, "", ErrFormat},
		{"1234567890123456789", 0, "", ErrFormat},
		{"]E4036000291452", 0, "", ErrFormat},
		// Non-digits and empties.
		{"70380100S5690", 0, "", ErrFormat},
		{"7038 010055690", 0, "", ErrFormat},
		{"7038010055690\x00", 0, "", ErrFormat},
		{"", 0, "", ErrFormat},
		{" \r\n", 0, "", ErrFormat},
		{"]E", 0, "", ErrFormat},
		{"]E0", 0, "", ErrFormat},
		{strings.Repeat("7", 600), 0, "", ErrFormat},
		// Unsupported kinds.
		{"hello world", 0, "", ErrUnsupported},
		{"https://kasse.example/p/1", 0, "", ErrUnsupported},
		{"]C0ABC123", 0, "", ErrUnsupported},   // plain Code 128
		{"]Q1hello", 0, "", ErrUnsupported},    // plain QR
		{"]E001234565", 0, "", ErrUnsupported}, // UPC-E
		{"]I012345", 0, "", ErrUnsupported},
	}
	for _, tt := range tests {
		c, err := Parse(tt.in)
		if got := sentinel(err); got != tt.err || (err != nil) != (tt.err != nil) {
			t.Errorf("Parse(%q) error = %v, want %v", tt.in, err, tt.err)
			continue
		}
		if err != nil {
			if c.Kind != Unknown {
				t.Errorf("Parse(%q) returned Kind %v with an error", tt.in, c.Kind)
			}
			continue
		}
		if c.Kind != tt.kind || c.GTIN != tt.gtin {
			t.Errorf("Parse(%q) = %v %q, want %v %q", tt.in, c.Kind, c.GTIN, tt.kind, tt.gtin)
		}
		if c.Raw != strings.TrimSpace(tt.in) {
			t.Errorf("Parse(%q).Raw = %q", tt.in, c.Raw)
		}
		if c.HasPrice || c.HasWeight || c.Elements != nil {
			t.Errorf("Parse(%q) = %+v: unexpected extras", tt.in, c)
		}
	}
}

func TestUPCAMatchesEAN13(t *testing.T) {
	a, err1 := Parse("036000291452")
	b, err2 := Parse("0036000291452")
	c, err3 := Parse("(01)00036000291452")
	if err1 != nil || err2 != nil || err3 != nil {
		t.Fatal(err1, err2, err3)
	}
	if a.GTIN != b.GTIN || a.GTIN != c.GTIN {
		t.Errorf("keys differ: %q %q %q", a.GTIN, b.GTIN, c.GTIN)
	}
}

func TestInStoreDefault(t *testing.T) {
	tests := []struct {
		in            string
		kind          Kind
		key, article  string
		price, weight int64
	}{
		// 20 12345 02990 3: 29,90 kr. Check digit by hand: digits
		// 2 0 1 2 3 4 5 0 2 9 9 0, weights 1 3 1 3 … 3 from the left:
		// 2+0+1+6+3+12+5+0+2+27+9+0 = 67 → 3. Key 20 12345 00000: 29 → 1.
		{"2012345029903", InStorePrice, "02012345000001", "12345", 2990, 0},
		// 22 00001 00001 8: 1 øre. 2+6+0+0+0+0+1+0+0+0+0+3 = 12 → 8.
		// Key 22 00001 00000: 2+6+1 = 9 → 1.
		{"2200001000018\r\n", InStorePrice, "02200001000001", "00001", 1, 0},
		// 23 54321 01250 0: 1,250 kg. 2+9+5+12+3+6+1+0+1+6+5+0 = 50 → 0.
		{"2354321012500", InStoreWeight, "02354321000002", "54321", 0, 1250},
		// 25 54321 99999 x: 99,999 kg.
		{MakeEAN13("255432199999"), InStoreWeight, "0" + MakeEAN13("255432100000"), "54321", 0, 99999},
		// UPC-A in-store prefixes (number system 2) are not in the defaults.
	}
	for _, tt := range tests {
		c, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if c.Kind != tt.kind || c.GTIN != tt.key || c.Article != tt.article ||
			c.PriceØre != tt.price || c.WeightGram != tt.weight ||
			c.HasPrice != (tt.kind == InStorePrice) || c.HasWeight != (tt.kind == InStoreWeight) {
			t.Errorf("Parse(%q) = %+v, want %v key %s article %s price %d weight %d",
				tt.in, c, tt.kind, tt.key, tt.article, tt.price, tt.weight)
		}
		if !Valid(c.GTIN) {
			t.Errorf("Parse(%q): key %q is not a valid GTIN", tt.in, c.GTIN)
		}
	}

	// The key is what MakeEAN13 and MakeInStore give with value zero.
	k, err := DefaultLayouts().MakeInStore("20", "12345", 0)
	if err != nil || "0"+k != "02012345000001" || "0"+MakeEAN13("201234500000") != "02012345000001" {
		t.Errorf("MakeInStore key = %q, %v", k, err)
	}

	if _, err := Parse("2012345029904"); !errors.Is(err, ErrCheckDigit) {
		t.Errorf("bad outer check digit: %v", err)
	}
	// The zero Parser has no layouts.
	var p Parser
	if c, err := p.Parse("2012345029903"); err != nil || c.Kind != EAN13 || c.GTIN != "02012345029903" {
		t.Errorf("zero Parser: %+v, %v", c, err)
	}
}

func TestInStoreNordic(t *testing.T) {
	p := Parser{Layouts: NordicLayouts()}
	tests := []struct {
		in            string
		kind          Kind
		price, weight int64
	}{
		{"2012345612341", InStorePrice, 1234, 0},    // 12,34 kr
		{"2112345612348", InStorePrice, 12340, 0},   // 123,4 kr
		{"2212345612345", InStorePrice, 123400, 0},  // 1234 kr
		{"2312345612342", InStoreWeight, 0, 1234},   // 1,234 kg
		{"2412345612349", InStoreWeight, 0, 12340},  // 12,34 kg
		{"2512345612346", InStoreWeight, 0, 123400}, // 123,4 kg
	}
	for _, tt := range tests {
		c, err := p.Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if c.Kind != tt.kind || c.PriceØre != tt.price || c.WeightGram != tt.weight || c.Article != "123456" {
			t.Errorf("Parse(%q) = %+v", tt.in, c)
		}
		if want := "0" + MakeEAN13(tt.in[:8]+"0000"); c.GTIN != want {
			t.Errorf("Parse(%q).GTIN = %q, want %q", tt.in, c.GTIN, want)
		}
	}
}

func TestInStorePriceCheck(t *testing.T) {
	p := Parser{Layouts: Layouts{
		// 28 AAAA K VVVVV C (German style), price in øre.
		"28": {ItemDigits: 4, Value: PriceØre, ValueDigits: 5, Decimals: 2, PriceCheck: true},
		// 29 AAAAA K VVVV C (UK style).
		"29": {ItemDigits: 5, Value: PriceØre, ValueDigits: 4, Decimals: 2, PriceCheck: true},
		// UPC-A number system 2: 2 AAAAA K VVVV C; GTIN-13 prefix 02.
		"02": {ItemDigits: 5, Value: PriceØre, ValueDigits: 4, Decimals: 2, PriceCheck: true},
	}}
	if err := p.Layouts.Validate(); err != nil {
		t.Fatal(err)
	}
	// GS1 General Specifications examples: 14685 → 6, 2875 → 9.
	good5 := MakeEAN13("281234" + "6" + "14685")
	good4 := MakeEAN13("2912345" + "9" + "2875")
	upc := MakeEAN13("021234592875")[1:] // 12-digit UPC-A
	for _, tt := range []struct {
		in    string
		price int64
		key   string
	}{
		{good5, 14685, "0" + MakeEAN13("281234000000")},
		{good4, 2875, "0" + MakeEAN13("291234500000")},
		{upc, 2875, "0" + MakeEAN13("021234500000")},
	} {
		c, err := p.Parse(tt.in)
		if err != nil || c.Kind != InStorePrice || c.PriceØre != tt.price || c.GTIN != tt.key {
			t.Errorf("Parse(%q) = %+v, %v; want price %d key %s", tt.in, c, err, tt.price, tt.key)
		}
	}
	for _, bad := range []string{
		MakeEAN13("281234" + "5" + "14685"),
		MakeEAN13("2912345" + "8" + "2875"),
	} {
		_, err := p.Parse(bad)
		if !errors.Is(err, ErrCheckDigit) || !strings.Contains(err.Error(), "price check digit") {
			t.Errorf("Parse(%q) = %v, want price check digit error", bad, err)
		}
	}
	// MakeInStore computes the same inner digit.
	if s, err := p.Layouts.MakeInStore("28", "1234", 14685); err != nil || s != good5 {
		t.Errorf("MakeInStore = %q, %v; want %q", s, err, good5)
	}
}

func TestPriceCheckDigit(t *testing.T) {
	for v, want := range map[string]int{"2875": 9, "14685": 6, "0000": 0, "00000": 0} {
		if got := priceCheckDigit(v); got != want {
			t.Errorf("priceCheckDigit(%s) = %d, want %d", v, got, want)
		}
	}
	for _, v := range []string{"", "123", "123456", "12a4"} {
		if got := priceCheckDigit(v); got != -1 {
			t.Errorf("priceCheckDigit(%q) = %d, want -1", v, got)
		}
	}
	// Every single-digit substitution changes the check digit.
	for _, n := range []int{4, 5} {
		max := int(pow10[n])
		for x := 0; x < max; x += 7 {
			v := []byte(padInt(x, n))
			c := priceCheckDigit(string(v))
			for i := range v {
				orig := v[i]
				for d := byte('0'); d <= '9'; d++ {
					if d == orig {
						continue
					}
					v[i] = d
					if priceCheckDigit(string(v)) == c {
						t.Fatalf("%s and %s share check digit %d", padInt(x, n), v, c)
					}
				}
				v[i] = orig
			}
		}
	}
}

func padInt(x, n int) string {
	b := make([]byte, n)
	for i := n - 1; i >= 0; i-- {
		b[i] = byte('0' + x%10)
		x /= 10
	}
	return string(b)
}

func TestLayoutsValidate(t *testing.T) {
	if err := DefaultLayouts().Validate(); err != nil {
		t.Error(err)
	}
	if err := NordicLayouts().Validate(); err != nil {
		t.Error(err)
	}
	bad := []Layouts{
		{"30": {ItemDigits: 5, Value: PriceØre, ValueDigits: 5, Decimals: 2}},
		{"2": {ItemDigits: 5, Value: PriceØre, ValueDigits: 5, Decimals: 2}},
		{"20": {ItemDigits: 5, Value: PriceØre, ValueDigits: 4, Decimals: 2}},
		{"20": {ItemDigits: 5, ValueDigits: 5, Decimals: 2}},
		{"20": {ItemDigits: 4, Value: PriceØre, ValueDigits: 7, Decimals: 2}},
		{"20": {ItemDigits: 3, Value: PriceØre, ValueDigits: 6, Decimals: 2, PriceCheck: true}},
		{"20": {ItemDigits: 5, Value: PriceØre, ValueDigits: 5, Decimals: 3}},
		{"23": {ItemDigits: 5, Value: WeightGram, ValueDigits: 5, Decimals: 4}},
		{"23": {ItemDigits: 5, Value: WeightGram, ValueDigits: 5, Decimals: -1}},
		{"23": {ItemDigits: 0, Value: WeightGram, ValueDigits: 10, Decimals: 3}},
	}
	for _, ls := range bad {
		if err := ls.Validate(); !errors.Is(err, ErrLayout) {
			t.Errorf("Validate(%v) = %v, want ErrLayout", ls, err)
		}
	}
	// A misconfigured Parser fails with ErrLayout, it does not panic.
	p := Parser{Layouts: bad[2]}
	if _, err := p.Parse(MakeEAN13("201234512345")); !errors.Is(err, ErrLayout) {
		t.Errorf("bad layout: %v", err)
	}
}

func TestMakeInStore(t *testing.T) {
	d := DefaultLayouts()
	if s, err := d.MakeInStore("20", "12345", 2990); err != nil || s != "2012345029903" {
		t.Errorf("MakeInStore price = %q, %v", s, err)
	}
	if s, err := d.MakeInStore("23", "54321", 1250); err != nil || s != "2354321012500" {
		t.Errorf("MakeInStore weight = %q, %v", s, err)
	}
	n := NordicLayouts()
	if s, err := n.MakeInStore("22", "123456", 123400); err != nil || s != "2212345612345" {
		t.Errorf("MakeInStore nordic = %q, %v", s, err)
	}
	for _, tc := range []struct {
		ls      Layouts
		prefix  string
		article string
		value   int64
		err     error
	}{
		{d, "26", "12345", 1, ErrLayout},
		{d, "20", "1234", 1, ErrFormat},
		{d, "20", "1234x", 1, ErrFormat},
		{d, "20", "12345", -1, ErrFormat},
		{d, "20", "12345", 100000, ErrFormat},
		{n, "22", "123456", 123450, ErrFormat}, // whole kroner only
		{Layouts{"2x": d["20"]}, "2x", "12345", 1, ErrLayout},
		{Layouts{"20": {}}, "20", "12345", 1, ErrLayout},
	} {
		if _, err := tc.ls.MakeInStore(tc.prefix, tc.article, tc.value); sentinel(err) != tc.err {
			t.Errorf("MakeInStore(%s, %s, %d) = %v, want %v", tc.prefix, tc.article, tc.value, err, tc.err)
		}
	}
}

func TestCheckDigit(t *testing.T) {
	for in, want := range map[string]byte{
		"703801005569":      '0',
		"9638507":           '4',
		"03600029145":       '2',
		"1001234567890":     '2',
		"37610425002123456": '9', // SSCC
		"0":                 '0',
		"1":                 '7',
	} {
		if got, err := CheckDigit(in); err != nil || got != want {
			t.Errorf("CheckDigit(%s) = %c, %v; want %c", in, got, err, want)
		}
	}
	for _, in := range []string{"", "12a", " 123", "١٢٣"} {
		if _, err := CheckDigit(in); !errors.Is(err, ErrFormat) {
			t.Errorf("CheckDigit(%q) error = %v", in, err)
		}
	}
}

func TestValid(t *testing.T) {
	for in, want := range map[string]bool{
		"7038010055690":      true,
		"96385074":           true,
		"036000291452":       true,
		"10012345678902":     true,
		"7038010055691":      false,
		"7038010055690 ":     false,
		"703801005569":       false, // 12 digits, wrong check
		"1234567":            false,
		"":                   false,
		"70380100556a0":      false,
		"037610425002123456": false, // SSCC is not a GTIN
	} {
		if got := Valid(in); got != want {
			t.Errorf("Valid(%q) = %v", in, got)
		}
	}
}

func TestMakeEAN13(t *testing.T) {
	if got := MakeEAN13("703801005569"); got != "7038010055690" {
		t.Errorf("MakeEAN13 = %q", got)
	}
	for _, in := range []string{"", "70380100556", "7038010055690", "70380100556x"} {
		if got := MakeEAN13(in); got != "" {
			t.Errorf("MakeEAN13(%q) = %q, want \"\"", in, got)
		}
	}
}

func TestErrorMessages(t *testing.T) {
	long := "]C1" + strings.Repeat("0107038010055691", 10) + "\x1d"
	for _, in := range []string{"7038010055691\r\n", "ÆØÅ", long, "\x00\x01\x02", "(01)\x1b[31m", string([]byte{0xff, 0xfe}) + strings.Repeat("é", 30)} {
		_, err := Parse(in)
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Fatalf("Parse(%q) = %v, not a *ParseError", in, err)
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, "barcode: ") || !utf8.ValidString(msg) || len(msg) > 200 {
			t.Errorf("message %q", msg)
		}
		for _, r := range msg {
			if !unicode.IsPrint(r) {
				t.Errorf("message %q has non-printable %U", msg, r)
			}
		}
		if len(pe.Input) > maxQuoted || !strings.HasPrefix(strings.TrimSpace(in), pe.Input) {
			t.Errorf("Input %q of %q", pe.Input, in)
		}
	}
	_, err := Parse("7038010055691\r\n")
	if want := `barcode: wrong check digit "7038010055691": check digit is 1, want 0`; err.Error() != want {
		t.Errorf("got %q, want %q", err, want)
	}
	_, err = Parse(long)
	if !strings.Contains(err.Error(), `"…: `) {
		t.Errorf("truncated message lacks marker: %q", err)
	}
}

func TestKindString(t *testing.T) {
	if EAN13.String() != "EAN-13" || InStoreWeight.String() != "in-store weight" || Kind(99).String() != "Kind(99)" {
		t.Error("Kind.String")
	}
	if PriceØre.String() != "price" || ValueKind(9).String() != "ValueKind(9)" {
		t.Error("ValueKind.String")
	}
}

func TestDate(t *testing.T) {
	d := DateOf(time.Date(2025, 5, 31, 23, 59, 0, 0, time.UTC))
	if d != (Date{2025, time.May, 31}) || d.String() != "2025-05-31" || d.IsZero() {
		t.Errorf("DateOf = %v", d)
	}
	if (Date{}).String() != "" || !(Date{}).IsZero() {
		t.Error("zero Date")
	}
	for _, tc := range []struct {
		a, b Date
		want int
	}{
		{Date{2025, 5, 31}, Date{2025, 6, 1}, -1},
		{Date{2025, 6, 1}, Date{2025, 5, 31}, 1},
		{Date{2024, 12, 31}, Date{2025, 1, 1}, -1},
		{Date{2025, 1, 2}, Date{2025, 1, 1}, 1},
		{Date{2025, 1, 1}, Date{2025, 1, 1}, 0},
	} {
		if got := tc.a.Compare(tc.b); got != tc.want {
			t.Errorf("%v.Compare(%v) = %d", tc.a, tc.b, got)
		}
	}
}
