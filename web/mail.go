package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/kasse/kasse/hub/ledger"
)

// mailRoutes: e-mail receipts. GET /mail says whether the hubs send them
// (the register hides the choice when not); POST /sales/:id/email
// {"to": "..."} asks for a completed sale's receipt at an address. The
// answer (202) is the pending device action; the register hears
// "mail" events when it is sent or waits for the mail server.
func (s *Server) mailRoutes(api *echo.Group) {
	api.GET("/mail", func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]bool{"on": s.MailOn})
	})
	api.POST("/sales/:id/email", s.mailReceipt)
	api.GET("/sales/:id/email", s.mailStatus)
}

// mailStatus lists a sale's e-mail receipts: pending, done or failed (the
// message says why it waits). Addresses stay out of the answer.
func (s *Server) mailStatus(c echo.Context) error {
	if _, err := s.till.L.Sale(c.Param("id")); errors.Is(err, ledger.ErrNotFound) {
		return notFound("sale " + c.Param("id"))
	} else if err != nil {
		return err
	}
	type status struct {
		ID      string `json:"id"`
		Status  string `json:"status"`
		Message string `json:"message,omitempty"`
	}
	out := []status{}
	for n := 1; n <= ledger.MaxMails; n++ {
		act, err := s.till.L.ActionOf(fmt.Sprintf("%s/%s/%d", ledger.ActMail, c.Param("id"), n))
		if errors.Is(err, ledger.ErrNotFound) {
			break
		}
		if err != nil {
			return err
		}
		out = append(out, status{act.ID, act.Status, act.Message})
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) mailReceipt(c echo.Context) error {
	var req struct {
		To string `json:"to"`
	}
	if err := bind(c, &req); err != nil {
		return err
	}
	if !s.MailOn {
		return &apiError{http.StatusConflict, "mail_off", "this shop sends no e-mail receipts: print or show the receipt", false}
	}
	to := strings.TrimSpace(req.To)
	if err := ledger.CheckAddress(to); err != nil {
		return &apiError{http.StatusUnprocessableEntity, "bad_address", err.Error() + ": check the address", false}
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	res, err := s.till.Do(ctx, s.req(c), ledger.CmdReceiptMail, ledger.ReceiptMail{Sale: c.Param("id"), To: to})
	if err != nil {
		return err
	}
	return blob(c, http.StatusAccepted, res.Value)
}
