package scanner

import "testing"

func TestSplitAIM(t *testing.T) {
	for _, tc := range []struct {
		raw, sym, code string
	}{
		{"]E07038010013204", "]E0", "7038010013204"},
		{"]E470380108", "]E4", "70380108"},
		{"]C1010703801001320410ABC\x1d2110", "]C1", "010703801001320410ABC\x1d2110"},
		{"]d2010703801001320417261231", "]d2", "010703801001320417261231"},
		{"]Q3https://id.gs1.org/01/07038010013204", "]Q3", "https://id.gs1.org/01/07038010013204"},
		{"]A0ABC-123", "]A0", "ABC-123"},
		{"]I112345670", "]I1", "12345670"},
		{"]E0", "]E0", ""},
		{"7038010013204", "", "7038010013204"},
		{"]E", "", "]E"},
		{"]", "", "]"},
		{"]0E123", "", "]0E123"}, // the code character is a letter
		{"]E-123", "", "]E-123"}, // the modifier is a letter or digit
		{"", "", ""},
	} {
		sym, code := splitAIM(tc.raw)
		if sym != tc.sym || code != tc.code {
			t.Errorf("splitAIM(%q) = %q, %q; want %q, %q", tc.raw, sym, code, tc.sym, tc.code)
		}
	}
}

func TestSymbologyName(t *testing.T) {
	for id, want := range map[string]string{
		"]E0": "EAN-13", "]E4": "EAN-8", "]C1": "GS1-128", "]d2": "GS1 DataMatrix", "]Q3": "GS1 QR Code",
		"]A0": "Code 39", "]I1": "ITF (check digit verified)", "]C9": "Code 128", "]y0": "", "E0": "",
	} {
		if got := SymbologyName(id); got != want {
			t.Errorf("SymbologyName(%q) = %q, want %q", id, got, want)
		}
	}
}

func TestClean(t *testing.T) {
	for in, want := range map[string]string{
		"7038010013204":    "7038010013204",
		"\x02ABC\x03":      "ABC",
		"01\x1d10":         "01\x1d10",
		"blåbær":           "blåbær",
		"a\tb\x7fc\u00a0d": "abcd",
		"\xff\xfe":         "",
	} {
		if got := clean(in); got != want {
			t.Errorf("clean(%q) = %q, want %q", in, got, want)
		}
	}
}
