package scale

import (
	"bytes"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"
)

func TestParse8217(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Reading
	}{
		{"\x0201234\r", Reading{Grams: 1234, State: Stable}},
		{"\x0200000\r", Reading{Grams: 0, State: Stable}},
		{"\x0299999\r", Reading{Grams: 99999, State: Stable}},
		{"\x0201234N\r", Reading{Grams: 1234, State: Stable, Net: true}},
		{"\x02  01234\r", Reading{Grams: 1234, State: Stable}},
		{"\x0201.234\r", Reading{Grams: 1234, State: Stable}},
		{"\x0212.34\r", Reading{Grams: 12340, State: Stable}},
		{"\x021.5N\r", Reading{Grams: 1500, State: Stable, Net: true}},
		// Status bytes: bit 6 always set, bit 7 parity.
		{"\x02?A\r", Reading{State: Motion, Info: "in motion"}},                             // 0x41
		{"\x02?B\r", Reading{State: Overload, Info: "over capacity"}},                       // 0x42
		{"\x02?D\r", Reading{State: UnderZero, Info: "under zero"}},                         // 0x44
		{"\x02?H\r", Reading{State: Error, Info: "outside zero capture range"}},             // 0x48
		{"\x02?I\r", Reading{State: Motion, Info: "in motion, outside zero capture range"}}, // 0x49
		{"\x02?P\r", Reading{State: Stable, Info: "center of zero"}},                        // 0x50
		{"\x02?p\r", Reading{State: Stable, Net: true, Info: "center of zero, net"}},        // 0x70
		{"\x02?\xc2\r", Reading{State: Overload, Info: "over capacity"}},                    // parity bit set
		{"\x02?C\r", Reading{State: Overload, Info: "in motion, over capacity"}},            // overload wins
		{"\x02?@\r", Reading{State: Error, Info: "status without weight"}},
	} {
		got, err := Parse8217([]byte(tc.in))
		if err != nil {
			t.Errorf("Parse8217(%q): %v", tc.in, err)
			continue
		}
		if got != tc.want {
			t.Errorf("Parse8217(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
	for _, in := range []string{
		"", "\x02\r", "01234\r", "\x0201234", "\x021234\r", "\x02123456\r", "\x020123a\r",
		"\x02?\r", "\x02?AB\r", "\x02?\x01\r", "\x021.\r", "\x02.5\r", "\x021.2345\r", "\x021234.5\r",
		"\x021.2.3\r", "\x02-1.234\r", "\x02NN\r", "\x02 \r",
	} {
		if r, err := Parse8217([]byte(in)); !errors.Is(err, ErrBadReply) {
			t.Errorf("Parse8217(%q) = %+v, %v; want ErrBadReply", in, r, err)
		}
	}
}

func TestParseSICS(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Reading
	}{
		{"S S      1.234 kg\r\n", Reading{Grams: 1234, State: Stable}},
		{"S S     -0.012 kg\r\n", Reading{Grams: -12, State: Stable}},
		{"S S 100.00 g\r\n", Reading{Grams: 100, State: Stable}},
		{"S S     100.5 g\r\n", Reading{Grams: 101, State: Stable}},
		{"S S    -100.5 g\r\n", Reading{Grams: -101, State: Stable}},
		{"S S     100.49 g\r\n", Reading{Grams: 100, State: Stable}},
		{"S S   1500 mg\r\n", Reading{Grams: 2, State: Stable}},
		{"S S          0 kg\r\n", Reading{Grams: 0, State: Stable}},
		{"S D      0.750 kg\r\n", Reading{Grams: 750, State: Motion, Info: "dynamic"}},
		{"S I\r\n", Reading{State: Motion, Info: "not executable: busy or not stable in time"}},
		{"S +\r\n", Reading{State: Overload, Info: "overload range"}},
		{"S -\r\n", Reading{State: UnderZero, Info: "underload range"}},
		{"ES\r\n", Reading{State: Error, Info: sicsErrors["ES"]}},
		{"ET\r\n", Reading{State: Error, Info: sicsErrors["ET"]}},
		{"EL\r\n", Reading{State: Error, Info: sicsErrors["EL"]}},
	} {
		got, err := ParseSICS([]byte(tc.in))
		if err != nil {
			t.Errorf("ParseSICS(%q): %v", tc.in, err)
			continue
		}
		if got != tc.want {
			t.Errorf("ParseSICS(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
	for _, in := range []string{
		"", "\r\n", "S S 1.234 kg", "S S 1.234 kg\n", "S S 1.234 lb\r\n", "S S 1.234\r\n",
		"S S kg\r\n", "S X\r\n", "S\r\n", "S I x\r\n", "S + 1\r\n", " S S 1 g\r\n",
		"SS 1 g\r\n", "S S 1..2 g\r\n", "S S .5 g\r\n", "S S 5. g\r\n", "S S --1 g\r\n",
		"S S 1 g \x00\r\n", "T S 1 g\r\n", "S S 1234567890123456 g\r\n", "EX\r\n",
	} {
		if r, err := ParseSICS([]byte(in)); !errors.Is(err, ErrBadReply) {
			t.Errorf("ParseSICS(%q) = %+v, %v; want ErrBadReply", in, r, err)
		}
	}
}

func TestCheckZeroTare(t *testing.T) {
	for _, tc := range []struct {
		name  string
		check func([]byte) error
		in    string
		want  error
	}{
		{"8217 zero ok", check8217Zero, "\x02?P\r", nil},
		{"8217 zero motion", check8217Zero, "\x02?A\r", ErrRefused},
		{"8217 zero out of range", check8217Zero, "\x02?H\r", ErrRefused},
		{"8217 zero with tare", check8217Zero, "\x02?p\r", ErrRefused},
		{"8217 zero garbage", check8217Zero, "\x0201234\r", ErrBadReply},
		{"8217 tare ok", check8217Tare, "\x02?`\r", nil},
		{"8217 tare not taken", check8217Tare, "\x02?@\r", ErrRefused},
		{"8217 tare motion", check8217Tare, "\x02?a\r", ErrRefused},
		{"sics zero ok", checkSICSZero, "Z A\r\n", nil},
		{"sics zero busy", checkSICSZero, "Z I\r\n", ErrRefused},
		{"sics zero high", checkSICSZero, "Z +\r\n", ErrRefused},
		{"sics zero low", checkSICSZero, "Z -\r\n", ErrRefused},
		{"sics zero error", checkSICSZero, "EL\r\n", ErrRefused},
		{"sics zero garbage", checkSICSZero, "S S 1 g\r\n", ErrBadReply},
		{"sics tare ok", checkSICSTare, "T S      0.200 kg\r\n", nil},
		{"sics tare busy", checkSICSTare, "T I\r\n", ErrRefused},
		{"sics tare low", checkSICSTare, "T -\r\n", ErrRefused},
		{"sics tare garbage", checkSICSTare, "T S x kg\r\n", ErrBadReply},
	} {
		err := tc.check([]byte(tc.in))
		if (tc.want == nil) != (err == nil) || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("%s: %q gave %v, want %v", tc.name, tc.in, err, tc.want)
		}
	}
}

func TestFrames(t *testing.T) {
	msg, rest, ok := frame8217([]byte("xx\x02?A\r\x0201"))
	if !ok || string(msg) != "\x02?A\r" || string(rest) != "\x0201" {
		t.Errorf("frame8217 = %q %q %v", msg, rest, ok)
	}
	if _, rest, ok := frame8217([]byte("noise")); ok || len(rest) != 0 {
		t.Errorf("frame8217 kept noise %q", rest)
	}
	long := append([]byte{stx}, bytes.Repeat([]byte("1"), maxReply+5)...)
	if _, rest, ok := frame8217(long); ok || len(rest) > maxReply {
		t.Errorf("frame8217 kept %d bytes of an endless reply", len(rest))
	}
	msg, rest, ok = frameLine([]byte("S +\r\nS"))
	if !ok || string(msg) != "S +\r\n" || string(rest) != "S" {
		t.Errorf("frameLine = %q %q %v", msg, rest, ok)
	}
}

// FuzzParse8217 checks that Parse8217 never panics, fails only with
// ErrBadReply, and agrees with an independent reading of the same bytes:
// a weight against exact rational arithmetic, a status against the bits.
func FuzzParse8217(f *testing.F) {
	for _, s := range []string{
		"\x0201234\r", "\x0201234N\r", "\x0201.234\r", "\x02  00500\r", "\x021.5N\r",
		"\x02?A\r", "\x02?P\r", "\x02?\xc2\r", "\x02?\x01\r", "\x02\r", "", "\x02999.999\r",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Parse8217(b)
		if err != nil {
			if !errors.Is(err, ErrBadReply) {
				t.Fatalf("Parse8217(%q): error %v is not ErrBadReply", b, err)
			}
			return
		}
		if r.State < Stable || r.State > Error {
			t.Fatalf("Parse8217(%q): state %v", b, r.State)
		}
		if len(b) < 3 || b[0] != stx || b[len(b)-1] != cr {
			t.Fatalf("Parse8217(%q) accepted a reply without STX…CR", b)
		}
		body := b[1 : len(b)-1]
		if body[0] == '?' {
			c := body[1] & 0x7F
			want := map[State]bool{
				Overload:  c&2 != 0,
				UnderZero: c&2 == 0 && c&4 != 0,
				Motion:    c&6 == 0 && c&1 != 0,
			}
			for st, on := range want {
				if on != (r.State == st) {
					t.Fatalf("Parse8217(%q) = %v, status %#02x says otherwise", b, r.State, c)
				}
			}
			if r.Grams != 0 || r.Net != (c&0x20 != 0) || c&0x40 == 0 {
				t.Fatalf("Parse8217(%q) = %+v from status %#02x", b, r, c)
			}
			return
		}
		if r.State != Stable {
			t.Fatalf("Parse8217(%q): a weight reply gave %v", b, r.State)
		}
		num := strings.TrimLeft(string(body), " ")
		num, net := strings.CutSuffix(num, "N")
		if net != r.Net {
			t.Fatalf("Parse8217(%q): net %v", b, r.Net)
		}
		kg, ok := new(big.Rat).SetString(num)
		if !ok {
			t.Fatalf("Parse8217(%q) accepted %q, which is no number", b, num)
		}
		if !strings.Contains(num, ".") {
			kg.Quo(kg, big.NewRat(1000, 1)) // three implied decimals
		}
		if want := roundGrams(kg.Mul(kg, big.NewRat(1000, 1))); r.Grams != want {
			t.Fatalf("Parse8217(%q) = %d g, want %d", b, r.Grams, want)
		}
		if r.Grams < 0 || r.Grams > 999999 {
			t.Fatalf("Parse8217(%q) = %d g, beyond what 8217 can send", b, r.Grams)
		}
	})
}

// FuzzParseSICS checks that ParseSICS never panics, fails only with
// ErrBadReply, converts weights exactly as rational arithmetic does, and
// reads back what it would have read from the weight written anew.
func FuzzParseSICS(f *testing.F) {
	for _, s := range []string{
		"S S      1.234 kg\r\n", "S D      0.750 kg\r\n", "S S    -100.5 g\r\n", "S S   1500 mg\r\n",
		"S I\r\n", "S +\r\n", "S -\r\n", "ES\r\n", "ET\r\n", "EL\r\n", "S S 1 lb\r\n", "\r\n", "",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseSICS(b)
		if err != nil {
			if !errors.Is(err, ErrBadReply) {
				t.Fatalf("ParseSICS(%q): error %v is not ErrBadReply", b, err)
			}
			return
		}
		if r.State < Stable || r.State > Error {
			t.Fatalf("ParseSICS(%q): state %v", b, r.State)
		}
		if !bytes.HasSuffix(b, []byte("\r\n")) {
			t.Fatalf("ParseSICS(%q) accepted a reply without CR LF", b)
		}
		fields := strings.Fields(string(b[:len(b)-2]))
		if len(fields) != 4 {
			if r.Grams != 0 {
				t.Fatalf("ParseSICS(%q) = %d g without a weight", b, r.Grams)
			}
			return
		}
		if (fields[1] == "S") != (r.State == Stable) || (fields[1] == "D") != (r.State == Motion) {
			t.Fatalf("ParseSICS(%q): state %v", b, r.State)
		}
		v, ok := new(big.Rat).SetString(fields[2])
		if !ok {
			t.Fatalf("ParseSICS(%q) accepted %q, which is no number", b, fields[2])
		}
		v.Mul(v, map[string]*big.Rat{"kg": big.NewRat(1000, 1), "g": big.NewRat(1, 1), "mg": big.NewRat(1, 1000)}[fields[3]])
		if want := roundGrams(v); r.Grams != want {
			t.Fatalf("ParseSICS(%q) = %d g, want %d", b, r.Grams, want)
		}
		again, err := ParseSICS(fmt.Appendf(nil, "S %s %10d g\r\n", fields[1], r.Grams))
		if err != nil || again.Grams != r.Grams || again.State != r.State {
			t.Fatalf("ParseSICS(%q) = %+v, but written anew it reads %+v, %v", b, r, again, err)
		}
	})
}

// roundGrams rounds half away from zero.
func roundGrams(g *big.Rat) int64 {
	neg := g.Sign() < 0
	a := new(big.Rat).Abs(g)
	a.Add(a, big.NewRat(1, 2))
	q := new(big.Int).Quo(a.Num(), a.Denom())
	if neg {
		q.Neg(q)
	}
	return q.Int64()
}
