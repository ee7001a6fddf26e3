package scanner_test

import (
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/kasse/kasse/drivers/scanner"
	"github.com/kasse/kasse/drivers/scanner/scannertest"
)

// BenchmarkEvdevLatency measures, through the FIFO stand-in and the real
// Reader, the time from writing the Enter key of an EAN-13 code to the
// Scan reaching OnScan, and reports its median and 99th percentile.
func BenchmarkEvdevLatency(b *testing.B) {
	k, err := scannertest.NewKeyboard(filepath.Join(b.TempDir(), "event0"), "no")
	if err != nil {
		b.Fatal(err)
	}
	defer k.Close()
	got := make(chan time.Time, 1)
	r, err := scanner.New(scanner.Config{
		Name:   "bench",
		Source: scanner.Evdev{Path: k.Path(), Keymap: scanner.NO},
		OnScan: func(scanner.Scan) { got <- time.Now() },
	})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	if _, err := r.Init(); err != nil {
		b.Fatal(err)
	}
	lat := make([]time.Duration, 0, b.N)
	for b.Loop() {
		if err := k.Type("]E07038010013204"); err != nil {
			b.Fatal(err)
		}
		sent := time.Now()
		if err := k.Enter(); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, (<-got).Sub(sent))
	}
	slices.Sort(lat)
	q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))]) / 1e3 }
	b.ReportMetric(q(0.50), "p50-µs")
	b.ReportMetric(q(0.99), "p99-µs")
}
