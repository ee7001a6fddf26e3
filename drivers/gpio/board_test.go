package gpio

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestRelayPulse(t *testing.T) {
	for _, activeLow := range []bool{false, true} {
		t.Run(map[bool]string{false: "active high", true: "active low"}[activeLow], func(t *testing.T) {
			on, off := H, L
			if activeLow {
				on, off = L, H
			}
			clk := newFakeClock()
			pin := outPin(t, "T_RELAY")
			b, err := New(Config{Relay: RelayConfig{Pin: "T_RELAY", ActiveLow: activeLow, Pulse: 150 * time.Millisecond}, NoHost: true, Clock: clk})
			if err != nil {
				t.Fatal(err)
			}
			if ok, err := b.Init(); !ok || err != nil {
				t.Fatalf("Init = %v, %v", ok, err)
			}
			pin.waitLevels(t, off) // released at start

			done := make(chan error)
			go func() { done <- b.KickDrawer(t.Context()) }()
			clk.waitPending(t, 1)
			pin.waitLevels(t, off, on)
			clk.Advance(149 * time.Millisecond)
			select {
			case err := <-done:
				t.Fatalf("pulse ended early: %v", err)
			default:
			}
			clk.Advance(time.Millisecond)
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			pin.waitLevels(t, off, on, off)

			// Cancelled mid-pulse: released at once.
			ctx, cancel := context.WithCancel(t.Context())
			go func() { done <- b.KickDrawer(ctx) }()
			clk.waitPending(t, 1)
			cancel()
			if err := <-done; !errors.Is(err, context.Canceled) {
				t.Fatalf("KickDrawer = %v, want Canceled", err)
			}
			pin.waitLevels(t, off, on, off, on, off)
			if clk.Pending() != 0 {
				t.Error("pulse timer left set")
			}
			if err := b.KickDrawer(ctx); !errors.Is(err, context.Canceled) {
				t.Errorf("KickDrawer with an ended context = %v", err)
			}
			pin.waitLevels(t, off, on, off, on, off)
		})
	}
}

func TestInitReports(t *testing.T) {
	fakeHost := func(t *testing.T, hasGPIO bool) {
		old := hostInit
		hostInit = func() (bool, error) { return hasGPIO, nil }
		t.Cleanup(func() { hostInit = old })
	}
	t.Run("no pins: skipped", func(t *testing.T) {
		b, _ := New(Config{})
		if ok, err := b.Init(); ok || !errors.Is(err, ErrNoPins) {
			t.Errorf("Init = %v, %v", ok, err)
		}
	})
	t.Run("disabled: skipped", func(t *testing.T) {
		b, _ := New(Config{LED: LEDConfig{Pin: "GPIO17"}, Disabled: true})
		if ok, err := b.Init(); ok || !errors.Is(err, ErrDisabled) {
			t.Errorf("Init = %v, %v", ok, err)
		}
	})
	t.Run("machine without GPIO: skipped", func(t *testing.T) {
		fakeHost(t, false)
		b, _ := New(Config{LED: LEDConfig{Pin: "T_NOWHERE_17"}, Relay: RelayConfig{Pin: "T_NOWHERE_27"}})
		if ok, err := b.Init(); ok || !errors.Is(err, ErrNoGPIO) {
			t.Errorf("Init = %v, %v", ok, err)
		}
	})
	t.Run("board without the pin: failed, the rest works", func(t *testing.T) {
		fakeHost(t, true)
		led := outPin(t, "T_LED_OK")
		b, _ := New(Config{LED: LEDConfig{Pin: "T_LED_OK"}, Relay: RelayConfig{Pin: "T_MISSING"}})
		ok, err := b.Init()
		if !ok || !errors.Is(err, ErrNoPin) {
			t.Fatalf("Init = %v, %v", ok, err)
		}
		if err := b.KickDrawer(t.Context()); !errors.Is(err, ErrAbsent) {
			t.Errorf("KickDrawer = %v, want ErrAbsent", err)
		}
		if _, known := b.DrawerOpen(); known {
			t.Error("drawer state known without a sensor")
		}
		b.SetHealth(Healthy)
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error)
		go func() { done <- b.Run(ctx, Handlers{}) }()
		led.waitLevels(t, H)
		cancel()
		<-done
		led.waitLevels(t, H, L)
	})
	t.Run("input refuses setup: failed", func(t *testing.T) {
		pin := inPin(t, "T_NO_EDGES")
		pin.EdgesChan = nil // gpiotest refuses edge detection without a channel
		b, _ := New(Config{Button: ButtonConfig{Pin: "T_NO_EDGES"}, NoHost: true})
		if ok, err := b.Init(); !ok || err == nil {
			t.Errorf("Init = %v, %v; want failed", ok, err)
		}
	})
	t.Run("run before init", func(t *testing.T) {
		b, _ := New(Config{LED: LEDConfig{Pin: "X"}})
		if err := b.Run(t.Context(), Handlers{}); !errors.Is(err, ErrNotStarted) {
			t.Errorf("Run = %v", err)
		}
	})
}

// TestInitThisMachine loads periph's real host drivers. On a machine
// without GPIO, such as CI's, the driver must be skipped, not fail.
func TestInitThisMachine(t *testing.T) {
	has, err := hostInit()
	if err != nil {
		t.Fatal(err)
	}
	if has {
		t.Skip("this machine has GPIO")
	}
	b, _ := New(Config{LED: LEDConfig{Pin: "GPIO17"}, Button: ButtonConfig{Pin: "GPIO27"}})
	if ok, err := b.Init(); ok || !errors.Is(err, ErrNoGPIO) {
		t.Errorf("Init = %v, %v; want skipped with ErrNoGPIO", ok, err)
	}
}

func TestValidate(t *testing.T) {
	for name, cfg := range map[string]Config{
		"pin twice":       {LED: LEDConfig{Pin: "GPIO17"}, Relay: RelayConfig{Pin: "GPIO17"}},
		"long pulse":      {Relay: RelayConfig{Pin: "GPIO27", Pulse: 2 * time.Second}},
		"negative blink":  {LED: LEDConfig{Pin: "GPIO17", Slow: -1}},
		"negative bounce": {Sensor: SensorConfig{Pin: "GPIO22", Debounce: -time.Millisecond}},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := NewRelay(outPin(t, "T_R2"), RelayConfig{Pulse: time.Hour}, nil); err == nil {
		t.Error("NewRelay accepted an hour's pulse")
	}
}
