package scanner

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kasse/kasse/drivers/scanner/scannertest"
)

var t0 = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

func evdevCodes(t testing.TB, km Keymap, p []byte, chunk int) []string {
	t.Helper()
	keys, err := km.layout()
	if err != nil {
		t.Fatal(err)
	}
	d := newEvdevDecoder(keys, 64)
	var got []string
	emit := func(s string) { got = append(got, s) }
	for len(p) > 0 {
		n := min(chunk, len(p))
		d.feed(p[:n], emit)
		p = p[n:]
	}
	return got
}

func keystrokes(t testing.TB, layout, s string, enter bool) []scannertest.Event {
	t.Helper()
	evs, err := scannertest.Keystrokes(layout, s, enter, t0)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func typable(layout string) string {
	var b strings.Builder
	for r := rune(' '); r <= '~'; r++ {
		b.WriteRune(r)
	}
	b.WriteString("\x1d")
	if layout == "no" {
		b.WriteString("æøåÆØÅ§¤£€µ´¨")
	}
	return b.String()
}

// TestEvdevLayouts types every character a scanner in each layout can
// send, with the stand-in's own tables, and reads it back.
func TestEvdevLayouts(t *testing.T) {
	for _, tc := range []struct {
		km     Keymap
		layout string
	}{{US, "us"}, {NO, "no"}} {
		t.Run(tc.layout, func(t *testing.T) {
			all := typable(tc.layout)
			for _, r := range all { // one character per code, so a wrong one is named
				p := scannertest.Encode(keystrokes(t, tc.layout, string(r), true))
				got := evdevCodes(t, tc.km, p, len(p))
				if want := clean(string(r)); !slices.Equal(got, nonEmpty(want)) {
					t.Errorf("%q: got %q", r, got)
				}
			}
		})
	}
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

func TestEvdevStream(t *testing.T) {
	codes := []string{"]E07038010013204", "]C1010703801001320415261231\x1d10ABC-123", "]Q3https://example.no/a?b=c&d=e", "Code 39 / ITF"}
	for _, tc := range []struct {
		km     Keymap
		layout string
	}{{US, "us"}, {NO, "no"}} {
		var evs []scannertest.Event
		for _, c := range codes {
			evs = append(evs, keystrokes(t, tc.layout, c, true)...)
		}
		p := scannertest.Encode(evs)
		for _, chunk := range []int{1, 7, eventSize, 100, len(p)} {
			if got := evdevCodes(t, tc.km, p, chunk); !slices.Equal(got, codes) {
				t.Errorf("%s, chunks of %d: got %q, want %q", tc.layout, chunk, got, codes)
			}
		}
	}
}

func TestEvdevEvents(t *testing.T) {
	key := func(code uint16, v int32) []scannertest.Event { return scannertest.Key(t0, code, v) }
	tap := func(code uint16) []scannertest.Event { return scannertest.Tap(t0, code) }
	cat := func(parts ...[]scannertest.Event) []byte { return scannertest.Encode(slices.Concat(parts...)) }
	const k1, k2, kA, kE, kKP0, kKP2, kKP9, kKP6, kKP5 = 2, 3, 30, 18, 82, 80, 73, 77, 76
	enter := tap(scannertest.KeyEnter)
	for _, tc := range []struct {
		name string
		km   Keymap
		in   []byte
		want []string
	}{
		{"repeat ignored", US, cat(key(k1, 1), key(k1, 2), key(k1, 2), key(k1, 0), enter), []string{"1"}},
		{"release alone types nothing", US, cat(key(k1, 0), key(k2, 0), tap(k2), enter), []string{"2"}},
		{"shift held across keys", US, cat(key(scannertest.KeyLeftShift, 1), tap(kA), tap(k1), key(scannertest.KeyLeftShift, 0), tap(kA), enter), []string{"A!a"}},
		{"right shift", US, cat(key(scannertest.KeyRightShift, 1), tap(kA), key(scannertest.KeyRightShift, 0), enter), []string{"A"}},
		{"caps lock letters only", US, cat(tap(scannertest.KeyCapsLock), tap(kA), tap(k1), tap(scannertest.KeyCapsLock), tap(kA), enter), []string{"A1a"}},
		{"caps lock with shift", NO, cat(tap(scannertest.KeyCapsLock), key(scannertest.KeyLeftShift, 1), tap(39), key(scannertest.KeyLeftShift, 0), tap(39), enter), []string{"øØ"}},
		{"keypad enter and digits", US, cat(tap(kKP0), tap(kKP9), tap(scannertest.KeyKPEnter)), []string{"09"}},
		{"alt+029 is GS", US, cat(tap(k1), key(scannertest.KeyLeftAlt, 1), tap(kKP0), tap(kKP2), tap(kKP9), key(scannertest.KeyLeftAlt, 0), tap(k2), enter), []string{"1\x1d2"}},
		{"alt+65 is A", NO, cat(key(scannertest.KeyLeftAlt, 1), tap(kKP6), tap(kKP5), key(scannertest.KeyLeftAlt, 0), enter), []string{"A"}},
		{"alt shortcut types nothing", US, cat(key(scannertest.KeyLeftAlt, 1), tap(kA), key(scannertest.KeyLeftAlt, 0), tap(k1), enter), []string{"1"}},
		{"ctrl key types nothing", US, cat(key(scannertest.KeyLeftCtrl, 1), tap(kA), key(scannertest.KeyLeftCtrl, 0), tap(k1), enter), []string{"1"}},
		{"dead key composes", NO, cat(tap(27), tap(kE), enter), []string{"ë"}},
		{"dead key twice", NO, cat(key(scannertest.KeyLeftShift, 1), tap(27), tap(27), key(scannertest.KeyLeftShift, 0), enter), []string{"^"}},
		{"dead key before digit", NO, cat(tap(27), tap(k1), enter), []string{"¨1"}},
		{"altgr", NO, cat(key(scannertest.KeyRightAlt, 1), tap(10), tap(kE), key(scannertest.KeyRightAlt, 0), enter), []string{"]€"}},
		{"empty codes skipped", US, cat(enter, enter, tap(15), enter), nil},
		{"dropped events lose the code", US, cat(tap(k1), []scannertest.Event{{Type: scannertest.EvSyn, Code: scannertest.SynDropped}}, tap(k2), []scannertest.Event{{Type: scannertest.EvSyn, Code: scannertest.SynReport}}, tap(k2), enter, tap(k1), enter), []string{"1"}},
		{"shift forgotten after drop", US, cat(key(scannertest.KeyLeftShift, 1), []scannertest.Event{{Type: scannertest.EvSyn, Code: scannertest.SynDropped}, {Type: scannertest.EvSyn, Code: scannertest.SynReport}}, enter, tap(kA), enter), []string{"a"}},
		{"too long", US, cat(keystrokes(t, "us", strings.Repeat("9", 65), true), keystrokes(t, "us", strings.Repeat("8", 64), true)), []string{strings.Repeat("8", 64)}},
		{"other event types", US, cat([]scannertest.Event{{Type: 2, Code: 0, Value: 5}, {Type: 0x11, Code: 1, Value: 1}}, tap(k1), enter), []string{"1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := evdevCodes(t, tc.km, tc.in, len(tc.in)); !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func lineCodes(suffix string, max int, chunks ...string) ([]string, int) {
	d := newLineDecoder(suffix, max)
	var got []string
	for _, c := range chunks {
		d.feed([]byte(c), func(s string) { got = append(got, s) })
	}
	return got, d.discarded()
}

func TestSerial(t *testing.T) {
	for _, tc := range []struct {
		name    string
		suffix  string
		in      []string
		want    []string
		dropped int
	}{
		{"CR", "", []string{"]E07038010013204\r123\r"}, []string{"]E07038010013204", "123"}, 0},
		{"LF", "", []string{"a\nb\n"}, []string{"a", "b"}, 0},
		{"CRLF split", "", []string{"abc\r", "\ndef\r\n"}, []string{"abc", "def"}, 0},
		{"no terminator yet", "", []string{"abc"}, nil, 0},
		{"GS kept, framing dropped", "", []string{"\x02]C101\x1d10X\x03\r\n"}, []string{"]C101\x1d10X"}, 0},
		{"Latin-1", "", []string{"bl\xe5b\xe6r\r"}, []string{"blåbær"}, 0},
		{"UTF-8", "", []string{"blåbær\r"}, []string{"blåbær"}, 0},
		{"suffix tab", "\t", []string{"a\rb\t", "c", "\t"}, []string{"ab", "c"}, 0},
		{"suffix split", "\r\n", []string{"abc\r", "\n", "d\re\r\n"}, []string{"abc", "de"}, 0},
		{"too long", "", []string{"123456789\r12345678\r"}, []string{"12345678"}, 1},
		{"too long with suffix", "\x03", []string{"123456789012\x03", "1\x03"}, []string{"1"}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, dropped := lineCodes(tc.suffix, 8+8*boolInt(!strings.HasPrefix(tc.name, "too long")), tc.in...)
			if !slices.Equal(got, tc.want) || dropped != tc.dropped {
				t.Errorf("got %q (%d dropped), want %q (%d)", got, dropped, tc.want, tc.dropped)
			}
		})
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
