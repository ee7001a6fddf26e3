// Package gpio drives a hub's GPIO devices through periph.io: a status
// LED that shows the hub's health, a push button (such as "call a
// manager"), and a cash drawer's kick relay and open/closed sensor.
//
// Pins are named in the configuration as periph names them
// (gpioreg.ByName: "GPIO17", "P1_11", …). Board.Init loads periph's host
// drivers only when a pin is named, and reports loaded, skipped or
// failed the way periph drivers do: on a machine without GPIO it is
// skipped (ErrNoGPIO), so a hub on a laptop starts; a missing pin on a
// board is a failure (ErrNoPin), and the devices whose pins exist work
// all the same.
//
// What it promises:
//
//   - The LED is steady on when the hub is Healthy, blinks slowly (1 Hz)
//     when Degraded and fast (5 Hz) when Halted, and is dark when Off or
//     when Run has ended. Setting the same health again does not disturb
//     a blink.
//   - Inputs are debounced: a level counts only once it has held with no
//     further edge for the debounce time (30 ms by default). However
//     much a contact bounces, one press is one Press and one opening
//     one DrawerChange; a glitch shorter than the debounce time is
//     nothing. The button is active low with the pin's pull-up unless
//     configured otherwise; the drawer sensor's open level is
//     configurable.
//   - The relay is released at start and after every pulse, also when
//     the pulse is cancelled, and a pulse never exceeds MaxPulse.
//     Whether a drawer is kicked once per sale is the caller's business:
//     Relay.Pulse pulses each time it is called.
//
// Blinking, debouncing and pulses run on a Clock, so tests advance a
// fake one and never sleep; tests stand in for pins with periph's own
// gpiotest.Pin, registered by name with gpioreg.
package gpio
