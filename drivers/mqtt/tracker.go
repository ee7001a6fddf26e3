package mqtt

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"time"
)

// Shelf configures one weight-sensing shelf: which item lies on it and
// how to count it.
type Shelf struct {
	Sensor string // sensor id, as in its topic
	SKU    string // the item on the shelf
	// UnitGrams is the weight of one piece, in grams.
	UnitGrams int64
	// TareGrams is what the sensor reads with the shelf empty; 0 for a
	// sensor tared on site.
	TareGrams int64
	// LowStock: LowStock is emitted when fewer pieces than this lie on
	// the shelf. 0 turns the alert off.
	LowStock int
	// Window is how many readings the median is taken over; 0 means 5.
	// A weight counts only once it has held for this many readings.
	Window int
	// ToleranceGrams is how far each reading in the window may be from
	// their median for the weight to count as stable; 0 means a quarter
	// of UnitGrams, at least 5 g.
	ToleranceGrams int64
}

// StateSensor configures one door or fridge sensor.
type StateSensor struct {
	Sensor string // sensor id, as in its topic
	// CheckTemp turns on TemperatureAlarm for the range TempLow..TempHigh.
	CheckTemp         bool
	TempLow, TempHigh DeciCelsius
	// Window is how many temperature reports the median is taken over,
	// so that a door opened for a moment raises no alarm; 0 means 3.
	Window int
}

const (
	defaultShelfWindow  = 5
	defaultStateWindow  = 3
	maxWindow           = 64
	minDefaultTolerance = 5
	// resyncAfter: this many readings in a row, each with a higher seq
	// than the one before but all at or below the last accepted seq, mean
	// the sensor started counting over (it rebooted), not a reordering.
	resyncAfter = 3
)

func (s Shelf) withDefaults() Shelf {
	if s.Window == 0 {
		s.Window = defaultShelfWindow
	}
	if s.ToleranceGrams == 0 {
		s.ToleranceGrams = max(s.UnitGrams/4, minDefaultTolerance)
	}
	return s
}

// Validate says what is wrong with the shelf, if anything.
func (s Shelf) Validate() error {
	if err := checkID("shelf sensor", s.Sensor); err != nil {
		return err
	}
	switch {
	case s.SKU == "":
		return fmt.Errorf("%w: shelf %s: no SKU", ErrConfig, s.Sensor)
	case s.UnitGrams < 1 || s.UnitGrams > MaxGrams:
		return fmt.Errorf("%w: shelf %s: UnitGrams %d, want 1..%d", ErrConfig, s.Sensor, s.UnitGrams, MaxGrams)
	case s.TareGrams < 0 || s.TareGrams > MaxGrams:
		return fmt.Errorf("%w: shelf %s: TareGrams %d, want 0..%d", ErrConfig, s.Sensor, s.TareGrams, MaxGrams)
	case s.LowStock < 0:
		return fmt.Errorf("%w: shelf %s: LowStock %d is negative", ErrConfig, s.Sensor, s.LowStock)
	case s.Window < 0 || s.Window > maxWindow:
		return fmt.Errorf("%w: shelf %s: Window %d, want 1..%d (0 for the default)", ErrConfig, s.Sensor, s.Window, maxWindow)
	case s.ToleranceGrams < 0 || s.ToleranceGrams > MaxGrams:
		return fmt.Errorf("%w: shelf %s: ToleranceGrams %d, want 0..%d", ErrConfig, s.Sensor, s.ToleranceGrams, MaxGrams)
	}
	return nil
}

func (s StateSensor) withDefaults() StateSensor {
	if s.Window == 0 {
		s.Window = defaultStateWindow
	}
	return s
}

// Validate says what is wrong with the sensor, if anything.
func (s StateSensor) Validate() error {
	if err := checkID("state sensor", s.Sensor); err != nil {
		return err
	}
	if s.Window < 0 || s.Window > maxWindow {
		return fmt.Errorf("%w: sensor %s: Window %d, want 1..%d (0 for the default)", ErrConfig, s.Sensor, s.Window, maxWindow)
	}
	if s.CheckTemp && (s.TempLow >= s.TempHigh || s.TempLow < MinTemp || s.TempHigh > MaxTemp) {
		return fmt.Errorf("%w: sensor %s: temperature range %s..%s, want low < high within %s..%s",
			ErrConfig, s.Sensor, s.TempLow, s.TempHigh, MinTemp, MaxTemp)
	}
	return nil
}

// Message is one MQTT message as the Tracker sees it.
type Message struct {
	Topic   string
	Payload []byte
	// Retained marks the broker's stored copy, sent on subscribing, and
	// Duplicate a QoS 1 redelivery (the DUP flag). Neither counts as a
	// sign that a sensor started its seq over.
	Retained, Duplicate bool
}

