package mqtt

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// Limits of a payload. A value outside them is a broken sensor or a
// broken message, never a reading.
const (
	// MaxPayload is the largest payload decoded, in bytes; a reading is
	// well under 100.
	MaxPayload = 1024
	// MinGrams is the lowest weight accepted: a tared load cell drifts a
	// little below zero.
	MinGrams = -1_000
	// MaxGrams is the highest weight accepted, 500 kg, more than any shop
	// shelf carries.
	MaxGrams = 500_000
	// MinTemp and MaxTemp bound a temperature report.
	MinTemp DeciCelsius = -600
	MaxTemp DeciCelsius = 1000
)

// Timestamps before minTS or after maxTS are absurd.
var (
	minTS = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTS = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
)

// Weight is one decoded weight reading.
type Weight struct {
	Grams int64
	Seq   uint64
	// Time is the sensor's "ts", zero when it sent none. It is checked
	// but not trusted: events carry the hub's time.
	Time time.Time
}

// Door is what a door sensor reports.
type Door uint8

// Door states. DoorUnknown means the report said nothing about a door.
const (
	DoorUnknown Door = iota
	DoorClosed
	DoorOpen
)

func (d Door) String() string {
	switch d {
	case DoorClosed:
		return "closed"
	case DoorOpen:
		return "open"
	}
	return "unknown"
}

// DeciCelsius is a temperature in tenths of a degree Celsius, so that
// limits compare exactly.
type DeciCelsius int32

func (t DeciCelsius) String() string {
	return strconv.FormatFloat(float64(t)/10, 'f', 1, 64) + "°C"
}

// State is one decoded state report.
type State struct {
	Door    Door        // DoorUnknown when the report has no "door"
	Temp    DeciCelsius // valid only when HasTemp
	HasTemp bool
	Seq     uint64
	Time    time.Time // the sensor's "ts", zero when absent
}

// DecodeWeight decodes a weight payload strictly (see the package
// documentation). Every error wraps ErrMalformed.
func DecodeWeight(b []byte) (Weight, error) {
	var (
		w                Weight
		hasGrams, hasSeq bool
	)
	err := walkObject("weight", b, func(d *json.Decoder, key string) error {
		var err error
		switch key {
		case "grams":
			w.Grams, err = readInt(d, key, MinGrams, MaxGrams)
			hasGrams = true
		case "seq":
			w.Seq, err = readUint(d, key)
			hasSeq = true
		case "ts":
			w.Time, err = readTime(d, key)
		default:
			return malformed("weight: unknown key %q", key)
		}
		return err
	})
	switch {
	case err != nil:
		return Weight{}, err
	case !hasGrams:
		return Weight{}, malformed("weight: missing \"grams\"")
	case !hasSeq:
		return Weight{}, malformed("weight: missing \"seq\"")
	}
	return w, nil
}

// DecodeState decodes a state payload strictly (see the package
// documentation). Every error wraps ErrMalformed.
func DecodeState(b []byte) (State, error) {
	var (
		s      State
		hasSeq bool
	)
	err := walkObject("state", b, func(d *json.Decoder, key string) error {
		var err error
		switch key {
		case "door":
			s.Door, err = readDoor(d, key)
		case "temp_c":
			s.Temp, err = readTemp(d, key)
			s.HasTemp = true
		case "seq":
			s.Seq, err = readUint(d, key)
			hasSeq = true
		case "ts":
			s.Time, err = readTime(d, key)
		default:
			return malformed("state: unknown key %q", key)
		}
		return err
	})
	switch {
	case err != nil:
		return State{}, err
	case !hasSeq:
		return State{}, malformed("state: missing \"seq\"")
	case s.Door == DoorUnknown && !s.HasTemp:
		return State{}, malformed("state: neither \"door\" nor \"temp_c\"")
	}
	return s, nil
}

// EncodeWeight is the payload a shelf sensor sends for w; DecodeWeight
// reads it back. For simulators and tests.
func EncodeWeight(w Weight) []byte {
	b := fmt.Appendf(nil, `{"grams":%d,"seq":%d`, w.Grams, w.Seq)
	b = appendTS(b, w.Time)
	return append(b, '}')
}

// EncodeState is the payload a door or fridge sensor sends for s;
// DecodeState reads it back. For simulators and tests.
func EncodeState(s State) []byte {
	b := []byte{'{'}
	if s.Door != DoorUnknown {
		b = fmt.Appendf(b, `"door":%q,`, s.Door.String())
	}
	if s.HasTemp {
		b = fmt.Appendf(b, `"temp_c":%s,`, strconv.FormatFloat(float64(s.Temp)/10, 'f', 1, 64))
	}
	b = fmt.Appendf(b, `"seq":%d`, s.Seq)
	b = appendTS(b, s.Time)
	return append(b, '}')
}

