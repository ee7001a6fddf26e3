package printer

import (
	"bytes"
	"errors"
	"testing"

	"golang.org/x/text/encoding/charmap"
)

// Values from the DLE EOT tables of Epson's ESC/POS reference.
func TestParseRealtime(t *testing.T) {
	for _, tc := range []struct {
		n    int
		b    byte
		want Status
	}{
		{1, 0x12, Status{Online: true}},
		{1, 0x16, Status{Online: true, DrawerOpen: true}},
		{1, 0x1A, Status{}},
		{1, 0x3A, Status{WaitingRecovery: true}},
		{1, 0x52, Status{Online: true, FeedButton: true}},
		{2, 0x12, Status{}},
		{2, 0x16, Status{CoverOpen: true}},
		{2, 0x32, Status{PaperOut: true}},
		{2, 0x1A, Status{FeedButton: true}},
		{3, 0x12, Status{}},
		{3, 0x1A, Status{CutterError: true}},
		{3, 0x16, Status{RecoverableError: true}},
		{3, 0x32, Status{UnrecoverableError: true}},
		{3, 0x52, Status{AutoRecoverableError: true}},
		{4, 0x12, Status{}},
		{4, 0x1E, Status{PaperNearEnd: true}},
		{4, 0x72, Status{PaperOut: true}},
		{4, 0x7E, Status{PaperOut: true, PaperNearEnd: true}},
	} {
		var s Status
		if err := s.ParseRealtime(tc.n, tc.b); err != nil {
			t.Errorf("DLE EOT %d %#x: %v", tc.n, tc.b, err)
			continue
		}
		if s != tc.want {
			t.Errorf("DLE EOT %d %#x: got %+v, want %+v", tc.n, tc.b, s, tc.want)
		}
	}
	for _, b := range []byte{0x00, 0x10, 0x13, 0x37, 0x92, 0x02, 0xFF} {
		s := Status{Online: true}
		if err := s.ParseRealtime(1, b); !errors.Is(err, ErrStatusByte) || s != (Status{Online: true}) {
			t.Errorf("%#x: err %v, status %+v", b, err, s)
		}
	}
}

func TestParseASB(t *testing.T) {
	for _, tc := range []struct {
		b    []byte
		want Status
	}{
		{[]byte{0x10, 0, 0, 0}, Status{Online: true}},
		{[]byte{0x14, 0, 0, 0}, Status{Online: true, DrawerOpen: true}},
		{[]byte{0x38, 0, 0x0C, 0}, Status{CoverOpen: true, PaperOut: true}},
		{[]byte{0x18, 0, 0x0F, 0}, Status{PaperOut: true, PaperNearEnd: true}},
		{[]byte{0x10, 0, 0x03, 0}, Status{Online: true, PaperNearEnd: true}},
		{[]byte{0x18, 0x09, 0, 0}, Status{WaitingRecovery: true, CutterError: true}},
		{[]byte{0x18, 0x64, 0, 0}, Status{RecoverableError: true, UnrecoverableError: true, AutoRecoverableError: true}},
	} {
		var s Status
		if err := s.ParseASB(tc.b); err != nil {
			t.Errorf("% x: %v", tc.b, err)
			continue
		}
		if s != tc.want {
			t.Errorf("% x: got %+v, want %+v", tc.b, s, tc.want)
		}
	}
	for _, b := range [][]byte{{0x12, 0, 0, 0}, {0x10, 0x10, 0, 0}, {0x10, 0, 0x80, 0}, {0x10, 0, 0}, {0x11, 0, 0, 0}} {
		var s Status
		if err := s.ParseASB(b); !errors.Is(err, ErrStatusByte) {
			t.Errorf("% x: err %v", b, err)
		}
	}
}

