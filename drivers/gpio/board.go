package gpio

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpioreg"
)

// Errors, for errors.Is.
var (
	// ErrDisabled: the configuration says not to use GPIO.
	ErrDisabled = errors.New("gpio: disabled")
	// ErrNoPins: the configuration names no pin.
	ErrNoPins = errors.New("gpio: no pins configured")
	// ErrNoGPIO: this machine has no GPIO (a laptop, a VM); the pins
	// named cannot exist here.
	ErrNoGPIO = errors.New("gpio: this machine has no GPIO")
	// ErrNoPin: a pin named in the configuration does not exist.
	ErrNoPin = errors.New("gpio: no such pin")
	// ErrAbsent: the Board has no such device (not configured, or its pin
	// failed at Init).
	ErrAbsent = errors.New("gpio: device not present")
	// ErrNotStarted: Run was called before Init.
	ErrNotStarted = errors.New("gpio: Run before Init")
)

// Config names the pins of a hub's GPIO devices; a device whose Pin is
// empty is not there.
type Config struct {
	LED    LEDConfig
	Button ButtonConfig
	Relay  RelayConfig
	Sensor SensorConfig
	// Disabled makes Init report the driver skipped.
	Disabled bool
	// NoHost leaves periph's host drivers alone: the pins must already
	// be registered with gpioreg, as tests register gpiotest pins. Without
	// it Init loads them (host.Init) before looking the pins up.
	NoHost bool
	Clock  Clock // default RealClock
	Logger *slog.Logger
}

// Validate says in plain words what is wrong with c.
func (c Config) Validate() error {
	var errs []error
	if c.LED.Slow < 0 || c.LED.Fast < 0 {
		errs = append(errs, fmt.Errorf("LED blink periods must not be negative (slow %v, fast %v)", c.LED.Slow, c.LED.Fast))
	}
	if c.Button.Debounce < 0 || c.Sensor.Debounce < 0 {
		errs = append(errs, fmt.Errorf("debounce times must not be negative (button %v, sensor %v)", c.Button.Debounce, c.Sensor.Debounce))
	}
	if c.Relay.Pulse < 0 || c.Relay.Pulse > MaxPulse {
		errs = append(errs, fmt.Errorf("relay pulse %v is outside 0 … %v: a drawer solenoid is made for a kick", c.Relay.Pulse, MaxPulse))
	}
	used := map[string]string{}
	for _, p := range c.pins() {
		if prev, ok := used[p.pin]; ok {
			errs = append(errs, fmt.Errorf("pin %s is named for both the %s and the %s", p.pin, prev, p.what))
		}
		used[p.pin] = p.what
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("gpio: %w", err)
	}
	return nil
}

type namedPin struct{ what, pin string }

func (c Config) pins() []namedPin {
	var ps []namedPin
	for _, p := range []namedPin{{"status LED", c.LED.Pin}, {"button", c.Button.Pin}, {"drawer relay", c.Relay.Pin}, {"drawer sensor", c.Sensor.Pin}} {
		if p.pin != "" {
			ps = append(ps, p)
		}
	}
	return ps
}

// Handlers receive what the inputs report; either may be nil.
type Handlers struct {
	Press  func(Press)
	Drawer func(DrawerChange)
}

// Board is a hub's GPIO devices: status LED, button, drawer relay and
// drawer sensor, each optional.
type Board struct {
	cfg Config
	log *slog.Logger

	mu     sync.Mutex
	inited bool
	health Health
	led    *LED
	button *Button
	relay  *Relay
	sensor *Sensor
}

