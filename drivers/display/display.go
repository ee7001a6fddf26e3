package display

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"go.bug.st/serial"

	"github.com/kasse/kasse/drivers/internal/serialmode"
)

// Errors of the driver.
var (
	ErrDisabled    = errors.New("display: disabled in configuration")
	ErrClosed      = errors.New("display: closed")
	ErrUnreachable = errors.New("display: unreachable") // the port cannot be opened or written; the text shows once it can
)

// Commands of the Epson ESC/POS customer display command set (DM-D
// series, and the many pole displays that copy its "Epson mode").
const (
	esc = 0x1B
	us  = 0x1F
)

var (
	cmdInit      = []byte{esc, '@'}    // initialize: clear, cursor home, settings to power-on values
	cmdIntlUSA   = []byte{esc, 'R', 0} // international set USA: 0x20–0x7E are plain ASCII
	cmdOverwrite = []byte{us, 0x01}    // US MD1: overwrite mode, no scrolling
	cmdCursorOff = []byte{us, 'C', 0}  // hide the cursor
)

// cmdMove is US $ x y: cursor to column x (1–20) of line y (1–2).
func cmdMove(x, y byte) []byte { return []byte{us, '$', x, y} }

// Config describes one display. Zero fields take the defaults of
// DefaultConfig.
type Config struct {
	Name     string // for logs and errors, e.g. "kunde-1"
	Baud     int    // default 9600
	Frame    string // data bits, parity, stop bits; default "8N1"
	CodePage CodePage
	// Refresh rewrites the screen this often even when nothing changed,
	// so a display that was switched off and on (which blanks it without
	// the port noticing) shows the right text again, and a display
	// unplugged while idle is noticed. Default 10 s; negative turns it off.
	Refresh      time.Duration
	WriteTimeout time.Duration // one write; default 2 s
	InitTimeout  time.Duration // how long Init waits for the display; default 2 s
	RetryMin     time.Duration // first reopen delay; default 250 ms
	RetryMax     time.Duration // longest reopen delay; default 5 s
	// Disabled makes Init report the driver as skipped and every call fail
	// with ErrDisabled.
	Disabled bool
	Logger   *slog.Logger
}

// DefaultConfig returns a Config with every default filled in.
func DefaultConfig() Config {
	return Config{
		Baud:         9600,
		Frame:        "8N1",
		CodePage:     PC865,
		Refresh:      10 * time.Second,
		WriteTimeout: 2 * time.Second,
		InitTimeout:  2 * time.Second,
		RetryMin:     250 * time.Millisecond,
		RetryMax:     5 * time.Second,
	}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	c.Baud = or(c.Baud, d.Baud)
	c.Frame = or(c.Frame, d.Frame)
	c.CodePage = or(c.CodePage, d.CodePage)
	c.Refresh = or(c.Refresh, d.Refresh)
	c.WriteTimeout = or(c.WriteTimeout, d.WriteTimeout)
	c.InitTimeout = or(c.InitTimeout, d.InitTimeout)
	c.RetryMin = or(c.RetryMin, d.RetryMin)
	c.RetryMax = or(c.RetryMax, d.RetryMax)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Validate says in plain words what is wrong with c.
func (c Config) Validate() error {
	var errs []error
	if c.Baud < 0 {
		errs = append(errs, fmt.Errorf("baud rate %d is negative", c.Baud))
	}
	if c.Frame != "" {
		if _, err := parseFrame(c.Frame); err != nil {
			errs = append(errs, err)
		}
	}
	if _, ok := codePages[c.CodePage]; !ok && c.CodePage != 0 {
		errs = append(errs, fmt.Errorf("code page %d: use PC865, PC850, PC858 or WPC1252", int(c.CodePage)))
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"WriteTimeout", c.WriteTimeout}, {"InitTimeout", c.InitTimeout}, {"RetryMin", c.RetryMin}, {"RetryMax", c.RetryMax}} {
		if d.v < 0 {
			errs = append(errs, fmt.Errorf("%s is negative (%v)", d.name, d.v))
		}
	}
	if c.RetryMax > 0 && c.RetryMin > c.RetryMax {
		errs = append(errs, fmt.Errorf("RetryMin (%v) is longer than RetryMax (%v)", c.RetryMin, c.RetryMax))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("display %q: %w", c.Name, err)
	}
	return nil
}

// parseFrame reads "8N1" and the like.
func parseFrame(f string) (serial.Mode, error) { return serialmode.Parse(f) }

