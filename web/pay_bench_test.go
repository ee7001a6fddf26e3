package web

import (
	"context"
	"fmt"
	"testing"

	"github.com/kasse/kasse/hub/ledger"
	"github.com/kasse/kasse/hub/till"
)

// BenchmarkGiftCardRedeem measures one gift card redemption through the
// till, Raft (one voter) and Badger with fsync: the balance check and the
// booking happen in Apply. Sales are prepared before the timer starts.
func BenchmarkGiftCardRedeem(b *testing.B) {
	s := newStack(b)
	ctx := context.Background()
	r := till.Req{Register: "K1"}
	open := func(milk bool) string {
		id := till.NewID("S")
		if _, err := s.svc.Do(ctx, till.Req{Register: "K1", Key: "o" + id, Hash: id}, ledger.CmdSaleOpen, map[string]string{"sale": id}); err != nil {
			b.Fatal(err)
		}
		if !milk {
			return id
		}
		if _, err := s.svc.AddSKU(ctx, r, id, "1001", 1); err != nil {
			b.Fatal(err)
		}
		return id
	}
	gift := open(false)
	if _, err := s.svc.SellGiftCard(ctx, r, gift, "BENCH000001", ledger.MaxVoucher); err != nil {
		b.Fatal(err)
	}
	if _, err := s.svc.PayCash(ctx, r, gift, ledger.MaxVoucher); err != nil {
		b.Fatal(err)
	}
	sales := make([]string, b.N)
	for i := range sales {
		sales[i] = open(true)
	}
	b.ResetTimer()
	for i := range b.N {
		if _, err := s.svc.PayVoucher(ctx, till.Req{Register: "K1", Key: fmt.Sprint("r", i), Hash: "h"}, sales[i], ledger.MethodGift, "BENCH000001", 0); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "redeems/s")
}

// BenchmarkCardPayment measures a card payment from the register's request
// to the booked sale: the attempt through Raft, the nexo exchange over
// HTTPS with the stand-in terminal, the outcome through Raft.
func BenchmarkCardPayment(b *testing.B) {
	s := newStack(b)
	ctx := context.Background()
	r := till.Req{Register: "K1"}
	sales := make([]string, b.N)
	for i := range sales {
		id := till.NewID("S")
		if _, err := s.svc.Do(ctx, till.Req{Register: "K1", Key: "o" + id, Hash: id}, ledger.CmdSaleOpen, map[string]string{"sale": id}); err != nil {
			b.Fatal(err)
		}
		if _, err := s.svc.AddSKU(ctx, r, id, "1001", 1); err != nil {
			b.Fatal(err)
		}
		sales[i] = id
	}
	b.ResetTimer()
	for i := range b.N {
		res, err := s.svc.PayCard(ctx, till.Req{Register: "K1", Key: fmt.Sprint("c", i), Hash: "h"}, sales[i], 0)
		if err != nil || res.Sale.Status != ledger.SaleCompleted {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "payments/s")
}
