package mqtt

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/hooks/auth"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mochi-mqtt/server/v2/packets"
)

// BrokerConfig describes the embedded broker. Zero fields take the
// values of DefaultBrokerConfig.
type BrokerConfig struct {
	// Addr is where it listens, host:port. The default, 127.0.0.1:1883,
	// reaches only the hub itself: sensors on the shop's network need the
	// hub's LAN address or ":1883", and then Users should be set.
	Addr string
	// Users maps user names to passwords. When it is empty anyone who
	// reaches Addr may connect, publish and subscribe; when it is set,
	// every client must give one of the pairs.
	Users map[string]string
	// MaxPacketBytes bounds one MQTT packet; default 64 KiB, far above any
	// sensor's message, far below what would strain a small board.
	MaxPacketBytes uint32
	// SessionExpiry is how long the session of a client that went away
	// (and the messages queued for it) is kept; default 24 h.
	SessionExpiry time.Duration
	Logger        *slog.Logger // default slog.Default()
}

// DefaultBrokerConfig returns the defaults.
func DefaultBrokerConfig() BrokerConfig {
	return BrokerConfig{
		Addr:           "127.0.0.1:1883",
		MaxPacketBytes: 64 << 10,
		SessionExpiry:  24 * time.Hour,
	}
}

func (c BrokerConfig) withDefaults() BrokerConfig {
	d := DefaultBrokerConfig()
	if c.Addr == "" {
		c.Addr = d.Addr
	}
	if c.MaxPacketBytes == 0 {
		c.MaxPacketBytes = d.MaxPacketBytes
	}
	if c.SessionExpiry == 0 {
		c.SessionExpiry = d.SessionExpiry
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// Validate says what is wrong with the configuration, if anything, once
// defaults are applied.
func (c BrokerConfig) Validate() error {
	c = c.withDefaults()
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("%w: broker Addr %q: %w", ErrConfig, c.Addr, err)
	}
	for u, p := range c.Users {
		if u == "" || p == "" {
			return fmt.Errorf("%w: broker Users: user %q: empty user name or password", ErrConfig, u)
		}
	}
	if c.SessionExpiry < time.Second || c.SessionExpiry.Seconds() > float64(^uint32(0)) {
		return fmt.Errorf("%w: broker SessionExpiry %s out of range", ErrConfig, c.SessionExpiry)
	}
	return nil
}

// Broker is the embedded MQTT broker (mochi-mqtt). It speaks MQTT 3.1,
// 3.1.1 and 5 over TCP and keeps sessions in memory.
type Broker struct {
	srv  *mochi.Server
	tcp  *listeners.TCP
	log  *slog.Logger
	once sync.Once
	err  error
	done chan struct{} // closed when Close starts
	// stopped is closed when Close has finished.
	stopped chan struct{}
}

// StartBroker listens on cfg.Addr and serves until Close or until ctx is
// done. It fails if the address cannot be had (another broker on 1883,
// say); the hub then has no embedded broker and says so.
func StartBroker(ctx context.Context, cfg BrokerConfig) (*Broker, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("mqtt: start broker: %w", err)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	log := cfg.Logger.With("component", "mqtt-broker")

	caps := mochi.NewDefaultServerCapabilities()
	caps.MaximumPacketSize = cfg.MaxPacketBytes
	caps.MaximumSessionExpiryInterval = uint32(cfg.SessionExpiry / time.Second)
	srv := mochi.New(&mochi.Options{Capabilities: caps, Logger: log})

	var hook mochi.Hook = new(auth.AllowHook)
	if len(cfg.Users) > 0 {
		hook = newPasswordHook(cfg.Users)
	}
	if err := srv.AddHook(hook, nil); err != nil {
		return nil, fmt.Errorf("mqtt: start broker: auth hook: %w", err)
	}
	tcp := listeners.NewTCP(listeners.Config{ID: "kasse-tcp", Address: cfg.Addr})
	if err := srv.AddListener(tcp); err != nil {
		return nil, fmt.Errorf("mqtt: start broker on %s: %w", cfg.Addr, err)
	}
	if err := srv.Serve(); err != nil {
		_ = srv.Close()
		return nil, fmt.Errorf("mqtt: start broker on %s: %w", cfg.Addr, err)
	}
	b := &Broker{srv: srv, tcp: tcp, log: log, done: make(chan struct{}), stopped: make(chan struct{})}
	if ip := net.ParseIP(hostOf(b.Addr())); len(cfg.Users) == 0 && (ip == nil || !ip.IsLoopback()) {
		log.Warn("embedded MQTT broker accepts anyone on the network: set broker users", "addr", b.Addr())
	}
	log.Info("embedded MQTT broker listening", "addr", b.Addr(), "auth", len(cfg.Users) > 0)
	go func() {
		select {
		case <-ctx.Done():
			_ = b.Close()
		case <-b.done:
		}
	}()
	return b, nil
}

func hostOf(addr string) string {
	h, _, _ := net.SplitHostPort(addr)
	return h
}

// Addr is the address the broker listens on, with the port it got when
// asked for port 0.
func (b *Broker) Addr() string { return b.tcp.Address() }

// URL is the broker's address for Config.Broker: tcp://host:port. An
// unspecified host (":1883", "0.0.0.0:1883") becomes 127.0.0.1.
func (b *Broker) URL() string {
	host, port, _ := net.SplitHostPort(b.Addr())
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "tcp://" + net.JoinHostPort(host, port)
}

// Close disconnects every client and stops listening. It is safe to call
// more than once.
func (b *Broker) Close() error {
	b.once.Do(func() {
		close(b.done)
		if err := b.srv.Close(); err != nil {
			b.err = fmt.Errorf("mqtt: close broker: %w", err)
		}
		b.log.Info("embedded MQTT broker stopped")
		close(b.stopped)
	})
	<-b.stopped
	return b.err
}

// Done is closed once the broker has stopped, by Close or by its
// context.
func (b *Broker) Done() <-chan struct{} { return b.stopped }

// passwordHook lets in the clients that give a configured user name and
// its password, compared in constant time; authenticated clients may
// publish and subscribe anywhere. (mochi's own ledger treats '*' in a
// password as a wildcard, which a password must never be.)
type passwordHook struct {
	mochi.HookBase
	users map[string][32]byte // user → SHA-256 of the password
}

func newPasswordHook(users map[string]string) *passwordHook {
	h := &passwordHook{users: make(map[string][32]byte, len(users))}
	for u, p := range users {
		h.users[u] = sha256.Sum256([]byte(p))
	}
	return h
}

func (h *passwordHook) ID() string { return "kasse-password-auth" }

func (h *passwordHook) Provides(b byte) bool {
	return bytes.Contains([]byte{mochi.OnConnectAuthenticate, mochi.OnACLCheck}, []byte{b})
}

func (h *passwordHook) OnConnectAuthenticate(cl *mochi.Client, pk packets.Packet) bool {
	want, ok := h.users[string(pk.Connect.Username)]
	got := sha256.Sum256(pk.Connect.Password)
	return subtle.ConstantTimeCompare(want[:], got[:]) == 1 && ok
}

func (h *passwordHook) OnACLCheck(cl *mochi.Client, topic string, write bool) bool {
	return true
}
