package till

import (
	"context"
	"errors"
	"time"

	"github.com/kasse/kasse/drivers/mobilepay"
	"github.com/kasse/kasse/hub/ledger"
	"github.com/kasse/kasse/hub/money"
)

// Mobile is a mobile payment provider working as Vipps MobilePay's ePayment
// API does (package mobilepay says what its errors promise). The shop's
// reference for a payment is the attempt id.
type Mobile interface {
	Create(ctx context.Context, reference string, amountØre int64, phone string) error
	Get(ctx context.Context, reference string) (mobilepay.Payment, error)
	Capture(ctx context.Context, reference string, amountØre int64, key string) error
	Cancel(ctx context.Context, reference string) error
	Refund(ctx context.Context, reference string, amountØre int64, key string) error
}

// ErrNoMobile: mobile payment asked of a hub without a provider.
var ErrNoMobile = errors.New("mobile payment is not set up in this shop")

// MobileWait is how long the hub follows a mobile payment request for the
// customer's answer before leaving it to the resolver.
const MobileWait = 5 * time.Minute

// PayMobile sends a payment request for amount (0: all that is due) to the
// customer's phone. It answers at once with the attempt pending: the
// register shows "approve in the app" and reads the attempt until it is
// approved or declined; the hub follows the request in the background.
func (s *Service) PayMobile(ctx context.Context, r Req, sale string, amount money.Øre, phone string) (*CardResult, error) {
	if s.Mobile == nil {
		return nil, ErrNoMobile
	}
	if len(phone) < 8 || len(phone) > 15 {
		return nil, invalid("bad_phone", "give the customer's mobile number, 8 to 15 digits")
	}
	amount, err := s.due(sale, amount)
	if err != nil {
		return nil, err
	}
	res, err := s.Do(ctx, r, ledger.CmdPayStart, ledger.PayStart{Sale: sale, Attempt: NewID("M"), Method: ledger.MethodMobile, Amount: amount})
	if err != nil {
		return nil, err
	}
	at, err := decode[ledger.Attempt](res)
	if err != nil {
		return nil, err
	}
	if !res.Replay {
		if err := s.Mobile.Create(ctx, at.ID, at.Amount, phone); errors.Is(err, mobilepay.ErrUnreachable) || errors.Is(err, mobilepay.ErrRefused) {
			return s.book(ctx, at, ledger.Outcome{Status: ledger.AttemptFailed, Message: "the payment app could not be reached: take another tender"})
		} else if err != nil {
			s.log.Warn("mobile payment request outcome unknown; following it", "attempt", at.ID, "err", err)
		}
		go s.follow(at)
	}
	cur, err := s.L.Attempt(at.ID)
	if err != nil {
		return nil, err
	}
	sl, err := s.L.Sale(cur.Sale)
	return &CardResult{Attempt: cur, Sale: sl}, err
}

// RefundMobile gives amount (0: all) of return ret back through the app,
// against the original sale's mobile payment of.
func (s *Service) RefundMobile(ctx context.Context, r Req, ret, of string, amount money.Øre) (*CardResult, error) {
	if s.Mobile == nil {
		return nil, ErrNoMobile
	}
	amount, err := s.due(ret, amount)
	if err != nil {
		return nil, err
	}
	return s.attempt(ctx, r, ledger.CmdRefundStart, ledger.RefundStart{Sale: ret, Attempt: NewID("F"), Kind: ledger.AttemptRefund, Method: ledger.MethodMobile, Amount: amount, Of: of})
}

// follow waits for the customer's answer to a mobile payment and books it.
func (s *Service) follow(at *ledger.Attempt) {
	ctx, cancel := context.WithTimeout(s.bg, MobileWait)
	defer cancel()
	if _, err := s.resolve(ctx, at, false); err != nil {
		s.log.Warn("mobile payment not answered yet; the resolver carries on", "attempt", at.ID, "err", err)
	}
}

// sendMobile refunds through the app (a payment is created in PayMobile
// and only followed here).
func (s *Service) sendMobile(ctx context.Context, at *ledger.Attempt) (ledger.Outcome, error) {
	if at.Kind != ledger.AttemptRefund {
		return ledger.Outcome{}, errors.New("follow the mobile payment")
	}
	lk, err := s.refundMobile(ctx, at)
	if err != nil {
		return ledger.Outcome{}, err
	}
	return lk.o, nil
}

// refundMobile asks the provider to refund; repeating it with the same key
// is safe, so it is also how a lost refund answer is looked up.
func (s *Service) refundMobile(ctx context.Context, at *ledger.Attempt) (look, error) {
	of, err := s.L.Attempt(at.Of)
	if err != nil {
		return look{}, err
	}
	err = s.Mobile.Refund(ctx, of.ID, at.Amount, "refund/"+at.ID)
	switch {
	case err == nil:
		ref := at.Of
		if of.Outcome != nil && of.Outcome.Ref != "" {
			ref = of.Outcome.Ref
		}
		return look{known: true, o: ledger.Outcome{Status: ledger.AttemptApproved, Authorized: at.Amount, Ref: ref}}, nil
	case errors.Is(err, mobilepay.ErrRefused), errors.Is(err, mobilepay.ErrNotFound):
		return look{known: true, o: ledger.Outcome{Status: ledger.AttemptDeclined, Message: "the payment app refused the refund"}}, nil
	case errors.Is(err, mobilepay.ErrUnreachable):
		return look{}, errNotSent
	}
	return look{}, err
}

// askMobile reads a mobile attempt's state; an authorised payment is
// captured (idempotently) before it is booked.
func (s *Service) askMobile(ctx context.Context, at *ledger.Attempt) (look, error) {
	if s.Mobile == nil {
		return look{}, ErrNoMobile
	}
	if at.Kind == ledger.AttemptRefund {
		lk, err := s.refundMobile(ctx, at)
		if errors.Is(err, errNotSent) {
			return look{}, mobilepay.ErrUnreachable
		}
		return lk, err
	}
	p, err := s.Mobile.Get(ctx, at.ID)
	if errors.Is(err, mobilepay.ErrNotFound) {
		return look{notFound: true}, nil
	}
	if err != nil {
		return look{}, err
	}
	switch p.State {
	case mobilepay.Created:
		return look{}, nil
	case mobilepay.Authorized:
		if err := s.Mobile.Capture(ctx, at.ID, p.Authorized-p.Captured, "capture/"+at.ID); err != nil && p.Captured < p.Authorized {
			return look{}, err
		}
		return look{known: true, o: ledger.Outcome{Status: ledger.AttemptApproved, Authorized: p.Authorized, Ref: p.PSPReference}}, nil
	case mobilepay.Aborted:
		return look{known: true, o: ledger.Outcome{Status: ledger.AttemptDeclined, Message: "the customer declined in the app, or it was cancelled"}}, nil
	case mobilepay.Expired:
		return look{known: true, o: ledger.Outcome{Status: ledger.AttemptDeclined, Message: "the customer did not answer in the app in time"}}, nil
	}
	return look{known: true, o: ledger.Outcome{Status: ledger.AttemptFailed, Message: "the payment app ended the payment (" + string(p.State) + ")"}}, nil
}