// Display is one customer display. Its methods are safe for concurrent
// use; a goroutine owns the port and writes what was last asked for.
type Display struct {
	port string
	cfg  Config
	mode serial.Mode
	page struct {
		escT byte
		enc  func([]byte, string) []byte
	}
	log  *slog.Logger
	wake chan struct{}
	stop chan struct{}
	once sync.Once
	wg   sync.WaitGroup

	mu      sync.Mutex
	lines   [Rows]string
	gen     uint64        // bumped by every Show
	shown   uint64        // the last gen written to the display
	failed  uint64        // the last gen that found the display unreachable
	failErr error         // why
	up      bool          // the port is open and the last write went through
	tried   chan struct{} // closed after the first attempt to open the port
	changed chan struct{} // closed and replaced when shown, failed or up change
	closed  bool

	link serial.Port // owned by run
}

// Open returns the display on the serial port (e.g. /dev/ttyUSB1, or a
// /dev/serial/by-id/… name) and starts writing to it in the background.
// It fails only on a bad configuration: a display that is missing or
// unplugged is opened when it appears, and shows then what was asked for
// last. Call Init to learn whether it is there now.
func Open(port string, cfg Config) (*Display, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if port == "" && !cfg.Disabled {
		return nil, fmt.Errorf("display %q: no serial port given", cfg.Name)
	}
	mode, _ := parseFrame(cfg.Frame)
	mode.BaudRate = cfg.Baud
	d := &Display{
		port:    port,
		cfg:     cfg,
		mode:    mode,
		log:     cfg.Logger.With("display", cfg.Name, "port", port),
		wake:    make(chan struct{}, 1),
		stop:    make(chan struct{}),
		tried:   make(chan struct{}),
		changed: make(chan struct{}),
	}
	cp := codePages[cfg.CodePage]
	d.page.escT = cp.escT
	d.page.enc = func(dst []byte, line string) []byte { return encode(dst, line, cp.cm) }
	for i := range d.lines {
		d.lines[i] = Fit("")
	}
	if !cfg.Disabled {
		d.wg.Add(1)
		go d.run()
	}
	return d, nil
}

// Init reports on the display, periph-style: (true, nil) when its port
// opened and took the first screen within InitTimeout, (false, err) when
// the driver is skipped (Config.Disabled), and (true, err) when it
// failed. A failed Display keeps trying in the background, so a hub
// without its display starts and sells.
func (d *Display) Init() (bool, error) {
	if d.cfg.Disabled {
		return false, fmt.Errorf("display %q: %w", d.cfg.Name, ErrDisabled)
	}
	t := time.NewTimer(d.cfg.InitTimeout)
	defer t.Stop()
	select {
	case <-d.tried:
	case <-t.C:
	case <-d.stop:
		return true, ErrClosed
	}
	d.mu.Lock()
	up, err := d.up, d.failErr
	d.mu.Unlock()
	if !up {
		if err == nil {
			err = errors.New("no answer yet")
		}
		err = fmt.Errorf("display %q on %s: %w: %w", d.cfg.Name, d.port, ErrUnreachable, err)
		d.log.Warn("display failed; will keep trying", "err", err)
		return true, err
	}
	d.log.Info("display loaded")
	return true, nil
}

