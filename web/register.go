package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kasse/kasse/hub/ledger"
	"github.com/kasse/kasse/hub/till"
)

// The register UI: plain HTML, CSS and JavaScript embedded in the binary,
// compressed once at start and served with a content hash, so a tablet
// loads it once and revalidates cheaply. No framework, nothing fetched
// from the internet, no build step.

//go:embed ui
var uiFiles embed.FS

// asset is one embedded file, ready to serve.
type asset struct {
	typ  string
	raw  []byte
	gz   []byte
	etag string
}

var assets = loadAssets()

func loadAssets() map[string]*asset {
	out := map[string]*asset{}
	err := fs.WalkDir(uiFiles, "ui", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := uiFiles.ReadFile(p)
		if err != nil {
			return err
		}
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		_, _ = zw.Write(raw)
		_ = zw.Close()
		sum := sha256.Sum256(raw)
		typ := map[string]string{".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
			".css": "text/css; charset=utf-8", ".svg": "image/svg+xml", ".webmanifest": "application/manifest+json"}[path.Ext(p)]
		out[strings.TrimPrefix(p, "ui/")] = &asset{typ: typ, raw: raw, gz: b.Bytes(), etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
		return nil
	})
	if err != nil {
		panic("web: embedded register UI: " + err.Error()) // a broken build, found at start
	}
	return out
}

// UISize is the compressed size of everything the register page loads.
func UISize() (gz, raw int) {
	for _, a := range assets {
		gz, raw = gz+len(a.gz), raw+len(a.raw)
	}
	return gz, raw
}

func serveAsset(c echo.Context, name string) error {
	a := assets[name]
	if a == nil {
		return notFound("page " + name)
	}
	h := c.Response().Header()
	h.Set("ETag", a.etag)
	h.Set("Cache-Control", "no-cache") // revalidate: a hub upgrade shows at once
	h.Set("Vary", "Accept-Encoding")
	h.Set("X-Content-Type-Options", "nosniff")
	if name == "index.html" {
		h.Set("Content-Security-Policy", "default-src 'self'; connect-src *; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'")
	}
	if c.Request().Header.Get("If-None-Match") == a.etag {
		return c.NoContent(http.StatusNotModified)
	}
	if strings.Contains(c.Request().Header.Get("Accept-Encoding"), "gzip") {
		h.Set("Content-Encoding", "gzip")
		return c.Blob(http.StatusOK, a.typ, a.gz)
	}
	return c.Blob(http.StatusOK, a.typ, a.raw)
}

// mountRegister adds the register UI, pairing, and the register's own
// API calls (who am I, which hubs are there, approvals).
func (s *Server) mountRegister(api *echo.Group) {
	e := s.e
	e.Use(s.cors)
	e.GET("/", func(c echo.Context) error { return serveAsset(c, "index.html") })
	e.GET("/ui/:name", func(c echo.Context) error { return serveAsset(c, c.Param("name")) })
	e.GET("/ca.crt", s.caCert)
	e.GET("/pair/registers", s.pairRegisters)
	e.POST("/pair", s.pair)
	api.GET("/me", s.me)
	api.GET("/hubs", s.hubs)
	api.POST("/pairings", s.newPairing)
	api.GET("/sales/:id/printing", s.printing)
}

// printing says what became of a completed sale's receipt: pending (waiting
// for the printer, with why), done, or failed.
func (s *Server) printing(c echo.Context) error {
	act, err := s.till.L.ActionOf(ledger.ActReceipt + "/" + c.Param("id"))
	if errors.Is(err, ledger.ErrNotFound) {
		return notFound("receipt of sale " + c.Param("id"))
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"status": act.Status, "message": act.Message})
}

// cors lets a register's page, loaded from one hub of the shop, talk to the
// others when its hub goes away. Only the shop's hubs are allowed origins;
// the register authenticates with a bearer credential, never a cookie.
func (s *Server) cors(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		origin := c.Request().Header.Get("Origin")
		if origin == "" || !strings.HasPrefix(c.Request().URL.Path, "/api/") || !slices.Contains(s.hubList(), origin) {
			return next(c)
		}
		h := c.Response().Header()
		h.Set("Access-Control-Allow-Origin", origin)
		h.Add("Vary", "Origin")
		if c.Request().Method == http.MethodOptions {
			h.Set("Access-Control-Allow-Methods", "GET, POST, PATCH, DELETE")
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Idempotency-Key, Kasse-Approver, Kasse-Approver-Pin")
			h.Set("Access-Control-Max-Age", "600")
			return c.NoContent(http.StatusNoContent)
		}
		return next(c)
	}
}

// pairedRegister is the register a paired device's credential belongs to.
func (s *Server) pairedRegister(cred string) string {
	d, err := s.till.L.DeviceByCredential(till.Hash(cred))
	if err != nil {
		return ""
	}
	return d.Register
}

