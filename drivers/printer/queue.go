package printer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"
)

// Job is one printout. Its ID makes it print once: a job whose ID is
// already printed is acknowledged without printing.
type Job struct {
	ID   string
	Data []byte // ESC/POS bytes, e.g. from Doc.Bytes
}

// DoneStore keeps the IDs of printed jobs across restarts. The Queue asks
// Done before it accepts a job and calls MarkDone once the printer has
// confirmed the job, before it reports JobDone. Both are called from
// the Queue's goroutines and must be safe for concurrent use.
type DoneStore interface {
	Done(id string) bool
	MarkDone(id string)
}

// EventKind says what an Event reports.
type EventKind int

const (
	JobPending    EventKind = iota + 1 // accepted, waiting for the printer
	JobPrinting                        // being sent (Attempt counts from 1)
	JobRetrying                        // the attempt failed (Err); the job prints again from the start when the printer is ready
	JobDone                            // printed, or already printed before (Duplicate)
	StatusChanged                      // Status differs from Prev
)

func (k EventKind) String() string {
	switch k {
	case JobPending:
		return "pending"
	case JobPrinting:
		return "printing"
	case JobRetrying:
		return "retrying"
	case JobDone:
		return "done"
	case StatusChanged:
		return "status"
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}

// Event tells listeners about a job or the printer.
type Event struct {
	Kind      EventKind
	JobID     string    // job events
	Attempt   int       // JobPrinting, JobRetrying
	Duplicate bool      // JobDone: the ID was printed before; nothing was printed now
	Status    Status    // the printer's status when the event happened
	Prev      Status    // StatusChanged: the status before
	Err       error     // JobRetrying: why; StatusChanged: why the link was lost, if it was
	Time      time.Time // when the event happened
}

func (e Event) String() string {
	switch e.Kind {
	case StatusChanged:
		return "status " + e.Status.String()
	case JobPrinting:
		return fmt.Sprintf("printing %s #%d", e.JobID, e.Attempt)
	case JobRetrying:
		return fmt.Sprintf("retrying %s #%d: %v", e.JobID, e.Attempt, e.Err)
	case JobDone:
		if e.Duplicate {
			return "done " + e.JobID + " (duplicate)"
		}
	}
	return e.Kind.String() + " " + e.JobID
}

// Errors of the Queue.
var (
	ErrClosed      = errors.New("printer: queue closed")
	ErrDisabled    = errors.New("printer: disabled in configuration")
	ErrQueueFull   = errors.New("printer: queue full")
	ErrJobID       = errors.New("printer: job has no id")
	ErrEmptyJob    = errors.New("printer: job has no data")
	ErrUnknownJob  = errors.New("printer: no such job")
	ErrUnreachable = errors.New("printer: unreachable")
	ErrNotReady    = errors.New("printer: not ready")
	ErrNoReply     = errors.New("printer: no reply to status request")
	ErrJobTimeout  = errors.New("printer: job not confirmed in time")
)

// Config describes one printer and its queue. Start from DefaultConfig;
// New fills zero durations and sizes with the defaults too.
type Config struct {
	Name      string    // for logs and errors, e.g. "receipt-1"
	Transport Transport // how to reach the printer (TCP, Serial, USB)
	Store     DoneStore // optional persistence of printed job IDs
	Logger    *slog.Logger
	// Disabled makes Init report the driver as skipped and Submit refuse
	// jobs, for a hub whose configuration names a printer it should not
	// drive.
	Disabled bool
	// ASB asks the printer to send its status by itself whenever it
	// changes (GS a), so changes arrive at once instead of at the next poll.
	ASB bool
	// DrawerOpenLow: the drawer pulls pin 3 LOW when open (most read HIGH).
	DrawerOpenLow bool
	// NoBufferClear stops the Queue from clearing the printer's buffers
	// (DLE DC4 8) after an interrupted job, for printers that lack the
	// command. Without it, such a printer may print the rest of the
	// interrupted job when it recovers, before the job prints again.
	NoBufferClear bool

	PollInterval   time.Duration // status poll when idle or while a job prints; default 2 s
	ReplyTimeout   time.Duration // wait for a status reply; default 1 s
	JobTimeout     time.Duration // wait for a job's confirmation while the printer says it is fine; default 60 s
	WriteTimeout   time.Duration // one write; default 30 s
	ConnectTimeout time.Duration // one Transport.Open; default 3 s
	InitTimeout    time.Duration // how long Init waits for the printer; default 3 s
	RetryMin       time.Duration // first reconnect delay; default 250 ms
	RetryMax       time.Duration // longest reconnect delay; default 5 s

	QueueSize    int // jobs waiting; default 100
	RememberDone int // printed IDs kept in memory; default 1000
	EventBuffer  int // events buffered for a slow listener; default 64
}

// DefaultConfig returns a Config with every default filled in, except
// Name and Transport.
func DefaultConfig() Config {
	return Config{
		PollInterval:   2 * time.Second,
		ReplyTimeout:   time.Second,
		JobTimeout:     60 * time.Second,
		WriteTimeout:   30 * time.Second,
		ConnectTimeout: 3 * time.Second,
		InitTimeout:    3 * time.Second,
		RetryMin:       250 * time.Millisecond,
		RetryMax:       5 * time.Second,
		QueueSize:      100,
		RememberDone:   1000,
		EventBuffer:    64,
	}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	c.PollInterval = or(c.PollInterval, d.PollInterval)
	c.ReplyTimeout = or(c.ReplyTimeout, d.ReplyTimeout)
	c.JobTimeout = or(c.JobTimeout, d.JobTimeout)
	c.WriteTimeout = or(c.WriteTimeout, d.WriteTimeout)
	c.ConnectTimeout = or(c.ConnectTimeout, d.ConnectTimeout)
	c.InitTimeout = or(c.InitTimeout, d.InitTimeout)
	c.RetryMin = or(c.RetryMin, d.RetryMin)
	c.RetryMax = or(c.RetryMax, d.RetryMax)
	c.QueueSize = or(c.QueueSize, d.QueueSize)
	c.RememberDone = or(c.RememberDone, d.RememberDone)
	c.EventBuffer = or(c.EventBuffer, d.EventBuffer)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Validate says in plain words what is wrong with c.
func (c Config) Validate() error {
	var errs []error
	if c.Transport == nil && !c.Disabled {
		errs = append(errs, errors.New("no transport: say how to reach the printer (TCP, Serial or USB)"))
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"PollInterval", c.PollInterval}, {"ReplyTimeout", c.ReplyTimeout}, {"JobTimeout", c.JobTimeout},
		{"WriteTimeout", c.WriteTimeout}, {"ConnectTimeout", c.ConnectTimeout}, {"InitTimeout", c.InitTimeout},
		{"RetryMin", c.RetryMin}, {"RetryMax", c.RetryMax},
	} {
		if d.v < 0 {
			errs = append(errs, fmt.Errorf("%s is negative (%v)", d.name, d.v))
		}
	}
	if c.RetryMax > 0 && c.RetryMin > c.RetryMax {
		errs = append(errs, fmt.Errorf("RetryMin (%v) is longer than RetryMax (%v)", c.RetryMin, c.RetryMax))
	}
	if c.QueueSize < 0 || c.RememberDone < 0 || c.EventBuffer < 0 {
		errs = append(errs, errors.New("QueueSize, RememberDone and EventBuffer must not be negative"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("printer %q: %w", c.Name, err)
	}
	return nil
}

// Bytes the Queue sends on its own.
var (
	cmdQueryStatus = []byte{dle, eot, 1, dle, eot, 2, dle, eot, 3, dle, eot, 4}
	cmdClearBuffer = []byte{dle, dc4, 8, 1, 3, 20, 1, 6, 2, 8}
	cmdASBOn       = []byte{gs, 'a', 0x0F} // drawer, online, error, paper
	cmdPaperStatus = []byte{gs, 'r', 1}
)

// Queue prints jobs on one printer, in order, each once. See the package
// documentation for what it promises.
type Queue struct {
	cfg     Config
	log     *slog.Logger
	stop    chan struct{}
	wake    chan struct{}
	ctx     context.Context // cancelled by Close
	stopCtx context.CancelFunc

	mu      sync.Mutex
	jobs    []*pending
	byID    map[string]*pending
	done    doneSet
	status  Status
	lastErr error
	started bool
	closed  bool
	first   chan struct{} // closed after the first connect attempt and status
	firstOK bool

	evMu     sync.Mutex
	events   chan Event
	evClosed bool
	dropped  uint64

	wg      sync.WaitGroup // the run loop
	readers sync.WaitGroup

	// owned by the run loop
	link      *link
	needClear bool // an attempt was interrupted and the printer may still hold its rest
}

type pending struct {
	Job
	attempt int
	done    chan struct{}
}

// New checks cfg and returns a Queue that accepts jobs. Nothing is opened
// until Init.
func New(cfg Config) (*Queue, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Queue{
		cfg:     cfg,
		log:     cfg.Logger.With("printer", cfg.Name),
		stop:    make(chan struct{}),
		wake:    make(chan struct{}, 1),
		ctx:     ctx,
		stopCtx: cancel,
		byID:    map[string]*pending{},
		done:    doneSet{max: cfg.RememberDone, ids: map[string]struct{}{}},
		first:   make(chan struct{}),
		events:  make(chan Event, cfg.EventBuffer),
	}, nil
}

// Init starts the queue, periph-style: (true, nil) when the printer
// answered, (false, err) when the driver is skipped (Config.Disabled), and
// (true, err) when it failed to reach the printer within InitTimeout. A
// failed Queue keeps trying in the background and accepts jobs, which
// print when the printer appears, so a hub without its printer starts and
// keeps selling.
func (q *Queue) Init() (bool, error) {
	if q.cfg.Disabled {
		return false, fmt.Errorf("printer %q: %w", q.cfg.Name, ErrDisabled)
	}
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return true, ErrClosed
	}
	if !q.started {
		q.started = true
		q.wg.Add(1)
		go q.run()
	}
	q.mu.Unlock()
	t := time.NewTimer(q.cfg.InitTimeout)
	defer t.Stop()
	select {
	case <-q.first:
	case <-t.C:
	case <-q.stop:
		return true, ErrClosed
	}
	q.mu.Lock()
	st, err := q.status, q.lastErr
	q.mu.Unlock()
	if !st.Connected {
		if err == nil {
			err = errors.New("no answer yet")
		}
		return true, fmt.Errorf("printer %q at %s: %w: %w", q.cfg.Name, q.cfg.Transport, ErrUnreachable, err)
	}
	return true, nil
}

// Submit queues j and returns at once; it does not wait for the printer.
// A job whose ID is printed already, or already queued, is acknowledged
// (nil) and not queued again. ctx only bounds the call: a queued job
// prints even after ctx ends.
func (q *Queue) Submit(ctx context.Context, j Job) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	switch {
	case q.cfg.Disabled:
		return ErrDisabled
	case j.ID == "":
		return ErrJobID
	case len(j.Data) == 0:
		return ErrEmptyJob
	}
	stored := q.cfg.Store != nil && q.cfg.Store.Done(j.ID)
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return ErrClosed
	}
	if stored || q.done.has(j.ID) {
		q.done.add(j.ID)
		q.emit(Event{Kind: JobDone, JobID: j.ID, Duplicate: true, Status: q.status})
		return nil
	}
	if _, ok := q.byID[j.ID]; ok {
		return nil
	}
	if len(q.jobs) >= q.cfg.QueueSize {
		return fmt.Errorf("printer %q: %w (%d jobs)", q.cfg.Name, ErrQueueFull, len(q.jobs))
	}
	p := &pending{Job: Job{ID: j.ID, Data: bytes.Clone(j.Data)}, done: make(chan struct{})}
	q.jobs = append(q.jobs, p)
	q.byID[j.ID] = p
	q.emit(Event{Kind: JobPending, JobID: j.ID, Status: q.status})
	select {
	case q.wake <- struct{}{}:
	default:
	}
	return nil
}

