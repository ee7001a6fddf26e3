package mqtt

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// Config describes the hub's connection to the shop's broker and the
// sensors it listens to. Zero durations take the values of
// DefaultConfig.
type Config struct {
	// Broker is the broker's URL, tcp://host:port (also mqtt://, or
	// ssl://, tls://, mqtts:// with the system's roots).
	Broker string
	// ClientID names the hub's session on the broker. It must be stable
	// across restarts (the broker keeps what arrives for the hub under
	// it) and unique per hub: two clients with one id throw each other
	// off the broker in turn.
	ClientID string
	// Username and Password, when the broker asks for them.
	Username, Password string

	Shop    string        // the shop's id: topics are kasse/<Shop>/...
	Shelves []Shelf       // the weight-sensing shelves
	Sensors []StateSensor // the door and fridge sensors

	// OnEvent receives every event, one at a time, in the order of the
	// messages. It runs on the client's receive path and must not block:
	// hand the event to a queue. A message is acknowledged to the broker
	// after its events are delivered. It must not call Close.
	OnEvent func(Event)
	// OnStatus hears each change of Status. It must not block or call
	// Close.
	OnStatus func(Status)

	Clock  Clock        // event times; default SystemClock
	Logger *slog.Logger // default slog.Default()

	ConnectTimeout time.Duration // one connection attempt; default 10 s
	KeepAlive      time.Duration // MQTT keep-alive; default 30 s
	// MaxBackoff caps the wait between reconnection attempts, which
	// doubles from one second (or from MaxBackoff if smaller); default
	// 1 min. Before the first connection, attempts are
	// min(MaxBackoff, 5 s) apart.
	MaxBackoff time.Duration
}