// New checks cfg. Nothing is touched until Init.
func New(cfg Config) (*Board, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Clock == nil {
		cfg.Clock = RealClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Board{cfg: cfg, log: cfg.Logger.With("driver", "gpio")}, nil
}

// Init finds and sets up the pins, periph-style: (true, nil) when every
// device named is ready; (false, err) when the driver is skipped because
// it is Disabled, names no pin, or runs on a machine without GPIO
// (ErrNoGPIO), so a hub on a laptop starts; (true, err) when it failed: a
// pin is missing (ErrNoPin) or refused its setup. Devices whose pins
// worked are used even when others failed.
func (b *Board) Init() (bool, error) {
	if b.cfg.Disabled {
		return false, ErrDisabled
	}
	pins := b.cfg.pins()
	if len(pins) == 0 {
		return false, ErrNoPins
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.inited {
		return true, nil
	}
	hasGPIO := true
	if !b.cfg.NoHost {
		var err error
		if hasGPIO, err = hostInit(); err != nil {
			return true, fmt.Errorf("gpio: %w", err)
		}
	}
	var missing []string
	resolve := func(name string) gpio.PinIO {
		if name == "" {
			return nil
		}
		p := gpioreg.ByName(name)
		if p == nil {
			missing = append(missing, name)
		}
		return p
	}
	led, button, relay, sensor := resolve(b.cfg.LED.Pin), resolve(b.cfg.Button.Pin), resolve(b.cfg.Relay.Pin), resolve(b.cfg.Sensor.Pin)
	if len(missing) == len(pins) && !hasGPIO {
		err := fmt.Errorf("%w: pins %s are not here", ErrNoGPIO, strings.Join(missing, ", "))
		b.log.Info("GPIO skipped", "err", err)
		return false, err
	}
	var errs []error
	if len(missing) > 0 {
		errs = append(errs, fmt.Errorf("%w: %s", ErrNoPin, strings.Join(missing, ", ")))
	}
	c := b.cfg.Clock
	if led != nil {
		b.led = NewLED(led, b.cfg.LED, c, b.log)
		b.led.Set(b.health)
	}
	if button != nil {
		var err error
		if b.button, err = NewButton(button, b.cfg.Button, c); err != nil {
			errs = append(errs, err)
		}
	}
	if relay != nil {
		var err error
		if b.relay, err = NewRelay(relay, b.cfg.Relay, c); err != nil {
			errs = append(errs, err)
		}
	}
	if sensor != nil {
		var err error
		if b.sensor, err = NewSensor(sensor, b.cfg.Sensor, c); err != nil {
			errs = append(errs, err)
		}
	}
	b.inited = true
	if err := errors.Join(errs...); err != nil {
		b.log.Warn("GPIO failed in part; the rest works", "err", err)
		return true, fmt.Errorf("gpio: %w", err)
	}
	b.log.Info("GPIO ready", "led", b.cfg.LED.Pin, "button", b.cfg.Button.Pin, "relay", b.cfg.Relay.Pin, "sensor", b.cfg.Sensor.Pin)
	return true, nil
}

// Run drives the LED and watches the button and the drawer sensor until
// ctx ends; then the LED goes dark and Run returns ctx.Err(). Handlers
// are called on Run's goroutines, the button's and the sensor's apart.
func (b *Board) Run(ctx context.Context, h Handlers) error {
	b.mu.Lock()
	inited, led, button, sensor := b.inited, b.led, b.button, b.sensor
	b.mu.Unlock()
	if !inited {
		return ErrNotStarted
	}
	var wg sync.WaitGroup
	if led != nil {
		wg.Go(func() { led.Run(ctx) })
	}
	if button != nil {
		wg.Go(func() {
			button.Run(ctx, func(p Press) {
				b.log.Info("button pressed", "button", p.Button)
				if h.Press != nil {
					h.Press(p)
				}
			})
		})
	}
	if sensor != nil {
		wg.Go(func() {
			sensor.Run(ctx, func(d DrawerChange) {
				b.log.Info("drawer", "drawer", d.Drawer, "open", d.Open)
				if h.Drawer != nil {
					h.Drawer(d)
				}
			})
		})
	}
	<-ctx.Done()
	wg.Wait()
	return ctx.Err()
}

// SetHealth sets what the status LED shows; without an LED it is
// remembered and does nothing.
func (b *Board) SetHealth(h Health) {
	b.mu.Lock()
	b.health = h
	led := b.led
	b.mu.Unlock()
	if led != nil {
		led.Set(h)
	}
}

// KickDrawer pulses the drawer relay (see Relay.Pulse).
func (b *Board) KickDrawer(ctx context.Context) error {
	b.mu.Lock()
	relay := b.relay
	b.mu.Unlock()
	if relay == nil {
		return fmt.Errorf("drawer relay: %w", ErrAbsent)
	}
	return relay.Pulse(ctx)
}

// DrawerOpen says whether the drawer is open; known is false without a
// sensor.
func (b *Board) DrawerOpen() (open, known bool) {
	b.mu.Lock()
	sensor := b.sensor
	b.mu.Unlock()
	if sensor == nil {
		return false, false
	}
	return sensor.Open(), true
}
