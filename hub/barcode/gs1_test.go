package barcode

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

const gsSep = "\x1d"

// at2026 is a Parser whose clock says 2026, for the GS1 century window.
var at2026 = Parser{Layouts: DefaultLayouts(), Now: func() time.Time { return time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) }}

func TestGS1Forms(t *testing.T) {
	want := Code{
		Kind:       GS1,
		GTIN:       "07038010055690",
		WeightGram: 1250,
		HasWeight:  true,
		Expiry:     Date{2025, time.May, 31},
		Batch:      "ABC123",
		Serial:     "SN-42",
		Elements: []Element{
			{"01", "07038010055690"}, {"3103", "001250"}, {"17", "250500"}, {"10", "ABC123"}, {"21", "SN-42"},
		},
	}
	es := "0107038010055690" + "3103001250" + "17250500" + "10ABC123" + gsSep + "21SN-42"
	for _, in := range []string{
		"(01)07038010055690(3103)001250(17)250500(10)ABC123(21)SN-42",
		"(01) 07038010055690 (3103) 001250 (17) 250500 (10) ABC123 (21) SN-42",
		"]C1(01)07038010055690(3103)001250(17)250500(10)ABC123(21)SN-42",
		"]C1" + es,
		"]C1" + es + "\r\n",
		"]d2" + es,
		"]Q3" + es,
		"]J1" + es,
		gsSep + es,         // FNC1 in first position sent as GS, no identifier
		es,                 // contains GS, no identifier
		"]C1" + es + gsSep, // trailing GS
		// FNC1 after predefined-length fields is redundant but harmless.
		"]d2" + gsSep + "0107038010055690" + gsSep + "3103001250" + gsSep + "17250500" + gsSep + "10ABC123" + gsSep + gsSep + "21SN-42",
	} {
		c, err := at2026.Parse(in)
		if err != nil {
			t.Errorf("Parse(%q): %v", in, err)
			continue
		}
		w := want
		w.Raw = strings.TrimSpace(in)
		if !reflect.DeepEqual(c, w) {
			t.Errorf("Parse(%q) =\n %+v, want\n %+v", in, c, w)
		}
	}
}

func TestGS1NoIdentifier(t *testing.T) {
	// Scanners set to send no AIM identifier: digits from a GS1-128 or
	// GS1 DataBar that start with AI 01 or 00.
	for in, gtin := range map[string]string{
		"0107038010055690":                 "07038010055690",
		"010703801005569017250531":         "07038010055690",
		"01070380100556901725053110LOT7":   "07038010055690",
		"00376104250021234569":             "",
		"00376104250021234569" + "10X1":    "",
		"0107038010055690" + gsSep + "10X": "07038010055690",
	} {
		c, err := Parse(in)
		if err != nil || c.Kind != GS1 || c.GTIN != gtin {
			t.Errorf("Parse(%q) = %+v, %v", in, c, err)
		}
	}
}

func TestGS1Weight(t *testing.T) {
	// (310n) net weight in kg with n decimals, 001250 → grams.
	want := []int64{1250000, 125000, 12500, 1250, 125, 13} // n=5: 12,5 g rounds up
	for n, w := range want {
		for _, in := range []string{
			fmt.Sprintf("(01)07038010055690(310%d)001250", n),
			fmt.Sprintf("]C10107038010055690310%d001250", n),
		} {
			c, err := Parse(in)
			if err != nil || c.WeightGram != w || !c.HasWeight {
				t.Errorf("Parse(%q) = %d g, %v; want %d", in, c.WeightGram, err, w)
			}
		}
	}
	for in, w := range map[string]int64{
		"(3105)001234": 12, // 12,34 g
		"(3104)000005": 1,  // 0,5 g rounds up
		"(3104)000004": 0,
		"(3100)999999": 999999000,
		"(3103)000000": 0,
	} {
		c, err := Parse(in)
		if err != nil || c.WeightGram != w || !c.HasWeight {
			t.Errorf("Parse(%q) = %d g, %v; want %d", in, c.WeightGram, err, w)
		}
	}
	// 3106–3109 do not exist.
	if _, err := Parse("(3106)001250"); !errors.Is(err, ErrUnknownAI) {
		t.Errorf("3106: %v", err)
	}
	// Two weights must agree.
	if c, err := Parse("(3103)001250(3102)000125"); err != nil || c.WeightGram != 1250 {
		t.Errorf("agreeing weights: %+v, %v", c, err)
	}
	if _, err := Parse("(3103)001250(3102)000126"); !errors.Is(err, ErrFormat) {
		t.Errorf("conflicting weights: %v", err)
	}
}