// Stats counts what became of the messages a Tracker was handed.
type Stats struct {
	Received      uint64 // every message
	Accepted      uint64 // readings that passed every check
	Malformed     uint64 // dropped: ErrMalformed
	Duplicate     uint64 // dropped: ErrDuplicate
	OutOfOrder    uint64 // dropped: ErrOutOfOrder
	UnknownSensor uint64 // dropped: ErrUnknownSensor
	UnknownTopic  uint64 // dropped: ErrUnknownTopic
	Restarts      uint64 // sensors seen to start their seq over
	Events        uint64 // events returned
}

// TrackerConfig is what a Tracker needs.
type TrackerConfig struct {
	Shop    string
	Shelves []Shelf
	Sensors []StateSensor
	Clock   Clock        // default SystemClock
	Logger  *slog.Logger // default: discard
}

// Tracker turns the shop's messages into events: it decodes, checks the
// sequence per sensor, and keeps each shelf's and sensor's recent
// readings. It knows nothing of connections, so it is tested and fuzzed
// on its own. It is safe for concurrent use; messages of one sensor must
// be handed over in the order they arrived.
type Tracker struct {
	shop  string
	clock Clock
	log   *slog.Logger

	mu      sync.Mutex
	shelves map[string]*shelfState
	sensors map[string]*sensorState
	stats   Stats
}

