package scanner

import (
	"testing"
	"unicode/utf8"

	"github.com/kasse/kasse/drivers/scanner/scannertest"
)

// checkCode is what every delivered code must be.
func checkCode(t *testing.T, s string, max int) {
	t.Helper()
	if s == "" || len(s) > max || !utf8.ValidString(s) {
		t.Fatalf("bad code %q", s)
	}
	for _, r := range s {
		if !allowed(r) {
			t.Fatalf("code %q holds %U", s, r)
		}
	}
	sc := newScan(s, "d", t0)
	if sc.Symbology+sc.Code != sc.Raw {
		t.Fatalf("split %q into %q + %q", s, sc.Symbology, sc.Code)
	}
}

// FuzzEvdev feeds arbitrary bytes as an event stream, whole and in
// pieces: the decoder must not panic, must deliver only clean codes, and
// must not care how the stream is split.
func FuzzEvdev(f *testing.F) {
	for _, s := range []string{"]E07038010013204", "]C101\x1d10A", "Å^~`´¨@$"} {
		evs, err := scannertest.Keystrokes("no", s, true, t0)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(scannertest.Encode(evs), uint8(5), true)
	}
	evs, err := scannertest.Keystrokes("us", "]d2ABC\x1d", true, t0)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(scannertest.Encode(evs), uint8(24), false)
	f.Fuzz(func(t *testing.T, p []byte, chunk uint8, no bool) {
		keys := layouts[US]
		if no {
			keys = layouts[NO]
		}
		const max = 32
		var whole, split []string
		d := newEvdevDecoder(keys, max)
		d.feed(p, func(s string) { whole = append(whole, s) })
		d = newEvdevDecoder(keys, max)
		step := int(chunk%64) + 1
		for q := p; len(q) > 0; {
			n := min(step, len(q))
			d.feed(q[:n], func(s string) { split = append(split, s) })
			q = q[n:]
		}
		if len(whole) != len(split) {
			t.Fatalf("whole %q, split %q", whole, split)
		}
		for i, s := range whole {
			checkCode(t, s, max)
			if split[i] != s {
				t.Fatalf("whole %q, split %q", whole, split)
			}
		}
	})
}

// FuzzSerial does the same for the serial line decoder, with and
// without a suffix.
func FuzzSerial(f *testing.F) {
	f.Add([]byte("]E07038010013204\r\n123\r"), "", uint8(3))
	f.Add([]byte("\x02]C101\x1d10X\x03"), "\x03", uint8(1))
	f.Add([]byte("bl\xe5b\xe6r\tx\t"), "\t", uint8(200))
	f.Add([]byte("abc\r\n\r\n"), "\r\n", uint8(2))
	f.Fuzz(func(t *testing.T, p []byte, suffix string, chunk uint8) {
		if len(suffix) > 4 {
			suffix = suffix[:4]
		}
		const max = 32
		var whole, split []string
		d := newLineDecoder(suffix, max)
		d.feed(p, func(s string) { whole = append(whole, s) })
		d = newLineDecoder(suffix, max)
		step := int(chunk%64) + 1
		for q := p; len(q) > 0; {
			n := min(step, len(q))
			d.feed(q[:n], func(s string) { split = append(split, s) })
			q = q[n:]
		}
		if len(whole) != len(split) {
			t.Fatalf("whole %q, split %q", whole, split)
		}
		for i, s := range whole {
			// Latin-1 can double the length of what was read.
			checkCode(t, s, 2*max)
			if split[i] != s {
				t.Fatalf("whole %q, split %q", whole, split)
			}
			if suffix == "" && (containsAny(s, "\r\n")) {
				t.Fatalf("code %q holds a terminator", s)
			}
		}
	})
}

func containsAny(s, chars string) bool {
	for _, c := range chars {
		for _, r := range s {
			if r == c {
				return true
			}
		}
	}
	return false
}
