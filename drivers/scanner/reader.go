package scanner

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"
)

// Errors, for errors.Is.
var (
	// ErrDisabled: the configuration names the scanner but says not to use it.
	ErrDisabled = errors.New("scanner: disabled")
	// ErrNoDevice: the configuration names no device.
	ErrNoDevice = errors.New("scanner: no device configured")
	// ErrUnreachable: the device could not be opened; the Reader keeps looking.
	ErrUnreachable = errors.New("scanner: device not there")
	// ErrClosed: the Reader was closed.
	ErrClosed = errors.New("scanner: closed")
)

// Config describes one scanner and how its scans are delivered.
type Config struct {
	// Name identifies the scanner to the hub (it is Scan.Device), e.g.
	// "scanner-1"; which register it serves is configured elsewhere.
	Name string
	// Source is the device: Evdev or Serial. Nil means no scanner: Init
	// reports the driver skipped.
	Source Source
	// OnScan, when set, receives each scan on the Reader's goroutine;
	// otherwise scans go to Scans. Either way the Reader waits for the
	// scan to be taken and reads nothing meanwhile, so a slow consumer
	// delays scans; one that stalls until the kernel's event buffer
	// overflows loses the codes typed meanwhile (counted in Discarded).
	OnScan func(Scan)
	// Disabled makes Init report the driver skipped.
	Disabled bool
	// PollInterval is how often a missing device is looked for; default 1 s.
	PollInterval time.Duration
	// Buffer is the capacity of Scans; default 16.
	Buffer int
	Logger *slog.Logger
}

// Validate says in plain words what is wrong with c.
func (c Config) Validate() error {
	var errs []error
	if c.Source != nil {
		if err := c.Source.validate(); err != nil {
			errs = append(errs, err)
		}
	}
	if c.PollInterval < 0 {
		errs = append(errs, fmt.Errorf("PollInterval is negative (%v)", c.PollInterval))
	}
	if c.Buffer < 0 {
		errs = append(errs, fmt.Errorf("Buffer is negative (%d)", c.Buffer))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("scanner %q: %w", c.Name, err)
	}
	return nil
}

// Status is a Reader's view of its device.
type Status struct {
	Connected bool
	// Grabbed: an Evdev device is the Reader's alone. False with
	// Connected means keystrokes may also reach a console.
	Grabbed bool
	// Device is what the device calls itself, when it says (Evdev).
	Device string
	// Err is why the device is not connected, or why it could not be
	// grabbed; nil when all is well.
	Err error
	// Scans counts scans delivered; Discarded counts codes dropped as
	// incomplete (events lost mid-code) or too long.
	Scans, Discarded uint64
}

// Reader reads one scanner. It opens the device again whenever it goes
// away, so a scanner unplugged and plugged back in works on without a
// restart; a code cut off by unplugging is lost, never half delivered.
type Reader struct {
	cfg   Config
	log   *slog.Logger
	scans chan Scan
	stop  chan struct{}
	wg    sync.WaitGroup

	mu      sync.Mutex
	started bool
	closed  bool
	cur     *conn
	status  Status
}

// New checks cfg and returns a Reader. Nothing is opened until Init.
func New(cfg Config) (*Reader, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.PollInterval == 0 {
		cfg.PollInterval = time.Second
	}
	if cfg.Buffer == 0 {
		cfg.Buffer = 16
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	log := cfg.Logger.With("scanner", cfg.Name)
	if cfg.Source != nil {
		log = log.With("device", cfg.Source.String())
	}
	return &Reader{
		cfg:   cfg,
		log:   log,
		scans: make(chan Scan, cfg.Buffer),
		stop:  make(chan struct{}),
	}, nil
}

// Init opens the device and starts reading, periph-style: (true, nil)
// when the device is open, (false, err) when the driver is skipped (no
// device configured, or Disabled), and (true, err) when it failed to
// open. A failed Reader keeps looking for its device every PollInterval,
// so a hub whose scanner is unplugged starts, says so, and takes scans
// once it is plugged in.
func (r *Reader) Init() (bool, error) {
	if r.cfg.Disabled {
		return false, fmt.Errorf("scanner %q: %w", r.cfg.Name, ErrDisabled)
	}
	if r.cfg.Source == nil {
		return false, fmt.Errorf("scanner %q: %w", r.cfg.Name, ErrNoDevice)
	}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return true, ErrClosed
	}
	if r.started {
		st := r.status
		r.mu.Unlock()
		return true, st.Err
	}
	r.started = true
	r.mu.Unlock()

	c, err := r.open()
	r.wg.Add(1)
	go r.run(c)
	if err != nil {
		return true, err
	}
	return true, nil
}

