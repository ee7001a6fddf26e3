package scannertest

import (
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

func TestKeystrokes(t *testing.T) {
	at := time.Unix(1767225600, 123456000)
	evs, err := Keystrokes("us", "A", true, at)
	if err != nil {
		t.Fatal(err)
	}
	// Shift down, a down, a up, Shift up, Enter down, Enter up: each as
	// MSC_SCAN, EV_KEY, SYN_REPORT, as the kernel reports a USB keyboard.
	want := []struct {
		code  uint16
		value int32
	}{{KeyLeftShift, Press}, {30, Press}, {30, Release}, {KeyLeftShift, Release}, {KeyEnter, Press}, {KeyEnter, Release}}
	if len(evs) != 3*len(want) {
		t.Fatalf("%d events, want %d", len(evs), 3*len(want))
	}
	for i, w := range want {
		msc, key, syn := evs[3*i], evs[3*i+1], evs[3*i+2]
		if msc.Type != EvMsc || msc.Code != MscScan || msc.Value>>16 != 7 ||
			key.Type != EvKey || key.Code != w.code || key.Value != w.value ||
			syn.Type != EvSyn || syn.Code != SynReport {
			t.Errorf("group %d = %+v %+v %+v", i, msc, key, syn)
		}
	}
	if evs[0].Value != 0x700e1 || evs[3].Value != 0x70004 {
		t.Errorf("HID usages %#x %#x, want 0x700e1 (LeftShift) and 0x70004 (a)", evs[0].Value, evs[3].Value)
	}
	if b := Encode(evs); len(b) != len(evs)*EventSize {
		t.Errorf("Encode gave %d bytes for %d events", len(b), len(evs))
	}
	if runtime.GOARCH == "arm64" || runtime.GOARCH == "amd64" {
		if EventSize != 24 {
			t.Errorf("EventSize %d on %s, want 24", EventSize, runtime.GOARCH)
		}
	}

	dead, err := Keystrokes("no", "^", false, at)
	if err != nil {
		t.Fatal(err)
	}
	if last := dead[len(dead)-2]; last.Code != KeySpace { // a dead key needs a space after it
		t.Errorf("dead key not followed by space: %+v", dead)
	}
	for _, tc := range []struct{ layout, s string }{{"us", "æ"}, {"us", "\t"}, {"de", "a"}} {
		if _, err := Keystrokes(tc.layout, tc.s, true, at); err == nil {
			t.Errorf("Keystrokes(%q, %q) did not fail", tc.layout, tc.s)
		}
	}
}

func TestKeyboardUnplugged(t *testing.T) {
	k, err := NewKeyboard(filepath.Join(t.TempDir(), "event0"), "us")
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Scan("1"); err != nil {
		t.Fatal(err)
	}
	if err := k.Unplug(); err != nil {
		t.Fatal(err)
	}
	if err := k.Scan("1"); err == nil {
		t.Error("typed while unplugged")
	}
	if err := k.Plug(); err != nil {
		t.Fatal(err)
	}
	if err := k.Close(); err != nil {
		t.Fatal(err)
	}
}
