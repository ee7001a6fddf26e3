package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kasse/kasse/hub/devices"
	"github.com/kasse/kasse/hub/ledger"
	"github.com/kasse/kasse/hub/money"
	"github.com/kasse/kasse/hub/receipt"
	"github.com/kasse/kasse/hub/till"
)

// Amounts in the API are integer øre; quantities are pieces, or grams for
// items sold by weight; percentages are basis points (1000 = 10 %).

func notFound(what string) error {
	return &apiError{http.StatusNotFound, "not_found", what + " not found", false}
}

func (s *Server) listItems(c echo.Context) error {
	limit, _ := strconv.Atoi(c.QueryParam("limit"))
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	items, err := s.till.L.Items(c.QueryParam("q"), limit)
	if err != nil {
		return err
	}
	if items == nil {
		items = []ledger.Item{}
	}
	return c.JSON(http.StatusOK, items)
}

func (s *Server) getItem(c echo.Context) error {
	it, err := s.till.L.Item(c.Param("sku"))
	if errors.Is(err, ledger.ErrNotFound) {
		return notFound("item " + c.Param("sku"))
	}
	if err != nil {
		return err
	}
	stock, err := s.till.L.Stock(it.SKU)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, struct {
		*ledger.Item
		Stock int64 `json:"stock"`
	}{it, stock})
}

func (s *Server) putItems(c echo.Context) error {
	var req struct {
		Items []ledger.Item `json:"items"`
	}
	if err := bind(c, &req); err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	res, err := s.till.PutItems(ctx, s.req(c), req.Items)
	if err != nil {
		return err
	}
	return blob(c, http.StatusOK, res.Value)
}

func (s *Server) adjustStock(c echo.Context) error {
	var req struct {
		SKU    string `json:"sku"`
		Delta  int64  `json:"delta"`
		Reason string `json:"reason"`
	}
	if err := bind(c, &req); err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	res, err := s.till.Do(ctx, s.req(c), ledger.CmdStockAdjust, req)
	if err != nil {
		return err
	}
	return blob(c, http.StatusOK, res.Value)
}

func (s *Server) putEmployee(c echo.Context) error {
	var req struct {
		ID     string `json:"id"`
		Name   string `json:"name"`
		Role   string `json:"role"`
		PIN    string `json:"pin"`
		Active bool   `json:"active"`
	}
	if err := bind(c, &req); err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	e, err := s.till.PutEmployee(ctx, s.req(c), ledger.Employee{ID: req.ID, Name: req.Name, Role: req.Role, Active: req.Active}, req.PIN)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, e)
}

func (s *Server) lookup(c echo.Context) error {
	var req struct {
		Code string `json:"code"`
	}
	if err := bind(c, &req); err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	it, err := s.till.Lookup(ctx, s.req(c), req.Code)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, it)
}

func (s *Server) login(c echo.Context) error {
	var req struct {
		Employee string `json:"employee"`
		PIN      string `json:"pin"`
	}
	if err := bind(c, &req); err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	e, err := s.till.Login(ctx, s.req(c), req.Employee, req.PIN)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, e)
}

func (s *Server) logout(c echo.Context) error {
	if err := bind(c, &struct{}{}); err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	if err := s.till.Logout(ctx, s.req(c)); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) openDrawer(c echo.Context) error {
	var req struct {
		Reason   string         `json:"reason"`
		Override *till.Override `json:"override"`
	}
	if err := bind(c, &req); err != nil {
		return err
	}
	if req.Reason == "" {
		req.Reason = "nosale"
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	if err := s.till.OpenDrawer(ctx, s.req(c), req.Reason, req.Override); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) openSales(c echo.Context) error {
	sales, err := s.till.L.OpenSales(c.Get("register").(string))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, sales)
}

func (s *Server) openSale(c echo.Context) error {
	if err := bind(c, &struct{}{}); err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	sale, err := s.till.OpenSale(ctx, s.req(c))
	if err != nil {
		return err
	}
	return blob(c, http.StatusCreated, sale)
}

func (s *Server) getSale(c echo.Context) error {
	sale, err := s.till.L.Sale(c.Param("id"))
	if errors.Is(err, ledger.ErrNotFound) {
		return notFound("sale " + c.Param("id"))
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, sale)
}

// saleWrite runs a write that answers with the sale.
func (s *Server) saleWrite(c echo.Context, do func(r till.Req) (till.SaleJSON, error)) error {
	sale, err := do(s.req(c))
	if err != nil {
		return err
	}
	return blob(c, http.StatusOK, sale)
}

func (s *Server) scan(c echo.Context) error {
	var req struct {
		Code string `json:"code"`
		Qty  int64  `json:"qty"`
	}
	if err := bind(c, &req); err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	return s.saleWrite(c, func(r till.Req) (till.SaleJSON, error) { return s.till.Scan(ctx, r, c.Param("id"), req.Code, req.Qty) })
}

