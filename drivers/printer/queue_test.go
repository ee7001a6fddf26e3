package printer_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kasse/kasse/drivers/printer"
	"github.com/kasse/kasse/drivers/printer/printertest"
)

// Generous: nothing here asserts a duration; deadlines only stop a
// hung test.
const patience = 20 * time.Second

func fastConfig(tr printer.Transport) printer.Config {
	c := printer.DefaultConfig()
	c.Name = "test"
	c.Transport = tr
	c.PollInterval = 20 * time.Millisecond
	c.ReplyTimeout = 2 * time.Second
	c.RetryMin = 5 * time.Millisecond
	c.RetryMax = 50 * time.Millisecond
	c.InitTimeout = 5 * time.Second
	c.JobTimeout = 10 * time.Second
	c.EventBuffer = 10000
	return c
}

// recorder keeps every event of a Queue.
type recorder struct {
	mu     sync.Mutex
	events []printer.Event
	change chan struct{}
	done   chan struct{}
}

func record(q *printer.Queue) *recorder {
	r := &recorder{change: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(r.done)
		for e := range q.Events() {
			r.mu.Lock()
			r.events = append(r.events, e)
			close(r.change)
			r.change = make(chan struct{})
			r.mu.Unlock()
		}
	}()
	return r
}

// wait returns the first event from index from on that matches.
func (r *recorder) wait(t *testing.T, from int, what string, match func(printer.Event) bool) (printer.Event, int) {
	t.Helper()
	deadline := time.After(patience)
	for {
		r.mu.Lock()
		for i := from; i < len(r.events); i++ {
			if match(r.events[i]) {
				e := r.events[i]
				r.mu.Unlock()
				return e, i
			}
		}
		ch := r.change
		r.mu.Unlock()
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("no event %s; events:\n%s", what, r.String())
		}
	}
}

func (r *recorder) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b strings.Builder
	for _, e := range r.events {
		fmt.Fprintln(&b, " ", e)
	}
	return b.String()
}

// jobEvents lists the job events for id as "kind#attempt".
func (r *recorder) jobEvents(id string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.events {
		if e.JobID != id {
			continue
		}
		s := e.Kind.String()
		if e.Attempt > 0 && e.Kind != printer.JobDone {
			s += fmt.Sprint("#", e.Attempt)
		}
		if e.Duplicate {
			s += "(dup)"
		}
		out = append(out, s)
	}
	return out
}

func isStatus(f func(printer.Status) bool) func(printer.Event) bool {
	return func(e printer.Event) bool { return e.Kind == printer.StatusChanged && f(e.Status) }
}

func isJob(k printer.EventKind, id string) func(printer.Event) bool {
	return func(e printer.Event) bool { return e.Kind == k && e.JobID == id }
}

func start(t *testing.T, cfg printer.Config) (*printer.Queue, *recorder) {
	t.Helper()
	q, err := printer.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rec := record(q)
	t.Cleanup(func() {
		q.Close()
		<-rec.done
		if t.Failed() {
			t.Logf("events:\n%s", rec)
		}
	})
	return q, rec
}

func receiptJob(t testing.TB, id string) printer.Job {
	b, err := typicalReceipt().Kick(printer.Pin2, 100*time.Millisecond, 100*time.Millisecond).Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return printer.Job{ID: id, Data: b}
}

// rendering is what a healthy printer prints for data.
func rendering(data []byte) string {
	d := printertest.NewDevice(printertest.Config{})
	d.Write(data)
	return strings.Join(d.Receipts(), "\n")
}

// waitDone waits until the job is printed and its done event is
// recorded.
func waitDone(t *testing.T, q *printer.Queue, rec *recorder, id string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	if err := q.Wait(ctx, id); err != nil {
		t.Fatalf("job %s: %v", id, err)
	}
	rec.wait(t, 0, "done "+id, func(e printer.Event) bool { return e.Kind == printer.JobDone && e.JobID == id && !e.Duplicate })
}

