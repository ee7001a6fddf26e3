// Package web is the hub's HTTP face: the registers' JSON API under /api/v1,
// health and readiness for the operator, and Prometheus metrics.
//
// It promises: every write needs an Idempotency-Key header and a retry with
// the same key and body gets the first answer; every error is JSON
// {"code","message","retryable"} with a stable code and a message a cashier
// can act on; a request body that is not the JSON asked for is refused
// before anything is proposed.
package web

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kasse/kasse/drivers/scale"
	"github.com/kasse/kasse/hub/devices"
	"github.com/kasse/kasse/hub/ledger"
	"github.com/kasse/kasse/hub/till"
	"github.com/kasse/kasse/replicate"
)

// Health is what readiness asks of the hub.
type Health interface {
	Ready() error
}

// Server holds the handlers' dependencies.
type Server struct {
	e      *echo.Echo
	till   *till.Service
	health Health
	// Behind, when set, says why this hub is too far behind the shop to
	// serve registers (nil: it is not).
	Behind func() error
	tokens map[string]string // token → register id
	log    *slog.Logger
	// WriteTimeout bounds how long a write waits for Raft (a leader
	// election, a slow disk) before it answers "try again".
	WriteTimeout time.Duration
	// Events, when set, streams scans and device state to registers.
	Events *devices.Bus
	// Scales, when set, weighs for registers.
	Scales Weigher
	// Hubs are the shop's hubs as registers reach them (register.go).
	Hubs []string
	// IdleLogout is how long a register may sit untouched before the UI
	// logs its employee out (0: never).
	IdleLogout time.Duration
	// CACert is the shop CA's certificate (PEM) for tablets to trust, if any.
	CACert []byte
	pairs  pairGuard
	// MailOn says the hubs send e-mail receipts (mail.go).
	MailOn bool
}

// Weigher reads a register's scale once it is stable.
type Weigher interface {
	Weigh(ctx context.Context, register string) (int64, error)
}

// New builds the server. tokens maps each register's bearer token to its id.
func New(t *till.Service, h Health, tokens map[string]string, gatherer prometheus.Gatherer, log *slog.Logger) *Server {
	s := &Server{e: echo.New(), till: t, health: h, tokens: tokens, log: log, WriteTimeout: 5 * time.Second}
	e := s.e
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	e.Use(middleware.Recover(), middleware.BodyLimit("1M"))
	if r, ok := gatherer.(prometheus.Registerer); ok {
		e.Use(timed(r))
	}

	e.GET("/healthz", func(c echo.Context) error { return c.JSON(http.StatusOK, map[string]string{"status": "alive"}) })
	e.GET("/readyz", s.ready)
	e.GET("/metrics", echo.WrapHandler(promhttp.HandlerFor(gatherer, promhttp.HandlerOpts{})))
	e.GET("/display", customerPage)

	api := e.Group("/api/v1", s.gate, s.auth, s.approve)
	s.mountRegister(api)
	api.GET("/items", s.listItems)
	api.GET("/items/:sku", s.getItem)
	api.POST("/items", s.putItems)
	api.POST("/stock", s.adjustStock)
	api.POST("/employees", s.putEmployee)
	api.POST("/lookups", s.lookup)
	api.POST("/login", s.login)
	api.POST("/logout", s.logout)
	api.POST("/drawer/open", s.openDrawer)
	api.GET("/sales", s.openSales)
	api.POST("/sales", s.openSale)
	api.GET("/sales/:id", s.getSale)
	api.POST("/sales/:id/scans", s.scan)
	api.POST("/sales/:id/lines", s.addLine)
	api.POST("/sales/:id/weigh", s.weigh)
	api.PATCH("/sales/:id/lines/:no", s.setQty)
	api.DELETE("/sales/:id/lines/:no", s.removeLine)
	api.POST("/sales/:id/lines/:no/price", s.overridePrice)
	api.POST("/sales/:id/discounts", s.discount)
	api.POST("/sales/:id/park", s.park)
	api.POST("/sales/:id/resume", s.resume)
	api.POST("/sales/:id/void", s.void)
	api.POST("/sales/:id/payments", s.pay)
	api.POST("/sales/:id/copy", s.copyReceipt)
	api.GET("/sales/:id/receipt", s.receiptHTML)
	api.GET("/payments/:id", s.getAttempt)
	api.POST("/returns", s.openReturn)
	api.POST("/returns/:id/lines", s.returnLine)
	api.POST("/returns/:id/refund", s.refundReturn)
	s.payRoutes(api)
	api.GET("/journal", s.journal)
	api.GET("/state", s.state)
	api.GET("/events", s.events)
	s.dayRoutes(api) // day.go
	s.mailRoutes(api)
	return s
}