// Wait blocks until the job with id is printed, ctx ends or the Queue
// closes. It returns nil at once for an ID printed before, and
// ErrUnknownJob for an ID never submitted.
func (q *Queue) Wait(ctx context.Context, id string) error {
	q.mu.Lock()
	if q.done.has(id) {
		q.mu.Unlock()
		return nil
	}
	p, ok := q.byID[id]
	q.mu.Unlock()
	if !ok {
		if q.cfg.Store != nil && q.cfg.Store.Done(id) {
			return nil
		}
		return ErrUnknownJob
	}
	select {
	case <-p.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-q.stop:
		return ErrClosed
	}
}

// Events delivers job and status events. A listener that falls more than
// EventBuffer events behind misses events (see DroppedEvents) rather than
// stall printing; Status always has the current state. The channel closes
// when the Queue closes.
func (q *Queue) Events() <-chan Event { return q.events }

// DroppedEvents counts events a slow listener missed.
func (q *Queue) DroppedEvents() uint64 {
	q.evMu.Lock()
	defer q.evMu.Unlock()
	return q.dropped
}

// Status is the printer's current status.
func (q *Queue) Status() Status {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.status
}

// Pending lists the IDs of jobs not yet printed, oldest first.
func (q *Queue) Pending() []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	ids := make([]string, len(q.jobs))
	for i, p := range q.jobs {
		ids[i] = p.ID
	}
	return ids
}

