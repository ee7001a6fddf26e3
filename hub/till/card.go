package till

import (
	"context"
	"errors"
	"time"

	"github.com/kasse/kasse/drivers/terminal"
	"github.com/kasse/kasse/hub/ledger"
	"github.com/kasse/kasse/hub/money"
)

// Money that moves through a terminal or a mobile app — payments, refunds
// and reversals — follows one rule: the attempt is in the ledger before the
// device or provider hears of it; its outcome is booked from the answer, or,
// when the answer is lost, from asking the device or provider by the
// attempt's id; never guessed. Every booking carries the idempotency key
// "result/<attempt>", so the request path, a retry and the resolver book an
// outcome once.

// CardResult is the state of a card or mobile payment as the register sees it.
type CardResult struct {
	Attempt *ledger.Attempt `json:"attempt"`
	Sale    *ledger.Sale    `json:"sale"`
}

// errNotSent: the request surely never reached the terminal or provider.
var errNotSent = errors.New("not sent")

// look is what asking about an attempt found.
type look struct {
	o        ledger.Outcome
	known    bool // o is final
	notFound bool // the device or provider never got it
}

// PayCard takes amount (0: all that is due) by card. The attempt is in the
// ledger before the terminal hears of it. When the terminal's answer is lost
// the status is asked; if still unknown, ErrPaymentUnknown is returned with
// the attempt, and the resolver books it later.
func (s *Service) PayCard(ctx context.Context, r Req, sale string, amount money.Øre) (*CardResult, error) {
	if s.term == nil {
		return nil, ErrNoTerminal
	}
	amount, err := s.due(sale, amount)
	if err != nil {
		return nil, err
	}
	return s.attempt(ctx, r, ledger.CmdPayStart, ledger.PayStart{Sale: sale, Attempt: NewID("P"), Method: ledger.MethodCard, Amount: amount})
}

// due is amount, or what is due on sale when amount is 0.
func (s *Service) due(sale string, amount money.Øre) (money.Øre, error) {
	if amount != 0 {
		return amount, nil
	}
	sl, err := s.L.Sale(sale)
	if err != nil {
		return 0, invalid("unknown_sale", "no sale %s", sale)
	}
	if sl.Kind == ledger.KindReturn {
		return -sl.Totals.Due, nil
	}
	return sl.Totals.Due, nil
}

// RefundCard gives amount (0: all the return gives back) of return ret back
// to the card the customer presents, through the terminal.
func (s *Service) RefundCard(ctx context.Context, r Req, ret string, amount money.Øre) (*CardResult, error) {
	if s.term == nil {
		return nil, ErrNoTerminal
	}
	amount, err := s.due(ret, amount)
	if err != nil {
		return nil, err
	}
	return s.attempt(ctx, r, ledger.CmdRefundStart, ledger.RefundStart{Sale: ret, Attempt: NewID("F"), Kind: ledger.AttemptRefund, Method: ledger.MethodCard, Amount: amount})
}

// Reverse cancels the approved card payment of (an attempt id) the same day
// it was made: on its own sale while that is open, or on sale, a return of
// the payment's sale.
func (s *Service) Reverse(ctx context.Context, r Req, sale, of string) (*CardResult, error) {
	if s.term == nil {
		return nil, ErrNoTerminal
	}
	return s.attempt(ctx, r, ledger.CmdRefundStart, ledger.RefundStart{Sale: sale, Attempt: NewID("V"), Kind: ledger.AttemptReversal, Of: of})
}

// attempt journals an attempt with command typ and carries it out.
func (s *Service) attempt(ctx context.Context, r Req, typ string, body any) (*CardResult, error) {
	res, err := s.Do(ctx, r, typ, body)
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
	o, err := s.send(ctx, at)
	switch {
	case errors.Is(err, errNotSent):
		return s.book(ctx, at, ledger.Outcome{Status: ledger.AttemptFailed, Message: "the card terminal or payment app does not answer"})
	case err != nil:
		s.log.Warn("payment outcome lost or pending; asking", "attempt", at.ID, "method", at.Method, "err", err)
		return s.lookup(ctx, at)
	}
	return s.book(ctx, at, o)
}

