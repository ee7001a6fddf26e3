//go:build linux

package display_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/kasse/kasse/drivers/display"
	"github.com/kasse/kasse/drivers/display/displaytest"
)

// patience bounds every wait for a state; nothing is asserted on time.
const patience = 10 * time.Second

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), patience)
	t.Cleanup(cancel)
	return ctx
}

func newPair(t *testing.T, dcfg displaytest.Config, cfg display.Config) (*displaytest.Serial, *display.Display) {
	t.Helper()
	dev, err := displaytest.NewSerial(dcfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dev.Close() })
	cfg.Name = "test"
	cfg.RetryMin = 5 * time.Millisecond
	cfg.RetryMax = 20 * time.Millisecond
	if cfg.InitTimeout == 0 {
		cfg.InitTimeout = patience
	}
	d, err := display.Open(dev.Path(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if ok, err := d.Init(); !ok || err != nil {
		t.Fatalf("Init = %v, %v", ok, err)
	}
	return dev, d
}

func noUnknown(t *testing.T, dev *displaytest.Serial) {
	t.Helper()
	if u := dev.Unknown(); len(u) > 0 {
		t.Errorf("the display did not understand: %q", u)
	}
}

func TestShowWhatCustomerSees(t *testing.T) {
	dev, d := newPair(t, displaytest.Config{}, display.Config{})
	ctx := ctxT(t)
	for _, tc := range []struct {
		show   func() error
		l1, l2 string
	}{
		{func() error { return d.ShowItem(ctx, "Lettmelk 1 l", 2190, 2190) }, "Lettmelk 1 l   21,90", "TOTAL       kr 21,90"},
		{func() error { return d.ShowItem(ctx, "Blåbærsyltetøy 400 g", 4590, 6780) }, "Blåbærsyltetøy 45,90", "TOTAL       kr 67,80"},
		{func() error { return d.ShowTotal(ctx, 8370) }, "TOTAL       kr 83,70", ""},
		{func() error { return d.ShowChange(ctx, 8370, 1630) }, "TOTAL       kr 83,70", "VEKSEL      kr 16,30"},
		{func() error { return d.Show(ctx, "ÆØÅ æøå [Velkommen]", "Pris: 12 € ~ {tilbud}") }, "ÆØÅ æøå [Velkommen]", "Pris: 12 ? ~ {tilbud"},
		{func() error { return d.Clear(ctx) }, "", ""},
	} {
		if err := tc.show(); err != nil {
			t.Fatal(err)
		}
		// Show returns once the bytes are written; the stand-in decodes
		// them as they arrive, so wait for it.
		if err := dev.WaitLines(ctx, tc.l1, tc.l2); err != nil {
			t.Fatal(err)
		}
	}
	s := dev.Screen()
	if s.Mode != displaytest.Overwrite || s.Cursor || s.CodeTable != 5 || s.Intl != 0 {
		t.Errorf("display set up as %+v; want overwrite mode, no cursor, ESC t 5, ESC R 0", s)
	}
	noUnknown(t, dev)
}

// A display whose switches say Norwegian international set, vertical
// scroll and PC437 with a cursor still shows exactly what was asked.
func TestOverridesPowerOnSettings(t *testing.T) {
	dev, d := newPair(t, displaytest.Config{Intl: 9, Mode: displaytest.VerticalScroll, CodeTable: 0}, display.Config{})
	ctx := ctxT(t)
	if err := d.Show(ctx, "[Kode] {a|b} ~x @ $5", "Brød og smør øl"); err != nil {
		t.Fatal(err)
	}
	if err := dev.WaitLines(ctx, "[Kode] {a|b} ~x @ $5", "Brød og smør øl"); err != nil {
		t.Fatal(err)
	}
	noUnknown(t, dev)
}

func TestCodePages(t *testing.T) {
	for _, tc := range []struct {
		page display.CodePage
		want string
	}{
		{display.PC865, "Blåbær Ø ? ñ ß"},
		{display.PC850, "Blåbær Ø ? ñ ß"},
		{display.PC858, "Blåbær Ø € ñ ß"},
		{display.WPC1252, "Blåbær Ø € ñ ß"},
	} {
		t.Run(tc.page.String(), func(t *testing.T) {
			dev, d := newPair(t, displaytest.Config{}, display.Config{CodePage: tc.page})
			ctx := ctxT(t)
			if err := d.Show(ctx, "Blåbær Ø € ñ ß", ""); err != nil {
				t.Fatal(err)
			}
			if err := dev.WaitLines(ctx, tc.want, ""); err != nil {
				t.Fatal(err)
			}
			noUnknown(t, dev)
		})
	}
}

func TestReconnect(t *testing.T) {
	dev, d := newPair(t, displaytest.Config{}, display.Config{Refresh: -1})
	ctx := ctxT(t)
	if err := d.Show(ctx, "Før", ""); err != nil {
		t.Fatal(err)
	}
	dev.Unplug()
	err := d.Show(ctx, "Etter", "igjen")
	if !errors.Is(err, display.ErrUnreachable) {
		t.Fatalf("Show while unplugged = %v, want ErrUnreachable", err)
	}
	if got := d.Lines(); got != [2]string{display.Fit("Etter"), display.Fit("igjen")} {
		t.Errorf("Lines = %q, want the lines asked for last", got)
	}
	resets := dev.Resets()
	// Meanwhile the display lost power too: it comes back blank.
	dev.PowerCycle()
	if err := dev.Plug(); err != nil {
		t.Fatal(err)
	}
	if err := dev.WaitLines(ctx, "Etter", "igjen"); err != nil {
		t.Fatal(err)
	}
	if dev.Resets() <= resets {
		t.Error("the display was not initialized again after it came back")
	}
	if err := d.Show(ctx, "Velkommen", ""); err != nil {
		t.Fatalf("Show after reconnect: %v", err)
	}
	if err := dev.WaitLines(ctx, "Velkommen", ""); err != nil {
		t.Fatal(err)
	}
	noUnknown(t, dev)
}

// A display switched off and on blanks itself while the port stays open;
// the refresh puts the text back.
func TestRefreshAfterPowerCycle(t *testing.T) {
	dev, d := newPair(t, displaytest.Config{}, display.Config{Refresh: 10 * time.Millisecond})
	ctx := ctxT(t)
	if err := d.ShowItem(ctx, "Blåbær", 4200, 4200); err != nil {
		t.Fatal(err)
	}
	if err := dev.WaitLines(ctx, "Blåbær         42,00", "TOTAL       kr 42,00"); err != nil {
		t.Fatal(err)
	}
	dev.PowerCycle() // back on PC437, with a cursor
	if err := dev.WaitLines(ctx, "Blåbær         42,00", "TOTAL       kr 42,00"); err != nil {
		t.Fatal(err)
	}
	if s := dev.Screen(); s.CodeTable != 5 || s.Cursor {
		t.Errorf("after power cycle and refresh: %+v", s)
	}
}

func TestConcurrentShows(t *testing.T) {
	dev, d := newPair(t, displaytest.Config{}, display.Config{})
	ctx := ctxT(t)
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for j := range 20 {
				if err := d.Show(ctx, fmt.Sprintf("kasse %d", i), fmt.Sprintf("linje %d", j)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := d.Show(ctx, "Siste", "ord"); err != nil {
		t.Fatal(err)
	}
	if err := dev.WaitLines(ctx, "Siste", "ord"); err != nil {
		t.Fatal(err)
	}
	noUnknown(t, dev)
	d.Close()
	if err := d.Show(ctx, "x", ""); !errors.Is(err, display.ErrClosed) {
		t.Errorf("Show after Close = %v, want ErrClosed", err)
	}
}

func TestInit(t *testing.T) {
	missing, err := display.Open(filepath.Join(t.TempDir(), "ttyNone"), display.Config{InitTimeout: patience})
	if err != nil {
		t.Fatal(err)
	}
	defer missing.Close()
	if ok, err := missing.Init(); !ok || !errors.Is(err, display.ErrUnreachable) {
		t.Errorf("missing: Init = %v, %v; want failed, ErrUnreachable", ok, err)
	}
	if err := missing.Show(ctxT(t), "x", ""); !errors.Is(err, display.ErrUnreachable) {
		t.Errorf("missing: Show = %v, want ErrUnreachable", err)
	}
	off, err := display.Open("", display.Config{Disabled: true})
	if err != nil {
		t.Fatal(err)
	}
	defer off.Close()
	if ok, err := off.Init(); ok || !errors.Is(err, display.ErrDisabled) {
		t.Errorf("disabled: Init = %v, %v; want skipped", ok, err)
	}
	if err := off.Show(t.Context(), "x", ""); !errors.Is(err, display.ErrDisabled) {
		t.Errorf("disabled: Show = %v", err)
	}
	for _, cfg := range []display.Config{
		{Frame: "8X1"},
		{CodePage: 42},
		{RetryMin: time.Second, RetryMax: time.Millisecond},
	} {
		if _, err := display.Open("/dev/null", cfg); err == nil {
			t.Errorf("Open with %+v: no error", cfg)
		}
	}
	if _, err := display.Open("", display.Config{}); err == nil {
		t.Error("Open without a port: no error")
	}
}
