package replicate

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
)

// BenchmarkPropose measures committed proposals per second on one node with
// fsync on: each proposal is a log write (synced), a commit and one
// Machine.Apply transaction (synced). In parallel, proposals share fsyncs.
func BenchmarkPropose(b *testing.B) {
	dir := b.TempDir()
	h := startHub(b, testConfig("bench", dir, "127.0.0.1:0", true), dir)
	leader(b, h)
	var seq atomic.Int64

	b.Run("sequential", func(b *testing.B) {
		for b.Loop() {
			propose(b, h, fmt.Sprintf("set k%d v", seq.Add(1)))
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
	})
	b.Run("parallel32", func(b *testing.B) {
		b.SetParallelism(max(1, 32/runtime.GOMAXPROCS(0))) // 32 goroutines
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				propose(b, h, fmt.Sprintf("set k%d v", seq.Add(1)))
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
	})
}