func TestPrintOnce(t *testing.T) {
	for _, asb := range []bool{false, true} {
		t.Run(fmt.Sprint("asb=", asb), func(t *testing.T) {
			p, err := printertest.Listen("127.0.0.1:0", printertest.Config{})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			cfg := fastConfig(printer.TCP{Addr: p.Addr()})
			cfg.ASB = asb
			q, rec := start(t, cfg)
			if ok, err := q.Init(); !ok || err != nil {
				t.Fatalf("Init: %v, %v", ok, err)
			}
			job := receiptJob(t, "sale-1/receipt")
			ctx := context.Background()
			if err := q.Submit(ctx, job); err != nil {
				t.Fatal(err)
			}
			if err := q.Submit(ctx, job); err != nil { // while queued or printing
				t.Fatal(err)
			}
			waitDone(t, q, rec, job.ID)
			if err := q.Submit(ctx, job); err != nil { // after printing
				t.Fatal(err)
			}
			rec.wait(t, 0, "duplicate done", func(e printer.Event) bool { return e.Kind == printer.JobDone && e.Duplicate })

			if got := bytes.Count(p.Received(), job.Data); got != 1 {
				t.Errorf("job data received %d times", got)
			}
			if p.Cuts() != 1 || p.Kicks(2) != 1 {
				t.Errorf("one receipt, one kick: got %d cuts, %d kicks", p.Cuts(), p.Kicks(2))
			}
			if got, want := strings.Join(p.Receipts(), "\n"), rendering(job.Data); got != want {
				t.Errorf("printed:\n%s\nwant:\n%s", got, want)
			}
			// The second Submit may come before or after the job is done.
			got := strings.Join(rec.jobEvents(job.ID), " ")
			if !strings.HasPrefix(got, "pending printing#1 done done(dup)") || strings.Count(got, "printing") != 1 {
				t.Errorf("job events %v", got)
			}
		})
	}
}

// A roll runs out in the middle of a receipt; the job prints again, whole,
// once paper is back, and the partial rest is not printed.
func TestPaperOutMidJob(t *testing.T) {
	p, err := printertest.Listen("127.0.0.1:0", printertest.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	q, rec := start(t, fastConfig(printer.TCP{Addr: p.Addr()}))
	if _, err := q.Init(); err != nil {
		t.Fatal(err)
	}
	p.PaperLeft(12)
	job := receiptJob(t, "sale-2/receipt")
	if err := q.Submit(context.Background(), job); err != nil {
		t.Fatal(err)
	}
	e, _ := rec.wait(t, 0, "retrying", isJob(printer.JobRetrying, job.ID))
	if !errors.Is(e.Err, printer.ErrNotReady) || !e.Status.PaperOut {
		t.Errorf("retrying: err %v, status %v", e.Err, e.Status)
	}
	if !q.Status().PaperOut {
		t.Errorf("status %v, want paper out", q.Status())
	}
	if s := p.Snapshot(); s.Cuts != 0 || s.Kicks[0] != 0 || s.Clears != 1 {
		t.Errorf("after running out: %+v; want no cut or kick, one buffer clear", s)
	}
	p.SetPaperOut(false)
	waitDone(t, q, rec, job.ID)

	want := []string{"pending", "printing#1", "retrying#1", "printing#2", "done"}
	if got := rec.jobEvents(job.ID); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("job events %v, want %v", got, want)
	}
	_, i := rec.wait(t, 0, "paper out", isStatus(func(s printer.Status) bool { return s.PaperOut && !s.Online }))
	rec.wait(t, i, "back online", isStatus(func(s printer.Status) bool { return s.Online && !s.PaperOut }))
	_, j := rec.wait(t, 0, "near end", isStatus(func(s printer.Status) bool { return s.PaperNearEnd }))
	if j > i {
		t.Errorf("near end (event %d) should come before paper out (event %d)", j, i)
	}

	if p.Cuts() != 1 || p.Kicks(2) != 1 {
		t.Errorf("got %d cuts, %d kicks; want 1, 1", p.Cuts(), p.Kicks(2))
	}
	full := rendering(job.Data)
	got := p.Receipts()
	if len(got) != 1 || !strings.HasSuffix(got[0], full) || strings.Count(got[0], "Takk for handelen!") != 1 {
		t.Errorf("printed:\n%s\nwant 12 lines, then the whole receipt once:\n%s", strings.Join(got, "\n--\n"), full)
	}
}

