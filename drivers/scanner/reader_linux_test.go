package scanner_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kasse/kasse/drivers/scanner"
	"github.com/kasse/kasse/drivers/scanner/scannertest"
)

const patience = 10 * time.Second // a deadline for what should happen at once, never a measurement

func next(t *testing.T, ch <-chan scanner.Scan) scanner.Scan {
	t.Helper()
	select {
	case s := <-ch:
		return s
	case <-time.After(patience):
		t.Fatal("no scan")
		return scanner.Scan{}
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func start(t *testing.T, cfg scanner.Config) *scanner.Reader {
	t.Helper()
	if cfg.PollInterval == 0 {
		cfg.PollInterval = 5 * time.Millisecond
	}
	r, err := scanner.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := r.Close(); err != nil {
			t.Error(err)
		}
	})
	return r
}

func keyboard(t *testing.T, layout string) *scannertest.Keyboard {
	t.Helper()
	k, err := scannertest.NewKeyboard(filepath.Join(t.TempDir(), "event7"), layout)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { k.Close() })
	return k
}

func TestEvdevReader(t *testing.T) {
	for _, layout := range []string{"us", "no"} {
		t.Run(layout, func(t *testing.T) {
			k := keyboard(t, layout)
			r := start(t, scanner.Config{Name: "scanner-1", Source: scanner.Evdev{Path: k.Path(), Keymap: scanner.Keymap(layout)}})
			loaded, err := r.Init()
			if !loaded || err != nil {
				t.Fatalf("Init = %v, %v; want loaded", loaded, err)
			}
			st := r.Status()
			if !st.Connected || st.Grabbed || st.Err == nil {
				t.Errorf("Status = %+v; want connected, not grabbed (a FIFO refuses EVIOCGRAB), and why", st)
			}

			for _, c := range []string{"]E07038010013204", "]C1010703801001320415261231\x1d10LOT-7", "7038010013204"} {
				if err := k.Scan(c); err != nil {
					t.Fatal(err)
				}
			}
			s := next(t, r.Scans())
			if s.Code != "7038010013204" || s.Symbology != "]E0" || s.Raw != "]E07038010013204" || s.Device != "scanner-1" || s.At.IsZero() {
				t.Errorf("first scan = %+v", s)
			}
			if s := next(t, r.Scans()); s.Symbology != "]C1" || s.Code != "010703801001320415261231\x1d10LOT-7" {
				t.Errorf("second scan = %+v", s)
			}
			if s := next(t, r.Scans()); s.Symbology != "" || s.Code != "7038010013204" {
				t.Errorf("third scan = %+v", s)
			}
		})
	}
}

// TestEvdevReplug pulls the scanner out in the middle of a code and puts
// it back: the half code is lost, the next one arrives.
func TestEvdevReplug(t *testing.T) {
	k := keyboard(t, "us")
	r := start(t, scanner.Config{Name: "s", Source: scanner.Evdev{Path: k.Path()}})
	if _, err := r.Init(); err != nil {
		t.Fatal(err)
	}
	if err := k.Scan("1111"); err != nil {
		t.Fatal(err)
	}
	if s := next(t, r.Scans()); s.Code != "1111" {
		t.Fatalf("got %+v", s)
	}
	if err := k.Type("2222"); err != nil {
		t.Fatal(err)
	}
	if err := k.Unplug(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "disconnect", func() bool { return !r.Status().Connected })
	if err := r.Status().Err; !errors.Is(err, scanner.ErrUnreachable) {
		t.Errorf("Status.Err = %v, want ErrUnreachable", err)
	}
	if err := k.Plug(); err != nil {
		t.Fatal(err)
	}
	if err := k.Scan("3333"); err != nil {
		t.Fatal(err)
	}
	if s := next(t, r.Scans()); s.Code != "3333" {
		t.Fatalf("after replug got %+v, want 3333", s)
	}
	if st := r.Status(); !st.Connected || st.Scans != 2 {
		t.Errorf("Status = %+v", st)
	}
}

// TestEvdevLate starts a hub before its scanner is plugged in.
func TestEvdevLate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "event3")
	got := make(chan scanner.Scan, 1)
	r := start(t, scanner.Config{Name: "s", Source: scanner.Evdev{Path: path}, OnScan: func(s scanner.Scan) { got <- s }})
	loaded, err := r.Init()
	if !loaded || !errors.Is(err, scanner.ErrUnreachable) || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Init = %v, %v; want failed, not there", loaded, err)
	}
	k, err := scannertest.NewKeyboard(path, "us")
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	if err := k.Scan("42"); err != nil {
		t.Fatal(err)
	}
	if s := next(t, got); s.Code != "42" {
		t.Fatalf("got %+v", s)
	}
}