// Handler is the server as an http.Handler.
func (s *Server) Handler() http.Handler { return s.e }

// Echo exposes the router so other packages (the register UI) can mount on it.
func (s *Server) Echo() *echo.Echo { return s.e }

func (s *Server) ready(c echo.Context) error {
	if err := s.health.Ready(); err != nil {
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "not ready", "reason": err.Error()})
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
}

// auth maps the bearer token to a register and, for writes, requires an
// idempotency key.
func (s *Server) auth(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		tok, ok := strings.CutPrefix(c.Request().Header.Get("Authorization"), "Bearer ")
		if !ok && c.Request().Method == http.MethodGet && c.Path() == "/api/v1/events" {
			// A browser's EventSource cannot send headers.
			tok, ok = c.QueryParam("access_token"), true
		}
		reg := ""
		for t, id := range s.tokens {
			if ok && subtle.ConstantTimeCompare([]byte(t), []byte(tok)) == 1 {
				reg = id
			}
		}
		if reg == "" && ok && tok != "" {
			reg = s.pairedRegister(tok)
		}
		if reg == "" {
			return &apiError{http.StatusUnauthorized, "unauthorized", "this register is not known to the shop: check its token", false}
		}
		c.Set("register", reg)
		if c.Request().Method != http.MethodGet {
			key := c.Request().Header.Get("Idempotency-Key")
			if key == "" || len(key) > 128 {
				return &apiError{http.StatusBadRequest, "idempotency_key_required", "every change needs an Idempotency-Key header (1–128 characters)", false}
			}
			body, err := io.ReadAll(c.Request().Body)
			if err != nil {
				return &apiError{http.StatusBadRequest, "bad_body", "the request body could not be read", true}
			}
			c.Set("body", body)
			c.Set("req", till.Req{Register: reg, Key: key, Hash: till.HashRequest(c.Request().Method, c.Request().URL.Path, body)})
		}
		return next(c)
	}
}

// req is who asks; for writes with their idempotency key. The employee is
// whoever is logged in on the register now.
func (s *Server) req(c echo.Context) till.Req {
	r, _ := c.Get("req").(till.Req)
	r.Register = c.Get("register").(string)
	if reg, err := s.till.L.Register(r.Register); err == nil {
		r.Employee = reg.Employee
	}
	r.Approver, _ = c.Get("approver").(string)
	return r
}

// ctx bounds a write.
func (s *Server) ctx(c echo.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(c.Request().Context(), s.WriteTimeout)
}

// bind decodes the body strictly: unknown fields and trailing data are errors.
func bind(c echo.Context, v any) error {
	body, _ := c.Get("body").([]byte)
	if len(body) == 0 {
		body = []byte("{}")
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return &apiError{http.StatusBadRequest, "bad_json", "the request is not valid JSON for this action: " + err.Error(), false}
	}
	if dec.More() {
		return &apiError{http.StatusBadRequest, "bad_json", "the request has data after its JSON object", false}
	}
	return nil
}

// apiError is an error with its HTTP status and stable code.
// gate turns registers away from a hub that is behind the shop (Behind
// says why): its local reads would be wrong, so the register moves to
// another hub. The shop's status stays readable.
func (s *Server) gate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if s.Behind == nil {
			return next(c)
		}
		p := strings.TrimPrefix(c.Request().URL.Path, "/api/v1")
		if p == "/cluster" || p == "/state" || p == "/hubs" {
			return next(c)
		}
		if err := s.Behind(); err != nil {
			c.Response().Header().Set("Retry-After", "1")
			return &apiError{http.StatusServiceUnavailable, "catching_up", err.Error() + ": use another hub, or try again in a moment", true}
		}
		return next(c)
	}
}

