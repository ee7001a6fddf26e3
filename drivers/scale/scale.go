package scale

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"go.bug.st/serial"

	"github.com/kasse/kasse/drivers/internal/serialmode"
)

// Protocol is the language a scale speaks on its serial line.
type Protocol int

const (
	// Toledo8217 is the Mettler Toledo 8217 ECR protocol ("8217 mode" of
	// checkout scales and Magellan scanner-scales): W asks for the weight.
	// Default line 9600 7E1.
	Toledo8217 Protocol = iota + 1
	// SICS is the Mettler Toledo Standard Interface Command Set, level 0:
	// SI asks for the weight. Default line 9600 8N1.
	SICS
)

func (p Protocol) String() string {
	switch p {
	case Toledo8217:
		return "toledo8217"
	case SICS:
		return "sics"
	}
	return fmt.Sprintf("Protocol(%d)", int(p))
}

// ParseProtocol reads a protocol name as configuration files write it:
// "toledo8217" (or "8217") and "sics" (or "mt-sics"), in any case.
func ParseProtocol(s string) (Protocol, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "toledo8217", "8217", "toledo-8217":
		return Toledo8217, nil
	case "sics", "mt-sics", "mtsics":
		return SICS, nil
	}
	return 0, fmt.Errorf("scale: unknown protocol %q (want toledo8217 or sics)", s)
}

// Config describes one scale. Zero fields take the defaults of
// DefaultConfig (the line format defaults by protocol).
type Config struct {
	Name     string   // for logs and errors, e.g. "checkout-1"
	Protocol Protocol // required
	// Baud is the line speed; default 9600, which both protocols ship with.
	Baud int
	// Frame is data bits, parity (N, E, O, M, S) and stop bits, e.g. "7E1".
	// Default "7E1" for Toledo8217 and "8N1" for SICS.
	Frame string
	// Disabled makes Init report the driver as skipped and every call
	// fail with ErrDisabled, for a hub configured without its scale.
	Disabled bool
	Logger   *slog.Logger

	ReplyTimeout time.Duration // wait for one reply; default 1 s
	PollInterval time.Duration // between readings in Stable; default 200 ms
	InitTimeout  time.Duration // how long Init tries; default 3 s
}

// DefaultConfig returns the defaults for a protocol.
func DefaultConfig(p Protocol) Config {
	c := Config{
		Protocol:     p,
		Baud:         9600,
		Frame:        "8N1",
		ReplyTimeout: time.Second,
		PollInterval: 200 * time.Millisecond,
		InitTimeout:  3 * time.Second,
	}
	if p == Toledo8217 {
		c.Frame = "7E1"
	}
	return c
}

