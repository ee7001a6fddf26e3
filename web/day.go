package web

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kasse/kasse/hub/ledger"
	"github.com/kasse/kasse/hub/money"
	"github.com/kasse/kasse/hub/report"
	"github.com/kasse/kasse/hub/till"
)

// The cashier's day: drawer sessions, cash, the count, the time clock,
// training mode and X/Z reports.
func (s *Server) dayRoutes(api *echo.Group) {
	api.POST("/drawer/sessions", s.openSession)
	api.POST("/drawer/sessions/:id/join", s.joinSession)
	api.GET("/drawer/session", s.getSession)
	api.POST("/drawer/cash", s.moveCash)
	api.POST("/drawer/count", s.countDrawer)
	api.POST("/clock/in", s.clockIn)
	api.POST("/clock/out", s.clockOut)
	api.GET("/clock/:employee", s.hours)
	api.POST("/training", s.training)
	api.POST("/reports/x", s.reportX)
	api.POST("/reports/z", s.reportZ)
	api.GET("/reports/:seq", s.getReport)
	api.GET("/reports/:seq/html", s.reportHTML)
}

func (s *Server) openSession(c echo.Context) error {
	var req struct {
		Registers []string  `json:"registers"`
		Float     money.Øre `json:"float"`
		Blind     bool      `json:"blind"`
	}
	if err := bind(c, &req); err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	d, err := s.till.OpenSession(ctx, s.req(c), req.Registers, req.Float, req.Blind)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, d)
}

func (s *Server) joinSession(c echo.Context) error {
	if err := bind(c, &struct{}{}); err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	d, err := s.till.JoinSession(ctx, s.req(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, d)
}

func (s *Server) getSession(c echo.Context) error {
	d, exp, err := s.till.Session(c.Get("register").(string))
	if errors.Is(err, ledger.ErrNotFound) {
		return &apiError{http.StatusNotFound, "no_session", "this register has no open drawer session", false}
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"session": d, "expected": exp})
}

func (s *Server) moveCash(c echo.Context) error {
	var req struct {
		Kind     string         `json:"kind"` // in, out, bankdrop
		Amount   money.Øre      `json:"amount"`
		Reason   string         `json:"reason"`
		Override *till.Override `json:"override"`
	}
	if err := bind(c, &req); err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	d, err := s.till.MoveCash(ctx, s.req(c), req.Kind, req.Amount, req.Reason, req.Override)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, d)
}

func (s *Server) countDrawer(c echo.Context) error {
	var req struct {
		Counted map[string]money.Øre `json:"counted"`
		Note    string               `json:"note"`
	}
	if err := bind(c, &req); err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	d, err := s.till.Count(ctx, s.req(c), req.Counted, req.Note)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, d)
}

func (s *Server) clock(c echo.Context, in bool) error {
	var req struct {
		Employee string `json:"employee"`
		PIN      string `json:"pin"`
	}
	if err := bind(c, &req); err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	v, err := s.till.Clock(ctx, s.req(c), in, req.Employee, req.PIN)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

func (s *Server) clockIn(c echo.Context) error  { return s.clock(c, true) }
func (s *Server) clockOut(c echo.Context) error { return s.clock(c, false) }

// hours reads an employee's shifts that began between the Oslo dates from
// and to (both included; either may be left out).
func (s *Server) hours(c echo.Context) error {
	var from, to time.Time
	for _, p := range []struct {
		name string
		t    *time.Time
		add  int
	}{{"from", &from, 0}, {"to", &to, 1}} {
		v := c.QueryParam(p.name)
		if v == "" {
			continue
		}
		d, err := time.ParseInLocation(time.DateOnly, v, ledger.Oslo)
		if err != nil {
			return &apiError{http.StatusBadRequest, "bad_date", p.name + " is a date like 2026-11-27", false}
		}
		*p.t = d.AddDate(0, 0, p.add)
	}
	h, err := s.till.Hours(c.Param("employee"), from, to)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h)
}

func (s *Server) training(c echo.Context) error {
	var req struct {
		On bool `json:"on"`
	}
	if err := bind(c, &req); err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	if err := s.till.Training(ctx, s.req(c), req.On); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]bool{"training": req.On})
}

func (s *Server) runReport(c echo.Context, z bool) error {
	var req struct {
		Override *till.Override `json:"override"`
	}
	if err := bind(c, &req); err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	r, err := s.till.Report(ctx, s.req(c), z, req.Override)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, r)
}

func (s *Server) reportX(c echo.Context) error { return s.runReport(c, false) }
func (s *Server) reportZ(c echo.Context) error { return s.runReport(c, true) }

// reportAt reads the report journaled at the path's sequence number.
func (s *Server) reportAt(c echo.Context) (*ledger.Report, error) {
	seq, err := strconv.ParseUint(c.Param("seq"), 10, 64)
	if err != nil || seq == 0 {
		return nil, &apiError{http.StatusBadRequest, "bad_report", "a report is named by its journal number", false}
	}
	r, err := s.till.L.ReportAt(seq)
	if errors.Is(err, ledger.ErrNotFound) {
		return nil, notFound("report " + c.Param("seq"))
	}
	return r, err
}

func (s *Server) getReport(c echo.Context) error {
	r, err := s.reportAt(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

// reportHTML shows a report on screen as it printed.
func (s *Server) reportHTML(c echo.Context) error {
	if _, err := s.reportAt(c); err != nil {
		return err
	}
	seq, _ := strconv.ParseUint(c.Param("seq"), 10, 64)
	_, l, err := report.ForEntry(s.till.L, seq)
	if err != nil {
		return err
	}
	h, err := l.HTML()
	if err != nil {
		return err
	}
	return c.HTML(http.StatusOK, h)
}
