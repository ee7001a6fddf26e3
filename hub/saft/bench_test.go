package saft

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kasse/kasse/hub/ledger"
	"github.com/kasse/kasse/hub/ledger/ledgertest"
	"github.com/kasse/kasse/hub/money"
)

// busyShop is a real ledger holding a busy shop's trade: sales of 20 lines
// on two registers, paid in cash, as the big-shop test builds them.
func busyShop(b *testing.B, sales int) *ledgertest.Shop {
	s := ledgertest.New(b, time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC))
	s.Step = 2 * time.Second
	s.Register = "K1"
	s.Do(ledger.CmdShopSetup, ledger.Shop{Name: "Stor butikk", Address: "Storgata 1, 0155 Oslo", OrgNr: "912345678", VAT: true})
	s.Do(ledger.CmdRegisterPut, ledger.Register{ID: "K1", Name: "Kasse 1"})
	s.Do(ledger.CmdRegisterPut, ledger.Register{ID: "K2", Name: "Kasse 2"})
	items := make([]ledger.Item, 1000)
	for i := range items {
		items[i] = ledger.Item{SKU: fmt.Sprintf("item-%05d", i), Name: fmt.Sprintf("Vare nummer %d", i), Group: fmt.Sprintf("Gruppe %d", i%40),
			Price: money.Øre(100 + i), Rate: []money.Rate{money.Rate25, money.Rate15, money.Rate12, money.Rate0}[i%4], Unit: ledger.UnitPiece, Active: true}
	}
	s.Do(ledger.CmdItemPut, map[string]any{"items": items})
	for n := range sales {
		s.Register = []string{"K1", "K2"}[n%2]
		id := fmt.Sprintf("S-%07d", n)
		s.Do(ledger.CmdSaleOpen, map[string]string{"sale": id})
		for i := range 20 {
			s.Do(ledger.CmdSaleAdd, ledger.SaleAdd{Sale: id, SKU: fmt.Sprintf("item-%05d", (n*20+i)%len(items)), Qty: 1})
		}
		s.Do(ledger.CmdPayCash, ledger.PayCash{Sale: id, Tendered: money.Max})
	}
	return s
}

// BenchmarkExport: the export of a busy shop's journal from a real ledger
// on Badger, per journal entry.
func BenchmarkExport(b *testing.B) {
	s := busyShop(b, 2000)
	head, _, err := s.L.JournalHead()
	if err != nil {
		b.Fatal(err)
	}
	d := time.Date(2026, 3, 1, 0, 0, 0, 0, ledger.Oslo)
	p := Params{From: d, To: d.AddDate(0, 1, 0), Created: d, TempDir: b.TempDir()}
	var out counter
	b.ResetTimer()
	for range b.N {
		if err := Export(context.Background(), &out, s.L, p); err != nil {
			b.Fatal(err)
		}
	}
	entries := float64(head) * float64(b.N)
	b.ReportMetric(b.Elapsed().Seconds()*1e9/entries, "ns/entry")
	b.ReportMetric(entries/b.Elapsed().Seconds(), "entries/s")
	b.ReportMetric(float64(out.n)/float64(b.N)/float64(head), "bytes/entry")
}
