package mqtt

import "errors"

// Errors that Tracker.Handle returns, wrapped with the sensor, topic and
// detail; test them with errors.Is. Each is also a counter in Stats.
var (
	// ErrMalformed: the payload is not a valid reading: torn or truncated
	// JSON, a wrong type, an unknown or repeated key, a missing field, a
	// value out of range, or more than MaxPayload bytes.
	ErrMalformed = errors.New("mqtt: malformed payload")

	// ErrDuplicate: the reading carries the seq of the last reading
	// accepted from that sensor (typically a QoS 1 redelivery).
	ErrDuplicate = errors.New("mqtt: duplicate seq")

	// ErrOutOfOrder: the reading carries a seq lower than the last one
	// accepted from that sensor.
	ErrOutOfOrder = errors.New("mqtt: seq out of order")

	// ErrUnknownSensor: the topic names a sensor that is not configured.
	ErrUnknownSensor = errors.New("mqtt: unknown sensor")

	// ErrUnknownTopic: the topic is not one of the package's scheme.
	ErrUnknownTopic = errors.New("mqtt: unknown topic")

	// ErrConfig: a Config, BrokerConfig, Shelf or StateSensor is invalid.
	ErrConfig = errors.New("mqtt: invalid configuration")
)

// ErrClosed is the Err of the last Status a Client reports, on Close.
var ErrClosed = errors.New("mqtt: client closed")
