package gpio

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"periph.io/x/conn/v3/gpio"
)

// MaxPulse is the longest relay pulse allowed: a drawer's solenoid is
// made for a kick, and burns if held.
const MaxPulse = time.Second

// RelayConfig describes the relay that kicks a cash drawer open.
type RelayConfig struct {
	// Pin is the pin's name (gpioreg.ByName); empty means no relay.
	Pin string
	// ActiveLow: Low energises the relay (many relay boards).
	ActiveLow bool
	// Pulse is how long the relay is energised; default 100 ms, at most
	// MaxPulse.
	Pulse time.Duration
}

// Relay pulses a drawer's kick relay. The relay is released when
// NewRelay returns and after every pulse, whatever happens.
type Relay struct {
	pin   gpio.PinOut
	cfg   RelayConfig
	clock Clock
	mu    sync.Mutex // one pulse at a time
}

// NewRelay sets pin up as the relay's output, released.
func NewRelay(pin gpio.PinOut, cfg RelayConfig, clock Clock) (*Relay, error) {
	if clock == nil {
		clock = RealClock{}
	}
	cfg.Pulse = orDur(cfg.Pulse, 100*time.Millisecond)
	if cfg.Pulse < 0 || cfg.Pulse > MaxPulse {
		return nil, fmt.Errorf("relay %s: pulse %v is outside 0 … %v", cfg.Pin, cfg.Pulse, MaxPulse)
	}
	r := &Relay{pin: pin, cfg: cfg, clock: clock}
	if err := r.set(false); err != nil {
		return nil, fmt.Errorf("relay %s: release: %w", cfg.Pin, err)
	}
	return r, nil
}

func (r *Relay) set(on bool) error { return r.pin.Out(gpio.Level(on != r.cfg.ActiveLow)) }

// Pulse energises the relay for the configured time, waiting for a
// pulse in progress first. If ctx ends during the pulse the relay is
// released at once and ctx.Err() returned.
func (r *Relay) Pulse(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := r.set(true); err != nil {
		return errors.Join(fmt.Errorf("relay %s: energise: %w", r.cfg.Pin, err), r.release())
	}
	tick, stop := r.clock.Timer(r.cfg.Pulse)
	defer stop()
	var err error
	select {
	case <-tick:
	case <-ctx.Done():
		err = ctx.Err()
	}
	return errors.Join(err, r.release())
}

func (r *Relay) release() error {
	if err := r.set(false); err != nil {
		return fmt.Errorf("relay %s: release: %w", r.cfg.Pin, err)
	}
	return nil
}

// SensorConfig describes a drawer's open/closed switch.
type SensorConfig struct {
	// Pin is the pin's name (gpioreg.ByName); empty means no sensor.
	Pin string
	// Name identifies the drawer in DrawerChange; default the pin's name.
	Name string
	// OpenLevel is the level the pin reads when the drawer is open.
	// The default, Low, fits a switch to ground that a closed drawer
	// holds open.
	OpenLevel gpio.Level
	// PullDown sets the pin's pull-down instead of its pull-up.
	PullDown bool
	// ExternalPull: the circuit has its own pull resistor.
	ExternalPull bool
	// Debounce is how long the switch must hold still; default 30 ms.
	Debounce time.Duration
}

// DrawerChange is a drawer opening or closing.
type DrawerChange struct {
	Drawer string
	Open   bool
	At     time.Time
}

// Sensor reports a drawer opening and closing, debounced.
type Sensor struct {
	in *input
}

// NewSensor sets pin up as a drawer sensor.
func NewSensor(pin gpio.PinIn, cfg SensorConfig, clock Clock) (*Sensor, error) {
	name := cfg.Name
	if name == "" {
		name = pin.Name()
	}
	in, err := newInput(pin, name, inputConfig{activeHigh: bool(cfg.OpenLevel), pull: pull(cfg.PullDown, cfg.ExternalPull), debounce: cfg.Debounce}, clock)
	if err != nil {
		return nil, fmt.Errorf("drawer sensor %s: %w", name, err)
	}
	return &Sensor{in: in}, nil
}

// Open says whether the drawer is open now (debounced).
func (s *Sensor) Open() bool { return s.in.isActive() }

// Run calls fn with each change until ctx ends, then returns ctx.Err().
func (s *Sensor) Run(ctx context.Context, fn func(DrawerChange)) error {
	return s.in.run(ctx, func(open bool, at time.Time) {
		fn(DrawerChange{Drawer: s.in.name, Open: open, At: at})
	})
}