func TestGS1Price(t *testing.T) {
	for in, want := range map[string]int64{
		"(01)07038010055690(3103)000450(3922)2990": 2990,
		"(3920)29":       2900,
		"(3921)299":      2990,
		"(3923)29900":    2990,
		"(3902)00012345": 12345,
		"(3925)100000":   100,
	} {
		c, err := Parse(in)
		if err != nil || c.PriceØre != want || !c.HasPrice {
			t.Errorf("Parse(%q) = %d øre, %v; want %d", in, c.PriceØre, err, want)
		}
	}
	for _, in := range []string{"(3923)29905", "(3922)2990(3921)298", "(3922)1234567890123456"} {
		if _, err := Parse(in); !errors.Is(err, ErrFormat) {
			t.Errorf("Parse(%q) = %v, want ErrFormat", in, err)
		}
	}
}

func TestGS1Dates(t *testing.T) {
	for in, want := range map[string]Date{
		"(17)250500": {2025, time.May, 31},
		"(17)240200": {2024, time.February, 29}, // leap year
		"(17)250200": {2025, time.February, 28},
		"(17)251200": {2025, time.December, 31},
		"(17)250430": {2025, time.April, 30},
		"(17)260101": {2026, time.January, 1},
		"(17)751231": {2075, time.December, 31}, // 49 years ahead
		"(17)760101": {2076, time.January, 1},   // 50 years ahead
		"(17)770101": {1977, time.January, 1},   // 51 years ahead → last century
		"(17)990101": {1999, time.January, 1},
	} {
		c, err := at2026.Parse(in)
		if err != nil || c.Expiry != want {
			t.Errorf("Parse(%q).Expiry = %v, %v; want %v", in, c.Expiry, err, want)
		}
	}
	c, err := at2026.Parse("(15)250600(17)250700")
	if err != nil || c.BestBefore != (Date{2025, time.June, 30}) || c.Expiry != (Date{2025, time.July, 31}) {
		t.Errorf("best before: %+v, %v", c, err)
	}
	// Century rolls forward near the end of a century.
	p := Parser{Now: func() time.Time { return time.Date(2090, 1, 1, 0, 0, 0, 0, time.UTC) }}
	if c, err := p.Parse("(17)050100"); err != nil || c.Expiry.Year != 2105 {
		t.Errorf("2090 window: %+v, %v", c.Expiry, err)
	}
	for _, in := range []string{"(17)251301", "(17)250001", "(17)250230", "(17)250431", "(17)25050", "(11)251340", "(15)2505AA"} {
		if _, err := Parse(in); !errors.Is(err, ErrFormat) {
			t.Errorf("Parse(%q) = %v, want ErrFormat", in, err)
		}
	}
}

func TestGS1OtherElements(t *testing.T) {
	gln := MakeEAN13("703801000000")
	in := "]C1" + "00376104250021234569" + "0207038010055690" + "37" + "12" + gsSep +
		"414" + gln + "11250101" + "20" + "01" + "240" + "ART-9" + gsSep + "7003" + "2501011230" + gsSep + "99" + "internal"
	c, err := Parse(in)
	if err != nil {
		t.Fatal(err)
	}
	if c.GTIN != "" || len(c.Elements) != 9 {
		t.Errorf("Parse(%q) = %+v", in, c)
	}
	if e := c.Elements[3]; e.AI != "414" || e.Value != gln {
		t.Errorf("GLN element %+v", e)
	}
}

