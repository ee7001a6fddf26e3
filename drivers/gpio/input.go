package gpio

import (
	"context"
	"fmt"
	"sync"
	"time"

	"periph.io/x/conn/v3/gpio"
)

// edgePoll bounds each WaitForEdge so that a watcher notices its context
// ending: periph offers no other way to interrupt the wait.
const edgePoll = 100 * time.Millisecond

// input is a debounced digital input. A contact bounces for a few
// milliseconds when it closes or opens; the input takes a level as
// real only when it has held, without a further edge, for the debounce
// time, and reports a change only when that level differs from the last
// real one. A glitch shorter than the debounce time is no change.
type input struct {
	pin        gpio.PinIn
	name       string
	activeHigh bool
	debounce   time.Duration
	clock      Clock

	mu     sync.Mutex
	active bool

	// onSettle, when set (tests), is called after each debounced read.
	onSettle func(gpio.Level)
}

// inputConfig is what Button and Sensor share.
type inputConfig struct {
	activeHigh bool
	pull       gpio.Pull
	debounce   time.Duration
}

// pull is the resistor to set: up by default, down when asked, none
// when the circuit has its own.
func pull(down, external bool) gpio.Pull {
	switch {
	case external:
		return gpio.Float
	case down:
		return gpio.PullDown
	}
	return gpio.PullUp
}

func newInput(pin gpio.PinIn, name string, cfg inputConfig, clock Clock) (*input, error) {
	if clock == nil {
		clock = RealClock{}
	}
	if err := pin.In(cfg.pull, gpio.BothEdges); err != nil {
		return nil, fmt.Errorf("pin %s as input with %s and both edges: %w", pin.Name(), cfg.pull, err)
	}
	in := &input{pin: pin, name: name, activeHigh: cfg.activeHigh, debounce: orDur(cfg.debounce, 30*time.Millisecond), clock: clock}
	in.active = in.level(pin.Read())
	return in, nil
}

func (in *input) level(l gpio.Level) bool { return bool(l) == in.activeHigh }

// isActive is the last debounced state.
func (in *input) isActive() bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.active
}

// run watches the pin until ctx ends and calls fn, on run's goroutine,
// with each debounced change. It returns ctx.Err().
func (in *input) run(ctx context.Context, fn func(active bool, at time.Time)) error {
	ctx, cancel := context.WithCancel(ctx)
	edges := make(chan struct{}, 1)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			if in.pin.WaitForEdge(edgePoll) {
				select {
				case edges <- struct{}{}:
				default: // one pending edge says as much as many
				}
			}
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-edges:
		}
		// Wait for the contact to settle: debounce time with no edge.
		for settled := false; !settled; {
			tick, stop := in.clock.Timer(in.debounce)
			select {
			case <-ctx.Done():
				stop()
				return ctx.Err()
			case <-edges:
				stop()
			case <-tick:
				settled = true
			}
		}
		l := in.pin.Read()
		active := in.level(l)
		in.mu.Lock()
		changed := active != in.active
		in.active = active
		in.mu.Unlock()
		if changed {
			fn(active, in.clock.Now())
		}
		if in.onSettle != nil {
			in.onSettle(l)
		}
	}
}
