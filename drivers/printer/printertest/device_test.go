package printertest

import (
	"bytes"
	"context"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// host side of a net.Pipe, collecting replies.
type pipeHost struct {
	c   net.Conn
	mu  sync.Mutex
	got []byte
	ch  chan struct{}
}

func connect(t *testing.T, d *Device) *pipeHost {
	a, b := net.Pipe()
	go d.Serve(b)
	h := &pipeHost{c: a, ch: make(chan struct{}, 1000)}
	go func() {
		buf := make([]byte, 64)
		for {
			n, err := a.Read(buf)
			h.mu.Lock()
			h.got = append(h.got, buf[:n]...)
			h.mu.Unlock()
			h.ch <- struct{}{}
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { a.Close() })
	return h
}

// ask sends p and returns the next n reply bytes.
func (h *pipeHost) ask(t *testing.T, p []byte, n int) []byte {
	t.Helper()
	h.mu.Lock()
	start := len(h.got)
	h.mu.Unlock()
	if _, err := h.c.Write(p); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(10 * time.Second)
	for {
		h.mu.Lock()
		if len(h.got) >= start+n {
			out := append([]byte(nil), h.got[start:start+n]...)
			h.mu.Unlock()
			return out
		}
		h.mu.Unlock()
		select {
		case <-h.ch:
		case <-deadline:
			t.Fatalf("no reply to % x", p)
		}
	}
}

var eot = []byte{0x10, 4, 1, 0x10, 4, 2, 0x10, 4, 3, 0x10, 4, 4}

// Status bytes as the DLE EOT and GS r tables of the reference give them.
func TestRealtimeStatus(t *testing.T) {
	d := NewDevice(Config{})
	h := connect(t, d)
	for _, tc := range []struct {
		name string
		set  func()
		want []byte
	}{
		{"ready", func() {}, []byte{0x12, 0x12, 0x12, 0x12}},
		{"drawer open", func() { d.SetDrawerOpen(true) }, []byte{0x16, 0x12, 0x12, 0x12}},
		{"cover open", func() { d.SetDrawerOpen(false); d.SetCoverOpen(true) }, []byte{0x1A, 0x16, 0x12, 0x12}},
		{"near end", func() { d.SetCoverOpen(false); d.PaperLeft(3) }, []byte{0x12, 0x12, 0x12, 0x1E}},
		{"paper out", func() { d.SetPaperOut(true) }, []byte{0x1A, 0x32, 0x12, 0x7E}},
		{"cutter", func() { d.SetPaperOut(false); d.SetCutterError(true) }, []byte{0x3A, 0x52, 0x1A, 0x12}},
	} {
		tc.set()
		if got := h.ask(t, eot, 4); !bytes.Equal(got, tc.want) {
			t.Errorf("%s: DLE EOT 1-4 gave % x, want % x", tc.name, got, tc.want)
		}
	}
	// DLE ENQ 1 recovers from the cutter error.
	h.c.Write([]byte{0x10, 0x05, 0x01})
	if got := h.ask(t, []byte{0x10, 4, 1}, 1); got[0] != 0x12 {
		t.Errorf("after DLE ENQ 1: % x", got)
	}
	if got := h.ask(t, []byte{0x1d, 'r', 1}, 1); got[0] != 0 {
		t.Errorf("GS r 1: % x", got)
	}
	d.PaperLeft(2)
	if got := h.ask(t, []byte{0x1d, 'r', 49}, 1); got[0] != 0x03 {
		t.Errorf("GS r 49 near end: % x", got)
	}
	if got := h.ask(t, []byte{0x1d, '(', 'H', 6, 0, 48, 48, 'a', 'b', 'c', 'd'}, 7); !bytes.Equal(got, []byte{0x37, 0x22, 'a', 'b', 'c', 'd', 0}) {
		t.Errorf("GS ( H: % x", got)
	}
}

// Out of paper, the printer holds data and still answers DLE EOT; a
// buffer clear drops what it holds; with a new roll it goes on.
func TestHoldAndClear(t *testing.T) {
	d := NewDevice(Config{})
	h := connect(t, d)
	d.PaperLeft(1)
	h.ask(t, []byte("one\ntwo\nthree\n\x1dr\x01"), 0)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := d.Wait(ctx, func(s Snapshot) bool { return s.PaperOut && s.Pending > 0 }); err != nil {
		t.Fatal(err)
	}
	if got := h.ask(t, eot, 4); !bytes.Equal(got, []byte{0x1A, 0x32, 0x12, 0x7E}) {
		t.Errorf("status % x", got)
	}
	if got := h.ask(t, []byte{0x10, 0x14, 8, 1, 3, 20, 1, 6, 2, 8}, 3); !bytes.Equal(got, []byte{0x37, 0x25, 0}) {
		t.Errorf("clear response % x", got)
	}
	d.SetPaperOut(false)
	h.ask(t, []byte("four\n"), 0)
	if err := d.Wait(ctx, func(s Snapshot) bool { return s.Lines == 2 }); err != nil {
		t.Fatal(err)
	}
	if got := d.Text(); got != "one\nfour" {
		t.Errorf("printed %q", got)
	}
	// Without the clear, the held data prints after the new roll.
	d.PaperLeft(0)
	h.ask(t, []byte("five\n"), 0)
	d.SetPaperOut(false)
	if got := d.Text(); got != "one\nfour\nfive" {
		t.Errorf("printed %q", got)
	}
}

func TestASB(t *testing.T) {
	d := NewDevice(Config{})
	h := connect(t, d)
	if got := h.ask(t, []byte{0x1d, 'a', 0x0F}, 4); !bytes.Equal(got, []byte{0x10, 0, 0, 0}) {
		t.Errorf("on enabling: % x", got)
	}
	h.mu.Lock()
	n := len(h.got)
	h.mu.Unlock()
	d.SetCoverOpen(true)
	deadline := time.After(10 * time.Second)
	for {
		h.mu.Lock()
		got := append([]byte(nil), h.got[n:]...)
		h.mu.Unlock()
		if len(got) >= 4 {
			if !bytes.Equal(got[:4], []byte{0x38, 0, 0, 0}) {
				t.Errorf("cover open: % x", got)
			}
			break
		}
		select {
		case <-h.ch:
		case <-deadline:
			t.Fatal("no ASB")
		}
	}
	// ESC @ returns ASB to its power-on setting (off).
	h.ask(t, []byte{0x1b, '@'}, 0)
	d.SetCoverOpen(false)
	if got := h.ask(t, []byte{0x10, 4, 1}, 1); got[0] != 0x12 {
		t.Errorf("after ESC @ the next byte should be the DLE EOT reply, got % x", got)
	}
}

// Commands the encoder never sends are still understood.
func TestRendering(t *testing.T) {
	d := NewDevice(Config{Columns: 20})
	d.Write([]byte("\x1b@\x1bt\x00\x86\x91\x9b\x1bt\x10\xe6\xf8\xe5\x80\n" + // PC437 å æ ¢, then WPC1252 æ ø å €
		"\x1bR\x09[\\]{|}\n" + // Norway: Æ Ø Å æ ø å
		"\x1bR\x00\x1b!\x38wide\x1b!\x00\n" + // bold, double height and width
		"a\tb\n" +
		"abcdefghijklmnopqrstuvwxyz\n" + // wraps at 20
		"x\x1ba\x01y\n" + // ESC a mid-line is ignored
		"\x1dv0\x00\x02\x00\x02\x00\xff\xff\xff\xff" + // raster image 16x2
		"\x1dk\x04ABC\x00" + // CODE39, function A
		"\x1dk\x49\x06{C\x0c\x22\x38\x4e" + // CODE128 set C 12 34 56 78
		"\x1dV\x01"))
	want := []string{
		"åæ¢æøå€",
		"ÆØÅæøå",
		"[B][SIZE 2x2]wide[/B][SIZE 1x1]",
		"a       b",
		"abcdefghijklmnopqrst",
		"uvwxyz",
		"x[?ALIGN not at line start]y",
		"[RASTER 16x2]",
		"[BARCODE CODE39 ABC]",
		"[BARCODE CODE128 12345678]",
		"[CUT partial]",
	}
	if got := d.Lines(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if s := d.Snapshot(); s.Wraps != 1 || s.Cuts != 1 {
		t.Errorf("%+v", s)
	}
}

// A printer acts on DLE EOT wherever it is, even inside barcode data.
func TestRealtimeInsideData(t *testing.T) {
	d := NewDevice(Config{})
	h := connect(t, d)
	got := h.ask(t, []byte("\x1dk\x49\x06{C\x10\x04\x01\x02"), 1)
	if got[0] != 0x12 {
		t.Errorf("reply % x", got)
	}
}

func TestServerPower(t *testing.T) {
	s, err := Listen("127.0.0.1:0", Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	s.PowerOffAfter(3)
	c.Write([]byte("abc\ndef\n"))
	if _, err := io.ReadAll(c); err != nil {
		t.Fatal(err) // EOF when the printer goes off
	}
	if _, err := net.Dial("tcp", s.Addr()); err == nil {
		t.Fatal("a printer that is off accepted a connection")
	}
	if err := s.PowerOn(); err != nil {
		t.Fatal(err)
	}
	c, err = net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("ghi\n\x10\x04\x01"))
	buf := make([]byte, 1)
	if _, err := io.ReadFull(c, buf); err != nil || buf[0] != 0x12 {
		t.Fatalf("% x %v", buf, err)
	}
	if got := s.Text(); got != "[POWER OFF]\n[POWER ON]\nghi" {
		t.Errorf("printed %q", got)
	}
	if got := string(s.Received()); got != "abcghi\n\x10\x04\x01" {
		t.Errorf("received %q", got)
	}
}

// However the stream is split, the paper comes out the same; nothing
// panics or hangs on any input.
func FuzzDevice(f *testing.F) {
	f.Add([]byte("\x1b@\x1bt\x05Bl\x86b\x91r\n\x1dV\x42\x00"), 3)
	f.Add([]byte("\x1d(k\x04\x001A2\x00\x1d(k\x05\x001P0ab\x1d(k\x03\x001Q0"), 9)
	f.Add([]byte("\x1dk\x49\x05{B{{x\x1dk\x02123\x00\x10\x04\x01\x10\x14\x08\x01\x03\x14\x01\x06\x02\x08"), 4)
	f.Add([]byte("\x1b*\x21\x02\x00abcdef\x1b&\x03\x41\x42\x01abc\x02abcdef\x1bd\x05\x1bp\x00\x19\xfa"), 11)
	f.Fuzz(func(t *testing.T, p []byte, cut int) {
		a := NewDevice(Config{Columns: 32})
		a.Write(p)
		b := NewDevice(Config{Columns: 32})
		if len(p) > 0 {
			cut = int(uint(cut) % uint(len(p)+1))
		} else {
			cut = 0
		}
		b.Write(p[:cut])
		b.Write(p[cut:])
		la, lb := a.Lines(), b.Lines()
		if strings.Join(la, "\n") != strings.Join(lb, "\n") {
			t.Fatalf("whole:\n%q\nsplit at %d:\n%q", la, cut, lb)
		}
		sa, sb := a.Snapshot(), b.Snapshot()
		if sa != sb {
			t.Fatalf("whole %+v, split %+v", sa, sb)
		}
		for _, l := range la {
			if strings.ContainsRune(l, '\n') {
				t.Fatalf("line with a newline: %q", l)
			}
		}
	})
}
