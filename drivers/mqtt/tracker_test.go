package mqtt_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/kasse/kasse/drivers/mqtt"
	"github.com/kasse/kasse/drivers/mqtt/mqtttest"
)

var t0 = time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)

// testShelf: 100 g pieces, an alert below 5, a window of 3 readings and
// the default tolerance (25 g).
var testShelf = mqtt.Shelf{Sensor: "shelf-1", SKU: "7038010000010", UnitGrams: 100, LowStock: 5, Window: 3}

var testFridge = mqtt.StateSensor{Sensor: "fridge-1", CheckTemp: true, TempLow: 0, TempHigh: 80, Window: 3}

func newTracker(t *testing.T, clock mqtt.Clock) *mqtt.Tracker {
	t.Helper()
	tr, err := mqtt.NewTracker(mqtt.TrackerConfig{Shop: "oslo-1", Shelves: []mqtt.Shelf{testShelf},
		Sensors: []mqtt.StateSensor{testFridge}, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// feeder hands a tracker one shelf's readings with rising seqs.
type feeder struct {
	t   *testing.T
	tr  *mqtt.Tracker
	seq uint64
}

func (f *feeder) weigh(grams ...int64) []mqtt.Event {
	f.t.Helper()
	var all []mqtt.Event
	for _, g := range grams {
		f.seq++
		evs, err := f.tr.Handle(mqtt.Message{Topic: mqtt.WeightTopic("oslo-1", "shelf-1"),
			Payload: mqtt.EncodeWeight(mqtt.Weight{Grams: g, Seq: f.seq})})
		if err != nil {
			f.t.Fatalf("reading %d g seq %d: %v", g, f.seq, err)
		}
		all = append(all, evs...)
	}
	return all
}

func est(pieces int) mqtt.Event {
	return mqtt.StockEstimate{Sensor: "shelf-1", SKU: testShelf.SKU, Pieces: pieces, At: t0}
}

func low(pieces int) mqtt.Event {
	return mqtt.LowStock{Sensor: "shelf-1", SKU: testShelf.SKU, Pieces: pieces, Threshold: 5, At: t0}
}

func wantEvents(t *testing.T, step string, got []mqtt.Event, want ...mqtt.Event) {
	t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: events %v, want %v", step, got, want)
	}
}

func TestStockEstimate(t *testing.T) {
	f := &feeder{t: t, tr: newTracker(t, mqtttest.NewClock(t0))}

	wantEvents(t, "window not full", f.weigh(1200, 1200))
	wantEvents(t, "first stable weight", f.weigh(1205), est(12))
	wantEvents(t, "same count again", f.weigh(1190, 1210, 1195))
	// A hand on the shelf: the window is unsettled until three readings
	// agree again, and the pressed weight never counts.
	wantEvents(t, "hand on the shelf", f.weigh(2100, 2500, 1900, 1200))
	wantEvents(t, "hand gone", f.weigh(1200, 1200))
	// Two pieces taken, one at a time, each settling.
	wantEvents(t, "one taken", f.weigh(1100, 1100, 1100), est(11))
	wantEvents(t, "another taken", f.weigh(1000, 1000, 1000), est(10))
	// Median within tolerance: one noisy reading does not stop a count.
	wantEvents(t, "noise", f.weigh(905, 880, 910), est(9))
}

func TestLowStockOnceAndRearm(t *testing.T) {
	f := &feeder{t: t, tr: newTracker(t, mqtttest.NewClock(t0))}

	wantEvents(t, "start", f.weigh(600, 600, 600), est(6))
	wantEvents(t, "at threshold", f.weigh(500, 500, 500), est(5))
	wantEvents(t, "below", f.weigh(400, 400, 400), est(4), low(4))
	wantEvents(t, "further below: no second alert", f.weigh(200, 200, 200), est(2))
	wantEvents(t, "back to the threshold: not re-armed", f.weigh(500, 500, 500), est(5))
	wantEvents(t, "below again, still not armed", f.weigh(400, 400, 400), est(4))
	wantEvents(t, "restocked above", f.weigh(2000, 2000, 2000), est(20))
	wantEvents(t, "below after re-arming", f.weigh(300, 300, 300), est(3), low(3))
	wantEvents(t, "empty shelf, drifting below zero", f.weigh(-4, -2, -3), est(0))
}

func TestLowStockFirstEstimate(t *testing.T) {
	f := &feeder{t: t, tr: newTracker(t, mqtttest.NewClock(t0))}
	wantEvents(t, "first estimate already low", f.weigh(100, 100, 100), est(1), low(1))
}

func TestTareAndDefaults(t *testing.T) {
	tr, err := mqtt.NewTracker(mqtt.TrackerConfig{Shop: "s", Clock: mqtttest.NewClock(t0), Shelves: []mqtt.Shelf{
		{Sensor: "tray", SKU: "gum", UnitGrams: 14, TareGrams: 250},
	}})
	if err != nil {
		t.Fatal(err)
	}
	var got []mqtt.Event
	for seq, g := range []int64{250 + 14*7, 250 + 14*7 + 3, 250 + 14*7 - 4, 250 + 14*7, 250 + 14*7 + 1} {
		evs, err := tr.Handle(mqtt.Message{Topic: mqtt.WeightTopic("s", "tray"),
			Payload: mqtt.EncodeWeight(mqtt.Weight{Grams: g, Seq: uint64(seq + 1)})})
		if err != nil {
			t.Fatal(err)
		}
		if seq < 4 && len(evs) > 0 {
			t.Fatalf("event %v before the default window of 5 was full", evs)
		}
		got = append(got, evs...)
	}
	wantEvents(t, "net of tare", got, mqtt.StockEstimate{Sensor: "tray", SKU: "gum", Pieces: 7, At: t0})
}

func TestSequence(t *testing.T) {
	clock := mqtttest.NewClock(t0)
	tr := newTracker(t, clock)
	topic := mqtt.WeightTopic("oslo-1", "shelf-1")
	send := func(seq uint64, dup bool) error {
		_, err := tr.Handle(mqtt.Message{Topic: topic, Duplicate: dup,
			Payload: mqtt.EncodeWeight(mqtt.Weight{Grams: 700, Seq: seq})})
		return err
	}
	for _, seq := range []uint64{10, 11, 15} { // gaps are fine
		if err := send(seq, false); err != nil {
			t.Fatalf("seq %d: %v", seq, err)
		}
	}
	if err := send(15, true); !errors.Is(err, mqtt.ErrDuplicate) {
		t.Fatalf("repeated seq: %v, want ErrDuplicate", err)
	}
	if err := send(12, false); !errors.Is(err, mqtt.ErrOutOfOrder) {
		t.Fatalf("older seq: %v, want ErrOutOfOrder", err)
	}
	// Redeliveries never look like a restart, however many.
	for _, seq := range []uint64{11, 12, 13, 14} {
		if err := send(seq, true); !errors.Is(err, mqtt.ErrOutOfOrder) {
			t.Fatalf("redelivered seq %d: %v, want ErrOutOfOrder", seq, err)
		}
	}
	// A rebooted sensor counts from 0 again: after three rising readings
	// in a row its new count is taken.
	if err := send(0, false); !errors.Is(err, mqtt.ErrOutOfOrder) {
		t.Fatalf("seq 0: %v", err)
	}
	if err := send(1, false); !errors.Is(err, mqtt.ErrOutOfOrder) {
		t.Fatalf("seq 1: %v", err)
	}
	if err := send(2, false); err != nil {
		t.Fatalf("third rising seq after a reboot: %v", err)
	}
	if err := send(3, false); err != nil {
		t.Fatalf("seq 3 after resync: %v", err)
	}
	want := mqtt.Stats{Received: 13, Accepted: 5, Duplicate: 1, OutOfOrder: 7, Restarts: 1, Events: 1}
	if got := tr.Stats(); got != want {
		t.Fatalf("stats %+v, want %+v", got, want)
	}
}

func TestDropped(t *testing.T) {
	tr := newTracker(t, mqtttest.NewClock(t0))
	cases := []struct {
		topic, payload string
		want           error
	}{
		{mqtt.WeightTopic("oslo-1", "shelf-1"), `{"grams": 12`, mqtt.ErrMalformed},
		{mqtt.WeightTopic("oslo-1", "shelf-1"), `{"door":"open","seq":1}`, mqtt.ErrMalformed},
		{mqtt.WeightTopic("oslo-1", "shelf-9"), `{"grams":1,"seq":1}`, mqtt.ErrUnknownSensor},
		{mqtt.StateTopic("oslo-1", "fridge-9"), `{"door":"open","seq":1}`, mqtt.ErrUnknownSensor},
		{mqtt.WeightTopic("bergen-2", "shelf-1"), `{"grams":1,"seq":1}`, mqtt.ErrUnknownTopic},
		{"kasse/oslo-1/shelf/shelf-1/weight/extra", `{"grams":1,"seq":1}`, mqtt.ErrUnknownTopic},
		{"kasse/oslo-1/shelf/shelf-1/state", `{"grams":1,"seq":1}`, mqtt.ErrUnknownTopic},
	}
	for _, tc := range cases {
		evs, err := tr.Handle(mqtt.Message{Topic: tc.topic, Payload: []byte(tc.payload)})
		if !errors.Is(err, tc.want) || evs != nil {
			t.Errorf("%s %s: %v, %v; want %v", tc.topic, tc.payload, evs, err, tc.want)
		}
	}
	want := mqtt.Stats{Received: 7, Malformed: 2, UnknownSensor: 2, UnknownTopic: 3}
	if got := tr.Stats(); got != want {
		t.Fatalf("stats %+v, want %+v", got, want)
	}
}

func TestDoorAndTemperature(t *testing.T) {
	clock := mqtttest.NewClock(t0)
	tr := newTracker(t, clock)
	var seq uint64
	report := func(s mqtt.State) []mqtt.Event {
		t.Helper()
		seq++
		s.Seq = seq
		evs, err := tr.Handle(mqtt.Message{Topic: mqtt.StateTopic("oslo-1", "fridge-1"), Payload: mqtt.EncodeState(s)})
		if err != nil {
			t.Fatal(err)
		}
		return evs
	}
	door := func(open bool) mqtt.Event { return mqtt.DoorState{Sensor: "fridge-1", Open: open, At: clock.Now()} }
	alarm := func(temp mqtt.DeciCelsius, active bool) mqtt.Event {
		return mqtt.TemperatureAlarm{Sensor: "fridge-1", Temp: temp, Low: 0, High: 80, Active: active, At: clock.Now()}
	}

	wantEvents(t, "first report", report(mqtt.State{Door: mqtt.DoorClosed, Temp: 40, HasTemp: true}), door(false))
	wantEvents(t, "unchanged", report(mqtt.State{Door: mqtt.DoorClosed, Temp: 41, HasTemp: true}))
	clock.Advance(time.Minute)
	wantEvents(t, "opened", report(mqtt.State{Door: mqtt.DoorOpen, Temp: 95, HasTemp: true}), door(true))
	wantEvents(t, "one warm report of three is no alarm", report(mqtt.State{Temp: 42, HasTemp: true}))
	wantEvents(t, "two of three warm", report(mqtt.State{Temp: 90, HasTemp: true}), alarm(90, true))
	wantEvents(t, "still warm", report(mqtt.State{Temp: 120, HasTemp: true}))
	wantEvents(t, "closed, cooling", report(mqtt.State{Door: mqtt.DoorClosed, Temp: 50, HasTemp: true}), door(false))
	wantEvents(t, "cool", report(mqtt.State{Temp: 45, HasTemp: true}), alarm(50, false))
}

func TestConfigErrors(t *testing.T) {
	bad := []mqtt.TrackerConfig{
		{Shop: ""},
		{Shop: "a/b"},
		{Shop: "s", Shelves: []mqtt.Shelf{{Sensor: "x+", SKU: "a", UnitGrams: 1}}},
		{Shop: "s", Shelves: []mqtt.Shelf{{Sensor: "x", UnitGrams: 1}}},
		{Shop: "s", Shelves: []mqtt.Shelf{{Sensor: "x", SKU: "a"}}},
		{Shop: "s", Shelves: []mqtt.Shelf{{Sensor: "x", SKU: "a", UnitGrams: 1, Window: 65}}},
		{Shop: "s", Shelves: []mqtt.Shelf{{Sensor: "x", SKU: "a", UnitGrams: 1}, {Sensor: "x", SKU: "b", UnitGrams: 1}}},
		{Shop: "s", Sensors: []mqtt.StateSensor{{Sensor: "f", CheckTemp: true, TempLow: 80, TempHigh: 0}}},
	}
	for i, cfg := range bad {
		if _, err := mqtt.NewTracker(cfg); !errors.Is(err, mqtt.ErrConfig) {
			t.Errorf("case %d: %v, want ErrConfig", i, err)
		}
	}
}