// Close stops the queue and closes the connection and the Events channel.
// Jobs not yet printed are dropped (Pending lists them before Close); the
// hub submits them again after a restart and their IDs keep them from
// printing twice.
func (q *Queue) Close() error {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return nil
	}
	q.closed = true
	q.mu.Unlock()
	close(q.stop)
	q.stopCtx()
	q.wg.Wait()
	done := make(chan struct{})
	go func() { q.readers.Wait(); close(done) }()
	t := time.NewTimer(q.cfg.ReplyTimeout)
	select {
	case <-done:
	case <-t.C: // a reader stuck in a device read; it ends with the device
	}
	t.Stop()
	q.evMu.Lock()
	q.evClosed = true
	close(q.events)
	q.evMu.Unlock()
	return nil
}

func (q *Queue) emit(e Event) {
	e.Time = time.Now()
	q.evMu.Lock()
	defer q.evMu.Unlock()
	if q.evClosed {
		return
	}
	select {
	case q.events <- e:
	default:
		q.dropped++
	}
}

func (q *Queue) setStatus(st Status, err error) {
	q.mu.Lock()
	prev := q.status
	q.status = st
	if err != nil {
		q.lastErr = err
	}
	if prev != st {
		q.emit(Event{Kind: StatusChanged, Status: st, Prev: prev, Err: err})
	}
	q.mu.Unlock()
	if prev != st {
		if err != nil {
			q.log.Warn("printer status", "status", st.String(), "err", err)
		} else {
			q.log.Info("printer status", "status", st.String())
		}
	}
}

