//go:build linux

package scale_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/kasse/kasse/drivers/scale"
	"github.com/kasse/kasse/drivers/scale/scaletest"
)

// patience bounds every wait for a state; nothing is asserted on time.
const patience = 10 * time.Second

var protocols = []struct {
	name   string
	driver scale.Protocol
	device scaletest.Protocol
}{
	{"toledo8217", scale.Toledo8217, scaletest.Toledo8217},
	{"sics", scale.SICS, scaletest.SICS},
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), patience)
	t.Cleanup(cancel)
	return ctx
}

func newPair(t *testing.T, dcfg scaletest.Config, proto scale.Protocol) (*scaletest.Serial, *scale.Scale) {
	t.Helper()
	dev, err := scaletest.NewSerial(dcfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dev.Close() })
	s, err := scale.Open(dev.Path(), scale.Config{
		Name:         "test",
		Protocol:     proto,
		PollInterval: 5 * time.Millisecond,
		ReplyTimeout: 2 * time.Second, // generous: -race on a busy two-core box
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return dev, s
}

func TestReadStates(t *testing.T) {
	for _, p := range protocols {
		t.Run(p.name, func(t *testing.T) {
			dev, s := newPair(t, scaletest.Config{Protocol: p.device, Capacity: 15000}, p.driver)
			ctx := ctxT(t)
			for _, tc := range []struct {
				name  string
				setup func()
				state scale.State
				grams int64
			}{
				{"empty", func() { dev.SetWeight(0) }, scale.Stable, 0},
				{"item", func() { dev.SetWeight(1234) }, scale.Stable, 1234},
				{"full", func() { dev.SetWeight(15000) }, scale.Stable, 15000},
				{"moving", func() { dev.SetMotion(true) }, scale.Motion, -1},
				{"over capacity", func() { dev.SetWeight(15001) }, scale.Overload, 0},
				{"forced overload", func() { dev.SetWeight(10); dev.SetOverload(true) }, scale.Overload, 0},
				{"platter lifted", func() { dev.SetOverload(false); dev.SetWeight(-40) }, scale.UnderZero, 0},
				{"forced under zero", func() { dev.SetWeight(10); dev.SetUnderZero(true) }, scale.UnderZero, 0},
				// MT-SICS has no zero error reply to SI: the balance answers
				// "S I", not executable, which reads as motion.
				{"zero error", func() { dev.SetUnderZero(false); dev.SetZeroError(true) },
					map[scale.Protocol]scale.State{scale.Toledo8217: scale.Error, scale.SICS: scale.Motion}[p.driver], 0},
				{"recovered", func() { dev.SetZeroError(false); dev.SetWeight(250) }, scale.Stable, 250},
			} {
				tc.setup()
				r, err := s.Read(ctx)
				if err != nil {
					t.Fatalf("%s: %v", tc.name, err)
				}
				if r.State != tc.state || (tc.grams >= 0 && r.Grams != tc.grams) {
					t.Errorf("%s: got %v, want %v %d g", tc.name, r, tc.state, tc.grams)
				}
			}
		})
	}
}

func TestRead8217DecimalPoint(t *testing.T) {
	dev, s := newPair(t, scaletest.Config{Protocol: scaletest.Toledo8217, DecimalPoint: true}, scale.Toledo8217)
	dev.SetWeight(2345)
	r, err := s.Read(ctxT(t))
	if err != nil || r.State != scale.Stable || r.Grams != 2345 {
		t.Fatalf("got %v, %v; want stable 2345 g", r, err)
	}
}

func TestReadSICSGramsAndErrors(t *testing.T) {
	dev, s := newPair(t, scaletest.Config{Protocol: scaletest.SICS, Unit: "g"}, scale.SICS)
	ctx := ctxT(t)
	dev.SetWeight(812)
	if r, err := s.Read(ctx); err != nil || r.Grams != 812 || r.State != scale.Stable {
		t.Fatalf("got %v, %v; want stable 812 g", r, err)
	}
	dev.Settle(300, 1)
	if r, err := s.Read(ctx); err != nil || r.State != scale.Motion || r.Grams != 300 {
		t.Fatalf("got %v, %v; want dynamic 300 g", r, err)
	}
	dev.FailNext("EL")
	if r, err := s.Read(ctx); err != nil || r.State != scale.Error {
		t.Fatalf("got %v, %v; want an Error reading", r, err)
	}
	if r, err := s.Read(ctx); err != nil || r.State != scale.Stable {
		t.Fatalf("after the error: got %v, %v", r, err)
	}
}

func TestStableWaitsForRest(t *testing.T) {
	for _, p := range protocols {
		t.Run(p.name, func(t *testing.T) {
			dev, s := newPair(t, scaletest.Config{Protocol: p.device}, p.driver)
			req := map[scale.Protocol]string{scale.Toledo8217: "W", scale.SICS: "SI"}[p.driver]
			dev.Settle(1234, 3)
			g, err := s.Stable(ctxT(t))
			if err != nil || g != 1234 {
				t.Fatalf("Stable = %d, %v; want 1234", g, err)
			}
			// Three answers in motion, then the stable one: none of the
			// moving answers was taken.
			if n := dev.Requests(req); n != 4 {
				t.Errorf("%d weight requests, want 4", n)
			}
		})
	}
}

func TestStableWaitsOutOverloadAndUnplug(t *testing.T) {
	dev, s := newPair(t, scaletest.Config{Protocol: scaletest.Toledo8217}, scale.Toledo8217)
	ctx := ctxT(t)
	dev.SetWeight(20000)
	got := make(chan error, 1)
	var grams int64
	go func() {
		var err error
		grams, err = s.Stable(ctx)
		got <- err
	}()
	if err := dev.WaitRequests(ctx, "W", 2); err != nil {
		t.Fatal(err)
	}
	dev.Unplug()
	dev.SetWeight(725)
	if err := dev.Plug(); err != nil {
		t.Fatal(err)
	}
	if err := <-got; err != nil || grams != 725 {
		t.Fatalf("Stable = %d, %v; want 725", grams, err)
	}
}

func TestStableNeverTakesMotion(t *testing.T) {
	dev, s := newPair(t, scaletest.Config{Protocol: scaletest.SICS}, scale.SICS)
	dev.SetWeight(500)
	dev.SetMotion(true)
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		dev.WaitRequests(t.Context(), "SI", 5)
		cancel()
	}()
	g, err := s.Stable(ctx)
	if !errors.Is(err, scale.ErrNotStable) || !errors.Is(err, context.Canceled) {
		t.Fatalf("Stable = %d, %v; want ErrNotStable", g, err)
	}
	t.Log(err)
}