// approve checks a second employee's PIN sent with a request that needs
// their approval (headers Kasse-Approver and Kasse-Approver-Pin). Whether
// their role suffices is Apply's decision; a wrong PIN counts towards their
// lockout and nothing is proposed.
func (s *Server) approve(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		emp := c.Request().Header.Get("Kasse-Approver")
		if emp == "" || c.Request().Method == http.MethodGet {
			return next(c)
		}
		ctx, cancel := s.ctx(c)
		defer cancel()
		r := s.req(c)
		r, err := s.till.Approve(ctx, r, till.Override{Employee: emp, PIN: c.Request().Header.Get("Kasse-Approver-Pin")})
		if err != nil {
			return err
		}
		c.Set("approver", r.Approver)
		return next(c)
	}
}

func (s *Server) caCert(c echo.Context) error {
	if len(s.CACert) == 0 {
		return notFound("CA certificate (this hub serves plain HTTP)")
	}
	c.Response().Header().Set("Content-Disposition", `attachment; filename="kasse-shop-ca.crt"`)
	return c.Blob(http.StatusOK, "application/x-x509-ca-cert", s.CACert)
}

// pairRegisters lists the registers a new device may be paired as: ids and
// names only, for the pairing page.
func (s *Server) pairRegisters(c echo.Context) error {
	regs, err := s.till.L.Registers()
	if err != nil {
		return err
	}
	out := make([]map[string]string, 0, len(regs))
	for _, r := range regs {
		out = append(out, map[string]string{"id": r.ID, "name": r.Name})
	}
	return c.JSON(http.StatusOK, out)
}

// pair exchanges a pairing code for the register's credential.
func (s *Server) pair(c echo.Context) error {
	var req struct {
		Code     string `json:"code"`
		Register string `json:"register"`
		Name     string `json:"name"`
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	c.Set("body", body)
	if err := bind(c, &req); err != nil {
		return err
	}
	code := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, req.Code)
	if !s.pairs.allow(time.Now()) {
		return &apiError{http.StatusTooManyRequests, "too_many_attempts", "too many wrong pairing codes on this hub: wait a minute", true}
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	cred, err := s.till.Pair(ctx, code, req.Register, req.Name)
	var rej *ledger.Rejection
	if errors.As(err, &rej) && rej.Code == "bad_pairing_code" {
		s.pairs.failed()
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"register": req.Register, "credential": cred, "hubs": s.hubList()})
}

// me is what a register's screen needs after a (re)load: who it is, who is
// logged in with which permissions, its drawer, open sales, and the rules.
func (s *Server) me(c echo.Context) error {
	reg, err := s.till.L.Register(c.Get("register").(string))
	if err != nil {
		return err
	}
	out := map[string]any{"register": reg.ID, "name": reg.Name, "drawerOpen": reg.DrawerOpen,
		"idleLogoutSeconds": int(s.IdleLogout / time.Second), "hubs": s.hubList(),
		"discountLimit": map[string]int64{"percent": ledger.CashierDiscountPercent, "amount": ledger.CashierDiscountAmount}}
	if reg.Employee != "" {
		if e, err := s.till.L.Employee(reg.Employee); err == nil {
			out["employee"] = map[string]any{"id": e.ID, "name": e.Name, "role": e.Role, "perms": ledger.Perms(e.Role)}
		}
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) hubs(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]any{"hubs": s.hubList()})
}

// hubList is every hub of the shop as a register reaches it: the
// configured list, or else the hubs the ledger knows (each hub records its
// register API address when it starts).
func (s *Server) hubList() []string {
	if len(s.Hubs) > 0 {
		return s.Hubs
	}
	hubs, err := s.till.L.Hubs()
	if err != nil {
		return nil
	}
	out := make([]string, 0, len(hubs))
	for _, h := range hubs {
		if u := strings.TrimSuffix(h.API, "/api/v1"); u != "" {
			out = append(out, u)
		}
	}
	return out
}

// newPairing issues a pairing code for another device; the employee logged
// in (or an approver) needs the pair permission.
func (s *Server) newPairing(c echo.Context) error {
	if err := bind(c, &struct{}{}); err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	code, exp, err := s.till.NewPairCode(ctx, s.req(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"code": code, "expires": exp})
}

func readBody(c echo.Context) ([]byte, error) {
	var b bytes.Buffer
	if _, err := b.ReadFrom(c.Request().Body); err != nil {
		return nil, &apiError{http.StatusBadRequest, "bad_body", "the request body could not be read", true}
	}
	return b.Bytes(), nil
}

// regStatus is the register's state from the ledger that its screen shows
// live: pushed on the event stream whenever it changes.
type regStatus struct {
	DrawerOpen bool   `json:"drawerOpen"`
	Employee   string `json:"employee"`
}

func (s *Server) status(register string) regStatus {
	r, err := s.till.L.Register(register)
	if err != nil {
		return regStatus{}
	}
	return regStatus{DrawerOpen: r.DrawerOpen, Employee: r.Employee}
}

// pairGuard slows down guessing pairing codes: a code is one of 10⁸ and
// lives 15 minutes, and a hub takes at most pairFailsPerMinute wrong ones a
// minute.
type pairGuard struct {
	mu     sync.Mutex
	window time.Time
	fails  int
}

const pairFailsPerMinute = 10

func (g *pairGuard) allow(now time.Time) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if now.Sub(g.window) > time.Minute {
		g.window, g.fails = now, 0
	}
	return g.fails < pairFailsPerMinute
}

func (g *pairGuard) failed() {
	g.mu.Lock()
	g.fails++
	g.mu.Unlock()
}