// Show puts two lines on the display, each cut or padded to Columns
// characters (see Fit). It returns once they are written, or with
// ErrUnreachable when the display cannot be written now; the lines are
// kept either way and appear when the display is back. A later Show
// replaces them. ctx bounds only the wait.
func (d *Display) Show(ctx context.Context, line1, line2 string) error {
	if d.cfg.Disabled {
		return fmt.Errorf("display %q: %w", d.cfg.Name, ErrDisabled)
	}
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return ErrClosed
	}
	d.lines = [Rows]string{Fit(line1), Fit(line2)}
	d.gen++
	g := d.gen
	d.mu.Unlock()
	select {
	case d.wake <- struct{}{}:
	default:
	}
	for {
		d.mu.Lock()
		shown, failed, ferr, closed, ch := d.shown, d.failed, d.failErr, d.closed, d.changed
		d.mu.Unlock()
		switch {
		case shown >= g:
			return nil
		case failed >= g:
			return fmt.Errorf("display %q on %s: %w: %w", d.cfg.Name, d.port, ErrUnreachable, ferr)
		case closed:
			return ErrClosed
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// ShowItem shows a line item on the first line and the running total on
// the second: "Lettmelk 1 l   21,90" / "TOTAL       kr 83,70".
func (d *Display) ShowItem(ctx context.Context, name string, price, total int64) error {
	return d.Show(ctx, ItemLine(name, price), AmountLine("TOTAL", total))
}

// ShowTotal shows the amount to pay: "TOTAL       kr 83,70".
func (d *Display) ShowTotal(ctx context.Context, total int64) error {
	return d.Show(ctx, AmountLine("TOTAL", total), "")
}

// ShowChange shows the total and the change to give back:
// "TOTAL       kr 83,70" / "VEKSEL      kr 16,30".
func (d *Display) ShowChange(ctx context.Context, total, change int64) error {
	return d.Show(ctx, AmountLine("TOTAL", total), AmountLine("VEKSEL", change))
}

// Clear blanks the display.
func (d *Display) Clear(ctx context.Context) error { return d.Show(ctx, "", "") }

// Lines returns what the display shows, or will show once it is back.
func (d *Display) Lines() [Rows]string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.lines
}

// Close stops the driver and closes the port.
func (d *Display) Close() error {
	d.once.Do(func() { close(d.stop) })
	d.wg.Wait()
	d.mu.Lock()
	d.closed = true
	d.broadcast()
	d.mu.Unlock()
	return nil
}

// broadcast wakes Show callers. Call with mu held.
func (d *Display) broadcast() {
	close(d.changed)
	d.changed = make(chan struct{})
}

func (d *Display) run() {
	defer d.wg.Done()
	defer d.dropLink()
	retry := time.NewTimer(0) // the first attempt at once
	defer retry.Stop()
	var refresh <-chan time.Time
	if d.cfg.Refresh > 0 {
		t := time.NewTicker(d.cfg.Refresh)
		defer t.Stop()
		refresh = t.C
	}
	first := true
	fails := 0
	for {
		force := false
		select {
		case <-d.stop:
			return
		case <-d.wake:
		case <-retry.C:
		case <-refresh:
			force = true
		}
		err := func() error {
			if d.link == nil {
				if err := d.connect(); err != nil {
					return err
				}
				force = true // a display that was away shows nothing of ours
			}
			return d.flush(force)
		}()
		if first {
			first = false
			close(d.tried)
		}
		if err != nil {
			d.dropLink()
			fails++
			d.fail(err)
			retry.Reset(min(d.cfg.RetryMin<<min(fails-1, 20), d.cfg.RetryMax))
			continue
		}
		fails = 0
	}
}

// connect opens the port and initializes the display (ESC @: screen
// cleared, settings back to their power-on values).
func (d *Display) connect() error {
	p, err := serial.Open(d.port, &d.mode)
	if err != nil {
		return fmt.Errorf("open: %w", err)
	}
	d.link = p
	return d.write(cmdInit)
}

// flush writes the lines when they changed since last written, or always
// when force is set. Every screen carries the setup too, so a display
// that was switched off and on (back on its power-on settings, which the
// port does not notice) is right again with the next screen: plain ASCII
// in the lower half, the configured code page in the upper half,
// overwrite mode (writing past the end of the second line must never
// scroll the first away), no cursor. None of these clears the screen.
func (d *Display) flush(force bool) error {
	d.mu.Lock()
	if !force && d.shown >= d.gen {
		d.mu.Unlock()
		return nil
	}
	lines, g := d.lines, d.gen
	d.mu.Unlock()
	b := make([]byte, 0, 16+Rows*(Columns+4))
	b = append(b, cmdIntlUSA...)
	b = append(b, esc, 't', d.page.escT)
	b = append(b, cmdOverwrite...)
	b = append(b, cmdCursorOff...)
	for y, l := range lines {
		b = append(b, cmdMove(1, byte(y+1))...)
		b = d.page.enc(b, l)
	}
	if err := d.write(b); err != nil {
		return err
	}
	d.mu.Lock()
	if !d.up {
		d.log.Info("display connected")
	}
	d.up = true
	if g > d.shown {
		d.shown = g
	}
	d.broadcast()
	d.mu.Unlock()
	return nil
}

func (d *Display) fail(err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.up || d.failErr == nil {
		d.log.Warn("display unreachable", "err", err)
	}
	d.up = false
	d.failed = d.gen
	d.failErr = err
	d.broadcast()
}

// write writes p, closing the port if the write has not finished within
// WriteTimeout, which makes a blocked Write return.
func (d *Display) write(p []byte) error {
	l := d.link
	t := time.AfterFunc(d.cfg.WriteTimeout, func() { l.Close() })
	var err error
	for len(p) > 0 && err == nil {
		var n int
		n, err = l.Write(p)
		p = p[n:]
		if n == 0 && err == nil {
			err = errors.New("short write")
		}
	}
	if !t.Stop() {
		return errors.New("write timed out")
	}
	if err != nil {
		return fmt.Errorf("write: %w", err)
	}
	return nil
}

func (d *Display) dropLink() {
	if d.link != nil {
		d.link.Close()
		d.link = nil
	}
}

func or[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}