// DefaultConfig returns the defaults: the embedded broker's default
// address and the timeouts.
func DefaultConfig() Config {
	return Config{
		Broker:         "tcp://127.0.0.1:1883",
		ConnectTimeout: 10 * time.Second,
		KeepAlive:      30 * time.Second,
		MaxBackoff:     time.Minute,
	}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.Broker == "" {
		c.Broker = d.Broker
	}
	if c.ConnectTimeout == 0 {
		c.ConnectTimeout = d.ConnectTimeout
	}
	if c.KeepAlive == 0 {
		c.KeepAlive = d.KeepAlive
	}
	if c.MaxBackoff == 0 {
		c.MaxBackoff = d.MaxBackoff
	}
	if c.Clock == nil {
		c.Clock = SystemClock{}
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// Validate says what is wrong with the configuration, if anything, once
// defaults are applied. Shelves and sensors are checked by NewTracker.
func (c Config) Validate() error {
	c = c.withDefaults()
	u, err := url.Parse(c.Broker)
	if err != nil {
		return fmt.Errorf("%w: broker URL %q: %w", ErrConfig, c.Broker, err)
	}
	switch u.Scheme {
	case "tcp", "mqtt", "ssl", "tls", "mqtts":
	default:
		return fmt.Errorf("%w: broker URL %q: scheme %q, want tcp, mqtt, ssl, tls or mqtts", ErrConfig, c.Broker, u.Scheme)
	}
	if u.Hostname() == "" || u.Port() == "" {
		return fmt.Errorf("%w: broker URL %q: want scheme://host:port", ErrConfig, c.Broker)
	}
	if c.ClientID == "" || len(c.ClientID) > 128 || !utf8.ValidString(c.ClientID) || strings.ContainsRune(c.ClientID, 0) {
		return fmt.Errorf("%w: ClientID %q: want 1-128 bytes of UTF-8, stable and unique per hub", ErrConfig, c.ClientID)
	}
	if c.Password != "" && c.Username == "" {
		return fmt.Errorf("%w: a Password without a Username", ErrConfig)
	}
	if c.ConnectTimeout < 0 || c.KeepAlive < 0 || c.MaxBackoff < 0 {
		return fmt.Errorf("%w: negative timeout", ErrConfig)
	}
	return nil
}

// Status is the state of the hub's connection to the broker.
type Status struct {
	// Connected means connected and subscribed: messages flow.
	Connected bool
	// Err says why not, when not Connected: the attempt that failed, the
	// connection that was lost, the subscription that was refused, or
	// ErrClosed. It may be nil before the first attempt.
	Err error
	At  time.Time
}

func (s Status) String() string {
	switch {
	case s.Connected:
		return "connected"
	case s.Err != nil:
		return "disconnected: " + s.Err.Error()
	}
	return "disconnected"
}

// Client is the hub's MQTT client: it keeps a session with the broker,
// feeds each message to a Tracker and passes the events on.
type Client struct {
	cfg     Config
	tracker *Tracker
	paho    paho.Client
	log     *slog.Logger

	gen      atomic.Uint64 // counts connections, for subscribe
	statusMu sync.Mutex    // serialises status changes and OnStatus calls
	closed   bool
	status   atomic.Pointer[Status]

	unknownMu sync.Mutex
	unknown   map[string]bool // topics already warned about

	// handling is held (shared) while a message is handled, so that Close
	// can wait for the last one.
	handling  sync.RWMutex
	closeOnce sync.Once
	done      chan struct{}
}

// Start checks cfg and starts connecting in the background: it does not
// wait for the broker, and a broker that is down or refuses the hub
// never makes it fail (see Status and OnStatus). The client runs until
// Close or until ctx is done.
func Start(ctx context.Context, cfg Config) (*Client, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("mqtt: start: %w", err)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	log := cfg.Logger.With("component", "mqtt", "broker", cfg.Broker, "client_id", cfg.ClientID)
	tr, err := NewTracker(TrackerConfig{Shop: cfg.Shop, Shelves: cfg.Shelves, Sensors: cfg.Sensors, Clock: cfg.Clock, Logger: log})
	if err != nil {
		return nil, err
	}
	c := &Client{cfg: cfg, tracker: tr, log: log, unknown: map[string]bool{}, done: make(chan struct{})}
	c.status.Store(&Status{At: cfg.Clock.Now()})

	opts := paho.NewClientOptions().
		AddBroker(cfg.Broker).
		SetClientID(cfg.ClientID).
		SetUsername(cfg.Username).
		SetPassword(cfg.Password).
		SetProtocolVersion(4). // MQTT 3.1.1, which Mosquitto and mochi both speak
		// A persistent session and QoS 1: the broker queues what arrives
		// while the hub is away and hands it over on reconnection.
		SetCleanSession(false).
		SetResumeSubs(false). // subscribe anew on each connection instead
		SetOrderMatters(true).
		SetAutoAckDisabled(true). // onMessage acknowledges
		SetAutoReconnect(true).
		SetConnectRetry(true).
		SetConnectRetryInterval(min(cfg.MaxBackoff, 5*time.Second)).
		SetMaxReconnectInterval(cfg.MaxBackoff).
		SetConnectTimeout(cfg.ConnectTimeout).
		SetKeepAlive(cfg.KeepAlive).
		SetPingTimeout(min(cfg.ConnectTimeout, cfg.KeepAlive)).
		// All messages go through one handler: after a reconnection, the
		// broker may deliver queued messages before the subscription is
		// renewed, when no per-subscription route exists yet.
		SetDefaultPublishHandler(c.onMessage).
		SetConnectionNotificationHandler(c.onNotification)
	c.paho = paho.NewClient(opts)
	c.paho.Connect() // with ConnectRetry it keeps trying; progress comes through onNotification
	log.Info("mqtt client starting", "shop", cfg.Shop, "shelves", len(cfg.Shelves), "sensors", len(cfg.Sensors))

	go func() {
		select {
		case <-ctx.Done():
			c.Close()
		case <-c.done:
		}
	}()
	return c, nil
}

// Close disconnects from the broker, leaving the session there for the
// next start, and reports a last Status with ErrClosed. No events follow
// its return. It is safe to call more than once.
func (c *Client) Close() {
	c.closeOnce.Do(func() {
		close(c.done)
		c.handling.Lock() // wait for a message being handled
		c.handling.Unlock()
		c.paho.Disconnect(250)
		c.setStatus(false, ErrClosed)
		c.statusMu.Lock()
		c.closed = true
		c.statusMu.Unlock()
		c.log.Info("mqtt client closed")
	})
}

// Status returns the connection's current state.
func (c *Client) Status() Status { return *c.status.Load() }

// Stats returns the message counters.
func (c *Client) Stats() Stats { return c.tracker.Stats() }

func (c *Client) isClosed() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// setStatus records and reports a change. A repeat of the current state
// (another failed attempt for the same reason) is not reported.
func (c *Client) setStatus(connected bool, err error) {
	c.statusMu.Lock()
	defer c.statusMu.Unlock()
	if c.closed {
		return
	}
	cur := c.status.Load()
	if cur.Connected == connected && errText(cur.Err) == errText(err) {
		return
	}
	s := &Status{Connected: connected, Err: err, At: c.cfg.Clock.Now()}
	c.status.Store(s)
	switch {
	case connected:
		c.log.Info("mqtt connected and subscribed", "shop", c.cfg.Shop)
	case errors.Is(err, ErrClosed):
	default:
		c.log.Warn("mqtt not connected", "err", err)
	}
	if c.cfg.OnStatus != nil {
		c.cfg.OnStatus(*s)
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func (c *Client) onNotification(_ paho.Client, n paho.ConnectionNotification) {
	if c.isClosed() {
		return
	}
	switch n := n.(type) {
	case paho.ConnectionNotificationConnected:
		c.subscribe()
	case paho.ConnectionNotificationLost:
		// paho reports a loss on its own goroutine; if the connection is
		// already back, the notice of that reconnection tells the truth.
		if c.paho.IsConnectionOpen() {
			return
		}
		reason := n.Reason
		if reason == nil {
			reason = errors.New("closed")
		}
		c.setStatus(false, fmt.Errorf("connection lost: %w", reason))
	case paho.ConnectionNotificationFailed:
		c.setStatus(false, fmt.Errorf("connect: %w", n.Reason))
	}
}

// subscribe renews the two subscriptions after each connection. With a
// session kept on the broker they are usually there already; renewing
// covers a broker that lost its state (the embedded one, restarted).
//
// A refusal other than "not authorised" is retried a few times: mochi
// refuses a SUBSCRIBE whose packet id equals one of the messages it is
// still redelivering to the session (code 0x91), which passes once they
// are acknowledged.
func (c *Client) subscribe() {
	gen := c.gen.Add(1)
	delay := 100 * time.Millisecond
	for attempt := 1; ; attempt++ {
		retry, err := c.trySubscribe()
		if c.gen.Load() != gen || c.isClosed() {
			return // a newer connection has taken over
		}
		if err == nil {
			c.setStatus(true, nil)
			return
		}
		if !retry || attempt == maxSubscribeAttempts || !c.paho.IsConnectionOpen() {
			c.setStatus(false, err)
			return
		}
		c.log.Debug("mqtt subscription refused; retrying", "err", err, "attempt", attempt)
		select {
		case <-time.After(delay):
		case <-c.done:
			return
		}
		delay = min(2*delay, c.cfg.MaxBackoff)
	}
}

const maxSubscribeAttempts = 6

// trySubscribe subscribes once and says whether a failure is worth
// another try.
func (c *Client) trySubscribe() (retry bool, err error) {
	filters := map[string]byte{weightFilter(c.cfg.Shop): 1, stateFilter(c.cfg.Shop): 1}
	tok := c.paho.SubscribeMultiple(filters, nil)
	if !tok.WaitTimeout(c.cfg.ConnectTimeout) {
		return false, fmt.Errorf("subscribe: no answer within %s", c.cfg.ConnectTimeout)
	}
	if err := tok.Error(); err != nil {
		return false, fmt.Errorf("subscribe: %w", err)
	}
	if st, ok := tok.(*paho.SubscribeToken); ok {
		for f, code := range st.Result() {
			if code > 2 {
				return code != 0x80, fmt.Errorf("subscribe %s: refused by the broker (code %#x)", f, code)
			}
		}
	}
	return false, nil
}

// onMessage runs for every message, one at a time, on paho's receive
// path. Acknowledgement is explicit: a message arriving as the client
// closes is not acknowledged, so the broker hands it over again next time.
func (c *Client) onMessage(_ paho.Client, m paho.Message) {
	c.handling.RLock()
	defer c.handling.RUnlock()
	if c.isClosed() {
		return
	}
	defer m.Ack() // also after a panic: the same message would panic again
	defer func() {
		// A bug here must cost one message, not the hub.
		if r := recover(); r != nil {
			c.log.Error("mqtt message handler panicked; message dropped",
				"topic", m.Topic(), "panic", r, "stack", string(debug.Stack()))
		}
	}()
	evs, err := c.tracker.Handle(Message{
		Topic:     m.Topic(),
		Payload:   m.Payload(),
		Retained:  m.Retained(),
		Duplicate: m.Duplicate(),
	})
	if err != nil {
		c.logDrop(m, err)
		return
	}
	for _, e := range evs {
		c.log.Debug("mqtt event", "event", e.String())
		if c.cfg.OnEvent != nil {
			c.cfg.OnEvent(e)
		}
	}
}

const maxLoggedPayload = 80

func (c *Client) logDrop(m paho.Message, err error) {
	level := slog.LevelWarn
	switch {
	case (m.Retained() || m.Duplicate()) && (errors.Is(err, ErrDuplicate) || errors.Is(err, ErrOutOfOrder)):
		level = slog.LevelDebug // a redelivery of what was handled: expected
	case errors.Is(err, ErrUnknownSensor), errors.Is(err, ErrUnknownTopic):
		c.unknownMu.Lock()
		if c.unknown[m.Topic()] || len(c.unknown) >= 256 {
			level = slog.LevelDebug // warned once already
		} else {
			c.unknown[m.Topic()] = true
		}
		c.unknownMu.Unlock()
	}
	p := m.Payload()
	excerpt := string(p[:min(len(p), maxLoggedPayload)])
	c.log.Log(context.Background(), level, "mqtt message dropped",
		"topic", m.Topic(), "err", err, "bytes", len(p), "payload", excerpt)
}