// The printer loses power while receiving a job: the job prints whole,
// once, after it comes back.
func TestPrinterVanishesMidJob(t *testing.T) {
	p, err := printertest.Listen("127.0.0.1:0", printertest.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	q, rec := start(t, fastConfig(printer.TCP{Addr: p.Addr()}))
	if _, err := q.Init(); err != nil {
		t.Fatal(err)
	}
	job := receiptJob(t, "sale-3/receipt")
	p.PowerOffAfter(len(job.Data) / 2)
	if err := q.Submit(context.Background(), job); err != nil {
		t.Fatal(err)
	}
	rec.wait(t, 0, "retrying", isJob(printer.JobRetrying, job.ID))
	rec.wait(t, 0, "unreachable", isStatus(func(s printer.Status) bool { return !s.Connected }))
	if p.Cuts() != 0 {
		t.Fatal("half a job was cut")
	}
	if err := p.PowerOn(); err != nil {
		t.Fatal(err)
	}
	waitDone(t, q, rec, job.ID)

	if p.Cuts() != 1 || p.Kicks(2) != 1 {
		t.Errorf("got %d cuts, %d kicks; want 1, 1", p.Cuts(), p.Kicks(2))
	}
	if n := bytes.Count(p.Received(), job.Data); n != 1 {
		t.Errorf("whole job received %d times", n)
	}
	got := p.Receipts()
	if len(got) != 1 || !strings.HasSuffix(got[0], rendering(job.Data)) || !strings.Contains(got[0], "[POWER OFF]") {
		t.Errorf("printed:\n%s", strings.Join(got, "\n--\n"))
	}
	ev := strings.Join(rec.jobEvents(job.ID), " ")
	if !strings.HasPrefix(ev, "pending printing#1 retrying#1") || !strings.HasSuffix(ev, "done") || strings.Count(ev, "done") != 1 {
		t.Errorf("job events %s", ev)
	}
}

// Status changes reach listeners while the queue is idle, with and
// without Automatic Status Back.
func TestStatusEvents(t *testing.T) {
	for _, asb := range []bool{false, true} {
		t.Run(fmt.Sprint("asb=", asb), func(t *testing.T) {
			p, err := printertest.Listen("127.0.0.1:0", printertest.Config{})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			cfg := fastConfig(printer.TCP{Addr: p.Addr()})
			cfg.ASB = asb
			if asb {
				cfg.PollInterval = time.Hour // only ASB can tell
			}
			q, rec := start(t, cfg)
			if _, err := q.Init(); err != nil {
				t.Fatal(err)
			}
			_, i := rec.wait(t, 0, "online", isStatus(func(s printer.Status) bool { return s.Online }))
			steps := []struct {
				name string
				do   func()
				want func(printer.Status) bool
			}{
				{"cover open", func() { p.SetCoverOpen(true) }, func(s printer.Status) bool { return s.CoverOpen && !s.Online }},
				{"cover shut", func() { p.SetCoverOpen(false) }, func(s printer.Status) bool { return !s.CoverOpen && s.Online }},
				{"drawer open", func() { p.SetDrawerOpen(true) }, func(s printer.Status) bool { return s.DrawerOpen }},
				{"drawer shut", func() { p.SetDrawerOpen(false) }, func(s printer.Status) bool { return !s.DrawerOpen }},
				{"near end", func() { p.PaperLeft(3) }, func(s printer.Status) bool { return s.PaperNearEnd && s.Online }},
				{"paper out", func() { p.SetPaperOut(true) }, func(s printer.Status) bool { return s.PaperOut && !s.Online }},
				{"new roll", func() { p.SetPaperOut(false) }, func(s printer.Status) bool { return !s.PaperOut && !s.PaperNearEnd && s.Online }},
				{"cutter error", func() { p.SetCutterError(true) }, func(s printer.Status) bool { return s.CutterError && !s.Ready() }},
				{"cutter fixed", func() { p.SetCutterError(false) }, func(s printer.Status) bool { return s.Ready() }},
			}
			for _, st := range steps {
				st.do()
				_, i = rec.wait(t, i+1, st.name, isStatus(st.want))
			}
		})
	}
}

// A printer that is not there does not hold up the hub; jobs print when
// it appears.
func TestMissingPrinter(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cfg := fastConfig(printer.TCP{Addr: addr})
	cfg.InitTimeout = 200 * time.Millisecond
	q, rec := start(t, cfg)
	ok, err := q.Init()
	if !ok || !errors.Is(err, printer.ErrUnreachable) {
		t.Fatalf("Init: %v, %v; want loaded with ErrUnreachable", ok, err)
	}
	job := receiptJob(t, "sale-4/receipt")
	if err := q.Submit(context.Background(), job); err != nil {
		t.Fatal(err)
	}
	if got := q.Pending(); len(got) != 1 || got[0] != job.ID {
		t.Errorf("pending %v", got)
	}
	p, err := printertest.Listen(addr, printertest.Config{})
	if err != nil {
		t.Skipf("port %s taken meanwhile: %v", addr, err)
	}
	defer p.Close()
	waitDone(t, q, rec, job.ID)
	rec.wait(t, 0, "online", isStatus(func(s printer.Status) bool { return s.Online }))
	if p.Cuts() != 1 {
		t.Errorf("cuts %d", p.Cuts())
	}
}

// A pulled cable: the connection stays up but nothing answers.
func TestSilentPrinter(t *testing.T) {
	p, err := printertest.Listen("127.0.0.1:0", printertest.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	cfg := fastConfig(printer.TCP{Addr: p.Addr()})
	cfg.ReplyTimeout = 100 * time.Millisecond
	q, rec := start(t, cfg)
	if _, err := q.Init(); err != nil {
		t.Fatal(err)
	}
	p.Unplug()
	e, i := rec.wait(t, 0, "unreachable", isStatus(func(s printer.Status) bool { return !s.Connected }))
	if !errors.Is(e.Err, printer.ErrNoReply) {
		t.Errorf("err %v, want ErrNoReply", e.Err)
	}
	job := receiptJob(t, "sale-5/receipt")
	if err := q.Submit(context.Background(), job); err != nil {
		t.Fatal(err)
	}
	p.Plug()
	rec.wait(t, i, "online", isStatus(func(s printer.Status) bool { return s.Online }))
	waitDone(t, q, rec, job.ID)
	if p.Cuts() != 1 {
		t.Errorf("cuts %d", p.Cuts())
	}
}

type memStore struct {
	mu  sync.Mutex
	ids map[string]bool
}

func (m *memStore) Done(id string) bool { m.mu.Lock(); defer m.mu.Unlock(); return m.ids[id] }
func (m *memStore) MarkDone(id string)  { m.mu.Lock(); defer m.mu.Unlock(); m.ids[id] = true }

// Printed IDs survive a restart through the DoneStore, and the in-memory
// set stays bounded.
func TestDoneStore(t *testing.T) {
	p, err := printertest.Listen("127.0.0.1:0", printertest.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	store := &memStore{ids: map[string]bool{}}
	cfg := fastConfig(printer.TCP{Addr: p.Addr()})
	cfg.Store = store
	cfg.RememberDone = 2
	q1, rec1 := start(t, cfg)
	if _, err := q1.Init(); err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		job := receiptJob(t, fmt.Sprint("r", i))
		if err := q1.Submit(context.Background(), job); err != nil {
			t.Fatal(err)
		}
		waitDone(t, q1, rec1, job.ID)
	}
	q1.Close()

	q2, rec := start(t, cfg) // the hub restarted
	if _, err := q2.Init(); err != nil {
		t.Fatal(err)
	}
	if err := q2.Submit(context.Background(), receiptJob(t, "r0")); err != nil {
		t.Fatal(err)
	}
	rec.wait(t, 0, "duplicate", isJob(printer.JobDone, "r0"))
	if err := q2.Wait(context.Background(), "r0"); err != nil {
		t.Error(err)
	}
	if p.Cuts() != 4 {
		t.Errorf("cuts %d, want 4", p.Cuts())
	}
	if err := q2.Wait(context.Background(), "never"); !errors.Is(err, printer.ErrUnknownJob) {
		t.Errorf("Wait(never): %v", err)
	}
}

func TestSubmitErrors(t *testing.T) {
	cfg := fastConfig(printer.TCP{Addr: "127.0.0.1:1"})
	cfg.QueueSize = 1
	q, _ := start(t, cfg)
	ctx := context.Background()
	if err := q.Submit(ctx, printer.Job{Data: []byte("x")}); !errors.Is(err, printer.ErrJobID) {
		t.Error(err)
	}
	if err := q.Submit(ctx, printer.Job{ID: "a"}); !errors.Is(err, printer.ErrEmptyJob) {
		t.Error(err)
	}
	if err := q.Submit(ctx, printer.Job{ID: "a", Data: []byte("x")}); err != nil {
		t.Error(err)
	}
	if err := q.Submit(ctx, printer.Job{ID: "b", Data: []byte("x")}); !errors.Is(err, printer.ErrQueueFull) {
		t.Error(err)
	}
	q.Close()
	if err := q.Submit(ctx, printer.Job{ID: "c", Data: []byte("x")}); !errors.Is(err, printer.ErrClosed) {
		t.Error(err)
	}

	d, err := printer.New(printer.Config{Disabled: true})
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := d.Init(); ok || !errors.Is(err, printer.ErrDisabled) {
		t.Errorf("disabled Init: %v, %v; want skipped", ok, err)
	}
	if _, err := printer.New(printer.Config{}); err == nil || !strings.Contains(err.Error(), "no transport") {
		t.Errorf("New without transport: %v", err)
	}
	bad := fastConfig(printer.TCP{})
	bad.RetryMin, bad.RetryMax = time.Second, time.Millisecond
	if _, err := printer.New(bad); err == nil {
		t.Error("RetryMin > RetryMax accepted")
	}
}

// USB printer class device, write-only: here a plain file stands in for
// /dev/usb/lp0.
func TestUSBWriteOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lp0")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	q, rec := start(t, fastConfig(printer.USB{Path: path}))
	if ok, err := q.Init(); !ok || err != nil {
		t.Fatalf("Init: %v, %v", ok, err)
	}
	rec.wait(t, 0, "connected", isStatus(func(s printer.Status) bool { return s.Connected && !s.Known && s.Ready() }))
	job := receiptJob(t, "u1")
	if err := q.Submit(context.Background(), job); err != nil {
		t.Fatal(err)
	}
	waitDone(t, q, rec, "u1")
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, job.Data) {
		t.Errorf("device got %d bytes, want the job's %d and nothing else", len(got), len(job.Data))
	}
	os.Remove(path) // unplugged: the device node goes away
	rec.wait(t, 0, "unreachable", isStatus(func(s printer.Status) bool { return !s.Connected }))
}
