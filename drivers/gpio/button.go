package gpio

import (
	"context"
	"fmt"
	"time"

	"periph.io/x/conn/v3/gpio"
)

// ButtonConfig describes a push button, such as "call a manager".
type ButtonConfig struct {
	// Pin is the pin's name (gpioreg.ByName); empty means no button.
	Pin string
	// Name identifies the button in Press; default the pin's name.
	Name string
	// ActiveHigh: pressing pulls the pin High (a pull-down is set).
	// Without it the button connects the pin to ground when pressed,
	// against the pin's pull-up: active low, the usual wiring.
	ActiveHigh bool
	// ExternalPull: the circuit has its own pull resistor; the pin's is
	// left off.
	ExternalPull bool
	// Debounce is how long the contact must hold still; default 30 ms.
	Debounce time.Duration
}

// Press is one press of a button.
type Press struct {
	Button string
	At     time.Time
}

// Button reports presses of a push button, debounced: one press however
// much the contact bounces, and none for a glitch shorter than Debounce.
type Button struct {
	in *input
}

// NewButton sets pin up as a button input.
func NewButton(pin gpio.PinIn, cfg ButtonConfig, clock Clock) (*Button, error) {
	name := cfg.Name
	if name == "" {
		name = pin.Name()
	}
	in, err := newInput(pin, name, inputConfig{activeHigh: cfg.ActiveHigh, pull: pull(cfg.ActiveHigh, cfg.ExternalPull), debounce: cfg.Debounce}, clock)
	if err != nil {
		return nil, fmt.Errorf("button %s: %w", name, err)
	}
	return &Button{in: in}, nil
}

// Pressed says whether the button is held down now (debounced).
func (b *Button) Pressed() bool { return b.in.isActive() }

// Run calls fn with each press until ctx ends, then returns ctx.Err().
// A button held down when Run starts is not a press; its release and
// the next press are.
func (b *Button) Run(ctx context.Context, fn func(Press)) error {
	return b.in.run(ctx, func(active bool, at time.Time) {
		if active {
			fn(Press{Button: b.in.name, At: at})
		}
	})
}
