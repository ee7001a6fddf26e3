package web

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/kasse/kasse/hub/ledger"
	"github.com/kasse/kasse/hub/money"
	"github.com/kasse/kasse/hub/till"
)

// The tenders beyond cash and card, refunds, reversals, tips, gift cards
// and credit notes. Amounts are øre; an amount of 0 means "all that is due".

// payReq is the body of POST /sales/:id/payments for every method.
type payReq struct {
	Method string    `json:"method"`           // cash, card, giftcard, credit, mobile, or a configured tender's id
	Amount money.Øre `json:"amount"`           // cash: what was handed over; others: 0 for all that is due
	Number string    `json:"number,omitempty"` // gift card or credit note number
	Phone  string    `json:"phone,omitempty"`  // mobile: the customer's number
	Ref    string    `json:"ref,omitempty"`    // other tenders: e.g. the customer to invoice
}

// payTender books the tenders that are not cash or card.
func (s *Server) payTender(c echo.Context, req payReq) error {
	ctx, cancel := s.ctx(c)
	defer cancel()
	switch req.Method {
	case ledger.MethodGift, ledger.MethodCredit:
		return s.saleWrite(c, func(r till.Req) (till.SaleJSON, error) {
			return s.till.PayVoucher(ctx, r, c.Param("id"), req.Method, req.Number, req.Amount)
		})
	case ledger.MethodMobile:
		res, err := s.till.PayMobile(ctx, s.req(c), c.Param("id"), req.Amount, req.Phone)
		return s.attemptReply(c, res, err)
	}
	for _, t := range s.till.Tenders {
		if t.ID == req.Method {
			return s.saleWrite(c, func(r till.Req) (till.SaleJSON, error) {
				return s.till.PayOther(ctx, r, c.Param("id"), req.Method, req.Amount, req.Ref)
			})
		}
	}
	return &apiError{http.StatusBadRequest, "bad_method", `method must be "cash", "card", "giftcard", "credit", "mobile" or one of the shop's tenders (GET /api/v1/tenders)`, false}
}

// attemptReply answers with a card or mobile attempt: 200 once it has an
// outcome, 202 while it is pending (the register reads /payments/:id).
func (s *Server) attemptReply(c echo.Context, res *till.CardResult, err error) error {
	if errors.Is(err, till.ErrPaymentUnknown) && res != nil {
		return c.JSON(http.StatusAccepted, map[string]any{"code": "payment_pending",
			"message": "the terminal has not said yet whether money moved; the hub is finding out — do not take another payment", "attempt": res.Attempt, "sale": res.Sale})
	}
	if errors.Is(err, till.ErrNoMobile) {
		return &apiError{http.StatusConflict, "no_mobile", "mobile payment is not set up in this shop: take another tender", false}
	}
	if err != nil {
		return err
	}
	if res.Attempt.Status == ledger.AttemptPending {
		return c.JSON(http.StatusAccepted, res)
	}
	return c.JSON(http.StatusOK, res)
}

func (s *Server) tip(c echo.Context) error {
	var req struct {
		Amount money.Øre `json:"amount"`
	}
	if err := bind(c, &req); err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	return s.saleWrite(c, func(r till.Req) (till.SaleJSON, error) { return s.till.Tip(ctx, r, c.Param("id"), req.Amount) })
}

func (s *Server) sellGiftCard(c echo.Context) error {
	var req struct {
		Number string    `json:"number"`
		Amount money.Øre `json:"amount"`
	}
	if err := bind(c, &req); err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	return s.saleWrite(c, func(r till.Req) (till.SaleJSON, error) {
		return s.till.SellGiftCard(ctx, r, c.Param("id"), req.Number, req.Amount)
	})
}

// voucher is a gift card's or credit note's balance and history.
func (s *Server) voucher(c echo.Context) error {
	v, err := s.till.L.Voucher(c.Param("number"))
	if errors.Is(err, ledger.ErrNotFound) {
		return notFound("gift card or credit note")
	}
	if err != nil {
		return err
	}
	h, err := s.till.L.VoucherHistory(v.Number)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"voucher": v, "history": h})
}

func (s *Server) abortPayment(c echo.Context) error {
	if err := bind(c, &struct{}{}); err != nil {
		return err
	}
	res, err := s.till.Abort(c.Request().Context(), s.req(c), c.Param("id"))
	return s.attemptReply(c, res, err)
}