// send asks for the attempt's money once.
func (s *Service) send(ctx context.Context, at *ledger.Attempt) (ledger.Outcome, error) {
	if at.Method == ledger.MethodMobile {
		return s.sendMobile(ctx, at)
	}
	var (
		tr  terminal.Result
		err error
	)
	req := terminal.PayRequest{TxID: at.ID, AmountØre: at.Amount, Time: at.Started}
	switch at.Kind {
	case ledger.AttemptRefund:
		tr, err = s.term.Refund(ctx, req)
	case ledger.AttemptReversal:
		var of *ledger.Attempt
		if of, err = s.L.Attempt(at.Of); err != nil {
			return ledger.Outcome{}, err
		}
		if of.Outcome == nil || of.Outcome.Card == nil {
			return ledger.Outcome{Status: ledger.AttemptFailed, Message: "the payment has no terminal transaction"}, nil
		}
		tr, err = s.term.Reverse(ctx, at.ID, of.Outcome.Card.TerminalTx, at.Amount)
	default:
		tr, err = s.term.Pay(ctx, req)
	}
	if errors.Is(err, terminal.ErrUnreachable) {
		return ledger.Outcome{}, errNotSent
	}
	if err != nil {
		return ledger.Outcome{}, err
	}
	return outcomeOf(at, tr), nil
}

// ask asks the terminal or provider what became of an attempt.
func (s *Service) ask(ctx context.Context, at *ledger.Attempt) (look, error) {
	if at.Method == ledger.MethodMobile {
		return s.askMobile(ctx, at)
	}
	if s.term == nil {
		return look{}, ErrNoTerminal
	}
	status := s.term.Status
	if at.Kind == ledger.AttemptReversal {
		status = s.term.ReversalStatus
	}
	tr, err := status(ctx, at.ID)
	if err != nil {
		return look{}, err
	}
	switch tr.Outcome {
	case terminal.NotFound:
		return look{notFound: true}, nil
	case terminal.InProgress:
		return look{}, nil
	}
	return look{o: outcomeOf(at, tr), known: true}, nil
}

// resolve finds out what became of a pending attempt. When retry is true
// and the terminal never got it, it is asked for now (a retried request).
func (s *Service) resolve(ctx context.Context, at *ledger.Attempt, retry bool) (*CardResult, error) {
	if retry && at.Method == ledger.MethodCard {
		if lk, err := s.ask(ctx, at); err == nil && lk.notFound {
			return s.charge(ctx, at)
		}
	}
	if _, busy := s.inFlight.LoadOrStore(at.ID, struct{}{}); busy {
		return nil, ErrPaymentUnknown
	}
	defer s.inFlight.Delete(at.ID)
	return s.lookup(ctx, at)
}

