package mqtttest

import (
	"testing"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/kasse/kasse/drivers/mqtt"
)

// Publisher plays the sensors: a paho client of its own that publishes at
// QoS 1 and waits for the broker's acknowledgement, so a message it sent
// is the broker's to deliver.
type Publisher struct {
	c    paho.Client
	shop string
}

// NewPublisher connects to brokerURL (clean session, no retries) as
// clientID, with optional user and password, and disconnects at the end
// of the test.
func NewPublisher(t testing.TB, brokerURL, clientID, shop, user, password string) *Publisher {
	t.Helper()
	opts := paho.NewClientOptions().AddBroker(brokerURL).SetClientID(clientID).
		SetUsername(user).SetPassword(password).SetProtocolVersion(4).
		SetCleanSession(true).SetAutoReconnect(false).SetConnectTimeout(Wait)
	c := paho.NewClient(opts)
	tok := c.Connect()
	if !tok.WaitTimeout(Wait) || tok.Error() != nil {
		t.Fatalf("mqtttest: publisher connect to %s: %v", brokerURL, tok.Error())
	}
	t.Cleanup(func() { c.Disconnect(100) })
	return &Publisher{c: c, shop: shop}
}

// Publish sends payload to topic at QoS 1, not retained.
func (p *Publisher) Publish(t testing.TB, topic string, payload []byte) {
	t.Helper()
	tok := p.c.Publish(topic, 1, false, payload)
	if !tok.WaitTimeout(Wait) || tok.Error() != nil {
		t.Fatalf("mqtttest: publish to %s: %v", topic, tok.Error())
	}
}

// Weight publishes a weight reading for a shelf sensor.
func (p *Publisher) Weight(t testing.TB, sensor string, grams int64, seq uint64) {
	t.Helper()
	p.Publish(t, mqtt.WeightTopic(p.shop, sensor), mqtt.EncodeWeight(mqtt.Weight{Grams: grams, Seq: seq}))
}

// State publishes a state report for a door or fridge sensor.
func (p *Publisher) State(t testing.TB, sensor string, s mqtt.State) {
	t.Helper()
	p.Publish(t, mqtt.StateTopic(p.shop, sensor), mqtt.EncodeState(s))
}
