package displaytest

import (
	"strings"
	"testing"
)

func lines(d *Device) [2]string {
	l := d.Lines()
	return [2]string{strings.TrimRight(l[0], " "), strings.TrimRight(l[1], " ")}
}

// Byte streams written from the command descriptions, and what a
// customer would see after them.
func TestDecode(t *testing.T) {
	alpha := "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcd" // 40 characters
	for _, tc := range []struct {
		name   string
		cfg    Config
		in     string
		l1, l2 string
		x, y   int
	}{
		{"text", Config{}, "Hei", "Hei", "", 4, 1},
		{"overwrite wraps to the lower line, then home", Config{}, alpha + "xy",
			"xyCDEFGHIJKLMNOPQRST", "UVWXYZ0123456789abcd", 3, 1},
		{"vertical scroll waits, then scrolls", Config{Mode: VerticalScroll}, alpha,
			"ABCDEFGHIJKLMNOPQRST", "UVWXYZ0123456789abcd", 20, 2},
		{"vertical scroll", Config{Mode: VerticalScroll}, alpha + "xy",
			"UVWXYZ0123456789abcd", "xy", 3, 2},
		{"horizontal scroll", Config{Mode: HorizontalScroll}, alpha[:25],
			"FGHIJKLMNOPQRSTUVWXY", "", 20, 1},
		{"mode by command", Config{}, "\x1f\x02" + alpha + "!", "UVWXYZ0123456789abcd", "!", 2, 2},
		{"US $ moves", Config{}, "\x1f$\x05\x02x\x1f$\x01\x01y", "y", "    x", 2, 1},
		{"US $ out of range is ignored", Config{}, "ab\x1f$\x15\x01c\x1f$\x01\x03d", "abcd", "", 5, 1},
		{"ESC l moves", Config{}, "\x1bl\x14\x02z", "", "                   z", 1, 1},
		{"CLR clears and homes", Config{}, "abc\x1f$\x01\x02def\x0cX", "X", "", 2, 1},
		{"CAN clears the cursor line", Config{}, "abc\x1f$\x01\x02def\x18g", "abc", "g", 2, 2},
		{"HOM and CR", Config{}, "abcdef\x0bX\x1f$\x01\x02ghi\x0dY", "Xbcdef", "Yhi", 2, 2},
		{"LF and US LF in overwrite", Config{}, "ab\x0ac\x1f\x0ad", "ab d", "  c", 5, 1},
		{"LF scrolls in vertical mode", Config{Mode: VerticalScroll}, "top\x0d\x0amid\x0d\x0abot", "mid", "bot", 4, 2},
		{"BS at the left end of the upper line", Config{}, "\x08x", "", "                   x", 1, 1},
		{"HT at the right end of the lower line", Config{}, "\x1fB\x09x", "x", "", 2, 1},
		{"US CR and US B", Config{}, "\x1f\x0dr\x1fBb", "                   r", "                   b", 1, 1},
		{"ESC @ clears and restores", Config{Mode: VerticalScroll}, "\x1f\x01abc\x1b@", "", "", 1, 1},
		{"PC865", Config{}, "\x1bt\x05\x91\x9b\x86 \x92\x9d\x8f", "æøå ÆØÅ", "", 8, 1},
		{"PC437 has no ø", Config{}, "\x91\x9b\x86", "æ¢å", "", 4, 1},
		{"WPC1252", Config{}, "\x1bt\x10\xe6\xf8\xe5\x80", "æøå€", "", 5, 1},
		{"Norway set", Config{}, "\x1bR\x09[\\]{|}#$", "ÆØÅæøå#¤", "", 9, 1},
		{"USA set", Config{Intl: 9}, "\x1bR\x00[\\]", "[\\]", "", 4, 1},
		{"deselected display ignores data", Config{}, "a\x1b=\x01b\x1f$\x01\x02c\x1b=\x02d", "ad", "", 3, 1},
		{"user characters are skipped whole", Config{}, "\x1b&\x01AB\x02\x1b\x0c\x03\x0b\x0c\x0d" + "x", "x", "", 2, 1},
		{"cursor, brightness, blink, reverse", Config{}, "\x1fC\x00\x1fX\x02\x1fE\x00\x1fr\x00ok", "ok", "", 3, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDevice(tc.cfg)
			d.Write([]byte(tc.in))
			if got := lines(d); got != [2]string{tc.l1, tc.l2} {
				t.Errorf("screen\n|%s|\n|%s|\nwant\n|%s|\n|%s|", got[0], got[1], tc.l1, tc.l2)
			}
			if s := d.Screen(); s.X != tc.x || s.Y != tc.y {
				t.Errorf("cursor at %d,%d, want %d,%d", s.X, s.Y, tc.x, tc.y)
			}
			if u := d.Unknown(); len(u) > 0 {
				t.Errorf("unknown: %q", u)
			}
		})
	}
}

// Commands split across writes are put together, as a serial line
// delivers them in pieces.
func TestSplitCommands(t *testing.T) {
	in := "\x1b@\x1bR\x00\x1bt\x05\x1f\x01\x1fC\x00\x1f$\x01\x01Bl\x86b\x91r\x1f$\x03\x02ok"
	for cut := range len(in) {
		d := NewDevice(Config{Intl: 9})
		d.Write([]byte(in[:cut]))
		d.Write([]byte(in[cut:]))
		if got := lines(d); got != [2]string{"Blåbær", "  ok"} {
			t.Fatalf("cut at %d: %q", cut, got)
		}
	}
}

func TestState(t *testing.T) {
	d := NewDevice(Config{CodeTable: 5, CursorOff: true})
	d.Write([]byte("\x1fC\x01\x1fX\x02\x1fr\x01\x1fE\x05\x1f\x03"))
	s := d.Screen()
	if !s.Cursor || s.Brightness != 2 || !s.Reverse || s.Blink != 5 || s.Mode != HorizontalScroll || s.CodeTable != 5 {
		t.Errorf("state %+v", s)
	}
	d.Write([]byte("\x1b@"))
	s = d.Screen()
	if s.Cursor || s.Brightness != 4 || s.Reverse || s.Mode != Overwrite || d.Resets() != 1 {
		t.Errorf("after ESC @: %+v", s)
	}
	d.Write([]byte("text"))
	d.PowerCycle()
	if got := lines(d); got != [2]string{"", ""} {
		t.Errorf("after power cycle: %q", got)
	}
}

func TestUnknown(t *testing.T) {
	d := NewDevice(Config{})
	d.Write([]byte("\x1bZ\x01\x1fQ\x1bt\x63\x1bW\x01\x01\x01\x01\x14\x02\x80"))
	want := []string{`ESC 'Z'`, "0x01", `US 'Q'`, "ESC t 99 (code table not simulated)", "ESC W (windows not simulated)"}
	if got := d.Unknown(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("unknown %q, want %q", got, want)
	}
	if got := lines(d); got != [2]string{"?", ""} {
		t.Errorf("screen %q", got)
	}
}
