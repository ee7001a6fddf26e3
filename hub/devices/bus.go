package devices

import (
	"encoding/json"
	"sync"
	"time"
)

// Event is something a register sees live: a scan from the scanner bound to
// it, or a change of its devices' state.
type Event struct {
	Type   string    `json:"type"` // "scan", "printer", "call", "sale"
	Code   string    `json:"code,omitempty"`
	Symbol string    `json:"symbology,omitempty"`
	Device string    `json:"device"`
	State  string    `json:"state,omitempty"`
	At     time.Time `json:"at"`
	// Sale is the register's sale as it now stands (type "sale"): what a
	// customer display shows.
	Sale json.RawMessage `json:"sale,omitempty"`
}

// Bus delivers events to the registers listening on this hub. A slow
// listener loses events rather than holding the devices up.
type Bus struct {
	mu   sync.Mutex
	subs map[string]map[chan Event]struct{}
}

// NewBus makes an empty bus.
func NewBus() *Bus { return &Bus{subs: map[string]map[chan Event]struct{}{}} }

// Subscribe listens for a register's events until cancel is called.
func (b *Bus) Subscribe(register string) (events <-chan Event, cancel func()) {
	ch := make(chan Event, 32)
	b.mu.Lock()
	if b.subs[register] == nil {
		b.subs[register] = map[chan Event]struct{}{}
	}
	b.subs[register][ch] = struct{}{}
	b.mu.Unlock()
	return ch, func() {
		b.mu.Lock()
		delete(b.subs[register], ch)
		b.mu.Unlock()
	}
}

// Publish sends ev to the listeners of register.
func (b *Bus) Publish(register string, ev Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.subs[register] {
		select {
		case ch <- ev:
		default:
		}
	}
}

// Listening reports whether anyone listens for register's events.
func (b *Bus) Listening(register string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.subs[register]) > 0
}
