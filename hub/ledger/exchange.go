package ledger

import "github.com/kasse/kasse/hub/money"

// An exchange is a return and a sale in one transaction: a sale that also
// takes back lines of one earlier sale (negative lines, Orig set, stock put
// back). Its total is what is bought less what is returned: above zero the
// customer pays the difference, below zero it is refunded like a return
// (cash, credit note, card or app), at zero it is settled as it is. It is
// signed and numbered as one sale, on one receipt.

// Commands of exchanges.
const (
	CmdSaleExchange = "sale.exchange"
	CmdSaleSettle   = "sale.settle"
)

// SaleExchange takes qty of line of the completed sale Original back on
// the open sale Sale.
type SaleExchange struct {
	Sale     string `json:"sale"`
	Original string `json:"original"`
	Line     int    `json:"line"`
	Qty      int64  `json:"qty"`
}

func init() {
	addHandlers(map[string]handler{CmdSaleExchange: applySaleExchange, CmdSaleSettle: applySaleSettle})
}

func applySaleExchange(a *applyCtx, env *Envelope) (any, error) {
	req, s, err := editSale(a, env, func(r *SaleExchange) string { return r.Sale })
	if err != nil {
		return nil, err
	}
	if s.Original != "" && s.Original != req.Original {
		return nil, reject("bad_request", "an exchange takes back from one sale: %s", s.Original)
	}
	orig, err := a.sale(req.Original)
	if err != nil {
		return nil, err
	}
	if orig.Status != SaleCompleted || orig.Kind == KindReturn || orig.ID == s.ID {
		return nil, reject("not_returnable", "only a completed sale can be returned from")
	}
	if len(s.Lines) >= MaxLines {
		return nil, reject("too_many_lines", "a sale holds at most %d lines", MaxLines)
	}
	s.Original = orig.ID
	if err := a.takeBack(s, req.Line, req.Qty); err != nil {
		return nil, err
	}
	return s, a.saveSale(s)
}

// applySaleSettle completes an exchange whose returned goods pay exactly
// for the new ones.
func applySaleSettle(a *applyCtx, env *Envelope) (any, error) {
	req, err := body[saleRef](env)
	if err != nil {
		return nil, err
	}
	s, err := a.openSale(req.Sale)
	if err != nil {
		return nil, err
	}
	switch {
	case s.Original == "" || s.Kind == KindReturn:
		return nil, reject("not_an_exchange", "only an exchange settles without a payment")
	case len(s.Pending) > 0:
		return nil, reject("payment_pending", "a payment is in progress on this sale")
	case s.Totals.Due != 0:
		return nil, reject("nothing_due", "%s is still to pay or refund", money.Kr(s.Totals.Due))
	}
	if err := a.complete(s); err != nil {
		return nil, err
	}
	return s, a.saveSale(s)
}
