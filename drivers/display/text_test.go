package display

import (
	"math"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

func TestAmount(t *testing.T) {
	for øre, want := range map[int64]string{
		0:             "0,00",
		5:             "0,05",
		8370:          "83,70",
		1630:          "16,30",
		-500:          "-5,00",
		-1:            "-0,01",
		99999:         "999,99",
		123450:        "1 234,50",
		100000000:     "1 000 000,00",
		math.MaxInt64: "92 233 720 368 547 758,07",
		math.MinInt64: "-92 233 720 368 547 758,08",
	} {
		if got := Amount(øre); got != want {
			t.Errorf("Amount(%d) = %q, want %q", øre, got, want)
		}
	}
}

func TestLines(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{ItemLine("Lettmelk 1 l", 2190), "Lettmelk 1 l   21,90"},
		{ItemLine("Grovbrød fra Bakeriet i Sentrum", 4990), "Grovbrød fra B 49,90"},
		{ItemLine("Egg 12 stk frittgående", 5490), "Egg 12 stk fri 54,90"},
		{ItemLine("Pant", -300), "Pant           -3,00"},
		{AmountLine("TOTAL", 8370), "TOTAL       kr 83,70"},
		{AmountLine("VEKSEL", 1630), "VEKSEL      kr 16,30"},
		{AmountLine("TOTAL", 123450), "TOTAL    kr 1 234,50"},
		{AmountLine("Å BETALE INKL. MVA", 8370), "Å BETALE IN kr 83,70"},
		{AmountLine("TOTAL", 999999999999), " kr 9 999 999 999,99"},
		{AmountLine("TOTAL", math.MaxInt64), "********************"}, // never a cut-off number
		{Fit("Hei"), "Hei                 "},
		{Fit("Tjueen tegn er for mye"), "Tjueen tegn er for m"},
		{Fit("la\u030Aks\tog\nrøkt"), "låks og røkt        "},
		{Fit("zero\u200Bwidth\u00ADsoft"), "zerowidthsoft       "},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
		if n := utf8.RuneCountInString(tc.got); n != Columns {
			t.Errorf("%q is %d characters, want %d", tc.got, n, Columns)
		}
	}
}

func TestEncode(t *testing.T) {
	got := encode(nil, Fit("Blåbær Ø € \x1b"), charmap.CodePage865)
	want := append([]byte("Bl\x86b\x91r \x9d ? "), []byte("           ")...)
	want = want[:Columns]
	if string(got) != string(want) {
		t.Errorf("encode = % x\nwant     % x", got, want)
	}
	for _, b := range got {
		if b < 0x20 || b == 0x7F {
			t.Errorf("control byte %#02x in %q", b, got)
		}
	}
	if got := encode(nil, "€", charmap.Windows1252); string(got) != "\x80" {
		t.Errorf("WPC1252 euro = % x", got)
	}
}

// FuzzFit checks that any text becomes exactly one line of the display,
// encodes to exactly one byte a column, and never to a control byte.
func FuzzFit(f *testing.F) {
	for _, s := range []string{"", "Lettmelk 1 l", "a\u030A", "\x1b@\x0c", "😀👍🏽", "\u200b\u00ad", "ÆØÅæøå€"} {
		f.Add(s, int64(8370))
	}
	f.Fuzz(func(t *testing.T, s string, øre int64) {
		for _, line := range []string{Fit(s), ItemLine(s, øre), AmountLine(s, øre)} {
			if n := utf8.RuneCountInString(line); n != Columns {
				t.Fatalf("%q is %d characters", line, n)
			}
			for _, cp := range codePages {
				b := encode(nil, line, cp.cm)
				if len(b) != Columns {
					t.Fatalf("%q encodes to %d bytes in %s", line, len(b), cp.name)
				}
				for _, c := range b {
					if c < 0x20 || c == 0x7F {
						t.Fatalf("%q encodes to control byte %#02x in %s", line, c, cp.name)
					}
				}
			}
		}
	})
}