func TestStatusReady(t *testing.T) {
	for _, tc := range []struct {
		s    Status
		want bool
		str  string
	}{
		{Status{}, false, "unreachable"},
		{Status{Connected: true}, true, "connected (no status)"},
		{Status{Connected: true, Known: true, Online: true}, true, "online"},
		{Status{Connected: true, Known: true, Online: true, PaperNearEnd: true, DrawerOpen: true}, true, "online: paper near end, drawer open"},
		{Status{Connected: true, Known: true, PaperOut: true, CoverOpen: true}, false, "offline: paper out, cover open"},
		{Status{Connected: true, Known: true, Online: true, CutterError: true}, false, "online: cutter error"},
	} {
		if tc.s.Ready() != tc.want || tc.s.String() != tc.str {
			t.Errorf("%+v: Ready %v, String %q; want %v, %q", tc.s, tc.s.Ready(), tc.s.String(), tc.want, tc.str)
		}
	}
}

func TestDecoder(t *testing.T) {
	in := []byte{
		0x12,                              // DLE EOT reply
		0x10, 0x00, xoff, 0x0C, xon, 0x00, // ASB with XOFF/XON inside
		0x0F,             // GS r reply
		0x37, 0x25, 0x00, // clear response
		0x37, 0x12, // broken clear response, then a real-time reply
		0x10, 0x90, // broken ASB
		0xFF, // junk
	}
	got := (&decoder{}).feed(in, nil)
	want := []reply{
		{kind: replyRealtime, b: [4]byte{0x12}},
		{kind: replyASB, b: [4]byte{0x10, 0x00, 0x0C, 0x00}},
		{kind: replyGSr, b: [4]byte{0x0F}},
		{kind: replyClear, b: [4]byte{0x37, 0x25, 0}},
		{kind: replyOther, b: [4]byte{0x37}},
		{kind: replyRealtime, b: [4]byte{0x12}},
		{kind: replyOther, b: [4]byte{0x10}},
		{kind: replyOther, b: [4]byte{0x90}},
		{kind: replyOther, b: [4]byte{0xFF}},
	}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("reply %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

// Our hand-written tables must agree with x/text's, which the stand-in
// uses to decode.
func TestCodePageTables(t *testing.T) {
	for _, tc := range []struct {
		cp CodePage
		cm *charmap.Charmap
	}{{CP865, charmap.CodePage865}, {WPC1252, charmap.Windows1252}} {
		for b := 0x20; b <= 0xFF; b++ {
			if b == 0x7F {
				continue
			}
			r := tc.cm.DecodeByte(byte(b))
			if r == '\ufffd' || (r >= 0x80 && r < 0xA0) {
				continue // unassigned in the page
			}
			got, ok := tc.cp.encodeRune(r)
			if !ok || got != byte(b) {
				t.Errorf("%v: %q encodes to %#x (%v), want %#x", tc.cp, r, got, ok, b)
			}
		}
	}
}

func FuzzParseRealtime(f *testing.F) {
	for _, b := range []byte{0x12, 0x16, 0x1A, 0x32, 0x7E, 0x00, 0xFF} {
		for n := 1; n <= 4; n++ {
			f.Add(n, b)
		}
	}
	f.Fuzz(func(t *testing.T, n int, b byte) {
		var s Status
		err := s.ParseRealtime(n, b)
		valid := b&0x93 == 0x12 && n >= 1 && n <= 4
		if (err == nil) != valid {
			t.Fatalf("DLE EOT %d %#x: err %v, valid %v", n, b, err, valid)
		}
		if err != nil && s != (Status{}) {
			t.Fatalf("a rejected byte changed the status: %+v", s)
		}
		if s.Connected || s.Known {
			t.Fatal("a status byte cannot say how the printer is connected")
		}
	})
}

func FuzzParseASB(f *testing.F) {
	f.Add([]byte{0x10, 0, 0, 0})
	f.Add([]byte{0x38, 0x09, 0x0F, 0})
	f.Add([]byte{0x10, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		var s Status
		err := s.ParseASB(b)
		valid := len(b) == 4 && b[0]&0x93 == 0x10 && b[1]&0x90 == 0 && b[2]&0x90 == 0 && b[3]&0x90 == 0
		if (err == nil) != valid {
			t.Fatalf("% x: err %v, valid %v", b, err, valid)
		}
		if err != nil && s != (Status{}) {
			t.Fatalf("a rejected message changed the status: %+v", s)
		}
		if err == nil && s.Online == (b[0]&0x08 != 0) {
			t.Fatalf("% x: online %v", b, s.Online)
		}
	})
}

func FuzzParsePaper(f *testing.F) {
	for _, b := range []byte{0, 3, 0x0C, 0x0F, 0x10, 0x80} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b byte) {
		var s Status
		err := s.ParsePaper(b)
		if (err == nil) != (b&0x90 == 0) {
			t.Fatalf("%#x: err %v", b, err)
		}
		if err == nil && s.PaperOut != (b&0x0C != 0) {
			t.Fatalf("%#x: paper out %v", b, s.PaperOut)
		}
	})
}