// lookup asks until it knows or ctx ends. An attempt the terminal never got
// is booked failed only once it is older than ResolveAfter: a younger one
// may still be on its way from the hub that started it.
func (s *Service) lookup(ctx context.Context, at *ledger.Attempt) (*CardResult, error) {
	wait := 250 * time.Millisecond
	for {
		lk, err := s.ask(ctx, at)
		switch {
		case err != nil:
		case lk.known:
			return s.book(ctx, at, lk.o)
		case lk.notFound && s.now().Sub(at.Started) >= s.ResolveAfter:
			return s.book(ctx, at, ledger.Outcome{Status: ledger.AttemptFailed, Message: "the payment never reached the terminal or app"})
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

func outcomeOf(at *ledger.Attempt, tr terminal.Result) ledger.Outcome {
	o := ledger.Outcome{Message: tr.Message}
	card := &ledger.CardInfo{TerminalTx: tr.TerminalTxID, Approval: tr.ApprovalCode, Brand: tr.Brand, Masked: tr.MaskedPAN, Funding: tr.Funding}
	switch {
	case at.Kind == ledger.AttemptReversal && tr.Outcome == terminal.Reversed:
		o.Status, o.Authorized, o.Card = ledger.AttemptApproved, tr.AuthorizedØre, card
		if o.Authorized == 0 {
			o.Authorized = at.Amount
		}
		if o.Card.TerminalTx == "" {
			o.Card.TerminalTx = at.Of // the terminal named none: keep the payment it cancelled
		}
	case at.Kind != ledger.AttemptReversal && (tr.Outcome == terminal.Approved || tr.Outcome == terminal.Partial):
		o.Status, o.Authorized, o.Tip, o.Card = ledger.AttemptApproved, tr.AuthorizedØre, tr.TipØre, card
	case tr.Outcome == terminal.Declined:
		o.Status = ledger.AttemptDeclined
		if tr.Condition == "Aborted" {
			o.Message = "aborted from the register"
		}
	default: // reversed since, or anything else: no money stays with us
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

// Abort asks the terminal or app to stop a payment still in progress (the
// customer walked away, the wrong amount was keyed). What became of it is
// booked as always: by the waiting request, or by asking.
func (s *Service) Abort(ctx context.Context, r Req, attempt string) (*CardResult, error) {
	at, err := s.L.Attempt(attempt)
	if errors.Is(err, ledger.ErrNotFound) {
		return nil, invalid("unknown_attempt", "no payment attempt %s", attempt)
	}
	if err != nil {
		return nil, err
	}
	if at.Register != r.Register {
		return nil, invalid("wrong_register", "payment %s belongs to register %s", at.ID, at.Register)
	}
	if at.Status != ledger.AttemptPending {
		return nil, invalid("attempt_resolved", "payment %s is already %s", at.ID, at.Status)
	}
	switch {
	case at.Method == ledger.MethodMobile && s.Mobile != nil:
		err = s.Mobile.Cancel(ctx, at.ID)
	case at.Method == ledger.MethodCard && s.term != nil:
		err = s.term.Abort(ctx, at.ID)
	default:
		return nil, ErrNoTerminal
	}
	if err != nil {
		s.log.Warn("abort not delivered", "attempt", at.ID, "err", err)
	}
	// The request that started it books it when the answer comes; if
	// nobody is waiting for it here, find out now.
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	for {
		cur, err := s.L.Attempt(at.ID)
		if err != nil {
			return nil, err
		}
		if cur.Status != ledger.AttemptPending {
			sl, err := s.L.Sale(cur.Sale)
			return &CardResult{Attempt: cur, Sale: sl}, err
		}
		if _, busy := s.inFlight.Load(at.ID); !busy {
			return s.resolve(wctx, cur, false)
		}
		select {
		case <-wctx.Done():
			sl, _ := s.L.Sale(cur.Sale)
			return &CardResult{Attempt: cur, Sale: sl}, ErrPaymentUnknown
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// ResolvePending books every card or mobile payment left without an
// outcome (a hub killed mid-payment, a register that gave up waiting). Run
// it on the leader at start and then now and then. Attempts older than
// this service were nobody's business here and are looked up at once.
func (s *Service) ResolvePending(ctx context.Context) {
	pending, err := s.L.PendingAttempts()
	if err != nil {
		s.log.Error("list pending payments", "err", err)
		return
	}
	for _, at := range pending {
		if at.Method == ledger.MethodCard && s.term == nil || at.Method == ledger.MethodMobile && s.Mobile == nil {
			continue
		}
		if at.Started.After(s.since) && s.now().Sub(at.Started) < s.ResolveAfter {
			continue
		}
		if _, busy := s.inFlight.Load(at.ID); busy {
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		res, err := s.resolve(cctx, at, false)
		cancel()
		if err != nil {
			s.log.Warn("payment still unresolved", "attempt", at.ID, "err", err)
			continue
		}
		s.log.Info("payment resolved", "attempt", at.ID, "status", res.Attempt.Status)
	}
}
