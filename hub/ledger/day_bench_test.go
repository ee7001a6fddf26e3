package ledger

import (
	"fmt"
	"testing"
	"time"

	"github.com/kasse/kasse/replicate"
)

// BenchmarkReportAfter20000Sales: an X report (the same read and journal
// write as a Z, without closing the day) on a register that sold 20 000
// times since its last Z, and the Z itself once. The counters make it one
// record read whatever the number of sales.
func BenchmarkReportAfter20000Sales(b *testing.B) {
	f := newFixture(b)
	var batch []replicate.Entry
	add := func(typ string, body any) {
		env, err := NewEnvelope(typ, f.now, body)
		if err != nil {
			b.Fatal(err)
		}
		env.Register, env.Employee = "K1", "E2"
		data, _ := env.Encode()
		f.index++
		f.now = f.now.Add(time.Second)
		batch = append(batch, replicate.Entry{Index: f.index, Data: data})
		if len(batch) == 300 {
			f.l.Apply(batch)
			batch = batch[:0]
		}
	}
	const sales = 20_000
	t0 := time.Now()
	skus := []string{"MELK", "OPPVASK", "KINO", "AVIS"}
	for i := range sales {
		id := fmt.Sprintf("B%06d", i)
		add(CmdSaleOpen, saleRef{Sale: id})
		add(CmdSaleAdd, SaleAdd{Sale: id, SKU: skus[i%4], Qty: int64(1 + i%3)})
		add(CmdPayCash, PayCash{Sale: id, Tendered: 100000})
	}
	f.l.Apply(batch)
	setup := time.Since(t0)
	r, err := f.l.CurrentCounters("K1")
	if err != nil || r.Receipts != sales {
		b.Fatalf("%d sales counted (%v), want %d", r.Receipts, err, sales)
	}
	run := func(typ string) Result {
		env, _ := NewEnvelope(typ, f.now, ReportReq{})
		env.Register, env.Employee = "K1", "E2"
		data, _ := env.Encode()
		f.index++
		f.now = f.now.Add(time.Second)
		return f.l.Apply([]replicate.Entry{{Index: f.index, Data: data}})[0].(Result)
	}
	b.ResetTimer()
	for b.Loop() {
		if res := run(CmdReportX); res.Reject != nil || res.Err != nil {
			b.Fatal(res.Reject, res.Err)
		}
	}
	b.StopTimer()
	t1 := time.Now()
	res := run(CmdReportZ)
	z := time.Since(t1)
	if res.Reject != nil || res.Err != nil {
		b.Fatal(res.Reject, res.Err)
	}
	b.ReportMetric(z.Seconds()*1000, "ms/Z")
	b.ReportMetric(float64(setup.Microseconds())/sales, "µs/sale-applied")
}
