package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kasse/kasse/drivers/scanner/scannertest"
	"github.com/kasse/kasse/hub/devices"
)

// TestScanReachesRegister: a USB keyboard-wedge scanner on the hub (real
// input_event records through a FIFO opened as its evdev device, Norwegian
// layout) delivers each code live to the register it is bound to, and to
// no other. It reports keystroke-to-register latency over 200 scans.
func TestScanReachesRegister(t *testing.T) {
	if testing.Short() {
		t.Skip("runs hub processes")
	}
	kb, err := scannertest.NewKeyboard(filepath.Join(t.TempDir(), "event-kbd"), "no")
	if err != nil {
		t.Fatal(err)
	}
	defer kb.Close()
	p := newProc(t, fmt.Sprintf("devices:\n  scanners:\n    - id: S1\n      hub: hub1\n      register: K1\n      kind: keyboard\n      path: %s\n      keymap: \"no\"\n", kb.Path()))
	p.start()
	defer p.stop()

	listen := func(token string) (<-chan devices.Event, func()) {
		req, _ := http.NewRequest("GET", "http://"+p.http+"/api/v1/events", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("events: %v %v", err, resp)
		}
		ch := make(chan devices.Event, 256)
		go func() {
			defer close(ch)
			sc := bufio.NewScanner(resp.Body)
			for sc.Scan() {
				if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
					var ev devices.Event
					if json.Unmarshal([]byte(data), &ev) == nil {
						ch <- ev
					}
				}
			}
		}()
		return ch, func() { resp.Body.Close() }
	}
	k1, stop1 := listen("demo-token-register-1")
	defer stop1()
	k2, stop2 := listen("demo-token-register-2")
	defer stop2()

	next := func(ch <-chan devices.Event) devices.Event {
		t.Helper()
		select {
		case ev := <-ch:
			return ev
		case <-time.After(30 * time.Second):
			t.Fatalf("no scan reached the register; hub log:\n%s", p.log())
		}
		return devices.Event{}
	}
	// GS1-128 with FNC1 as GS, and a plain EAN-13, typed on a Norwegian layout.
	for _, code := range []string{"7040000010015", "0107040000010015\x1d10ABC-123"} {
		if err := kb.Scan(code); err != nil {
			t.Fatal(err)
		}
		ev := next(k1)
		if ev.Type != "scan" || ev.Code != code || ev.Device != "S1" {
			t.Errorf("register K1 got %+v, want scan %q", ev, code)
		}
	}
	var lat []time.Duration
	for i := range 200 {
		code := fmt.Sprintf("70400000%05d", i)
		t0 := time.Now()
		if err := kb.Scan(code); err != nil {
			t.Fatal(err)
		}
		if ev := next(k1); ev.Code != code {
			t.Fatalf("scan %d: got %q", i, ev.Code)
		}
		lat = append(lat, time.Since(t0))
	}
	select {
	case ev := <-k2:
		t.Errorf("register K2 got K1's scanner's event %+v", ev)
	default:
	}
	slices.Sort(lat)
	t.Logf("keystrokes written → scan event at the register (SSE, loopback), 200 scans of 13 digits: p50 %s, p99 %s, max %s",
		lat[100].Round(10*time.Microsecond), lat[198].Round(10*time.Microsecond), lat[199].Round(10*time.Microsecond))
}
