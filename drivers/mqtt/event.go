package mqtt

import (
	"fmt"
	"time"
)

// Event is what the package tells the hub: one of StockEstimate,
// LowStock, DoorState and TemperatureAlarm. Each is a change in the
// shop's state worth a ledger command; raw readings never are.
type Event interface {
	event()
	fmt.Stringer
}

// StockEstimate says how many pieces lie on a shelf, from a stable
// weight. It is emitted when the count differs from the last one emitted
// for that sensor (and for the first stable weight after the hub starts).
type StockEstimate struct {
	Sensor string
	SKU    string
	Pieces int
	At     time.Time
}

// LowStock says a shelf holds fewer pieces than its threshold. It is
// emitted once when the count falls below Threshold, and armed again only
// when a later count is above Threshold.
type LowStock struct {
	Sensor    string
	SKU       string
	Pieces    int
	Threshold int
	At        time.Time
}

// DoorState says whether a door is open. It is emitted on the first
// report after the hub starts and whenever the door changes.
type DoorState struct {
	Sensor string
	Open   bool
	At     time.Time
}

// TemperatureAlarm says a sensor's temperature left (Active) or came back
// into (not Active) its range Low..High. Temp is the median of the recent
// reports that decided it.
type TemperatureAlarm struct {
	Sensor    string
	Temp      DeciCelsius
	Low, High DeciCelsius
	Active    bool
	At        time.Time
}

func (StockEstimate) event()    {}
func (LowStock) event()         {}
func (DoorState) event()        {}
func (TemperatureAlarm) event() {}

func (e StockEstimate) String() string {
	return fmt.Sprintf("stock estimate %s: %d × %s", e.Sensor, e.Pieces, e.SKU)
}

func (e LowStock) String() string {
	return fmt.Sprintf("low stock %s: %d × %s, below %d", e.Sensor, e.Pieces, e.SKU, e.Threshold)
}

func (e DoorState) String() string {
	if e.Open {
		return fmt.Sprintf("door %s open", e.Sensor)
	}
	return fmt.Sprintf("door %s closed", e.Sensor)
}

func (e TemperatureAlarm) String() string {
	if e.Active {
		return fmt.Sprintf("temperature alarm %s: %s outside %s..%s", e.Sensor, e.Temp, e.Low, e.High)
	}
	return fmt.Sprintf("temperature normal %s: %s within %s..%s", e.Sensor, e.Temp, e.Low, e.High)
}

// Clock is where event times come from. Tests substitute a fake.
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock.
type SystemClock struct{}

// Now is time.Now.
func (SystemClock) Now() time.Time { return time.Now() }
