package scannertest

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"time"
)

// Event is one struct input_event.
type Event struct {
	Time  time.Time
	Type  uint16
	Code  uint16
	Value int32
}

// Event types, codes and values, as in linux/input-event-codes.h.
const (
	EvSyn      = 0x00
	EvKey      = 0x01
	EvMsc      = 0x04
	SynReport  = 0
	SynDropped = 3
	MscScan    = 4
	Release    = 0
	Press      = 1
	Repeat     = 2

	KeyEnter      = 28
	KeyLeftCtrl   = 29
	KeyLeftShift  = 42
	KeyRightShift = 54
	KeyLeftAlt    = 56
	KeySpace      = 57
	KeyCapsLock   = 58
	KeyKPEnter    = 96
	KeyRightAlt   = 100
)

// EventSize is sizeof(struct input_event) on this platform: 24 bytes on
// 64-bit Linux.
const EventSize = 2*strconv.IntSize/8 + 8

// Encode lays events out as the kernel does: timeval (seconds and
// microseconds as C longs), type, code, value, in native byte order.
func Encode(evs []Event) []byte {
	b := make([]byte, 0, len(evs)*EventSize)
	for _, e := range evs {
		sec, usec := e.Time.Unix(), int64(e.Time.Nanosecond()/1000)
		if strconv.IntSize == 64 {
			b = binary.NativeEndian.AppendUint64(b, uint64(sec))
			b = binary.NativeEndian.AppendUint64(b, uint64(usec))
		} else {
			b = binary.NativeEndian.AppendUint32(b, uint32(sec))
			b = binary.NativeEndian.AppendUint32(b, uint32(usec))
		}
		b = binary.NativeEndian.AppendUint16(b, e.Type)
		b = binary.NativeEndian.AppendUint16(b, e.Code)
		b = binary.NativeEndian.AppendUint32(b, uint32(e.Value))
	}
	return b
}

// Key is the three events the kernel reports for one key going down
// (Press), up (Release) or repeating: the HID usage, the key, and the
// report that closes the group.
func Key(at time.Time, code uint16, value int32) []Event {
	return []Event{
		{Time: at, Type: EvMsc, Code: MscScan, Value: hidUsage(code)},
		{Time: at, Type: EvKey, Code: code, Value: value},
		{Time: at, Type: EvSyn, Code: SynReport},
	}
}

// Tap is a key pressed and released.
func Tap(at time.Time, code uint16) []Event {
	return append(Key(at, code, Press), Key(at, code, Release)...)
}

// Keystrokes is what a scanner set to layout ("us" or "no") sends for s:
// each character as a person would type it, then Enter if enter is set.
// It fails for a character the layout cannot type.
func Keystrokes(layout, s string, enter bool, at time.Time) ([]Event, error) {
	tbl, ok := layouts[layout]
	if !ok {
		return nil, fmt.Errorf("scannertest: unknown layout %q", layout)
	}
	var evs []Event
	for _, r := range s {
		st, ok := tbl[r]
		if !ok {
			return nil, fmt.Errorf("scannertest: layout %q cannot type %q", layout, r)
		}
		var mods []uint16
		if st.ctrl {
			mods = append(mods, KeyLeftCtrl)
		}
		if st.shift {
			mods = append(mods, KeyLeftShift)
		}
		if st.altGr {
			mods = append(mods, KeyRightAlt)
		}
		for _, m := range mods {
			evs = append(evs, Key(at, m, Press)...)
		}
		evs = append(evs, Tap(at, st.code)...)
		for i := len(mods) - 1; i >= 0; i-- {
			evs = append(evs, Key(at, mods[i], Release)...)
		}
		if st.dead {
			evs = append(evs, Tap(at, KeySpace)...)
		}
	}
	if enter {
		evs = append(evs, Tap(at, KeyEnter)...)
	}
	return evs, nil
}