func (q *Queue) signalFirst() {
	if !q.firstOK {
		q.firstOK = true
		close(q.first)
	}
}

func (q *Queue) stopping() bool {
	select {
	case <-q.stop:
		return true
	default:
		return false
	}
}

func (q *Queue) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-q.stop:
		return false
	}
}

func (q *Queue) head() *pending {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.jobs) == 0 {
		return nil
	}
	return q.jobs[0]
}

// run is the Queue's one goroutine that talks to the printer: connect,
// ask for status, print the oldest job when the printer is ready, else
// wait for a poll tick, a new job or a status message.
func (q *Queue) run() {
	defer q.wg.Done()
	defer q.dropLink(nil)
	fails := 0
	for !q.stopping() {
		if q.link == nil {
			if fails > 0 && !q.sleep(min(q.cfg.RetryMin<<min(fails-1, 20), q.cfg.RetryMax)) {
				return
			}
			if err := q.connect(); err != nil {
				fails++
				if !q.stopping() {
					q.setStatus(Status{}, err)
				}
				q.signalFirst()
				continue
			}
		}
		st, err := q.query(q.link)
		if err != nil {
			fails++
			q.dropLink(err)
			q.signalFirst()
			continue
		}
		fails = 0
		q.setStatus(st, nil)
		q.signalFirst()
		if j := q.head(); j != nil && st.Ready() {
			q.print(j)
			continue
		}
		q.idle()
	}
}

// link is one open connection to the printer.
type link struct {
	rwc    io.ReadWriteCloser
	duplex bool          // replies can be read
	msgs   chan reply    // from the reader
	dead   chan struct{} // closed when the reader ends; err says why
	err    error
	stop   chan struct{}

	rt          []byte // real-time replies not yet used
	outstanding int    // GS r confirmations asked for and not received
	cleared     bool   // a clear response arrived
	noClear     bool   // the printer did not answer a buffer clear
}

func (q *Queue) connect() error {
	ctx, cancel := context.WithTimeout(q.ctx, q.cfg.ConnectTimeout)
	defer cancel()
	rwc, err := q.cfg.Transport.Open(ctx)
	if err != nil {
		return err
	}
	l := &link{rwc: rwc, duplex: true, msgs: make(chan reply, 64), dead: make(chan struct{}), stop: make(chan struct{})}
	if w, ok := q.cfg.Transport.(writeOnly); ok && w.WriteOnly() {
		l.duplex = false
	}
	if l.duplex {
		q.readers.Add(1)
		go q.reader(l)
	}
	q.link = l
	if q.cfg.ASB && l.duplex {
		if err := q.write(l, cmdASBOn); err != nil {
			q.link = nil
			close(l.stop)
			rwc.Close()
			return err
		}
	}
	return nil
}

