package mqtt_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/kasse/kasse/drivers/mqtt"
	"github.com/kasse/kasse/drivers/mqtt/mqtttest"
)

const shop = "oslo-1"

// testLogger discards logs unless KASSE_TEST_LOG is set.
func testLogger() *slog.Logger {
	if os.Getenv("KASSE_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

var clientIDs atomic.Int64

func uniqueID(prefix string) string {
	return fmt.Sprintf("%s-%d-%d", prefix, os.Getpid(), clientIDs.Add(1))
}

// startClient starts the hub's client on brokerURL with the test shelf
// and fridge, a fixed clock and fast reconnection, and waits until it is
// connected and subscribed.
func startClient(t *testing.T, brokerURL, clientID, user, password string) (*mqtt.Client, *mqtttest.Events) {
	t.Helper()
	ev := mqtttest.NewEvents()
	c, err := mqtt.Start(context.Background(), mqtt.Config{
		Broker:     brokerURL,
		ClientID:   clientID,
		Username:   user,
		Password:   password,
		Shop:       shop,
		Shelves:    []mqtt.Shelf{testShelf},
		Sensors:    []mqtt.StateSensor{testFridge},
		OnEvent:    ev.OnEvent,
		OnStatus:   ev.OnStatus,
		Clock:      mqtttest.NewClock(t0),
		Logger:     testLogger(),
		MaxBackoff: 200 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c, ev
}

func next(t *testing.T, ev *mqtttest.Events, want mqtt.Event) {
	t.Helper()
	if got := ev.Next(t); got != want {
		t.Fatalf("event %v, want %v", got, want)
	}
}

// exercise publishes a day on the shelf and the fridge through a real
// broker and checks what reaches the hub: estimates, the low-stock alert,
// a torn payload and a repeated seq dropped and counted, a door report.
func exercise(t *testing.T, c *mqtt.Client, ev *mqtttest.Events, pub *mqtttest.Publisher) {
	t.Helper()
	pub.Weight(t, "shelf-1", 1200, 1)
	pub.Weight(t, "shelf-1", 1200, 2)
	pub.Weight(t, "shelf-1", 1195, 3)
	next(t, ev, est(12))

	pub.Publish(t, mqtt.WeightTopic(shop, "shelf-1"), []byte(`{"grams": 3`)) // torn
	pub.Weight(t, "shelf-1", 2400, 4)                                        // a hand
	for seq := uint64(5); seq <= 7; seq++ {
		pub.Weight(t, "shelf-1", 300, seq)
	}
	next(t, ev, est(3))
	next(t, ev, low(3))

	pub.Weight(t, "shelf-1", 300, 7) // repeated
	pub.Publish(t, mqtt.WeightTopic(shop, "shelf-404"), mqtt.EncodeWeight(mqtt.Weight{Grams: 1, Seq: 1}))
	pub.State(t, "fridge-1", mqtt.State{Door: mqtt.DoorOpen, Seq: 1})
	next(t, ev, mqtt.DoorState{Sensor: "fridge-1", Open: true, At: t0})
	// Everything published before the door report has been handled.
	want := mqtt.Stats{Received: 11, Accepted: 8, Malformed: 1, Duplicate: 1, UnknownSensor: 1, Events: 4}
	if got := c.Stats(); got != want {
		t.Fatalf("stats %+v, want %+v", got, want)
	}
	ev.None(t)
}

func TestEmbeddedBroker(t *testing.T) {
	b := startBroker(t, mqtt.BrokerConfig{Addr: "127.0.0.1:0"})
	c, ev := startClient(t, b.URL(), uniqueID("hub"), "", "")
	ev.WaitStatus(t, true)
	exercise(t, c, ev, mqtttest.NewPublisher(t, b.URL(), uniqueID("sensors"), shop, "", ""))
}

func TestMosquitto(t *testing.T) {
	m := mqtttest.StartMosquitto(t)
	c, ev := startClient(t, m.URL(), uniqueID("hub"), "", "")
	ev.WaitStatus(t, true)
	exercise(t, c, ev, mqtttest.NewPublisher(t, m.URL(), uniqueID("sensors"), shop, "", ""))
}

// The hub's connection drops while the embedded broker stays up (the
// shop's Wi-Fi, say): what the sensors publish meanwhile is queued in
// the hub's session and delivered when it is back.
func TestEmbeddedBrokerQueuesWhileAway(t *testing.T) {
	b := startBroker(t, mqtt.BrokerConfig{Addr: "127.0.0.1:0"})
	proxy := mqtttest.NewProxy(t, b.Addr())
	c, ev := startClient(t, proxy.URL(), uniqueID("hub"), "", "")
	ev.WaitStatus(t, true)
	pub := mqtttest.NewPublisher(t, b.URL(), uniqueID("sensors"), shop, "", "")
	publishStock(t, pub, 1, 1200)
	next(t, ev, est(12))

	proxy.Cut()
	if s := ev.WaitStatus(t, false); s.Err == nil {
		t.Fatalf("status %v without a reason", s)
	}
	publishStock(t, pub, 4, 800)
	pub.State(t, "fridge-1", mqtt.State{Door: mqtt.DoorOpen, Seq: 1})
	proxy.Restore()
	ev.WaitStatus(t, true)
	// mochi redelivers a queued session in no fixed order within a
	// second, and readings that come out of order are dropped: the door
	// report proves the queue was delivered, fresh readings settle the
	// shelf whatever happened to the queued ones.
	publishStock(t, pub, 7, 800)
	got := []mqtt.Event{ev.Next(t), ev.Next(t)}
	door := mqtt.DoorState{Sensor: "fridge-1", Open: true, At: t0}
	if !(got[0] == door && got[1] == est(8)) && !(got[0] == est(8) && got[1] == door) {
		t.Fatalf("events %v, want %v and %v", got, door, est(8))
	}
	pub.State(t, "fridge-1", mqtt.State{Door: mqtt.DoorClosed, Seq: 2})
	next(t, ev, mqtt.DoorState{Sensor: "fridge-1", Open: false, At: t0})
	if s := c.Stats(); s.Received < 11 {
		t.Fatalf("stats %+v: queued messages missing", s)
	}
}

// Mosquitto is restarted while the hub is away: its persistent session
// and the messages queued in it survive, and the hub gets them on
// reconnecting.
func TestMosquittoRestart(t *testing.T) {
	m := mqtttest.StartMosquitto(t)
	proxy := mqtttest.NewProxy(t, m.Addr())
	_, ev := startClient(t, proxy.URL(), uniqueID("hub"), "", "")
	ev.WaitStatus(t, true)
	publishStock(t, mqtttest.NewPublisher(t, m.URL(), uniqueID("sensors"), shop, "", ""), 1, 1200)
	next(t, ev, est(12))

	m.Stop(t)
	proxy.Cut() // keep the hub away until the sensors have published
	ev.WaitStatus(t, false)
	m.Start(t)
	publishStock(t, mqtttest.NewPublisher(t, m.URL(), uniqueID("sensors"), shop, "", ""), 4, 300)
	proxy.Restore()
	ev.WaitStatus(t, true)
	next(t, ev, est(3))
	next(t, ev, low(3))
}

// The embedded broker restarts and forgets the hub's session: the client
// reconnects and subscribes again, so new readings flow.
func TestEmbeddedBrokerRestart(t *testing.T) {
	b := startBroker(t, mqtt.BrokerConfig{Addr: "127.0.0.1:0"})
	addr := b.Addr()
	_, ev := startClient(t, b.URL(), uniqueID("hub"), "", "")
	ev.WaitStatus(t, true)
	publishStock(t, mqtttest.NewPublisher(t, b.URL(), uniqueID("sensors"), shop, "", ""), 1, 1200)
	next(t, ev, est(12))

	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	ev.WaitStatus(t, false)
	b = startBroker(t, mqtt.BrokerConfig{Addr: addr})
	ev.WaitStatus(t, true)
	publishStock(t, mqtttest.NewPublisher(t, b.URL(), uniqueID("sensors"), shop, "", ""), 4, 900)
	next(t, ev, est(9))
}

func TestEmbeddedBrokerAuth(t *testing.T) {
	b := startBroker(t, mqtt.BrokerConfig{Addr: "127.0.0.1:0",
		Users: map[string]string{"hub": "s3cret", "sensors": "pass*"}})

	for _, cred := range [][2]string{{"", ""}, {"hub", "wrong"}, {"nobody", "s3cret"}, {"sensors", "password"}} {
		opts := paho.NewClientOptions().AddBroker(b.URL()).SetClientID(uniqueID("intruder")).
			SetUsername(cred[0]).SetPassword(cred[1]).SetProtocolVersion(4).SetConnectTimeout(mqtttest.Wait)
		c := paho.NewClient(opts)
		tok := c.Connect()
		if !tok.WaitTimeout(mqtttest.Wait) {
			t.Fatalf("%v: no answer", cred)
		}
		if tok.Error() == nil {
			c.Disconnect(0)
			t.Fatalf("user %q password %q let in", cred[0], cred[1])
		}
	}

	// The hub with a wrong password keeps trying and says why.
	_, bad := startClient(t, b.URL(), uniqueID("hub"), "hub", "wrong")
	if s := bad.WaitStatus(t, false); s.Err == nil || !strings.Contains(s.Err.Error(), "uthori") {
		t.Fatalf("status %v, want not authorised", s)
	}

	c, ev := startClient(t, b.URL(), uniqueID("hub"), "hub", "s3cret")
	ev.WaitStatus(t, true)
	publishStock(t, mqtttest.NewPublisher(t, b.URL(), uniqueID("sensors"), shop, "sensors", "pass*"), 1, 700)
	next(t, ev, est(7))
	if s := c.Status(); !s.Connected {
		t.Fatalf("Status() = %v", s)
	}
}

// A hub whose broker is not there starts anyway, and closes cleanly.
func TestClientWithoutBroker(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ev := mqtttest.NewEvents()
	c, err := mqtt.Start(ctx, mqtt.Config{Broker: "tcp://127.0.0.1:1", ClientID: "hub", Shop: shop,
		OnStatus: ev.OnStatus, Logger: testLogger(), MaxBackoff: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if s := ev.WaitStatus(t, false); s.Err == nil {
		t.Fatalf("status %v without a reason", s)
	}
	cancel() // closes the client
	for {
		s := ev.WaitStatus(t, false)
		if errors.Is(s.Err, mqtt.ErrClosed) {
			break
		}
	}
	c.Close() // again: harmless
}

func TestConfigValidate(t *testing.T) {
	ok := mqtt.Config{ClientID: "hub", Shop: shop}
	if err := ok.Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	for _, c := range []mqtt.Config{
		{Shop: shop},
		{ClientID: "hub", Shop: shop, Broker: "http://x:1"},
		{ClientID: "hub", Shop: shop, Broker: "tcp://nohost"},
		{ClientID: "hub", Shop: shop, Password: "p"},
	} {
		if err := c.Validate(); !errors.Is(err, mqtt.ErrConfig) {
			t.Errorf("%+v: %v, want ErrConfig", c, err)
		}
	}
	if _, err := mqtt.Start(context.Background(), mqtt.Config{ClientID: "hub", Shop: "bad/shop"}); !errors.Is(err, mqtt.ErrConfig) {
		t.Errorf("bad shop: %v", err)
	}
}

func startBroker(t *testing.T, cfg mqtt.BrokerConfig) *mqtt.Broker {
	t.Helper()
	cfg.Logger = testLogger()
	b, err := mqtt.StartBroker(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

// publishStock publishes three equal readings from seq on.
func publishStock(t *testing.T, pub *mqtttest.Publisher, seq uint64, grams int64) {
	t.Helper()
	for i := range uint64(3) {
		pub.Weight(t, "shelf-1", grams, seq+i)
	}
}
