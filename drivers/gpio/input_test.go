package gpio

import (
	"context"
	"errors"
	"testing"

	"periph.io/x/conn/v3/gpio"
)

// drain takes what has arrived on ch without waiting.
func drain[T any](ch <-chan T) []T {
	var got []T
	for {
		select {
		case v := <-ch:
			got = append(got, v)
		default:
			return got
		}
	}
}

// TestButton presses a button wired as the datasheet has it: to ground,
// against the pin's pull-up, bouncing on the way down and up.
func TestButton(t *testing.T) {
	clk := newFakeClock()
	pin := inPin(t, "T_BTN")
	b, err := New(Config{Button: ButtonConfig{Pin: "T_BTN", Name: "manager"}, NoHost: true, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := b.Init(); !ok || err != nil {
		t.Fatalf("Init = %v, %v", ok, err)
	}
	if pin.Pull() != gpio.PullUp || pin.Read() != H {
		t.Fatalf("pin set to %v reading %v; want a pull-up, reading High", pin.Pull(), pin.Read())
	}
	in := b.button.in
	settles := make(chan gpio.Level, 16)
	in.onSettle = func(l gpio.Level) { settles <- l }
	presses := make(chan Press, 16)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() { done <- b.Run(ctx, Handlers{Press: func(p Press) { presses <- p }}) }()

	contact(t, in, pin, clk, settles, L, H, L, H, L) // pressed, bouncing
	got := drain(presses)
	if len(got) != 1 || got[0].Button != "manager" || !got[0].At.Equal(clk.Now()) {
		t.Fatalf("presses %+v; want one from manager at %v", got, clk.Now())
	}
	if !b.button.Pressed() {
		t.Error("not Pressed while held")
	}
	contact(t, in, pin, clk, settles, H, L, H, L, H) // released, bouncing
	contact(t, in, pin, clk, settles, L, H)          // a glitch
	if got := drain(presses); len(got) != 0 {
		t.Fatalf("release and glitch gave presses %+v", got)
	}
	if b.button.Pressed() {
		t.Error("Pressed after release")
	}
	contact(t, in, pin, clk, settles, L) // a clean press
	if got := drain(presses); len(got) != 1 {
		t.Fatalf("presses %+v; want one", got)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run = %v", err)
	}
}

func TestButtonActiveHigh(t *testing.T) {
	clk := newFakeClock()
	pin := inPin(t, "T_BTN_HI")
	bt, err := NewButton(pin, ButtonConfig{ActiveHigh: true}, clk)
	if err != nil {
		t.Fatal(err)
	}
	if pin.Pull() != gpio.PullDown {
		t.Fatalf("pull %v, want PullDown", pin.Pull())
	}
	settles := make(chan gpio.Level, 16)
	bt.in.onSettle = func(l gpio.Level) { settles <- l }
	presses := make(chan Press, 16)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go bt.Run(ctx, func(p Press) { presses <- p })
	contact(t, bt.in, pin, clk, settles, H, L, H)
	if got := drain(presses); len(got) != 1 || got[0].Button != "T_BTN_HI" {
		t.Fatalf("presses %+v", got)
	}
}

// TestDrawerSensor opens and closes a drawer whose switch reads Low when
// open (the default) and one that reads High.
func TestDrawerSensor(t *testing.T) {
	for _, tc := range []struct {
		name       string
		cfg        SensorConfig
		open, shut gpio.Level
		pull       gpio.Pull
	}{
		{"open low", SensorConfig{}, L, H, gpio.PullUp},
		{"open high", SensorConfig{OpenLevel: H, PullDown: true}, H, L, gpio.PullDown},
		{"external pull", SensorConfig{OpenLevel: H, ExternalPull: true}, H, L, gpio.Float},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := newFakeClock()
			pin := inPin(t, "T_DRAWER")
			tc.cfg.Pin, tc.cfg.Name = "T_DRAWER", "drawer-1"
			b, err := New(Config{Sensor: tc.cfg, NoHost: true, Clock: clk})
			if err != nil {
				t.Fatal(err)
			}
			if ok, err := b.Init(); !ok || err != nil {
				t.Fatalf("Init = %v, %v", ok, err)
			}
			if pin.Pull() != tc.pull {
				t.Fatalf("pull %v, want %v", pin.Pull(), tc.pull)
			}
			in := b.sensor.in
			if tc.pull == gpio.Float { // nothing pulls: start from a closed drawer
				pin.Out(tc.shut)
				in.active = false
			}
			if open, known := b.DrawerOpen(); open || !known {
				t.Fatalf("DrawerOpen = %v, %v at start; want closed, known", open, known)
			}
			settles := make(chan gpio.Level, 16)
			in.onSettle = func(l gpio.Level) { settles <- l }
			changes := make(chan DrawerChange, 16)
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			go b.Run(ctx, Handlers{Drawer: func(d DrawerChange) { changes <- d }})

			contact(t, in, pin, clk, settles, tc.open, tc.shut, tc.open)
			if got := drain(changes); len(got) != 1 || !got[0].Open || got[0].Drawer != "drawer-1" {
				t.Fatalf("changes %+v; want drawer-1 open", got)
			}
			if open, _ := b.DrawerOpen(); !open {
				t.Error("DrawerOpen false after opening")
			}
			contact(t, in, pin, clk, settles, tc.shut, tc.open) // a knock, not a close
			if got := drain(changes); len(got) != 0 {
				t.Fatalf("a knock gave %+v", got)
			}
			contact(t, in, pin, clk, settles, tc.shut, tc.open, tc.shut)
			if got := drain(changes); len(got) != 1 || got[0].Open {
				t.Fatalf("changes %+v; want closed", got)
			}
		})
	}
}