func (s *Server) addLine(c echo.Context) error {
	var req struct {
		SKU string `json:"sku"`
		Qty int64  `json:"qty"`
	}
	if err := bind(c, &req); err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	return s.saleWrite(c, func(r till.Req) (till.SaleJSON, error) { return s.till.AddSKU(ctx, r, c.Param("id"), req.SKU, req.Qty) })
}

func lineNo(c echo.Context) (int, error) {
	n, err := strconv.Atoi(c.Param("no"))
	if err != nil || n < 1 {
		return 0, &apiError{http.StatusBadRequest, "bad_line", "a line number is a whole number from 1", false}
	}
	return n, nil
}

func (s *Server) setQty(c echo.Context) error {
	no, err := lineNo(c)
	if err != nil {
		return err
	}
	var req struct {
		Qty int64 `json:"qty"`
	}
	if err := bind(c, &req); err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	return s.saleWrite(c, func(r till.Req) (till.SaleJSON, error) { return s.till.SetQty(ctx, r, c.Param("id"), no, req.Qty) })
}

func (s *Server) removeLine(c echo.Context) error {
	if err := bind(c, &struct{}{}); err != nil {
		return err
	}
	no, err := lineNo(c)
	if err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	return s.saleWrite(c, func(r till.Req) (till.SaleJSON, error) { return s.till.RemoveLine(ctx, r, c.Param("id"), no) })
}

func (s *Server) overridePrice(c echo.Context) error {
	no, err := lineNo(c)
	if err != nil {
		return err
	}
	var req struct {
		Price  money.Øre `json:"price"`
		Reason string    `json:"reason"`
	}
	if err := bind(c, &req); err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	return s.saleWrite(c, func(r till.Req) (till.SaleJSON, error) {
		return s.till.OverridePrice(ctx, r, ledger.SalePrice{Sale: c.Param("id"), Line: no, Price: req.Price, Reason: req.Reason})
	})
}

func (s *Server) discount(c echo.Context) error {
	var req struct {
		Line    int       `json:"line"`
		Percent int64     `json:"percent"`
		Amount  money.Øre `json:"amount"`
		Reason  string    `json:"reason"`
		Remove  bool      `json:"remove"`
	}
	if err := bind(c, &req); err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	return s.saleWrite(c, func(r till.Req) (till.SaleJSON, error) {
		return s.till.Discount(ctx, r, ledger.SaleDiscount{Sale: c.Param("id"), Line: req.Line, Remove: req.Remove,
			Discount: ledger.Discount{Percent: req.Percent, Amount: req.Amount, Reason: req.Reason}})
	})
}

func (s *Server) park(c echo.Context) error {
	if err := bind(c, &struct{}{}); err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	return s.saleWrite(c, func(r till.Req) (till.SaleJSON, error) { return s.till.Park(ctx, r, c.Param("id")) })
}

func (s *Server) resume(c echo.Context) error {
	if err := bind(c, &struct{}{}); err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	return s.saleWrite(c, func(r till.Req) (till.SaleJSON, error) { return s.till.Resume(ctx, r, c.Param("id")) })
}

func (s *Server) void(c echo.Context) error {
	if err := bind(c, &struct{}{}); err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	return s.saleWrite(c, func(r till.Req) (till.SaleJSON, error) { return s.till.Void(ctx, r, c.Param("id")) })
}

func (s *Server) pay(c echo.Context) error {
	var req payReq
	if err := bind(c, &req); err != nil {
		return err
	}
	switch req.Method {
	case "cash":
		ctx, cancel := s.ctx(c)
		defer cancel()
		return s.saleWrite(c, func(r till.Req) (till.SaleJSON, error) { return s.till.PayCash(ctx, r, c.Param("id"), req.Amount) })
	case "card":
		// A card payment waits for the customer at the terminal.
		res, err := s.till.PayCard(c.Request().Context(), s.req(c), c.Param("id"), req.Amount)
		if errors.Is(err, till.ErrPaymentUnknown) && res != nil {
			return c.JSON(http.StatusAccepted, map[string]any{"code": "payment_pending",
				"message": "the terminal has not said yet whether the card was charged; the hub is finding out — do not take another payment", "attempt": res.Attempt, "sale": res.Sale})
		}
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, res)
	}
	return s.payTender(c, req)
}

func (s *Server) getAttempt(c echo.Context) error {
	at, err := s.till.L.Attempt(c.Param("id"))
	if errors.Is(err, ledger.ErrNotFound) {
		return notFound("payment " + c.Param("id"))
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, at)
}