// Scans delivers scans when Config.OnScan is nil.
func (r *Reader) Scans() <-chan Scan { return r.scans }

// Status reports the device's state.
func (r *Reader) Status() Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.status
}

// Close stops reading and closes the device. Scans is not closed.
func (r *Reader) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	close(r.stop)
	var err error
	if r.cur != nil {
		err = r.cur.rc.Close()
	}
	r.mu.Unlock()
	r.wg.Wait()
	if err != nil {
		return fmt.Errorf("scanner %q: close: %w", r.cfg.Name, err)
	}
	return nil
}

// open opens the device once and makes it current, recording why not.
func (r *Reader) open() (*conn, error) {
	c, err := r.cfg.Source.open()
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		err = fmt.Errorf("scanner %q at %s: %w: %w", r.cfg.Name, r.cfg.Source, ErrUnreachable, err)
		// Log a failure once, not at every poll.
		if prev := r.status.Err; prev == nil || prev.Error() != err.Error() {
			r.log.Warn("scanner not connected", "err", err)
		}
		r.status.Connected, r.status.Grabbed, r.status.Err = false, false, err
		return nil, err
	}
	if r.closed {
		c.rc.Close()
		return nil, ErrClosed
	}
	r.cur = c
	r.status.Connected, r.status.Grabbed, r.status.Device, r.status.Err = true, c.grabbed, c.name, c.grabErr
	if c.grabErr != nil {
		r.log.Warn("scanner connected but not grabbed: its keystrokes may also reach a console", "name", c.name, "err", c.grabErr)
	} else {
		r.log.Info("scanner connected", "name", c.name, "grabbed", c.grabbed)
	}
	return c, nil
}

func (r *Reader) run(c *conn) {
	defer r.wg.Done()
	t := time.NewTimer(r.cfg.PollInterval)
	defer t.Stop()
	for {
		if c != nil {
			r.read(c)
		}
		t.Reset(r.cfg.PollInterval)
		select {
		case <-r.stop:
			return
		case <-t.C:
		}
		c, _ = r.open()
	}
}

// read reads c until it fails, then closes it.
func (r *Reader) read(c *conn) {
	buf := make([]byte, 64*eventSize)
	emit := func(raw string) { r.deliver(newScan(raw, r.cfg.Name, time.Now())) }
	var err error
	discarded := 0
	for {
		var n int
		n, err = c.rc.Read(buf)
		if n > 0 {
			c.dec.feed(buf[:n], emit)
			if d := c.dec.discarded(); d != discarded {
				r.log.Warn("scanner code discarded: events were lost or it was too long")
				r.mu.Lock()
				r.status.Discarded += uint64(d - discarded)
				r.mu.Unlock()
				discarded = d
			}
		}
		if err != nil {
			break
		}
	}
	r.mu.Lock()
	closed := r.closed
	r.cur = nil
	if closed {
		r.mu.Unlock()
		return
	}
	if c.replay && errors.Is(err, io.EOF) {
		// A recorded capture is over: stay "connected" to it, idle.
		r.mu.Unlock()
		c.rc.Close()
		<-r.stop
		return
	}
	err = fmt.Errorf("scanner %q at %s: %w: %w", r.cfg.Name, r.cfg.Source, ErrUnreachable, err)
	r.status.Connected, r.status.Grabbed, r.status.Err = false, false, err
	r.mu.Unlock()
	c.rc.Close()
	r.log.Warn("scanner disconnected; looking for it again", "err", err)
}

func (r *Reader) deliver(s Scan) {
	r.mu.Lock()
	r.status.Scans++
	r.mu.Unlock()
	r.log.Debug("scan", "code", s.Code, "symbology", s.Symbology)
	if r.cfg.OnScan != nil {
		r.cfg.OnScan(s)
		return
	}
	select {
	case r.scans <- s:
	case <-r.stop:
	}
}
