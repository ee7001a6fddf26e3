package printer_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/kasse/kasse/drivers/printer"
	"github.com/kasse/kasse/drivers/printer/printertest"
)

// BenchmarkSubmitTCP measures from Submit of a 30-line receipt until its
// last byte (the drawer pulse) has reached the stand-in over TCP, with
// default settings, and reports the median and 99th percentile.
func BenchmarkSubmitTCP(b *testing.B) {
	p, err := printertest.Listen("127.0.0.1:0", printertest.Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	cfg := printer.DefaultConfig()
	cfg.Name = "bench"
	cfg.Transport = printer.TCP{Addr: p.Addr()}
	q, err := printer.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer q.Close()
	go func() {
		for range q.Events() {
		}
	}()
	if _, err := q.Init(); err != nil {
		b.Fatal(err)
	}
	job := receiptJob(b, "")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var lat []time.Duration
	i := 0
	for b.Loop() {
		job.ID = fmt.Sprint("bench-", i)
		i++
		start := time.Now()
		if err := q.Submit(ctx, job); err != nil {
			b.Fatal(err)
		}
		if err := p.Wait(ctx, func(s printertest.Snapshot) bool { return s.Kicks[0] == i }); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
		if err := q.Wait(ctx, job.ID); err != nil {
			b.Fatal(err)
		}
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}