func (q *Queue) dropLink(err error) {
	l := q.link
	if l == nil {
		return
	}
	q.link = nil
	close(l.stop)
	l.rwc.Close()
	q.setStatus(Status{}, err)
}

func (q *Queue) reader(l *link) {
	defer q.readers.Done()
	defer close(l.dead)
	var dec decoder
	var out []reply
	buf := make([]byte, 512)
	for {
		n, err := l.rwc.Read(buf)
		out = dec.feed(buf[:n], out[:0])
		for _, r := range out {
			select {
			case l.msgs <- r:
			case <-l.stop:
				l.err = ErrClosed
				return
			}
		}
		if err != nil {
			if err == io.EOF {
				err = fmt.Errorf("%w: connection closed by printer", ErrUnreachable)
			}
			l.err = err
			return
		}
	}
}

func (q *Queue) write(l *link, p []byte) error {
	return writeAll(l.rwc, p, q.cfg.WriteTimeout)
}

var errTimeout = errors.New("timeout")

// pump handles one message from the printer, or reports why none came
// before deadline.
func (q *Queue) pump(l *link, deadline time.Time) error {
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case r := <-l.msgs:
		q.handle(l, r)
		return nil
	case <-l.dead:
		return l.err
	case <-q.stop:
		return ErrClosed
	case <-t.C:
		return errTimeout
	}
}

func (q *Queue) handle(l *link, r reply) {
	switch r.kind {
	case replyRealtime:
		l.rt = append(l.rt, r.b[0])
	case replyGSr:
		if l.outstanding > 0 {
			l.outstanding--
		}
	case replyClear:
		l.cleared = true
	case replyASB:
		st := q.Status()
		if err := st.ParseASB(r.b[:]); err != nil {
			return
		}
		if q.cfg.DrawerOpenLow {
			st.DrawerOpen = !st.DrawerOpen
		}
		q.setStatus(st, nil)
	default:
		q.log.Debug("unexpected byte from printer", "byte", r.b[0])
	}
}

// query asks DLE EOT 1–4 and waits for the four replies.
func (q *Queue) query(l *link) (Status, error) {
	if !l.duplex {
		if c, ok := q.cfg.Transport.(checker); ok {
			if err := c.Check(); err != nil {
				return Status{}, err
			}
		}
		return Status{Connected: true}, nil
	}
	for drained := false; !drained; {
		select {
		case r := <-l.msgs:
			q.handle(l, r)
		default:
			drained = true
		}
	}
	l.rt = l.rt[:0]
	if err := q.write(l, cmdQueryStatus); err != nil {
		return Status{}, err
	}
	deadline := time.Now().Add(q.cfg.ReplyTimeout)
	for len(l.rt) < 4 {
		if err := q.pump(l, deadline); err != nil {
			if err == errTimeout {
				err = ErrNoReply
			}
			return Status{}, err
		}
	}
	st := Status{Connected: true, Known: true}
	for i, b := range l.rt[:4] {
		if err := st.ParseRealtime(i+1, b); err != nil {
			return Status{}, err
		}
	}
	l.rt = l.rt[4:]
	if q.cfg.DrawerOpenLow {
		st.DrawerOpen = !st.DrawerOpen
	}
	return st, nil
}

// idle waits for the next reason to look at the printer again.
func (q *Queue) idle() {
	l := q.link
	t := time.NewTimer(q.cfg.PollInterval)
	defer t.Stop()
	for {
		select {
		case <-q.stop:
			return
		case <-q.wake:
			return
		case <-t.C:
			return
		case <-l.dead:
			q.dropLink(l.err)
			return
		case r := <-l.msgs:
			q.handle(l, r)
			if r.kind == replyASB {
				return
			}
		}
	}
}