func TestGS1Errors(t *testing.T) {
	for _, tt := range []struct {
		in  string
		err error
	}{
		{"(01)07038010055691", ErrCheckDigit},
		{"]C10107038010055691", ErrCheckDigit},
		{"(02)07038010055691", ErrCheckDigit},
		{"(00)376104250021234560", ErrCheckDigit},
		{"(414)7038010000004", ErrCheckDigit},
		{"(01)0703801005569", ErrFormat},  // 13 digits
		{"]C1010703801005569", ErrFormat}, // truncated
		{"]C101070380100556" + gsSep + "9", ErrFormat},
		{"(01)07038010055690X", ErrFormat},
		{"(01)07038O10055690", ErrFormat},
		{"(10)", ErrFormat},
		{"(10)AB CD", ErrFormat},
		{"(10)ÆØÅ", ErrFormat},
		{"(10)" + strings.Repeat("A", 21), ErrFormat},
		{"]C110" + strings.Repeat("A", 20) + "21SER", ErrFormat}, // missing GS after batch
		{"(01", ErrFormat},
		{"(1)23", ErrFormat},
		{"(ab)23", ErrFormat},
		{"(01)07038010055690)", ErrFormat},
		{"]C1", ErrFormat},
		{gsSep, ErrFormat},
		{gsSep + gsSep, ErrFormat},
		{"]C1A", ErrFormat},
		{"]C10", ErrFormat},
		{"]C131", ErrFormat},
		{"(10)A(10)B", ErrFormat}, // same AI, different values
		{"(30)123456789", ErrFormat},
		// Unknown AIs: refuse rather than guess where they end.
		{"(05)12345", ErrUnknownAI},
		{"(3106)001250", ErrUnknownAI},
		{"(7007)250101", ErrUnknownAI},
		{"(235)XYZ", ErrUnknownAI},
		{"(310)001250", ErrUnknownAI}, // AI too short
		{"(01234)1", ErrFormat},       // too long to be an AI
		{"(0107)1", ErrUnknownAI},     // 01 is a 2-digit AI
		{"]C10107038010055690" + "89123", ErrUnknownAI},
		{"]C10107038010055690" + "14250101", ErrUnknownAI},
		{"]C10107038010055690" + "7007250101", ErrUnknownAI},
	} {
		_, err := Parse(tt.in)
		if sentinel(err) != tt.err {
			t.Errorf("Parse(%q) = %v, want %v", tt.in, err, tt.err)
		}
	}
	// Unknown AIs are also unsupported.
	if _, err := Parse("(05)1"); !errors.Is(err, ErrUnsupported) {
		t.Errorf("ErrUnknownAI does not match ErrUnsupported: %v", err)
	}
}

func TestGS1RepeatedAI(t *testing.T) {
	c, err := Parse("(10)A(10)A")
	if err != nil || c.Batch != "A" || len(c.Elements) != 2 {
		t.Errorf("repeated same value: %+v, %v", c, err)
	}
}

// TestAITable checks the AI table against the GS1 rules it relies on: the
// AI length by prefix, and the lengths of predefined-length AIs (General
// Specifications figure 7.8.5-2), which are never followed by FNC1.
func TestAITable(t *testing.T) {
	total := map[string]int{
		"00": 20, "01": 16, "02": 16, "03": 16, "04": 18,
		"11": 8, "12": 8, "13": 8, "14": 8, "15": 8, "16": 8, "17": 8, "18": 8, "19": 8,
		"20": 4, "31": 10, "32": 10, "33": 10, "34": 10, "35": 10, "36": 10, "41": 16,
	}
	known := 0
	for _, n := range []int{2, 3, 4} {
		for i := 0; i < int(pow10[n]); i++ {
			ai := padInt(i, n)
			spec, ok := specFor(ai)
			if !ok {
				continue
			}
			known++
			if l := aiLen(ai[0], ai[1]); l != n {
				t.Errorf("AI %s in table but aiLen says %d", ai, l)
			}
			tl, pre := total[ai[:2]]
			if pre != predefined(ai[0], ai[1]) {
				t.Errorf("AI %s: predefined = %v", ai, !pre)
			}
			if pre && spec.fixed+n != tl {
				t.Errorf("AI %s: length %d+%d, predefined %d", ai, n, spec.fixed, tl)
			}
			if spec.fixed == 0 && (spec.max < 1 || spec.min > spec.max) {
				t.Errorf("AI %s: bad variable length %+v", ai, spec)
			}
			if spec.date && spec.fixed != 6 {
				t.Errorf("AI %s: date of length %d", ai, spec.fixed)
			}
		}
	}
	if known < 100 {
		t.Errorf("only %d AIs known", known)
	}
}
