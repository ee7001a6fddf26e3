package gpio

import (
	"context"
	"errors"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"
)

const (
	H = gpio.High
	L = gpio.Low
)

func TestLEDPatterns(t *testing.T) {
	for _, activeLow := range []bool{false, true} {
		t.Run(map[bool]string{false: "active high", true: "active low"}[activeLow], func(t *testing.T) {
			on, off := H, L
			if activeLow {
				on, off = L, H
			}
			clk := newFakeClock()
			pin := outPin(t, "T_LED")
			b, err := New(Config{LED: LEDConfig{Pin: "T_LED", ActiveLow: activeLow}, NoHost: true, Clock: clk})
			if err != nil {
				t.Fatal(err)
			}
			b.SetHealth(Healthy) // before Init: remembered
			if ok, err := b.Init(); !ok || err != nil {
				t.Fatalf("Init = %v, %v", ok, err)
			}
			ctx, cancel := context.WithCancel(t.Context())
			done := make(chan error)
			go func() { done <- b.Run(ctx, Handlers{}) }()

			pin.waitLevels(t, on) // steady on
			want := []gpio.Level{on}
			step := func(what string, f func(), levels ...gpio.Level) {
				t.Helper()
				t.Log(what)
				f()
				want = append(want, levels...)
				pin.waitLevels(t, want...)
			}

			step("off", func() { b.SetHealth(Off) }, off)
			step("healthy", func() { b.SetHealth(Healthy) }, on)
			step("slow blink starts lit", func() { b.SetHealth(Degraded) })
			clk.waitPending(t, 1)
			step("not yet", func() { clk.Advance(499 * time.Millisecond) })
			step("half a second: dark", func() { clk.Advance(time.Millisecond) }, off)
			clk.waitPending(t, 1)
			step("lit again", func() { clk.Advance(500 * time.Millisecond) }, on)
			clk.waitPending(t, 1)
			step("same health: blink undisturbed", func() { b.SetHealth(Degraded) })
			step("dark again", func() { clk.Advance(500 * time.Millisecond) }, off)
			clk.waitPending(t, 1)

			step("fast blink starts lit", func() { b.SetHealth(Halted) }, on)
			clk.waitPending(t, 1) // the slow blink's timer is gone, the fast one set
			step("not yet", func() { clk.Advance(99 * time.Millisecond) })
			step("dark", func() { clk.Advance(time.Millisecond) }, off)
			clk.waitPending(t, 1)
			step("lit", func() { clk.Advance(100 * time.Millisecond) }, on)
			clk.waitPending(t, 1)

			step("healthy: steady", func() { b.SetHealth(Healthy) })
			clk.waitPending(t, 0)
			step("stopped: dark", cancel, off)
			if err := <-done; !errors.Is(err, context.Canceled) {
				t.Errorf("Run = %v", err)
			}
		})
	}
}

func TestHealthString(t *testing.T) {
	for h, want := range map[Health]string{Off: "off", Healthy: "healthy", Degraded: "degraded", Halted: "halted", 9: "Health(9)"} {
		if h.String() != want {
			t.Errorf("%d: %q", int(h), h.String())
		}
	}
}
