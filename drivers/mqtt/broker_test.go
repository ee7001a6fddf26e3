package mqtt_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/kasse/kasse/drivers/mqtt"
	"github.com/kasse/kasse/drivers/mqtt/mqtttest"
)

func TestBrokerConfig(t *testing.T) {
	for _, c := range []mqtt.BrokerConfig{
		{Addr: "nonsense"},
		{Users: map[string]string{"": "x"}},
		{Users: map[string]string{"u": ""}},
	} {
		if err := c.Validate(); !errors.Is(err, mqtt.ErrConfig) {
			t.Errorf("%+v: %v, want ErrConfig", c, err)
		}
	}
	if d := mqtt.DefaultBrokerConfig(); d.Addr != "127.0.0.1:1883" {
		t.Errorf("default address %q", d.Addr)
	}
}

func TestBrokerAddressTaken(t *testing.T) {
	b := startBroker(t, mqtt.BrokerConfig{Addr: "127.0.0.1:0"})
	if _, err := mqtt.StartBroker(context.Background(), mqtt.BrokerConfig{Addr: b.Addr(), Logger: testLogger()}); err == nil {
		t.Fatal("a second broker on the same address started")
	}
}

func TestBrokerStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	b, err := mqtt.StartBroker(ctx, mqtt.BrokerConfig{Addr: "127.0.0.1:0", Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.URL(), "tcp://127.0.0.1:") || strings.HasSuffix(b.URL(), ":0") {
		t.Fatalf("URL %q", b.URL())
	}
	addr := b.Addr()
	cancel()
	select {
	case <-b.Done():
	case <-time.After(mqtttest.Wait):
		t.Fatal("broker still running after its context ended")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("address still taken after stop: %v", err)
	}
	ln.Close()
	if err := b.Close(); err != nil { // again: harmless
		t.Fatal(err)
	}
}
