package gpio

import (
	"slices"
	"sync"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpioreg"
	"periph.io/x/conn/v3/gpio/gpiotest"
)

const patience = 10 * time.Second // a deadline for what should happen at once, never a measurement

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// fakeClock moves only when a test advances it.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
}

type fakeTimer struct {
	at time.Time
	ch chan time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Timer(d time.Duration) (<-chan time.Time, func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{at: c.now.Add(d), ch: make(chan time.Time, 1)}
	c.timers = append(c.timers, t)
	return t.ch, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.timers = slices.DeleteFunc(c.timers, func(x *fakeTimer) bool { return x == t })
	}
}

// Advance moves the clock on by d and fires the timers that are due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.timers = slices.DeleteFunc(c.timers, func(t *fakeTimer) bool {
		if t.at.After(c.now) {
			return false
		}
		t.ch <- c.now
		return true
	})
}

// Pending is how many timers are set.
func (c *fakeClock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

func (c *fakeClock) waitPending(t *testing.T, n int) {
	t.Helper()
	waitFor(t, "a timer", func() bool { return c.Pending() == n })
}

// recPin is a gpiotest.Pin that records every level it is driven to.
type recPin struct {
	*gpiotest.Pin
	mu   sync.Mutex
	outs []gpio.Level
}

func (p *recPin) Out(l gpio.Level) error {
	p.mu.Lock()
	p.outs = append(p.outs, l)
	p.mu.Unlock()
	return p.Pin.Out(l)
}

func (p *recPin) levels() []gpio.Level {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.outs)
}

func (p *recPin) waitLevels(t *testing.T, want ...gpio.Level) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for !slices.Equal(p.levels(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("%s levels %v, want %v", p.Name(), p.levels(), want)
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// register makes p known to gpioreg under its name for the test.
func register(t *testing.T, p gpio.PinIO) {
	t.Helper()
	if err := gpioreg.Register(p); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gpioreg.Unregister(p.Name()) })
}

func outPin(t *testing.T, name string) *recPin {
	p := &recPin{Pin: &gpiotest.Pin{N: name}}
	register(t, p)
	return p
}

// inPin is a contact on an input: EdgesChan carries the level after
// each edge, as the hardware's interrupt would.
func inPin(t *testing.T, name string) *gpiotest.Pin {
	p := &gpiotest.Pin{N: name, EdgesChan: make(chan gpio.Level, 64)}
	register(t, p)
	return p
}

// contact moves a debounced input's pin through levels (its bounces),
// then drives the fake clock until the input has read the last level
// after a quiet debounce period. What the input decides must not depend
// on scheduling, so the clock moves only once every edge is on the pin,
// and only when the input is waiting on a timer and has finished with
// the last one fired: no read can then be late enough to see the next
// contact's edges.
func contact(t *testing.T, in *input, pin *gpiotest.Pin, clk *fakeClock, settles <-chan gpio.Level, levels ...gpio.Level) {
	t.Helper()
	for _, l := range levels {
		pin.EdgesChan <- l
	}
	final := levels[len(levels)-1]
	waitFor(t, "the edges", func() bool { return len(pin.EdgesChan) == 0 && pin.Read() == final })
	deadline := time.Now().Add(patience)
	for {
		if time.Now().After(deadline) {
			t.Fatalf("%s never settled", pin.Name())
		}
		// A read is reported before the input sets its next timer, so
		// with a timer pending any earlier read is in settles already.
		pending := clk.Pending()
		select {
		case l := <-settles:
			if l != final {
				t.Fatalf("settled on %v before the contact reached %v", l, final)
			}
			return
		default:
		}
		if pending == 0 {
			time.Sleep(100 * time.Microsecond)
			continue
		}
		clk.Advance(in.debounce)
		// Wait until the input is done with the timer: it has read the
		// pin, or an edge made it set another timer.
		waitFor(t, "the input to take the tick", func() bool { return len(settles) > 0 || clk.Pending() > 0 })
	}
}
