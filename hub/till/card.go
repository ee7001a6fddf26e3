package till

import (
	"context"
	"errors"
	"time"

	"github.com/kasse/kasse/drivers/terminal"
	"github.com/kasse/kasse/hub/ledger"
	"github.com/kasse/kasse/hub/money"
)

// CardResult is the state of a card payment as the register sees it.
type CardResult struct {
	Attempt *ledger.Attempt `json:"attempt"`
	Sale    *ledger.Sale    `json:"sale"`
}

// PayCard takes amount (0: all that is due) by card. The attempt is in the
// ledger before the terminal hears of it. When the terminal's answer is lost
// the status is asked; if still unknown, ErrPaymentUnknown is returned with
// the attempt, and the resolver books it later.
func (s *Service) PayCard(ctx context.Context, r Req, sale string, amount money.Øre) (*CardResult, error) {
	if s.term == nil {
		return nil, ErrNoTerminal
	}
	if amount == 0 {
		sl, err := s.L.Sale(sale)
		if err != nil {
			return nil, invalid("unknown_sale", "no sale %s", sale)
		}
		amount = sl.Totals.Due
	}
	res, err := s.Do(ctx, r, ledger.CmdPayStart, ledger.PayStart{Sale: sale, Attempt: NewID("P"), Method: "card", Amount: amount})
	if err != nil {
		return nil, err
	}
	at, err := decode[ledger.Attempt](res)
	if err != nil {
		return nil, err
	}
	if res.Replay {
		// A retry: the first request may have reached the terminal. Never pay
		// twice: look at what the ledger and the terminal know first.
		cur, err := s.L.Attempt(at.ID)
		if err != nil {
			return nil, err
		}
		if cur.Status != ledger.AttemptPending {
			sl, err := s.L.Sale(cur.Sale)
			return &CardResult{Attempt: cur, Sale: sl}, err
		}
		return s.resolve(ctx, cur, true)
	}
	return s.charge(ctx, at)
}

// charge asks the terminal for the attempt's money and books the outcome.
func (s *Service) charge(ctx context.Context, at *ledger.Attempt) (*CardResult, error) {
	if _, busy := s.inFlight.LoadOrStore(at.ID, struct{}{}); busy {
		return nil, ErrPaymentUnknown
	}
	defer s.inFlight.Delete(at.ID)
	tr, err := s.term.Pay(ctx, terminal.PayRequest{TxID: at.ID, AmountØre: at.Amount, Time: at.Started})
	switch {
	case errors.Is(err, terminal.ErrUnreachable):
		return s.book(ctx, at, ledger.Outcome{Status: ledger.AttemptFailed, Message: "the card terminal does not answer"})
	case err != nil:
		s.log.Warn("card payment outcome lost; asking the terminal", "attempt", at.ID, "err", err)
		return s.lookup(ctx, at)
	}
	return s.book(ctx, at, outcomeOf(tr))
}

// resolve finds out what became of a pending attempt. When pay is true and
// the terminal never got it, it is asked for now (a retried request).
func (s *Service) resolve(ctx context.Context, at *ledger.Attempt, pay bool) (*CardResult, error) {
	tr, err := s.term.Status(ctx, at.ID)
	if err == nil && tr.Outcome == terminal.NotFound && pay {
		return s.charge(ctx, at)
	}
	if _, busy := s.inFlight.LoadOrStore(at.ID, struct{}{}); busy {
		return nil, ErrPaymentUnknown
	}
	defer s.inFlight.Delete(at.ID)
	return s.lookup(ctx, at)
}

// lookup asks the terminal for the status until it knows or ctx ends.
func (s *Service) lookup(ctx context.Context, at *ledger.Attempt) (*CardResult, error) {
	wait := 250 * time.Millisecond
	for {
		tr, err := s.term.Status(ctx, at.ID)
		if err == nil {
			switch tr.Outcome {
			case terminal.NotFound:
				// It never reached the terminal: no money moved.
				return s.book(ctx, at, ledger.Outcome{Status: ledger.AttemptFailed, Message: "the payment never reached the terminal"})
			case terminal.InProgress:
			default:
				return s.book(ctx, at, outcomeOf(tr))
			}
		}
		select {
		case <-ctx.Done():
			sl, _ := s.L.Sale(at.Sale)
			return &CardResult{Attempt: at, Sale: sl}, ErrPaymentUnknown
		case <-time.After(wait):
		}
		wait = min(wait*2, 2*time.Second)
	}
}

func outcomeOf(tr terminal.Result) ledger.Outcome {
	o := ledger.Outcome{Message: tr.Message}
	switch tr.Outcome {
	case terminal.Approved, terminal.Partial:
		o.Status, o.Authorized = ledger.AttemptApproved, tr.AuthorizedØre
		o.Card = &ledger.CardInfo{TerminalTx: tr.TerminalTxID, Approval: tr.ApprovalCode, Brand: tr.Brand, Masked: tr.MaskedPAN}
	case terminal.Declined:
		o.Status = ledger.AttemptDeclined
	default: // reversed or anything else: no money stays with us
		o.Status = ledger.AttemptFailed
	}
	return o
}

// book proposes the outcome. It carries its own idempotency key so that the
// request path and the resolver booking the same outcome book it once.
func (s *Service) book(ctx context.Context, at *ledger.Attempt, o ledger.Outcome) (*CardResult, error) {
	r := Req{Register: at.Register, Key: "result/" + at.ID, Hash: at.ID}
	res, err := s.Do(context.WithoutCancel(ctx), r, ledger.CmdPayResult, ledger.PayResult{Attempt: at.ID, Outcome: o})
	var rej *ledger.Rejection
	if errors.As(err, &rej) && rej.Code == "attempt_resolved" {
		cur, err := s.L.Attempt(at.ID)
		if err != nil {
			return nil, err
		}
		sl, err := s.L.Sale(cur.Sale)
		return &CardResult{Attempt: cur, Sale: sl}, err
	}
	if err != nil {
		return nil, err
	}
	return decode[CardResult](res)
}

// ResolvePending books every card payment left without an outcome (a hub
// killed mid-payment, a register that gave up waiting). Run it on the leader
// at start and then now and then.
func (s *Service) ResolvePending(ctx context.Context) {
	if s.term == nil {
		return
	}
	pending, err := s.L.PendingAttempts()
	if err != nil {
		s.log.Error("list pending card payments", "err", err)
		return
	}
	for _, at := range pending {
		if s.now().Sub(at.Started) < s.ResolveAfter {
			continue
		}
		if _, busy := s.inFlight.Load(at.ID); busy {
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		res, err := s.resolve(cctx, at, false)
		cancel()
		if err != nil {
			s.log.Warn("card payment still unresolved", "attempt", at.ID, "err", err)
			continue
		}
		s.log.Info("card payment resolved", "attempt", at.ID, "status", res.Attempt.Status)
	}
}