func (s *Server) journal(c echo.Context) error {
	from, _ := strconv.ParseUint(c.QueryParam("from"), 10, 64)
	limit, _ := strconv.Atoi(c.QueryParam("limit"))
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	out := []*ledger.Entry{}
	stop := errors.New("enough")
	err := s.till.L.Journal(from, func(e *ledger.Entry) error {
		out = append(out, e)
		if len(out) >= limit {
			return stop
		}
		return nil
	})
	if err != nil && !errors.Is(err, stop) {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) copyReceipt(c echo.Context) error {
	if err := bind(c, &struct{}{}); err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	return s.saleWrite(c, func(r till.Req) (till.SaleJSON, error) { return s.till.CopyReceipt(ctx, r, c.Param("id")) })
}

// receiptHTML is a completed sale's receipt for the screen or an e-mail.
func (s *Server) receiptHTML(c echo.Context) error {
	l, err := receipt.ForSale(s.till.L, c.Param("id"), false)
	if errors.Is(err, ledger.ErrNotFound) {
		return notFound("sale " + c.Param("id"))
	}
	if err != nil {
		return &apiError{http.StatusConflict, "no_receipt", "only a completed sale has a receipt", false}
	}
	h, err := l.HTML()
	if err != nil {
		return err
	}
	return c.HTML(http.StatusOK, h)
}

// weigh puts a weighed item on the sale with the stable weight from the
// register's scale: never a weight read while the scale was moving.
func (s *Server) weigh(c echo.Context) error {
	var req struct {
		SKU string `json:"sku"`
	}
	if err := bind(c, &req); err != nil {
		return err
	}
	it, err := s.till.L.Item(req.SKU)
	if errors.Is(err, ledger.ErrNotFound) {
		return &apiError{http.StatusNotFound, "unknown_item", "no item with SKU " + req.SKU, false}
	}
	if err != nil {
		return err
	}
	if it.Unit != ledger.UnitKg {
		return &apiError{http.StatusUnprocessableEntity, "not_weighed", it.Name + " is not sold by weight", false}
	}
	if s.Scales == nil {
		return devices.ErrNoScale
	}
	r := s.req(c)
	wctx, cancel := context.WithTimeout(c.Request().Context(), 10*time.Second)
	grams, err := s.Scales.Weigh(wctx, r.Register)
	cancel()
	if err != nil {
		return err
	}
	if grams <= 0 {
		return &apiError{http.StatusUnprocessableEntity, "scale_empty", "the scale shows no weight: put the item on it", true}
	}
	ctx, cancel2 := s.ctx(c)
	defer cancel2()
	return s.saleWrite(c, func(r till.Req) (till.SaleJSON, error) { return s.till.AddSKU(ctx, r, c.Param("id"), req.SKU, grams) })
}

func (s *Server) openReturn(c echo.Context) error {
	var req struct {
		Original  string         `json:"original"`  // the sale's id, as on its receipt's barcode
		Code      string         `json:"code"`      // or what the receipt's code holds, or its number
		NoReceipt bool           `json:"noReceipt"` // a return without a receipt (needs a supervisor)
		Override  *till.Override `json:"override"`
	}
	if err := bind(c, &req); err != nil {
		return err
	}
	if req.NoReceipt {
		return s.blindReturn(c, req.Override)
	}
	if req.Original == "" && req.Code != "" {
		sl, err := s.till.FindSale(s.req(c), req.Code)
		if err != nil {
			return err
		}
		req.Original = sl.ID
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	ret, err := s.till.OpenReturn(ctx, s.req(c), req.Original)
	if err != nil {
		return err
	}
	return blob(c, http.StatusCreated, ret)
}

func (s *Server) returnLine(c echo.Context) error {
	var req struct {
		Line int    `json:"line"`
		SKU  string `json:"sku"`  // a return without a receipt names the item
		Code string `json:"code"` // or what its barcode holds
		Qty  int64  `json:"qty"`
	}
	if err := bind(c, &req); err != nil {
		return err
	}
	if req.SKU == "" && req.Code != "" {
		sku, err := s.skuOf(req.Code)
		if err != nil {
			return err
		}
		req.SKU = sku
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	return s.saleWrite(c, func(r till.Req) (till.SaleJSON, error) {
		if req.SKU != "" {
			return s.till.ReturnItem(ctx, r, c.Param("id"), req.SKU, req.Qty)
		}
		return s.till.ReturnLine(ctx, r, c.Param("id"), req.Line, req.Qty)
	})
}

// blob answers with JSON already encoded, its length told up front: a
// register's connection then carries the body as it is, not in chunks.
func blob(c echo.Context, code int, b []byte) error {
	c.Response().Header().Set(echo.HeaderContentLength, strconv.Itoa(len(b)))
	return c.JSONBlob(code, b)
}