// reversePayment reverses a card payment of today: on its own open sale,
// or on the return named in the body.
func (s *Server) reversePayment(c echo.Context) error {
	var req struct {
		Sale string `json:"sale"`
	}
	if err := bind(c, &req); err != nil {
		return err
	}
	if req.Sale == "" {
		at, err := s.till.L.Attempt(c.Param("id"))
		if errors.Is(err, ledger.ErrNotFound) {
			return notFound("payment " + c.Param("id"))
		}
		if err != nil {
			return err
		}
		req.Sale = at.Sale
	}
	res, err := s.till.Reverse(c.Request().Context(), s.req(c), req.Sale, c.Param("id"))
	return s.attemptReply(c, res, err)
}

// refundReturn refunds a return: method "" gives the money back the way
// the original sale was paid.
func (s *Server) refundReturn(c echo.Context) error {
	var req struct {
		Method string `json:"method"`
	}
	if err := bind(c, &req); err != nil {
		return err
	}
	var (
		out any
		err error
	)
	if req.Method == ledger.MethodCard || req.Method == ledger.MethodMobile || req.Method == "" {
		// A card or app refund waits for the customer at the terminal.
		out, err = s.till.RefundTo(c.Request().Context(), s.req(c), c.Param("id"), req.Method)
	} else {
		ctx, cancel := s.ctx(c)
		defer cancel()
		out, err = s.till.RefundTo(ctx, s.req(c), c.Param("id"), req.Method)
	}
	if res, ok := out.(*till.CardResult); ok || errors.Is(err, till.ErrPaymentUnknown) {
		return s.attemptReply(c, res, err)
	}
	if err != nil {
		return err
	}
	return blob(c, http.StatusOK, out.(till.SaleJSON))
}

// findSale finds the sale a return starts from, by what a receipt's
// barcode or QR code holds or by its number ("K1/12", or "12" on this
// register).
func (s *Server) findSale(c echo.Context) error {
	sl, err := s.till.FindSale(s.req(c), c.QueryParam("code"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, sl)
}

// blindReturn opens a return without a receipt.
func (s *Server) blindReturn(c echo.Context, o *till.Override) error {
	ctx, cancel := s.ctx(c)
	defer cancel()
	ret, err := s.till.OpenBlindReturn(ctx, s.req(c), o)
	if err != nil {
		return err
	}
	return blob(c, http.StatusCreated, ret)
}

func (s *Server) tenders(c echo.Context) error {
	out := []map[string]any{}
	for _, t := range s.till.Tenders {
		out = append(out, map[string]any{"id": t.ID, "name": t.Name, "code": t.Code, "needsRef": t.NeedsRef})
	}
	return c.JSON(http.StatusOK, out)
}

// exchange takes goods of an earlier sale back on this sale.
func (s *Server) exchange(c echo.Context) error {
	var req struct {
		Original string `json:"original"` // the earlier sale's id
		Code     string `json:"code"`     // or what its receipt's code holds, or its number
		Line     int    `json:"line"`
		Qty      int64  `json:"qty"`
	}
	if err := bind(c, &req); err != nil {
		return err
	}
	if req.Original == "" {
		sl, err := s.till.FindSale(s.req(c), req.Code)
		if err != nil {
			return err
		}
		req.Original = sl.ID
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	return s.saleWrite(c, func(r till.Req) (till.SaleJSON, error) {
		return s.till.Exchange(ctx, r, c.Param("id"), req.Original, req.Line, req.Qty)
	})
}

func (s *Server) settle(c echo.Context) error {
	if err := bind(c, &struct{}{}); err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	return s.saleWrite(c, func(r till.Req) (till.SaleJSON, error) { return s.till.Settle(ctx, r, c.Param("id")) })
}

// payRoutes adds the endpoints of this file.
func (s *Server) payRoutes(api *echo.Group) {
	api.POST("/sales/:id/tip", s.tip)
	api.POST("/sales/:id/giftcards", s.sellGiftCard)
	api.POST("/sales/:id/exchange", s.exchange)
	api.POST("/sales/:id/settle", s.settle)
	api.GET("/vouchers/:number", s.voucher)
	api.POST("/payments/:id/abort", s.abortPayment)
	api.POST("/payments/:id/reverse", s.reversePayment)
	api.GET("/receipts/find", s.findSale)
	api.GET("/tenders", s.tenders)
}
