package money

import (
	"errors"
	"testing"
)

func TestVAT(t *testing.T) {
	for _, c := range []struct {
		gross Øre
		r     Rate
		vat   Øre
	}{
		{12500, Rate25, 2500},   // 125.00 incl. 25 % → 25.00 VAT
		{11500, Rate15, 1500},   // 115.00 incl. 15 % → 15.00
		{11200, Rate12, 1200},   // 112.00 incl. 12 % → 12.00
		{1000, Rate0, 0},        // exempt
		{3280, Rate15, 428},     // SAF-T example line: 32.80 incl. 15 % → 4.28 (28.52 net)
		{8640, Rate15, 1127},    // 86.40 → 11.269… → 11.27
		{1, Rate25, 0},          // 0.2 øre → 0
		{3, Rate25, 1},          // 0.6 øre → 1
		{-12500, Rate25, -2500}, // a return mirrors a sale
	} {
		if got := VAT(c.gross, c.r); got != c.vat {
			t.Errorf("VAT(%d, %v) = %d, want %d", c.gross, c.r, got, c.vat)
		}
	}
}

func TestRoundCash(t *testing.T) {
	for _, c := range []struct{ in, out, diff Øre }{
		{10000, 10000, 0},
		{10001, 10000, -1},
		{10049, 10000, -49},
		{10050, 10100, 50},
		{10099, 10100, 1},
		{49, 0, -49},
		{50, 100, 50},
		{-10049, -10000, 49},
		{-10050, -10100, -50},
	} {
		out, diff := RoundCash(c.in)
		if out != c.out || diff != c.diff {
			t.Errorf("RoundCash(%d) = %d, %d; want %d, %d", c.in, out, diff, c.out, c.diff)
		}
	}
}

func TestFormatParse(t *testing.T) {
	for _, c := range []struct {
		a  Øre
		s  string
		kr string
	}{
		{0, "0.00", "0,00"},
		{5, "0.05", "0,05"},
		{125000, "1250.00", "1\u00a0250,00"},
		{-5, "-0.05", "−0,05"},
		{123456789, "1234567.89", "1\u00a0234\u00a0567,89"},
	} {
		if got := Format(c.a); got != c.s {
			t.Errorf("Format(%d) = %q, want %q", c.a, got, c.s)
		}
		if got := Kr(c.a); got != c.kr {
			t.Errorf("Kr(%d) = %q, want %q", c.a, got, c.kr)
		}
		if got, err := Parse(c.s); err != nil || got != c.a {
			t.Errorf("Parse(%q) = %d, %v", c.s, got, err)
		}
	}
	for _, s := range []string{"12,5", "12"} {
		if _, err := Parse(s); err != nil {
			t.Errorf("Parse(%q): %v", s, err)
		}
	}
	for _, s := range []string{"", "abc", "1.234", "1..2", "1e5", "99999999999999", "-", "."} {
		if _, err := Parse(s); !errors.Is(err, ErrAmount) {
			t.Errorf("Parse(%q) err = %v, want ErrAmount", s, err)
		}
	}
}

func TestParseRate(t *testing.T) {
	for s, want := range map[string]Rate{"25": Rate25, "15%": Rate15, " 12 ": Rate12, "0": Rate0} {
		if got, err := ParseRate(s); err != nil || got != want {
			t.Errorf("ParseRate(%q) = %v, %v", s, got, err)
		}
	}
	for _, s := range []string{"24", "x", "-25"} {
		if _, err := ParseRate(s); !errors.Is(err, ErrRate) {
			t.Errorf("ParseRate(%q) err = %v", s, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"12.50", "-0.05", "1,2", "", "9999999999.99"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := Parse(s)
		if err != nil {
			return
		}
		if a > Max || a < -Max {
			t.Fatalf("Parse(%q) = %d beyond Max", s, a)
		}
		if b, err := Parse(Format(a)); err != nil || b != a {
			t.Fatalf("round trip %q → %d → %q → %d, %v", s, a, Format(a), b, err)
		}
	})
}

func TestMulDivLarge(t *testing.T) {
	// 10^10 × 10^10 overflows int64; the 128-bit product does not.
	if got := MulDiv(1e10, 1e10, 1e10); got != 1e10 {
		t.Errorf("MulDiv(1e10,1e10,1e10) = %d", got)
	}
	if got := VAT(Max*500, Rate25); got != Max*100 {
		t.Errorf("VAT of 500 × Max at 25 %% = %d, want %d", got, Max*100)
	}
	if got := MulDiv(-7, 1, 2); got != -4 {
		t.Errorf("MulDiv(-7,1,2) = %d, want -4 (half away from zero)", got)
	}
	if q, r := MulDivFloor(1e10, 9e9, 1e10); q != 9e9 || r != 0 {
		t.Errorf("MulDivFloor = %d, %d", q, r)
	}
}