// TestEvdevCapture reads a recorded capture from a regular file once.
func TestEvdevCapture(t *testing.T) {
	evs, err := scannertest.Keystrokes("us", "]E470380108", true, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	more, _ := scannertest.Keystrokes("us", "ABC", true, time.Now())
	path := filepath.Join(t.TempDir(), "capture")
	if err := os.WriteFile(path, scannertest.Encode(append(evs, more...)), 0o600); err != nil {
		t.Fatal(err)
	}
	r := start(t, scanner.Config{Name: "s", Source: scanner.Evdev{Path: path}, PollInterval: time.Millisecond})
	if _, err := r.Init(); err != nil {
		t.Fatal(err)
	}
	if s := next(t, r.Scans()); s.Code != "70380108" || s.Symbology != "]E4" {
		t.Errorf("got %+v", s)
	}
	if s := next(t, r.Scans()); s.Code != "ABC" {
		t.Errorf("got %+v", s)
	}
	r.Close()
	if st := r.Status(); st.Scans != 2 {
		t.Errorf("capture read %d scans, want 2", st.Scans)
	}
}

func TestSkipped(t *testing.T) {
	for _, tc := range []struct {
		cfg  scanner.Config
		want error
	}{
		{scanner.Config{Name: "none"}, scanner.ErrNoDevice},
		{scanner.Config{Name: "off", Disabled: true, Source: scanner.Serial{Port: "/dev/ttyACM0"}}, scanner.ErrDisabled},
	} {
		r := start(t, tc.cfg)
		loaded, err := r.Init()
		if loaded || !errors.Is(err, tc.want) {
			t.Errorf("%s: Init = %v, %v; want skipped, %v", tc.cfg.Name, loaded, err, tc.want)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, cfg := range []scanner.Config{
		{Source: scanner.Evdev{}},
		{Source: scanner.Evdev{Path: "/dev/input/event0", Keymap: "de"}},
		{Source: scanner.Serial{}},
		{Source: scanner.Serial{Port: "/dev/ttyACM0", Baud: -1}},
		{PollInterval: -1},
	} {
		if _, err := scanner.New(cfg); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
}

func TestSerialReader(t *testing.T) {
	s, err := scannertest.NewSerial(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r := start(t, scanner.Config{Name: "acm", Source: scanner.Serial{Port: s.Path()}})
	if loaded, err := r.Init(); !loaded || err != nil {
		t.Fatalf("Init = %v, %v", loaded, err)
	}
	if err := s.Scan("]d2010703801001320410A1\x1d17261231"); err != nil {
		t.Fatal(err)
	}
	if got := next(t, r.Scans()); got.Symbology != "]d2" || got.Code != "010703801001320410A1\x1d17261231" || got.Device != "acm" {
		t.Errorf("got %+v", got)
	}

	if err := s.Write([]byte("5555")); err != nil { // cut off by the unplug
		t.Fatal(err)
	}
	if err := s.Unplug(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "disconnect", func() bool { return !r.Status().Connected })
	if err := s.Plug(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "reconnect", func() bool { return r.Status().Connected })
	if err := s.Scan("6666"); err != nil {
		t.Fatal(err)
	}
	if got := next(t, r.Scans()); got.Code != "6666" {
		t.Errorf("after replug got %+v", got)
	}
}

func TestSerialSuffix(t *testing.T) {
	s, err := scannertest.NewSerial(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.SetSuffix("\t")
	r := start(t, scanner.Config{Name: "acm", Source: scanner.Serial{Port: s.Path(), Suffix: "\t"}})
	if _, err := r.Init(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"A\rB", "]A0CODE-39"} {
		if err := s.Scan(c); err != nil {
			t.Fatal(err)
		}
	}
	if got := next(t, r.Scans()); got.Code != "AB" {
		t.Errorf("got %+v", got)
	}
	if got := next(t, r.Scans()); got.Code != "CODE-39" || scanner.SymbologyName(got.Symbology) != "Code 39" {
		t.Errorf("got %+v", got)
	}
}
