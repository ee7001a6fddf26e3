// Package mqtt brings the shop's shelf sensors (weight-sensing shelves,
// fridge and door sensors) to the hub over MQTT, and turns their raw
// telemetry into the few typed events that change the shop's state.
//
// The hub connects with eclipse/paho.mqtt.golang (Start, Client) to a
// broker: either the one it embeds (StartBroker, built on
// mochi-mqtt/server/v2) or a shop's own Mosquitto. Tracker is the part
// that turns messages into events, without the network, so it can be
// tested and fuzzed alone; package mqtttest has a fake clock, a real
// Mosquitto process, a cuttable proxy and a sensor publisher for tests.
//
// # Topics and payloads
//
// Every topic lives under kasse/<shop>/, where <shop> is Config.Shop.
// Shop and sensor ids are 1–64 characters of A–Z, a–z, 0–9, '.', '_' and
// '-'. The hub subscribes to exactly two filters, both at QoS 1:
//
//	kasse/<shop>/shelf/+/weight    one reading of a weight-sensing shelf
//	kasse/<shop>/sensor/+/state    one report of a door/fridge sensor
//
// A weight reading (WeightTopic, EncodeWeight, DecodeWeight):
//
//	{"grams": 1234, "seq": 17, "ts": "2025-03-01T10:15:00Z"}
//
// grams is a whole number from MinGrams to MaxGrams (what the load cell
// reads, tare included unless the sensor is tared on site); seq is the
// sensor's message counter, a whole number that grows by at least one per
// message and may start over when the sensor boots (the hub follows a
// new count after three fresh readings in a row rise below the old one);
// ts (RFC 3339) is optional, since many sensors have no clock.
//
// A state report (StateTopic, EncodeState, DecodeState):
//
//	{"door": "open", "temp_c": 4.5, "seq": 9, "ts": "2025-03-01T10:15:00Z"}
//
// door is "open" or "closed"; temp_c is degrees Celsius from MinTemp to
// MaxTemp, kept to a tenth of a degree; at least one of the two is
// present. seq and ts are as above.
//
// Decoding is strict: a payload is one JSON object of at most MaxPayload
// bytes of valid UTF-8, with exactly the keys above in their exact
// spelling, each at most once, of the right JSON type (whole numbers
// where whole numbers are due). Anything else — a payload torn off in
// the middle, a number in quotes, a key a newer firmware added, an
// absurd weight — is rejected with an error wrapping ErrMalformed.
//
// # What it promises
//
//   - Raw telemetry never leaves the package. The callback Config.OnEvent
//     receives only StockEstimate, LowStock, DoorState and
//     TemperatureAlarm, each when something changed, so each can become a
//     ledger command.
//   - A bad message is dropped, logged with its topic and reason, and
//     counted in Stats: malformed payloads, readings whose seq repeats or
//     goes back (a QoS 1 redelivery, a reordering), unknown sensors and
//     topics. It never panics the hub and never yields an event.
//   - A piece count is estimated only from a stable weight: the median of
//     the last Shelf.Window readings, and only while every one of them is
//     within Shelf.ToleranceGrams of that median, so a hand on the shelf,
//     or goods being taken and put back, count for nothing unless the
//     weight holds still for the whole window.
//     StockEstimate is emitted when the count differs from the last one
//     emitted; LowStock once when the count falls below Shelf.LowStock,
//     armed again only once the count is above it.
//   - No message queued for the hub is lost over a short outage: the
//     client keeps a persistent session (clean session off) under a
//     stable client id and subscribes at QoS 1, so the broker holds what
//     the sensors publish while the hub is away and delivers it on
//     reconnection. Reconnection is automatic, with exponential backoff
//     up to Config.MaxBackoff. Config.OnStatus hears each change between
//     connected (and subscribed) and disconnected. Mosquitto delivers
//     the queue in order; the embedded broker may redeliver it in any
//     order, and a reading that arrives behind a newer one of its sensor
//     is dropped, so some queued readings may go unused but the newest
//     always wins.
//   - A missing broker never stops the hub: Start returns at once and
//     connects in the background.
//
// The embedded broker keeps sessions in memory: restarting it (which
// happens with the hub) forgets queued messages, which is acceptable
// because the hub's own client goes down with it. A Mosquitto broker
// keeps them across its own restarts when persistence is on.
//
// Times in events come from Config.Clock (the wall clock by default), so
// tests control them; the sensor's own ts is decoded and checked but not
// trusted for anything.
package mqtt
