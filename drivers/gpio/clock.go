package gpio

import "time"

// Clock is the time the package's blinking, debouncing and pulses run
// on. Tests substitute a fake that they advance by hand, so nothing in
// them sleeps.
type Clock interface {
	Now() time.Time
	// Timer returns a channel that receives once, d from now, and a
	// function that cancels it.
	Timer(d time.Duration) (<-chan time.Time, func())
}

// RealClock is the wall clock.
type RealClock struct{}

// Now is time.Now.
func (RealClock) Now() time.Time { return time.Now() }

// Timer is time.NewTimer.
func (RealClock) Timer(d time.Duration) (<-chan time.Time, func()) {
	t := time.NewTimer(d)
	return t.C, func() { t.Stop() }
}
