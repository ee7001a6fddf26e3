package mqtttest

import (
	"testing"
	"time"

	"github.com/kasse/kasse/drivers/mqtt"
)

// Events collects what an mqtt.Client emits and reports, for a test to
// wait on. Use OnEvent and OnStatus as the Config's callbacks.
type Events struct {
	events chan mqtt.Event
	status chan mqtt.Status
}

// NewEvents returns an empty sink.
func NewEvents() *Events {
	return &Events{events: make(chan mqtt.Event, 1024), status: make(chan mqtt.Status, 1024)}
}

// OnEvent records e; it never blocks (an overflowing test fails in Next).
func (e *Events) OnEvent(ev mqtt.Event) {
	select {
	case e.events <- ev:
	default:
		panic("mqtttest: more than 1024 events not taken by the test")
	}
}

// OnStatus records s.
func (e *Events) OnStatus(s mqtt.Status) {
	select {
	case e.status <- s:
	default:
		// Status changes beyond what a test waits for are not needed.
	}
}

// Next returns the next event, failing the test after Wait.
func (e *Events) Next(t testing.TB) mqtt.Event {
	t.Helper()
	select {
	case ev := <-e.events:
		return ev
	case <-time.After(Wait):
		t.Fatalf("mqtttest: no event within %s", Wait)
		return nil
	}
}

// None fails the test if an event is waiting. It only makes sense after
// the test waited for something that came after any such event.
func (e *Events) None(t testing.TB) {
	t.Helper()
	select {
	case ev := <-e.events:
		t.Fatalf("mqtttest: unexpected event %v", ev)
	default:
	}
}

// WaitStatus waits until a status with Connected == connected arrives,
// skipping others, and returns it.
func (e *Events) WaitStatus(t testing.TB, connected bool) mqtt.Status {
	t.Helper()
	deadline := time.After(Wait)
	for {
		select {
		case s := <-e.status:
			if s.Connected == connected {
				return s
			}
		case <-deadline:
			t.Fatalf("mqtttest: no status with Connected=%v within %s", connected, Wait)
			return mqtt.Status{}
		}
	}
}
