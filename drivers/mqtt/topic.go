package mqtt

import (
	"fmt"
	"strings"
)

// Topic scheme; see the package documentation.
const (
	topicRoot   = "kasse"
	shelfKind   = "shelf"
	weightLeaf  = "weight"
	sensorKind  = "sensor"
	stateLeaf   = "state"
	maxIDLength = 64
)

// WeightTopic is the topic a shelf sensor publishes its weight readings
// on: kasse/<shop>/shelf/<sensor>/weight.
func WeightTopic(shop, sensor string) string {
	return topicRoot + "/" + shop + "/" + shelfKind + "/" + sensor + "/" + weightLeaf
}

// StateTopic is the topic a door or fridge sensor publishes its state
// on: kasse/<shop>/sensor/<sensor>/state.
func StateTopic(shop, sensor string) string {
	return topicRoot + "/" + shop + "/" + sensorKind + "/" + sensor + "/" + stateLeaf
}

func weightFilter(shop string) string { return WeightTopic(shop, "+") }
func stateFilter(shop string) string  { return StateTopic(shop, "+") }

// ValidID reports whether s may be a shop or sensor id: 1 to 64 ASCII
// letters, digits, '.', '_' or '-'. That keeps ids usable as one topic
// level and free of MQTT wildcards.
func ValidID(s string) bool {
	if len(s) == 0 || len(s) > maxIDLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

func checkID(what, s string) error {
	if !ValidID(s) {
		return fmt.Errorf("%w: %s %q: want 1-%d of A-Z a-z 0-9 . _ -", ErrConfig, what, s, maxIDLength)
	}
	return nil
}

type topicKind int

const (
	kindWeight topicKind = iota + 1
	kindState
)

// parseTopic splits a topic of the shop into its kind and sensor id.
func parseTopic(shop, topic string) (topicKind, string, error) {
	rest, ok := strings.CutPrefix(topic, topicRoot+"/"+shop+"/")
	if !ok {
		return 0, "", fmt.Errorf("%w: %q is not under %s/%s/", ErrUnknownTopic, topic, topicRoot, shop)
	}
	parts := strings.Split(rest, "/")
	if len(parts) == 3 && ValidID(parts[1]) {
		switch {
		case parts[0] == shelfKind && parts[2] == weightLeaf:
			return kindWeight, parts[1], nil
		case parts[0] == sensorKind && parts[2] == stateLeaf:
			return kindState, parts[1], nil
		}
	}
	return 0, "", fmt.Errorf("%w: %q", ErrUnknownTopic, topic)
}