// However a stream is split into reads, the replies are the same, and
// every byte is accounted for.
func FuzzDecoder(f *testing.F) {
	f.Add([]byte{0x12, 0x10, 0, 0x13, 0x0C, 0, 0x0F, 0x37, 0x25, 0}, 3)
	f.Add([]byte{0x37, 0x37, 0x25, 0x25, 0x00, 0x10, 0x10, 0x10, 0x10, 0x10}, 1)
	f.Add(bytes.Repeat([]byte{0x10, 0x11, 0x13}, 5), 7)
	f.Fuzz(func(t *testing.T, p []byte, cut int) {
		whole := (&decoder{}).feed(p, nil)
		if cut < 0 {
			cut = -cut
		}
		if len(p) > 0 {
			cut %= len(p) + 1
		} else {
			cut = 0
		}
		var d decoder
		split := d.feed(p[:cut], nil)
		split = d.feed(p[cut:], split)
		if len(whole) != len(split) {
			t.Fatalf("whole %v, split at %d %v", whole, cut, split)
		}
		for i := range whole {
			if whole[i] != split[i] {
				t.Fatalf("reply %d: whole %+v, split %+v", i, whole[i], split[i])
			}
		}
		for _, r := range whole {
			switch r.kind {
			case replyRealtime:
				var s Status
				if err := s.ParseRealtime(1, r.b[0]); err != nil {
					t.Fatalf("decoder passed a bad real-time byte: %v", err)
				}
			case replyASB:
				var s Status
				if err := s.ParseASB(r.b[:]); err != nil {
					t.Fatalf("decoder passed a bad ASB: %v", err)
				}
			}
		}
	})
}

// Text never yields a byte that could start a command, and takes exactly
// one column per printed character.
func FuzzText(f *testing.F) {
	f.Add("Blåbær – 250 g\t€ 12,50\x1b@\x10\x04\x01", 48)
	f.Add("a\u030a\u200d\r\n", 32)
	f.Fuzz(func(t *testing.T, s string, cols int) {
		cols = 8 + int(uint(cols)%100)
		for _, cp := range []CodePage{CP865, WPC1252} {
			b := cp.appendText(nil, s, false)
			for _, c := range b {
				if c < 0x20 || c == 0x7F {
					t.Fatalf("%q gave control byte %#x", s, c)
				}
			}
			out, err := NewDoc(cp, cols).Columns(s, "12,50").Line(s).Bytes()
			if err != nil {
				t.Fatal(err)
			}
			body := out[8:] // after ESC @, ESC R 0, ESC t n
			for _, line := range bytes.Split(bytes.TrimSuffix(body, []byte{lf}), []byte{lf}) {
				if len(line) > cols {
					t.Fatalf("line of %d bytes at %d columns: %q", len(line), cols, line)
				}
				for _, c := range line {
					if c < 0x20 {
						t.Fatalf("control byte %#x in %q", c, line)
					}
				}
			}
		}
	})
}
