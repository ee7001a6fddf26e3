// Package mobilepaytest is a stand-in for a Vipps MobilePay-like provider,
// for tests and the demo hub. It keeps payments by the shop's reference
// and moves them through the provider's documented states: CREATED until
// the customer answers, then AUTHORIZED (approved) or ABORTED (declined),
// EXPIRED when nobody answers; a shop may cancel, capture what was
// authorised and refund what was captured. Create, Capture and Refund
// repeated with the same reference or idempotency key do nothing twice.
//
// Like the card terminal's stand-in, the øre of the amount choose what
// the customer does, so a test through a running hub picks it by price:
//
//	xx.61  the customer declines in the app         (ABORTED)
//	xx.62  the customer never answers               (EXPIRED at the first look)
//	xx.63  approved, but the reply to Create is lost (ErrUnknownOutcome)
//	xx.64  waits until the test calls Approve, Decline or Expire
//	other  the customer approves at once            (AUTHORIZED)
package mobilepaytest

import (
	"context"
	"fmt"
	"sync"

	"github.com/kasse/kasse/drivers/mobilepay"
)

// Provider is the stand-in. Its methods are safe for concurrent use.
type Provider struct {
	mu       sync.Mutex
	payments map[string]*mobilepay.Payment
	keys     map[string]bool // idempotency keys of captures and refunds done
	seq      int
	down     bool
}

// SetDown makes every call fail with ErrUnreachable, as with the internet
// out, until it is called with false.
func (p *Provider) SetDown(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = down
}

// New returns an empty stand-in.
func New() *Provider {
	return &Provider{payments: map[string]*mobilepay.Payment{}, keys: map[string]bool{}}
}

func (p *Provider) unreachable() error {
	if p.down {
		return mobilepay.ErrUnreachable
	}
	return nil
}

// Create asks the customer to approve amountØre under reference.
func (p *Provider) Create(_ context.Context, reference string, amountØre int64, phone string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.unreachable(); err != nil {
		return err
	}
	if amountØre < 1 || reference == "" {
		return fmt.Errorf("%w: amount and reference are required", mobilepay.ErrRefused)
	}
	if _, ok := p.payments[reference]; ok {
		return nil // the same reference again: already created
	}
	p.seq++
	pay := &mobilepay.Payment{Reference: reference, State: mobilepay.Created, Amount: amountØre, PSPReference: fmt.Sprintf("PSP%08d", p.seq)}
	p.payments[reference] = pay
	switch amountØre % 100 {
	case 61:
		pay.State = mobilepay.Aborted
	case 62:
		pay.State = mobilepay.Expired
	case 64:
	case 63:
		p.authorize(pay)
		return fmt.Errorf("%w: connection reset", mobilepay.ErrUnknownOutcome)
	default:
		p.authorize(pay)
	}
	return nil
}

func (p *Provider) authorize(pay *mobilepay.Payment) {
	pay.State, pay.Authorized = mobilepay.Authorized, pay.Amount
}

// Get reads a payment by reference.
func (p *Provider) Get(_ context.Context, reference string) (mobilepay.Payment, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.unreachable(); err != nil {
		return mobilepay.Payment{}, err
	}
	pay, ok := p.payments[reference]
	if !ok {
		return mobilepay.Payment{}, mobilepay.ErrNotFound
	}
	return *pay, nil
}

// Capture takes amountØre of what was authorised.
func (p *Provider) Capture(_ context.Context, reference string, amountØre int64, key string) error {
	return p.modify(reference, key, func(pay *mobilepay.Payment) error {
		if pay.State != mobilepay.Authorized || pay.Captured+amountØre > pay.Authorized {
			return fmt.Errorf("%w: cannot capture %d of %s", mobilepay.ErrRefused, amountØre, pay.State)
		}
		pay.Captured += amountØre
		return nil
	})
}

// Cancel stops a payment the customer has not approved yet, or releases an
// authorisation that was not captured.
func (p *Provider) Cancel(_ context.Context, reference string) error {
	return p.modify(reference, "", func(pay *mobilepay.Payment) error {
		switch {
		case pay.State == mobilepay.Created:
			pay.State = mobilepay.Aborted
		case pay.State == mobilepay.Authorized && pay.Captured == 0:
			pay.State = mobilepay.Terminated
		case pay.State == mobilepay.Authorized:
			return fmt.Errorf("%w: captured payments are refunded, not cancelled", mobilepay.ErrRefused)
		}
		return nil
	})
}

// Refund gives back amountØre of what was captured.
func (p *Provider) Refund(_ context.Context, reference string, amountØre int64, key string) error {
	return p.modify(reference, key, func(pay *mobilepay.Payment) error {
		if amountØre < 1 || pay.Refunded+amountØre > pay.Captured {
			return fmt.Errorf("%w: cannot refund %d", mobilepay.ErrRefused, amountØre)
		}
		pay.Refunded += amountØre
		return nil
	})
}

func (p *Provider) modify(reference, key string, f func(*mobilepay.Payment) error) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.unreachable(); err != nil {
		return err
	}
	pay, ok := p.payments[reference]
	if !ok {
		return mobilepay.ErrNotFound
	}
	if key != "" && p.keys[key] {
		return nil
	}
	if err := f(pay); err != nil {
		return err
	}
	if key != "" {
		p.keys[key] = true
	}
	return nil
}

// answer moves a waiting payment, as the customer does in the app.
func (p *Provider) answer(reference string, to mobilepay.State) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	pay, ok := p.payments[reference]
	if !ok || pay.State != mobilepay.Created {
		return false
	}
	if to == mobilepay.Authorized {
		p.authorize(pay)
	} else {
		pay.State = to
	}
	return true
}

// Approve, Decline and Expire answer a waiting payment (amount xx.64).
func (p *Provider) Approve(reference string) bool { return p.answer(reference, mobilepay.Authorized) }

// Decline is the customer pressing "decline" in the app.
func (p *Provider) Decline(reference string) bool { return p.answer(reference, mobilepay.Aborted) }

// Expire is the customer never answering.
func (p *Provider) Expire(reference string) bool { return p.answer(reference, mobilepay.Expired) }

// Payment returns a payment as the provider holds it.
func (p *Provider) Payment(reference string) (mobilepay.Payment, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pay, ok := p.payments[reference]
	if !ok {
		return mobilepay.Payment{}, false
	}
	return *pay, true
}