// print sends one attempt of job j and waits until the printer confirms
// it. The confirmation is the reply to GS r 1 sent right after the job: a
// printer handles GS r in turn, after printing what came before, while it
// answers DLE EOT at once. So a job is done when the printer says so, and
// a printer that stops mid-job (paper out, cover open, unplugged) shows up
// in the status polls made while waiting.
func (q *Queue) print(j *pending) {
	l := q.link
	j.attempt++
	q.emit(Event{Kind: JobPrinting, JobID: j.ID, Attempt: j.attempt, Status: q.Status()})
	if !l.duplex {
		if err := q.write(l, j.Data); err != nil {
			q.retry(j, err)
			q.dropLink(err)
			return
		}
		q.finish(j)
		return
	}
	if q.needClear {
		q.clear(l)
	}
	fail := func(err error) {
		q.needClear = true
		if errors.Is(err, ErrClosed) {
			return
		}
		q.retry(j, err)
		q.dropLink(err)
	}
	data := make([]byte, 0, len(j.Data)+len(cmdASBOn)+len(cmdPaperStatus))
	data = append(data, j.Data...)
	if q.cfg.ASB {
		data = append(data, cmdASBOn...) // ESC @ in the job may have turned ASB off
	}
	data = append(data, cmdPaperStatus...)
	l.outstanding++
	if err := q.write(l, data); err != nil {
		fail(err)
		return
	}
	deadline := time.Now().Add(q.cfg.JobTimeout)
	nextPoll := time.Now().Add(q.cfg.PollInterval)
	for l.outstanding > 0 {
		wake := nextPoll
		if deadline.Before(wake) {
			wake = deadline
		}
		err := q.pump(l, wake)
		if err == nil {
			if !q.Status().Ready() {
				nextPoll = time.Now() // ASB says something is wrong: look now
			}
			continue
		}
		if err != errTimeout {
			fail(err)
			return
		}
		st, err := q.query(l)
		if err != nil {
			fail(err)
			return
		}
		q.setStatus(st, nil)
		if l.outstanding == 0 {
			break // the confirmation came in with the status replies
		}
		if !st.Ready() {
			// Clear now, while the printer is stopped, so that it does not
			// print the rest of this attempt when it recovers.
			q.needClear = true
			q.clear(l)
			q.retry(j, fmt.Errorf("%w: %s", ErrNotReady, st))
			return
		}
		if !time.Now().Before(deadline) {
			fail(ErrJobTimeout)
			return
		}
		nextPoll = time.Now().Add(q.cfg.PollInterval)
	}
	q.finish(j)
}

// clear asks the printer to drop what it holds of an interrupted attempt
// (DLE DC4 8) and waits for its answer.
func (q *Queue) clear(l *link) {
	if q.cfg.NoBufferClear || l.noClear {
		q.needClear = false
		return
	}
	l.cleared = false
	if err := q.write(l, cmdClearBuffer); err != nil {
		return // the link's trouble shows up at the next step
	}
	deadline := time.Now().Add(q.cfg.ReplyTimeout)
	for !l.cleared {
		if err := q.pump(l, deadline); err != nil {
			if err == errTimeout {
				q.log.Warn("printer did not confirm clearing its buffers; the rest of an interrupted job may print when it recovers")
				l.noClear = true
				q.needClear = false
			}
			return
		}
	}
	l.outstanding = 0
	q.needClear = false
}

func (q *Queue) retry(j *pending, err error) {
	q.log.Warn("print job interrupted; it prints again when the printer is ready", "job", j.ID, "attempt", j.attempt, "err", err)
	q.emit(Event{Kind: JobRetrying, JobID: j.ID, Attempt: j.attempt, Err: err, Status: q.Status()})
}

func (q *Queue) finish(j *pending) {
	if q.cfg.Store != nil {
		q.cfg.Store.MarkDone(j.ID)
	}
	q.mu.Lock()
	if len(q.jobs) > 0 && q.jobs[0] == j {
		q.jobs[0] = nil
		q.jobs = q.jobs[1:]
	}
	delete(q.byID, j.ID)
	q.done.add(j.ID)
	close(j.done)
	q.emit(Event{Kind: JobDone, JobID: j.ID, Attempt: j.attempt, Status: q.status})
	q.mu.Unlock()
	q.log.Info("printed", "job", j.ID, "attempts", j.attempt)
}

// doneSet remembers the last max printed IDs.
type doneSet struct {
	max  int
	ids  map[string]struct{}
	ring []string
	next int
}

func (d *doneSet) has(id string) bool {
	_, ok := d.ids[id]
	return ok
}

func (d *doneSet) add(id string) {
	if d.has(id) || d.max <= 0 {
		return
	}
	if len(d.ring) < d.max {
		d.ring = append(d.ring, id)
	} else {
		delete(d.ids, d.ring[d.next])
		d.ring[d.next] = id
		d.next = (d.next + 1) % d.max
	}
	d.ids[id] = struct{}{}
}