type apiError struct {
	Status    int    `json:"-"`
	Code      string `json:"code"`
	Message   string `json:"message"`
	Retryable bool   `json:"retryable"`
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

// statusOf gives a ledger rejection its HTTP status.
func statusOf(code string) int {
	switch code {
	case "unknown_sale", "unknown_item", "unknown_line", "unknown_attempt", "unknown_barcode", "unknown_voucher",
		"unknown_session", "unknown_employee":
		return http.StatusNotFound
	case "idempotency_conflict", "sale_closed", "sale_parked", "sale_paid", "payment_pending",
		"attempt_resolved", "sale_exists", "wrong_register", "not_parked", "nothing_due", "copy_printed", "not_completed", "drawer_open", "is_return", "not_returnable",
		"not_reversible", "attempt_exists",
		// the cashier's day: the drawer session, the time clock, training, the Z
		"no_session", "session_open", "session_exists", "session_closed", "clocked_in", "not_clocked_in",
		"training_on", "training_off", "training_mode", "nothing_to_report":
		return http.StatusConflict
	}
	return http.StatusUnprocessableEntity
}

// handleError is the one place errors become responses.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	var (
		ae  *apiError
		rej *ledger.Rejection
		he  *echo.HTTPError
	)
	switch {
	case errors.As(err, &ae):
	case errors.As(err, &rej) && (rej.Code == "permission_denied" || rej.Code == "locked_out"):
		ae = &apiError{http.StatusForbidden, rej.Code, rej.Message, false}
	case errors.As(err, &rej):
		ae = &apiError{statusOf(rej.Code), rej.Code, rej.Message, false}
	case errors.Is(err, till.ErrLockedOut):
		ae = &apiError{http.StatusForbidden, "locked_out", err.Error() + ": wait, or ask a manager", false}
	case errors.Is(err, till.ErrWrongPIN):
		ae = &apiError{http.StatusUnauthorized, "wrong_pin", "wrong employee or PIN", false}
	case errors.Is(err, devices.ErrNoScale):
		ae = &apiError{http.StatusConflict, "no_scale", "this register has no scale: type the weight or use another register", false}
	case errors.Is(err, scale.ErrNotStable):
		ae = &apiError{http.StatusConflict, "scale_not_stable", "the scale did not settle: let go of the item and weigh again", true}
	case errors.Is(err, till.ErrNoTerminal):
		ae = &apiError{http.StatusConflict, "no_terminal", "no card terminal is connected: take another tender", false}
	case errors.Is(err, ledger.ErrHalted):
		ae = &apiError{http.StatusServiceUnavailable, "halted", "this hub stopped booking (it needs an upgrade or repair): use another hub", true}
	case errors.Is(err, replicate.ErrNoLeader), errors.Is(err, replicate.ErrNotLeader), errors.Is(err, replicate.ErrTimeout),
		errors.Is(err, replicate.ErrLeadershipLost), errors.Is(err, replicate.ErrShutdown), errors.Is(err, context.DeadlineExceeded):
		c.Response().Header().Set("Retry-After", "1")
		ae = &apiError{http.StatusServiceUnavailable, "unavailable", "the shop's hubs are busy choosing a leader: try again in a moment (nothing was booked twice)", true}
	case errors.As(err, &he):
		ae = &apiError{he.Code, strings.ToLower(strings.ReplaceAll(http.StatusText(he.Code), " ", "_")), fmt.Sprint(he.Message), false}
	default:
		s.log.Error("request failed", "method", c.Request().Method, "path", c.Path(), "err", err)
		ae = &apiError{http.StatusInternalServerError, "internal", "something went wrong in the hub; it has been logged", true}
	}
	if err := c.JSON(ae.Status, ae); err != nil {
		s.log.Warn("write error response", "err", err)
	}
}

// timed measures each API request on the hub, from its arrival to its
// answer, per route: what a register waits for, less the network.
func timed(r prometheus.Registerer) echo.MiddlewareFunc {
	h := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "kasse_http_request_seconds",
		Help:    "Time to answer an API request on this hub, per route and method.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14), // 0.5 ms to 4 s
	}, []string{"method", "route"})
	r.MustRegister(h)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			// Routes are the registered patterns, so the labels stay few.
			if route := c.Path(); strings.HasPrefix(route, "/api/") {
				m := c.Request().Method
				switch m {
				case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
				default:
					m = "other"
				}
				h.WithLabelValues(m, route).Observe(time.Since(start).Seconds())
			}
			return err
		}
	}
}
