package mobilepaytest

import (
	"context"
	"errors"
	"testing"

	"github.com/kasse/kasse/drivers/mobilepay"
)

// TestFlow walks the provider's documented states: created, answered,
// captured, refunded; repeats with the same reference or key do nothing
// twice; what is not allowed is refused.
func TestFlow(t *testing.T) {
	ctx := context.Background()
	p := New()
	if _, err := p.Get(ctx, "none"); !errors.Is(err, mobilepay.ErrNotFound) {
		t.Errorf("unknown reference: %v", err)
	}
	if err := p.Create(ctx, "A", 10064, "4791234567"); err != nil { // waits for the customer
		t.Fatal(err)
	}
	if err := p.Create(ctx, "A", 99900, "4791234567"); err != nil {
		t.Fatal(err)
	}
	if pay, _ := p.Get(ctx, "A"); pay.State != mobilepay.Created || pay.Amount != 10064 {
		t.Fatalf("created twice or changed: %+v", pay)
	}
	if err := p.Capture(ctx, "A", 100, "c1"); !errors.Is(err, mobilepay.ErrRefused) {
		t.Errorf("capture before approval: %v", err)
	}
	p.Approve("A")
	for range 2 {
		if err := p.Capture(ctx, "A", 10064, "c1"); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Refund(ctx, "A", 6000, "r1"); err != nil {
		t.Fatal(err)
	}
	if err := p.Refund(ctx, "A", 6000, "r1"); err != nil { // the same refund again
		t.Fatal(err)
	}
	if err := p.Refund(ctx, "A", 6000, "r2"); !errors.Is(err, mobilepay.ErrRefused) {
		t.Errorf("refund beyond what was captured: %v", err)
	}
	if err := p.Cancel(ctx, "A"); !errors.Is(err, mobilepay.ErrRefused) {
		t.Errorf("cancel of a captured payment: %v", err)
	}
	if pay, _ := p.Get(ctx, "A"); pay.Captured != 10064 || pay.Refunded != 6000 || pay.PSPReference == "" {
		t.Errorf("after capture and refund: %+v", pay)
	}

	for _, c := range []struct {
		amount int64
		want   mobilepay.State
		err    error
	}{
		{10061, mobilepay.Aborted, nil},
		{10062, mobilepay.Expired, nil},
		{10063, mobilepay.Authorized, mobilepay.ErrUnknownOutcome},
		{10000, mobilepay.Authorized, nil},
	} {
		ref := "R" + string(rune('0'+c.amount%10))
		if err := p.Create(ctx, ref, c.amount, "4791234567"); !errors.Is(err, c.err) {
			t.Errorf("%d: %v, want %v", c.amount, err, c.err)
		}
		if pay, _ := p.Get(ctx, ref); pay.State != c.want {
			t.Errorf("%d: %s, want %s", c.amount, pay.State, c.want)
		}
	}
	p.Create(ctx, "B", 10064, "4791234567")
	if err := p.Cancel(ctx, "B"); err != nil {
		t.Fatal(err)
	}
	if pay, _ := p.Get(ctx, "B"); pay.State != mobilepay.Aborted || p.Approve("B") {
		t.Errorf("a cancelled payment: %+v", pay)
	}
	p.SetDown(true)
	if err := p.Create(ctx, "C", 100, "4791234567"); !errors.Is(err, mobilepay.ErrUnreachable) {
		t.Errorf("with the provider down: %v", err)
	}
}