func appendTS(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return b
	}
	return fmt.Appendf(b, `,"ts":%q`, t.UTC().Format(time.RFC3339Nano))
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// walkObject checks that b is one flat JSON object within the limits and
// calls field once per key, with the decoder positioned at its value.
// field must consume exactly one scalar value.
func walkObject(kind string, b []byte, field func(d *json.Decoder, key string) error) error {
	switch {
	case len(b) == 0:
		return malformed("%s: empty payload", kind)
	case len(b) > MaxPayload:
		return malformed("%s: %d bytes, more than %d", kind, len(b), MaxPayload)
	case !utf8.Valid(b):
		return malformed("%s: not UTF-8", kind)
	case !json.Valid(b):
		// A payload torn off mid-way lands here: json.Valid also rejects
		// anything after the one value.
		return malformed("%s: not one complete JSON value (torn or truncated?)", kind)
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	tok, err := d.Token()
	if err != nil {
		return malformed("%s: %v", kind, err)
	}
	if delim, ok := tok.(json.Delim); !ok || delim != '{' {
		return malformed("%s: not a JSON object", kind)
	}
	seen := make(map[string]bool, 4)
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return malformed("%s: %v", kind, err)
		}
		key, ok := tok.(string)
		if !ok {
			return malformed("%s: key is not a string", kind)
		}
		if seen[key] {
			return malformed("%s: key %q twice", kind, key)
		}
		seen[key] = true
		if err := field(d, key); err != nil {
			return err
		}
	}
	return nil
}

// scalar reads the next value and rejects objects, arrays and null.
func scalar(d *json.Decoder, key string) (json.Token, error) {
	tok, err := d.Token()
	if err != nil {
		return nil, malformed("%q: %v", key, err)
	}
	switch tok.(type) {
	case json.Delim:
		return nil, malformed("%q: an object or array, want a scalar", key)
	case nil:
		return nil, malformed("%q: null", key)
	}
	return tok, nil
}

func readNumber(d *json.Decoder, key string) (string, error) {
	tok, err := scalar(d, key)
	if err != nil {
		return "", err
	}
	n, ok := tok.(json.Number)
	if !ok {
		return "", malformed("%q: %T, want a number", key, tok)
	}
	return string(n), nil
}

func readInt(d *json.Decoder, key string, lo, hi int64) (int64, error) {
	s, err := readNumber(d, key)
	if err != nil {
		return 0, err
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, malformed("%q: %s is not a whole number in range", key, s)
	}
	if v < lo || v > hi {
		return 0, malformed("%q: %d outside %d..%d", key, v, lo, hi)
	}
	return v, nil
}

func readUint(d *json.Decoder, key string) (uint64, error) {
	s, err := readNumber(d, key)
	if err != nil {
		return 0, err
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, malformed("%q: %s is not a whole number from 0 to %d", key, s, uint64(math.MaxUint64))
	}
	return v, nil
}

func readString(d *json.Decoder, key string) (string, error) {
	tok, err := scalar(d, key)
	if err != nil {
		return "", err
	}
	s, ok := tok.(string)
	if !ok {
		return "", malformed("%q: %T, want a string", key, tok)
	}
	return s, nil
}

func readTime(d *json.Decoder, key string) (time.Time, error) {
	s, err := readString(d, key)
	if err != nil {
		return time.Time{}, err
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, malformed("%q: %q is not an RFC 3339 time", key, s)
	}
	if t.Before(minTS) || !t.Before(maxTS) {
		return time.Time{}, malformed("%q: %s is not between %d and %d", key, s, minTS.Year(), maxTS.Year())
	}
	return t, nil
}

func readDoor(d *json.Decoder, key string) (Door, error) {
	s, err := readString(d, key)
	if err != nil {
		return DoorUnknown, err
	}
	switch s {
	case "open":
		return DoorOpen, nil
	case "closed":
		return DoorClosed, nil
	}
	return DoorUnknown, malformed("%q: %q, want \"open\" or \"closed\"", key, s)
}

func readTemp(d *json.Decoder, key string) (DeciCelsius, error) {
	s, err := readNumber(d, key)
	if err != nil {
		return 0, err
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, malformed("%q: %s is not a finite number", key, s)
	}
	deci := math.Round(v * 10)
	if deci < float64(MinTemp) || deci > float64(MaxTemp) {
		return 0, malformed("%q: %s outside %s..%s", key, s, MinTemp, MaxTemp)
	}
	return DeciCelsius(deci), nil
}
