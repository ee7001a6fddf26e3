package till_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/kasse/kasse/hub/demo"
	"github.com/kasse/kasse/hub/ledger"
	"github.com/kasse/kasse/hub/ledger/ledgertest"
	"github.com/kasse/kasse/hub/till"
	"github.com/kasse/kasse/replicate"
)

// applier proposes by applying at once, as raft would on this hub; with
// follower set, as on a hub that stopped leading between commit and apply.
type applier struct {
	shop     *ledgertest.Shop
	follower bool
}

func (p *applier) Propose(_ context.Context, data []byte) (replicate.Result, error) {
	p.shop.Index++
	out := p.shop.L.Apply([]replicate.Entry{{Index: p.shop.Index, Data: data, Follower: p.follower}})
	return replicate.Result{Index: p.shop.Index, Value: out[0]}, nil
}

// TestAnswerAfterSteppingDown: a leader that stepped down between commit
// and apply applies its own command as a follower, which leaves the sale
// answer unencoded; the register still gets the sale.
func TestAnswerAfterSteppingDown(t *testing.T) {
	shop := ledgertest.New(t, time.Now())
	p := &applier{shop: shop}
	svc := till.New(shop.L, p, nil, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx := context.Background()
	shop1 := ledger.Shop{Name: "Bakeriet", Address: "Storgata 1, 0155 Oslo", OrgNr: "987654321", VAT: true}
	if err := svc.SetUp(ctx, shop1, []ledger.Register{{ID: "K1", Name: "Kasse 1"}}, nil); err != nil {
		t.Fatal(err)
	}
	if err := demo.Seed(ctx, svc, ""); err != nil {
		t.Fatal(err)
	}
	p.follower = true
	r := till.Req{Register: "K1"}
	raw, err := svc.OpenSale(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	s, err := till.DecodeSale(raw)
	if err != nil || s.ID == "" || s.Status != ledger.SaleOpen {
		t.Fatalf("open sale answered %q (%v)", raw, err)
	}
	raw, err = svc.AddSKU(ctx, r, s.ID, "1001", 2)
	if err != nil {
		t.Fatal(err)
	}
	if s, err = till.DecodeSale(raw); err != nil || len(s.Lines) != 1 || s.Lines[0].Qty != 2 {
		t.Fatalf("add line answered %q (%v)", raw, err)
	}
}
