package ledger

import (
	"fmt"
	"testing"
	"time"

	"github.com/kasse/kasse/replicate"
)

// BenchmarkApplySales is the state machine alone, as the hub's load tool
// drives it: sales of 20 lines paid in cash, committed in batches of 8, each
// command with an idempotency key. One op is one command; run with
// -cpuprofile to see where an apply goes. follower: as a follower applies.
func BenchmarkApplySales(b *testing.B) {
	for _, follower := range []bool{false, true} {
		b.Run(fmt.Sprintf("follower=%v", follower), func(b *testing.B) {
			f := newFixture(b)
			var batch []replicate.Entry
			n := 0
			add := func(typ string, body any) {
				env, err := NewEnvelope(typ, f.now, body)
				if err != nil {
					b.Fatal(err)
				}
				n++
				env.Register, env.Employee, env.Key = "K1", "E1", fmt.Sprintf("k%d", n)
				env.ReqHash = env.Key
				data, _ := env.Encode()
				f.index++
				f.now = f.now.Add(10 * time.Millisecond)
				batch = append(batch, replicate.Entry{Index: f.index, Data: data, Follower: follower})
				if len(batch) == 8 {
					for _, r := range f.l.Apply(batch) {
						if res := r.(Result); res.Err != nil || res.Reject != nil {
							b.Fatal(res.Err, res.Reject)
						}
					}
					batch = batch[:0]
				}
			}
			skus := []string{"MELK", "OPPVASK", "KINO", "AVIS"}
			var sale string
			line := 0
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				switch {
				case line == 0:
					sale = fmt.Sprintf("B%08d", i)
					add(CmdSaleOpen, saleRef{Sale: sale})
				case line <= 20:
					add(CmdSaleAdd, SaleAdd{Sale: sale, SKU: skus[line%4], Qty: 1})
				default:
					add(CmdPayCash, PayCash{Sale: sale, Tendered: 10_000_000})
					line = -1
				}
				line++
			}
		})
	}
}
