package gpio

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"periph.io/x/conn/v3/gpio"
)

// Health is what the status LED shows.
type Health int

const (
	// Off: the hub is not running. The LED is dark.
	Off Health = iota
	// Healthy: steady on.
	Healthy
	// Degraded: slow blink. The hub sells, but something needs a look:
	// no Raft leader, a device or the cloud away.
	Degraded
	// Halted: fast blink. The hub has stopped selling or hit an error
	// that needs a person.
	Halted
)

func (h Health) String() string {
	switch h {
	case Off:
		return "off"
	case Healthy:
		return "healthy"
	case Degraded:
		return "degraded"
	case Halted:
		return "halted"
	}
	return fmt.Sprintf("Health(%d)", int(h))
}

// LEDConfig describes the status LED.
type LEDConfig struct {
	// Pin is the pin's name as periph knows it (gpioreg.ByName), e.g.
	// "GPIO17"; empty means no LED.
	Pin string
	// ActiveLow: the pin sinks the LED's current, so Low lights it.
	ActiveLow bool
	// Slow and Fast are the half-periods of the two blinks; defaults
	// 500 ms (1 Hz) and 100 ms (5 Hz).
	Slow, Fast time.Duration
}

func (c LEDConfig) withDefaults() LEDConfig {
	c.Slow = orDur(c.Slow, 500*time.Millisecond)
	c.Fast = orDur(c.Fast, 100*time.Millisecond)
	return c
}

// LED shows the hub's Health on one output pin.
type LED struct {
	pin   gpio.PinOut
	cfg   LEDConfig
	clock Clock
	log   *slog.Logger
	wake  chan struct{}

	mu     sync.Mutex
	health Health
}

// NewLED drives pin as a status LED, dark until Run.
func NewLED(pin gpio.PinOut, cfg LEDConfig, clock Clock, log *slog.Logger) *LED {
	if clock == nil {
		clock = RealClock{}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &LED{pin: pin, cfg: cfg.withDefaults(), clock: clock, log: log, wake: make(chan struct{}, 1)}
}

// Set changes what the LED shows. It never blocks; setting what is
// shown already changes nothing, not even the phase of a blink.
func (l *LED) Set(h Health) {
	l.mu.Lock()
	changed := l.health != h
	l.health = h
	l.mu.Unlock()
	if changed {
		select {
		case l.wake <- struct{}{}:
		default:
		}
	}
}

// Health is what the LED shows.
func (l *LED) Health() Health {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.health
}

// Run drives the pin until ctx ends, then turns the LED off and
// returns ctx.Err(). A blink starts lit; the pin is written only when
// the LED changes.
func (l *LED) Run(ctx context.Context) error {
	var (
		lastErr    string
		shown, set bool // the pin's state, once set
	)
	out := func(lit bool) {
		if set && shown == lit {
			return
		}
		if err := l.pin.Out(gpio.Level(lit != l.cfg.ActiveLow)); err != nil {
			if err.Error() != lastErr { // once per kind of failure, not per blink
				l.log.Warn("status LED", "pin", l.cfg.Pin, "err", err)
				lastErr = err.Error()
			}
			set = false // try again next time
			return
		}
		shown, set = lit, true
	}
	defer out(false)
	for {
		h := l.Health()
		var half time.Duration
		switch h {
		case Healthy:
			out(true)
		case Degraded:
			half = l.cfg.Slow
		case Halted:
			half = l.cfg.Fast
		default:
			out(false)
		}
		if half == 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-l.wake:
			}
			continue
		}
		lit := true
		out(lit)
	blink:
		for {
			tick, stop := l.clock.Timer(half)
			select {
			case <-ctx.Done():
				stop()
				return ctx.Err()
			case <-l.wake:
				stop()
				break blink
			case <-tick:
				lit = !lit
				out(lit)
			}
		}
	}
}

func orDur(v, d time.Duration) time.Duration {
	if v == 0 {
		return d
	}
	return v
}
