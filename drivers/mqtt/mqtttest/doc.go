// Package mqtttest holds stand-ins and real brokers for testing code that
// uses package mqtt: a hand-set Clock, a Mosquitto process on a free
// loopback port, a TCP Proxy that a test can cut and restore to take a
// client off the broker, a sensor Publisher, and an Events sink that
// waits for the next event.
//
// Nothing here sleeps for a fixed time; every wait is for a condition,
// with a generous deadline (Wait) so that a busy machine slows a test
// down without failing it.
package mqtttest

import "time"

// Wait is how long a helper waits for a condition before failing the
// test: long, since it only matters when something is broken.
const Wait = 30 * time.Second