// NewTracker checks the configuration and returns a Tracker with no
// readings yet.
func NewTracker(cfg TrackerConfig) (*Tracker, error) {
	if err := checkID("shop", cfg.Shop); err != nil {
		return nil, err
	}
	t := &Tracker{
		shop:    cfg.Shop,
		clock:   cfg.Clock,
		log:     cfg.Logger,
		shelves: make(map[string]*shelfState, len(cfg.Shelves)),
		sensors: make(map[string]*sensorState, len(cfg.Sensors)),
	}
	if t.clock == nil {
		t.clock = SystemClock{}
	}
	if t.log == nil {
		t.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	for _, s := range cfg.Shelves {
		if err := s.Validate(); err != nil {
			return nil, err
		}
		if t.shelves[s.Sensor] != nil {
			return nil, fmt.Errorf("%w: shelf sensor %s configured twice", ErrConfig, s.Sensor)
		}
		t.shelves[s.Sensor] = &shelfState{cfg: s.withDefaults(), lowArmed: true}
	}
	for _, s := range cfg.Sensors {
		if err := s.Validate(); err != nil {
			return nil, err
		}
		if t.sensors[s.Sensor] != nil {
			return nil, fmt.Errorf("%w: state sensor %s configured twice", ErrConfig, s.Sensor)
		}
		t.sensors[s.Sensor] = &sensorState{cfg: s.withDefaults()}
	}
	return t, nil
}

// Stats returns the counters so far.
func (t *Tracker) Stats() Stats {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.stats
}

// Handle takes one message and returns the events it causes, usually
// none. A message it drops comes back as an error wrapping one of
// ErrUnknownTopic, ErrUnknownSensor, ErrMalformed, ErrDuplicate or
// ErrOutOfOrder, and changes nothing but the counters.
func (t *Tracker) Handle(m Message) ([]Event, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.stats.Received++
	kind, id, err := parseTopic(t.shop, m.Topic)
	if err != nil {
		t.stats.UnknownTopic++
		return nil, err
	}
	var evs []Event
	switch kind {
	case kindWeight:
		sh := t.shelves[id]
		if sh == nil {
			t.stats.UnknownSensor++
			return nil, fmt.Errorf("shelf %s: %w", id, ErrUnknownSensor)
		}
		w, err := DecodeWeight(m.Payload)
		if err != nil {
			t.stats.Malformed++
			return nil, fmt.Errorf("shelf %s: %w", id, err)
		}
		if err := t.sequence(&sh.seq, "shelf", id, w.Seq, m); err != nil {
			return nil, err
		}
		evs = sh.add(w.Grams, t.clock.Now())
	case kindState:
		se := t.sensors[id]
		if se == nil {
			t.stats.UnknownSensor++
			return nil, fmt.Errorf("sensor %s: %w", id, ErrUnknownSensor)
		}
		s, err := DecodeState(m.Payload)
		if err != nil {
			t.stats.Malformed++
			return nil, fmt.Errorf("sensor %s: %w", id, err)
		}
		if err := t.sequence(&se.seq, "sensor", id, s.Seq, m); err != nil {
			return nil, err
		}
		evs = se.add(s, t.clock.Now())
	}
	t.stats.Accepted++
	t.stats.Events += uint64(len(evs))
	return evs, nil
}

func (t *Tracker) sequence(s *seqState, what, id string, seq uint64, m Message) error {
	restarted, err := s.check(seq, m.Retained || m.Duplicate)
	switch {
	case restarted:
		t.stats.Restarts++
		t.log.Info("sensor started its seq over", "sensor", id, "kind", what, "seq", seq)
	case errors.Is(err, ErrDuplicate):
		t.stats.Duplicate++
		return fmt.Errorf("%s %s: seq %d: %w", what, id, seq, err)
	case errors.Is(err, ErrOutOfOrder):
		t.stats.OutOfOrder++
		return fmt.Errorf("%s %s: seq %d after %d: %w", what, id, seq, s.last, err)
	}
	return nil
}

// seqState follows one sensor's message counter.
type seqState struct {
	have    bool
	last    uint64 // the last seq accepted
	run     int    // rejected readings in a row with rising seqs
	runLast uint64 // the seq of the last of them
}

// check accepts seq if it is above the last one. A redelivery (retained
// copy or DUP flag) at or below it is always refused; fresh readings at
// or below it are refused too, until resyncAfter of them in a row rise:
// then the sensor rebooted and its new count is taken.
func (s *seqState) check(seq uint64, redelivery bool) (restarted bool, err error) {
	if !s.have || seq > s.last {
		*s = seqState{have: true, last: seq}
		return false, nil
	}
	if !redelivery {
		if s.run > 0 && seq > s.runLast {
			s.run++
		} else {
			s.run = 1
		}
		s.runLast = seq
		if s.run >= resyncAfter {
			*s = seqState{have: true, last: seq}
			return true, nil
		}
	}
	if seq == s.last {
		return false, ErrDuplicate
	}
	return false, ErrOutOfOrder
}

type shelfState struct {
	cfg      Shelf
	seq      seqState
	window   []int64 // the last cfg.Window readings, oldest first
	have     bool    // an estimate was emitted
	pieces   int     // the last estimate emitted
	lowArmed bool
}

func (s *shelfState) add(grams int64, now time.Time) []Event {
	s.window = push(s.window, grams, s.cfg.Window)
	if len(s.window) < s.cfg.Window {
		return nil
	}
	med := median(s.window)
	for _, g := range s.window {
		if g-med > s.cfg.ToleranceGrams || med-g > s.cfg.ToleranceGrams {
			return nil // something is moving on the shelf
		}
	}
	pieces := piecesOf(med-s.cfg.TareGrams, s.cfg.UnitGrams)
	if s.have && pieces == s.pieces {
		return nil
	}
	s.have, s.pieces = true, pieces
	evs := []Event{StockEstimate{Sensor: s.cfg.Sensor, SKU: s.cfg.SKU, Pieces: pieces, At: now}}
	if s.cfg.LowStock > 0 {
		switch {
		case pieces < s.cfg.LowStock && s.lowArmed:
			s.lowArmed = false
			evs = append(evs, LowStock{Sensor: s.cfg.Sensor, SKU: s.cfg.SKU, Pieces: pieces, Threshold: s.cfg.LowStock, At: now})
		case pieces > s.cfg.LowStock:
			s.lowArmed = true
		}
	}
	return evs
}

// piecesOf rounds net grams to whole pieces, none for a net weight at
// or below zero.
func piecesOf(net, unit int64) int {
	if net <= 0 {
		return 0
	}
	return int((net + unit/2) / unit)
}

type sensorState struct {
	cfg   StateSensor
	seq   seqState
	door  Door
	temps []DeciCelsius
	alarm bool
}

func (s *sensorState) add(st State, now time.Time) []Event {
	var evs []Event
	if st.Door != DoorUnknown && st.Door != s.door {
		s.door = st.Door
		evs = append(evs, DoorState{Sensor: s.cfg.Sensor, Open: st.Door == DoorOpen, At: now})
	}
	if st.HasTemp && s.cfg.CheckTemp {
		s.temps = push(s.temps, st.Temp, s.cfg.Window)
		if len(s.temps) == s.cfg.Window {
			med := median(s.temps)
			out := med < s.cfg.TempLow || med > s.cfg.TempHigh
			if out != s.alarm {
				s.alarm = out
				evs = append(evs, TemperatureAlarm{Sensor: s.cfg.Sensor, Temp: med,
					Low: s.cfg.TempLow, High: s.cfg.TempHigh, Active: out, At: now})
			}
		}
	}
	return evs
}

// push appends v and keeps the last n values, reusing the slice.
func push[T any](w []T, v T, n int) []T {
	if len(w) < n {
		return append(w, v)
	}
	copy(w, w[1:])
	w[len(w)-1] = v
	return w
}

// median of a non-empty window; for an even count, the mean of the two
// middle values, rounded down.
func median[T int64 | DeciCelsius](w []T) T {
	s := slices.Clone(w)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	a, b := s[n/2-1], s[n/2]
	return a + (b-a)/2
}