func (c Config) withDefaults() Config {
	d := DefaultConfig(c.Protocol)
	c.Baud = or(c.Baud, d.Baud)
	c.Frame = or(c.Frame, d.Frame)
	c.ReplyTimeout = or(c.ReplyTimeout, d.ReplyTimeout)
	c.PollInterval = or(c.PollInterval, d.PollInterval)
	c.InitTimeout = or(c.InitTimeout, d.InitTimeout)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Validate says in plain words what is wrong with c.
func (c Config) Validate() error {
	var errs []error
	if _, ok := protocols[c.Protocol]; !ok {
		errs = append(errs, fmt.Errorf("protocol %v: say which protocol the scale speaks (Toledo8217 or SICS)", c.Protocol))
	}
	if c.Baud < 0 {
		errs = append(errs, fmt.Errorf("baud rate %d is negative", c.Baud))
	}
	if c.Frame != "" {
		if _, err := parseFrame(c.Frame); err != nil {
			errs = append(errs, err)
		}
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"ReplyTimeout", c.ReplyTimeout}, {"PollInterval", c.PollInterval}, {"InitTimeout", c.InitTimeout}} {
		if d.v < 0 {
			errs = append(errs, fmt.Errorf("%s is negative (%v)", d.name, d.v))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("scale %q: %w", c.Name, err)
	}
	return nil
}

// parseFrame reads "8N1" and the like.
func parseFrame(f string) (serial.Mode, error) { return serialmode.Parse(f) }

// protocol holds what differs between the protocols: the commands, how a
// reply is cut from the byte stream, and how it is read.
type protocol struct {
	weigh, zero, tare []byte
	frame             func(buf []byte) (msg, rest []byte, ok bool)
	parse             func([]byte) (Reading, error)
	checkZero         func([]byte) error
	checkTare         func([]byte) error
}

var protocols = map[Protocol]protocol{
	Toledo8217: {
		// W and Z are single characters; T takes an optional five-digit
		// tare before its CR (DIVA manual 6.1.4.2).
		weigh: []byte("W"), zero: []byte("Z"), tare: []byte("T\r"),
		frame: frame8217, parse: Parse8217, checkZero: check8217Zero, checkTare: check8217Tare,
	},
	SICS: {
		weigh: []byte("SI\r\n"), zero: []byte("Z\r\n"), tare: []byte("T\r\n"),
		frame: frameLine, parse: ParseSICS, checkZero: checkSICSZero, checkTare: checkSICSTare,
	},
}

// maxReply bounds a reply: longer runs without a terminator are noise.
const maxReply = 128

// frame8217 cuts STX … CR from buf, dropping whatever comes before STX.
func frame8217(buf []byte) (msg, rest []byte, ok bool) {
	for {
		i := bytes.IndexByte(buf, stx)
		if i < 0 {
			return nil, nil, false
		}
		buf = buf[i:]
		if j := bytes.IndexByte(buf, cr); j >= 0 {
			return buf[:j+1], buf[j+1:], true
		}
		if len(buf) <= maxReply {
			return nil, buf, false
		}
		buf = buf[1:]
	}
}

// frameLine cuts one line, through LF, from buf.
func frameLine(buf []byte) (msg, rest []byte, ok bool) {
	if j := bytes.IndexByte(buf, lf); j >= 0 {
		return buf[:j+1], buf[j+1:], true
	}
	if len(buf) > maxReply {
		return nil, nil, false
	}
	return nil, buf, false
}

// Scale is one serial scale. Its methods are safe for concurrent use;
// exchanges with the scale happen one at a time.
type Scale struct {
	port string
	cfg  Config
	mode serial.Mode
	p    protocol
	log  *slog.Logger
	stop chan struct{}
	once sync.Once

	mu     sync.Mutex
	link   serial.Port
	buf    []byte
	closed bool
	up     int // 0 unknown, 1 answering, -1 not answering: logs transitions once
}

// readTick bounds one blocking read, so a cancelled context or Close is
// noticed quickly.
const readTick = 50 * time.Millisecond

// Open returns the scale on the serial port (e.g. /dev/ttyUSB0, or better
// a /dev/serial/by-id/… name, which stays the same when the adapter is
// plugged into another socket). It fails only on a bad configuration: the
// port is opened on first use, and opened again after any failure, so a
// scale that is missing, unplugged or switched off is picked up when it
// comes back. Call Init to learn whether it is there now.
func Open(port string, cfg Config) (*Scale, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if port == "" && !cfg.Disabled {
		return nil, fmt.Errorf("scale %q: no serial port given", cfg.Name)
	}
	mode, _ := parseFrame(cfg.Frame)
	mode.BaudRate = cfg.Baud
	return &Scale{
		port: port,
		cfg:  cfg,
		mode: mode,
		p:    protocols[cfg.Protocol],
		log:  cfg.Logger.With("scale", cfg.Name, "port", port, "protocol", cfg.Protocol.String()),
		stop: make(chan struct{}),
	}, nil
}

// Init looks for the scale, periph-style: (true, nil) when it answered
// within InitTimeout, (false, err) when the driver is skipped
// (Config.Disabled), and (true, err) when it failed. A failed Scale stays
// usable: every call tries the port again, so a hub without its scale
// starts, and weighs once the scale is plugged in.
func (s *Scale) Init() (bool, error) {
	if s.cfg.Disabled {
		return false, fmt.Errorf("scale %q: %w", s.cfg.Name, ErrDisabled)
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.InitTimeout)
	defer cancel()
	var last error
poll:
	for {
		r, err := s.Read(ctx)
		if err == nil {
			s.log.Info("scale loaded", "reading", r.String())
			return true, nil
		}
		if last == nil || ctx.Err() == nil {
			last = err // keep the scale's error, not the deadline that cut the last try
		}
		if errors.Is(err, ErrClosed) {
			break
		}
		t := time.NewTimer(s.cfg.PollInterval)
		select {
		case <-ctx.Done():
			t.Stop()
			break poll
		case <-t.C:
		}
	}
	s.log.Warn("scale failed; will try again on use", "err", last)
	return true, last
}

// Read asks the scale for its weight once and returns what it said. A
// scale that answers always gives a Reading (Overload, Motion, Error …)
// and a nil error; an error means no answer: ErrUnreachable (the port),
// ErrNoReply, ErrBadReply, ErrClosed, ErrDisabled or the context's error.
func (s *Scale) Read(ctx context.Context) (Reading, error) {
	msg, err := s.exchange(ctx, s.p.weigh)
	if err != nil {
		return Reading{}, err
	}
	r, err := s.p.parse(msg)
	if err != nil {
		s.mu.Lock()
		s.drop() // resynchronise: a garbled line may have shifted the framing
		s.mu.Unlock()
		return Reading{}, s.errorf("weigh: %w", err)
	}
	return r, nil
}

// Stable polls the scale every PollInterval until it reports a stable
// weight, and returns it in grams: a weighed item takes the stable weight
// only. Motion, overload, under zero, errors and a missing scale are
// waited out (the scale may be plugged back meanwhile) until ctx ends;
// then the error wraps ErrNotStable and ctx.Err(), and says what the
// scale last reported. An empty platter is a stable 0 g: a caller that
// needs an item on the scale checks for that.
func (s *Scale) Stable(ctx context.Context) (int64, error) {
	last := "no reading yet"
	for {
		r, err := s.Read(ctx)
		switch {
		case err == nil && r.State == Stable:
			return r.Grams, nil
		case errors.Is(err, ErrClosed) || errors.Is(err, ErrDisabled):
			return 0, err
		case err != nil:
			if ctx.Err() == nil {
				last = err.Error()
			}
		default:
			last = r.String()
		}
		t := time.NewTimer(s.cfg.PollInterval)
		select {
		case <-ctx.Done():
			t.Stop()
			return 0, fmt.Errorf("scale %q: %w: %w (last: %s)", s.cfg.Name, ErrNotStable, ctx.Err(), last)
		case <-s.stop:
			t.Stop()
			return 0, ErrClosed
		case <-t.C:
		}
	}
}

// Zero asks the scale to set zero. It returns ErrRefused when the scale
// would not (in motion, or the weight is outside its zero range).
func (s *Scale) Zero(ctx context.Context) error {
	msg, err := s.exchange(ctx, s.p.zero)
	if err != nil {
		return err
	}
	if err := s.p.checkZero(msg); err != nil {
		return s.errorf("%w", err)
	}
	return nil
}

// Tare asks the scale to take the weight on it as tare, so later
// readings are net. It returns ErrRefused when the scale would not.
func (s *Scale) Tare(ctx context.Context) error {
	msg, err := s.exchange(ctx, s.p.tare)
	if err != nil {
		return err
	}
	if err := s.p.checkTare(msg); err != nil {
		return s.errorf("%w", err)
	}
	return nil
}

// Close closes the port. Calls under way return ErrClosed.
func (s *Scale) Close() error {
	s.once.Do(func() { close(s.stop) })
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.drop()
	return nil
}

func (s *Scale) errorf(format string, args ...any) error {
	return fmt.Errorf("scale %q on %s: "+format, append([]any{s.cfg.Name, s.port}, args...)...)
}

// exchange sends cmd and returns the first complete reply.
func (s *Scale) exchange(ctx context.Context, cmd []byte) ([]byte, error) {
	if s.cfg.Disabled {
		return nil, fmt.Errorf("scale %q: %w", s.cfg.Name, ErrDisabled)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	if s.link == nil {
		p, err := serial.Open(s.port, &s.mode)
		if err == nil {
			err = p.SetReadTimeout(readTick)
			if err != nil {
				p.Close()
			}
		}
		if err != nil {
			s.down(err)
			return nil, s.errorf("%w: open: %w", ErrUnreachable, err)
		}
		s.link = p
	}
	l := s.link
	// A late reply to an earlier command must not pass for this one.
	l.ResetInputBuffer()
	s.buf = s.buf[:0]

	t := time.AfterFunc(s.cfg.ReplyTimeout, func() { l.Close() })
	_, err := l.Write(cmd)
	if !t.Stop() && err == nil {
		err = errors.New("write timed out")
	}
	if err != nil {
		s.drop()
		s.down(err)
		return nil, s.errorf("%w: write: %w", ErrUnreachable, err)
	}

	deadline := time.Now().Add(s.cfg.ReplyTimeout)
	tmp := make([]byte, 64)
	for {
		msg, rest, ok := s.p.frame(s.buf)
		if ok {
			out := bytes.Clone(msg)
			s.buf = append(s.buf[:0], rest...)
			s.answering()
			return out, nil
		}
		s.buf = append(s.buf[:0], rest...)
		if !time.Now().Before(deadline) {
			// Open the port afresh next time: an adapter that went away
			// and came back is a new device behind the same name.
			s.drop()
			s.down(ErrNoReply)
			return nil, s.errorf("%w to %q within %v", ErrNoReply, cmd, s.cfg.ReplyTimeout)
		}
		select {
		case <-ctx.Done():
			return nil, s.errorf("%w", ctx.Err())
		case <-s.stop:
			return nil, ErrClosed
		default:
		}
		n, err := l.Read(tmp)
		s.buf = append(s.buf, tmp[:n]...)
		if err != nil {
			s.drop()
			s.down(err)
			return nil, s.errorf("%w: read: %w", ErrUnreachable, err)
		}
	}
}

// drop closes the link; the next exchange opens the port again. Call
// with mu held.
func (s *Scale) drop() {
	if s.link != nil {
		s.link.Close()
		s.link = nil
	}
	s.buf = s.buf[:0]
}

func (s *Scale) answering() {
	if s.up != 1 {
		s.log.Info("scale answering")
	}
	s.up = 1
}

func (s *Scale) down(err error) {
	if s.up != -1 {
		s.log.Warn("scale not answering", "err", err)
	}
	s.up = -1
}

func or[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}