func TestReconnect(t *testing.T) {
	for _, p := range protocols {
		t.Run(p.name, func(t *testing.T) {
			dev, s := newPair(t, scaletest.Config{Protocol: p.device}, p.driver)
			ctx := ctxT(t)
			dev.SetWeight(100)
			if _, err := s.Read(ctx); err != nil {
				t.Fatal(err)
			}
			dev.Unplug()
			if _, err := s.Read(ctx); !errors.Is(err, scale.ErrUnreachable) {
				t.Fatalf("unplugged: %v, want ErrUnreachable", err)
			}
			if _, err := s.Read(ctx); !errors.Is(err, scale.ErrUnreachable) {
				t.Fatalf("still unplugged: %v, want ErrUnreachable", err)
			}
			dev.SetWeight(200)
			if err := dev.Plug(); err != nil {
				t.Fatal(err)
			}
			r, err := s.Read(ctx)
			if err != nil || r.Grams != 200 {
				t.Fatalf("plugged back: %v, %v; want 200 g", r, err)
			}
		})
	}
}

func TestNoReply(t *testing.T) {
	dev, err := scaletest.NewSerial(scaletest.Config{Protocol: scaletest.Toledo8217})
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	s, err := scale.Open(dev.Path(), scale.Config{Protocol: scale.Toledo8217, ReplyTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	dev.SetSilent(true)
	if _, err := s.Read(ctxT(t)); !errors.Is(err, scale.ErrNoReply) {
		t.Fatalf("silent scale: %v, want ErrNoReply", err)
	}
	dev.SetSilent(false)
	if _, err := s.Read(ctxT(t)); err != nil {
		t.Fatalf("scale back: %v", err)
	}
}

func TestInit(t *testing.T) {
	dev, s := newPair(t, scaletest.Config{Protocol: scaletest.SICS}, scale.SICS)
	if ok, err := s.Init(); !ok || err != nil {
		t.Errorf("present: Init = %v, %v; want loaded", ok, err)
	}
	dev.Unplug()
	missing, err := scale.Open(filepath.Join(t.TempDir(), "ttyNone"), scale.Config{
		Protocol: scale.SICS, InitTimeout: 50 * time.Millisecond, PollInterval: 10 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := missing.Init(); !ok || !errors.Is(err, scale.ErrUnreachable) {
		t.Errorf("missing: Init = %v, %v; want failed, ErrUnreachable", ok, err)
	}
	off, err := scale.Open("", scale.Config{Protocol: scale.SICS, Disabled: true})
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := off.Init(); ok || !errors.Is(err, scale.ErrDisabled) {
		t.Errorf("disabled: Init = %v, %v; want skipped", ok, err)
	}
	if _, err := off.Read(t.Context()); !errors.Is(err, scale.ErrDisabled) {
		t.Errorf("disabled: Read = %v", err)
	}
}

func TestZeroAndTare(t *testing.T) {
	for _, p := range protocols {
		t.Run(p.name, func(t *testing.T) {
			dev, s := newPair(t, scaletest.Config{Protocol: p.device, Capacity: 15000, ZeroRange: 300}, p.driver)
			ctx := ctxT(t)

			dev.SetWeight(4) // crumbs
			if err := s.Zero(ctx); err != nil {
				t.Fatalf("zero: %v", err)
			}
			if dev.ZeroOffset() != 4 {
				t.Errorf("zero offset %d, want 4", dev.ZeroOffset())
			}
			dev.SetWeight(1004)
			if r, _ := s.Read(ctx); r.Grams != 1000 {
				t.Errorf("after zero: %v, want 1000 g", r)
			}
			if err := s.Zero(ctx); !errors.Is(err, scale.ErrRefused) {
				t.Errorf("zero with an item on: %v, want ErrRefused", err)
			}
			dev.SetMotion(true)
			if err := s.Tare(ctx); !errors.Is(err, scale.ErrRefused) {
				t.Errorf("tare in motion: %v, want ErrRefused", err)
			}
			dev.SetWeight(204) // a 200 g bowl
			if err := s.Tare(ctx); err != nil {
				t.Fatalf("tare: %v", err)
			}
			if g, ok := dev.Tare(); !ok || g != 200 {
				t.Errorf("tare %d %v, want 200", g, ok)
			}
			dev.SetWeight(704)
			r, err := s.Read(ctx)
			if err != nil || r.Grams != 500 || r.State != scale.Stable {
				t.Errorf("net: %v, %v; want stable 500 g", r, err)
			}
			if p.driver == scale.Toledo8217 && !r.Net {
				t.Errorf("8217 net weight not marked net: %v", r)
			}
			dev.SetWeight(4) // bowl lifted: net is negative
			if r, _ := s.Read(ctx); r.State != scale.UnderZero {
				t.Errorf("bowl lifted: %v, want under zero", r)
			}
		})
	}
}

func TestConcurrentUse(t *testing.T) {
	dev, s := newPair(t, scaletest.Config{Protocol: scaletest.SICS}, scale.SICS)
	ctx := ctxT(t)
	dev.SetWeight(321)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 10 {
				if r, err := s.Read(ctx); err != nil || r.Grams != 321 {
					t.Errorf("Read = %v, %v", r, err)
					return
				}
			}
		})
	}
	wg.Wait()
	s.Close()
	if _, err := s.Read(ctx); !errors.Is(err, scale.ErrClosed) {
		t.Errorf("after Close: %v, want ErrClosed", err)
	}
}

func TestConfig(t *testing.T) {
	for _, cfg := range []scale.Config{
		{},
		{Protocol: 9},
		{Protocol: scale.SICS, Frame: "9X3"},
		{Protocol: scale.SICS, ReplyTimeout: -time.Second},
	} {
		if _, err := scale.Open("/dev/null", cfg); err == nil {
			t.Errorf("Open with %+v: no error", cfg)
		} else {
			t.Log(err)
		}
	}
	if _, err := scale.Open("", scale.Config{Protocol: scale.SICS}); err == nil {
		t.Error("Open without a port: no error")
	}
	for in, want := range map[string]scale.Protocol{"8217": scale.Toledo8217, "MT-SICS": scale.SICS, "toledo8217": scale.Toledo8217} {
		if got, err := scale.ParseProtocol(in); err != nil || got != want {
			t.Errorf("ParseProtocol(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := scale.ParseProtocol("dibal"); err == nil {
		t.Error("ParseProtocol(dibal): no error")
	}
}
