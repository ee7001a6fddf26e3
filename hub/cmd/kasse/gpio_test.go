package main

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpioreg"
	"periph.io/x/conn/v3/gpio/gpiotest"

	"github.com/kasse/kasse/hub/config"
)

// outPin records the levels a hub drives an output to.
type outPin struct {
	*gpiotest.Pin
	mu   sync.Mutex
	outs []gpio.Level
}

func (p *outPin) Out(l gpio.Level) error {
	p.mu.Lock()
	p.outs = append(p.outs, l)
	p.mu.Unlock()
	return p.Pin.Out(l)
}

func (p *outPin) levels() []gpio.Level {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.outs)
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 30 s for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestGPIOWiring: a hub's own pins (periph gpiotest pins, since this
// machine has no GPIO): the LED shows health, the drawer sensor reaches the
// ledger so the drawer rule applies, a no-sale opening pulses the relay, and
// the button calls a manager on the register's live stream.
func TestGPIOWiring(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a hub")
	}
	led := &outPin{Pin: &gpiotest.Pin{N: "T_LED"}}
	relay := &outPin{Pin: &gpiotest.Pin{N: "T_RELAY"}}
	// Inputs rest High: pull-ups, drawer shut, button up.
	sensor := &gpiotest.Pin{N: "T_SENSOR", L: gpio.High, EdgesChan: make(chan gpio.Level, 8)}
	button := &gpiotest.Pin{N: "T_BUTTON", L: gpio.High, EdgesChan: make(chan gpio.Level, 8)}
	for _, p := range []gpio.PinIO{led, relay, sensor, button} {
		if err := gpioreg.Register(p); err != nil {
			t.Fatal(err)
		}
		defer gpioreg.Unregister(p.Name())
	}
	cfg := config.Default()
	cfg.Hub.Data = filepath.Join(t.TempDir(), "data")
	cfg.Raft.Bind, cfg.HTTP.Addr = freePort(t), freePort(t)
	cfg.Devices.GPIO = []config.GPIO{{Hub: "hub1", Register: "K1", LED: "T_LED", Button: "T_BUTTON", Relay: "T_RELAY", Sensor: "T_SENSOR"}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h, err := start(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer h.close()

	eventually(t, "the LED to light steadily", func() bool { return slices.Contains(led.levels(), gpio.High) })

	sensor.EdgesChan <- gpio.Low // the drawer opens
	eventually(t, "the ledger to see the drawer open", func() bool {
		r, err := h.ledger.Register("K1")
		return err == nil && r.DrawerOpen
	})
	sensor.EdgesChan <- gpio.High
	eventually(t, "the ledger to see the drawer shut", func() bool {
		r, err := h.ledger.Register("K1")
		return err == nil && !r.DrawerOpen
	})

	c := newClient(h.httpAddr, "demo-token-register-1")
	if _, err := c.do("POST", "/drawer/open", "gpio-nosale", map[string]any{"reason": "nosale", "override": map[string]string{"employee": "1002", "pin": "2345"}}, nil); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a relay pulse", func() bool {
		l := relay.levels()
		return len(l) >= 2 && slices.Contains(l, gpio.High) && l[len(l)-1] == gpio.Low
	})

	events, stop := h.dev.Bus.Subscribe("K1")
	defer stop()
	button.EdgesChan <- gpio.Low // a finger holds it down for a moment
	time.Sleep(300 * time.Millisecond)
	button.EdgesChan <- gpio.High
	select {
	case ev := <-events:
		if ev.Type != "call" {
			t.Errorf("register got %+v, want a call", ev)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the button's call never reached the register")
	}
}
