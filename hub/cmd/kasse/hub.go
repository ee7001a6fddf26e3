package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof" // mounted only when http.pprof is set
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	periphgpio "periph.io/x/conn/v3/gpio"

	"github.com/kasse/kasse/drivers/display"
	gpiodrv "github.com/kasse/kasse/drivers/gpio"
	"github.com/kasse/kasse/drivers/printer"
	"github.com/kasse/kasse/drivers/scale"
	"github.com/kasse/kasse/drivers/scanner"
	"github.com/kasse/kasse/drivers/terminal"
	"github.com/kasse/kasse/drivers/terminal/terminaltest"
	"github.com/kasse/kasse/hub/barcode"
	"github.com/kasse/kasse/hub/cluster"
	"github.com/kasse/kasse/hub/config"
	"github.com/kasse/kasse/hub/demo"
	"github.com/kasse/kasse/hub/devices"
	"github.com/kasse/kasse/hub/ledger"
	"github.com/kasse/kasse/hub/receipt"
	"github.com/kasse/kasse/hub/saft"
	"github.com/kasse/kasse/hub/till"
	"github.com/kasse/kasse/replicate"
	"github.com/kasse/kasse/web"
)

// hub is a running hub and what must be closed, in order.
type hub struct {
	cfg      config.Config
	log      *slog.Logger
	node     *replicate.Node
	cluster  *cluster.Cluster
	ledger   *ledger.Ledger
	dev      *devices.Service
	http     *http.Server
	httpAddr string
	scheme   string // http or https
	// endRequests ends the requests still running (event streams) at shutdown.
	endRequests func()
	svc         *till.Service
	closers     []func() error // closed last first
}

func profileOf(c config.Config) replicate.Profile {
	if c.Hub.Profile == "small-board" {
		return replicate.SmallBoard
	}
	return replicate.Laptop
}

// start brings a hub up step by step; on failure it closes what it opened.
func start(ctx context.Context, cfg config.Config, log *slog.Logger) (_ *hub, err error) {
	h := &hub{cfg: cfg, log: log}
	defer func() {
		if err != nil {
			_ = h.close()
		}
	}()
	if cfg.Hub.Profile == "small-board" && os.Getenv("GOMEMLIMIT") == "" {
		// A soft limit keeps the Go heap in check on a 1 GB board; Badger's
		// mapped tables come on top and are the kernel's to reclaim.
		debug.SetMemoryLimit(64 << 20)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	// 1. Storage: raft's log (and what this hub keeps for itself, like
	// what its printers printed) in a synced Badger; the ledger's state in
	// an unsynced one, brought forward from the log after a power cut.
	rebuild, why, err := openState(cfg.Hub.Data)
	if err != nil {
		return nil, fmt.Errorf("open storage: %w", err)
	}
	if rebuild {
		log.Warn("rebuilding the ledger's state from raft's snapshot and log; the old state is in db.untrusted", "why", why)
	}
	db, err := replicate.Open(filepath.Join(cfg.Hub.Data, "db"), profileOf(cfg), log)
	if err != nil {
		return nil, fmt.Errorf("open storage: %w", err)
	}
	h.closers = append(h.closers, func() error {
		if err := db.Close(); err != nil {
			return err
		}
		return closedState(cfg.Hub.Data) // flushed: trusted at the next start
	})
	logDB, err := replicate.OpenLog(filepath.Join(cfg.Hub.Data, "raft", "log"), profileOf(cfg), log)
	if err != nil {
		return nil, fmt.Errorf("open raft log: %w", err)
	}
	h.closers = append(h.closers, logDB.Close)
	// Data written before the log had a database of its own.
	if n, err := replicate.MoveKeys(db, logDB, append(replicate.LogPrefixes, []byte(devices.LocalPrefix))...); err != nil {
		return nil, fmt.Errorf("move raft log to its own database: %w", err)
	} else if n > 0 {
		log.Info("moved raft's log into its own database", "keys", n)
	}
	if err := recordBoot(cfg.Hub.Data); err != nil { // before the first unsynced write
		return nil, fmt.Errorf("open storage: %w", err)
	}
	// Background work stops, and is waited for, before the storage closes:
	// a device sweep reading a closed Badger would panic.
	gcCtx, stopGC := context.WithCancel(context.Background())
	var bg sync.WaitGroup
	h.closers = append(h.closers, func() error { stopGC(); bg.Wait(); return nil })
	bg.Go(func() { replicate.RunGC(gcCtx, logDB, 10*time.Minute) })
	bg.Go(func() { replicate.RunGC(gcCtx, db, 10*time.Minute) })

	// 2. This hub's certificate of the shop CA: made on the first hub, got
	// with a join token on the others (with the signing keys); then the
	// signing keys (never in the log) and the ledger.
	ident, joinVia, bootstrap, err := h.identity(ctx)
	if err != nil {
		return nil, err
	}
	keys, err := ledger.OpenKeyring(filepath.Join(cfg.Hub.Data, "keys"))
	if err != nil {
		return nil, err
	}
	l, err := ledger.Open(db, keys, log)
	if err != nil {
		return nil, fmt.Errorf("open ledger: %w", err)
	}
	// A signing key version this hub lacks comes from the shop's other
	// hubs, even while Raft replays (ledger/keys_fetch.go, cluster/keys.go).
	keysCtx, stopKeys := context.WithCancel(ctx)
	h.closers = append(h.closers, func() error { stopKeys(); return nil })
	keys.FetchFrom(keysCtx, &cluster.Fetcher{Ledger: l, Client: replicate.DialVia(replicate.PeerClient(ident.ClientTLS()), cfg.Raft.DialVia),
		Self: cfg.Hub.ID, Scale: cfg.Raft.TimeoutScale, Log: log}, log)
	h.ledger = l
	registerLedgerMetrics(reg, l)

	// 3. Raft.
	rc := replicate.DefaultConfig()
	rc.ID, rc.Dir, rc.Bind, rc.Advertise, rc.Bootstrap = cfg.Hub.ID, filepath.Join(cfg.Hub.Data, "raft"), cfg.Raft.Bind, cfg.Raft.Advertise, cfg.Raft.Bootstrap
	rc.TimeoutScale, rc.SnapshotThreshold, rc.SnapshotInterval, rc.TrailingLogs = cfg.Raft.TimeoutScale, cfg.Raft.SnapshotThreshold, cfg.Raft.SnapshotInterval, cfg.Raft.TrailingLogs
	rc.Bootstrap = bootstrap
	if cfg.Raft.TrailingLogs < cfg.Raft.SnapshotThreshold {
		log.Warn("raft.trailing_logs is below raft.snapshot_threshold: a hub that is sent one snapshot may find the log after it gone by the time it has restored it, and need another",
			"trailing_logs", cfg.Raft.TrailingLogs, "snapshot_threshold", cfg.Raft.SnapshotThreshold)
	}
	// Raft and the peer API share the hub port, in mutual TLS with the shop CA.
	mux, err := replicate.Listen(cfg.Raft.Bind, cfg.Raft.Advertise, ident.ServerTLS(), ident.ClientTLS(), log)
	if err != nil {
		return nil, fmt.Errorf("hub port: %w", err)
	}
	rc.Stream = mux.Raft()
	rc.DialVia = cfg.Raft.DialVia
	rc.LogDB = logDB
	node, err := replicate.Start(ctx, rc, db, l, log, reg)
	if err != nil {
		mux.Close()
		return nil, fmt.Errorf("start raft: %w", err)
	}
	h.node = node
	// Closed last first: an Apply waiting for a key stops waiting, then Raft stops.
	h.closers = append(h.closers, node.Shutdown, func() error { stopKeys(); return nil })
	// Writes on a follower go to the leader; no leader: wait a little.
	fwd := &replicate.Forwarder{Node: node, Codec: ledger.ResultCodec{}, Client: replicate.DialVia(replicate.PeerClient(ident.ClientTLS()), cfg.Raft.DialVia),
		WaitLeader: time.Duration(float64(2*time.Second) * cfg.Raft.TimeoutScale), Log: log}

	// 4. The card terminal: the built-in simulator or a nexo terminal.
	term, err := h.terminal(ctx)
	if err != nil {
		return nil, err
	}

	// 5. The registers' service.
	layouts := barcode.DefaultLayouts()
	if cfg.Barcode.Layouts == "nordic" {
		layouts = barcode.NordicLayouts()
	}
	var t till.Terminal
	if term != nil {
		t = term
	}
	svc := till.New(l, fwd, t, layouts, log)
	h.payments(svc)
	h.svc = svc

	// 6. The cluster: the peer API on the hub port; a joining hub asks to
	// be added; the leader promotes caught-up hubs. First start of a new
	// shop: wait to lead, then set it up.
	self := ledger.Hub{ID: cfg.Hub.ID, Raft: node.Addr(), API: apiURL(cfg)}
	cl := &cluster.Cluster{Node: node, Ledger: l, Till: svc, Fwd: fwd, Ident: ident, PKIDir: filepath.Join(cfg.Hub.Data, "pki"),
		Keys: keys, Client: fwd.Client, Self: self, Scale: cfg.Raft.TimeoutScale, CaughtUp: 1024, Log: log}
	h.cluster = cl
	h.peerServer(cl, mux)
	if ms, _ := node.Members(); len(joinVia) > 0 && len(ms) == 0 {
		actx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		err := cl.AskToBeAdded(actx, joinVia)
		cancel()
		if err != nil {
			return nil, err
		}
	}
	if err := h.setUp(ctx, svc); err != nil {
		return nil, err
	}
	bg.Go(func() { cl.WatchKeys(gcCtx) })
	bg.Go(func() { h.recordSelf(gcCtx, svc, self) })
	bg.Go(func() { cl.Promote(gcCtx) })
	bg.Go(func() { h.resolveLoop(gcCtx, svc) })

	// 7. The devices this hub owns; a missing one is reported, not fatal.
	printers, err := h.printers(logDB)
	if err != nil {
		return nil, err
	}
	dev := devices.New(l, svc, printers, log)
	h.dev = dev
	if err := h.scanners(dev); err != nil {
		return nil, err
	}
	if err := h.scales(dev); err != nil {
		return nil, err
	}
	if err := h.gpio(gcCtx, dev); err != nil {
		return nil, err
	}
	if err := h.displays(dev); err != nil {
		return nil, err
	}
	l.OnApply(dev.Applied)
	bg.Go(func() { dev.Run(gcCtx) }) // once every device is bound
	bg.Go(func() { h.mailer(l, svc, dev, logDB).Run(gcCtx) })
	if term != nil {
		bg.Go(func() { h.watchTerminal(gcCtx, term, dev.Bus) })
	}

	// 8. HTTP.
	tokens := map[string]string{}
	for _, r := range cfg.Registers {
		tokens[r.Token] = r.ID
	}
	srv := web.New(svc, h, tokens, reg, log)
	srv.Events, srv.Scales = dev.Bus, dev
	srv.MailOn = cfg.Mail.On()
	srv.Hubs, srv.IdleLogout = cfg.HTTP.Hubs, cfg.HTTP.IdleLogout
	srv.Behind = h.catchingUp
	srv.MountCluster(func(ctx context.Context) any { return cl.Status(ctx) })
	if cfg.HTTP.Pprof {
		srv.Echo().Any("/debug/pprof/*", echo.WrapHandler(http.DefaultServeMux))
	}
	ln, err := net.Listen("tcp", cfg.HTTP.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", cfg.HTTP.Addr, err)
	}
	h.httpAddr, h.scheme = ln.Addr().String(), "http"
	// Requests live under a context cancelled at shutdown, so the
	// registers' event streams end instead of holding shutdown up.
	reqCtx, endRequests := context.WithCancel(context.Background())
	h.endRequests = endRequests
	h.http = &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second,
		BaseContext: func(net.Listener) context.Context { return reqCtx }}
	if useTLS(cfg.HTTP.TLS, cfg.HTTP.Addr) {
		var ca certSource = shopCA{ident}
		srv.CACert, h.http.TLSConfig, h.scheme = ca.CACertPEM(), ca.TLSConfig(), "https"
		ln = tls.NewListener(ln, h.http.TLSConfig)
	}
	go func() {
		if err := h.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("http server", "err", err)
		}
	}()
	h.serveAdmin() // 9. Online backups, on a Unix socket in the data directory.
	log.Info("hub started", "hub", cfg.Hub.ID, "http", h.httpAddr, "raft", node.Addr(), "applied", l.Applied())
	return h, nil
}

// printers opens the receipt printers this hub owns.
func (h *hub) printers(db *badger.DB) ([]*devices.Printer, error) {
	var out []*devices.Printer
	for _, pc := range h.cfg.Devices.Printers {
		if pc.Hub != h.cfg.Hub.ID {
			continue
		}
		qc := printer.DefaultConfig()
		qc.Name, qc.Logger, qc.Store = pc.ID, h.log, devices.DoneStore{DB: db}
		switch pc.Transport {
		case "tcp":
			qc.Transport = printer.TCP{Addr: pc.Address}
		case "serial":
			baud := pc.Baud
			if baud == 0 {
				baud = 19200
			}
			qc.Transport = printer.Serial{Port: pc.Address, Baud: baud}
		case "usb":
			qc.Transport = printer.USB{Path: pc.Address}
		}
		q, err := printer.New(qc)
		if err != nil {
			return nil, fmt.Errorf("printer %s: %w", pc.ID, err)
		}
		h.closers = append(h.closers, func() error { q.Close(); return nil })
		switch loaded, err := q.Init(); {
		case !loaded:
			h.log.Info("printer skipped", "printer", pc.ID, "reason", err)
		case err != nil:
			h.log.Warn("printer failed; selling goes on and receipts print when it is back", "printer", pc.ID, "address", pc.Address, "err", err)
		default:
			h.log.Info("printer loaded", "printer", pc.ID, "address", pc.Address)
		}
		cp := printer.CP865
		if pc.CodePage == "wpc1252" {
			cp = printer.WPC1252
		}
		cols := pc.Columns
		if cols == 0 {
			cols = printer.Columns80mm
		}
		out = append(out, &devices.Printer{ID: pc.ID, Registers: pc.Registers, Queue: q, Print: receipt.Print{CodePage: cp, Columns: cols}})
	}
	return out, nil
}

// scanners opens the scanners this hub owns; each scan goes to its register.
func (h *hub) scanners(dev *devices.Service) error {
	for _, sc := range h.cfg.Devices.Scanners {
		if sc.Hub != h.cfg.Hub.ID {
			continue
		}
		var src scanner.Source
		if sc.Kind == "keyboard" {
			km := scanner.US
			if sc.Keymap == "no" {
				km = scanner.NO
			}
			src = scanner.Evdev{Path: sc.Path, Keymap: km}
		} else {
			src = scanner.Serial{Port: sc.Path, Baud: sc.Baud}
		}
		reg := sc.Register
		r, err := scanner.New(scanner.Config{Name: sc.ID, Source: src, Logger: h.log, OnScan: func(s scanner.Scan) { dev.Scan(reg, s) }})
		if err != nil {
			return fmt.Errorf("scanner %s: %w", sc.ID, err)
		}
		h.closers = append(h.closers, r.Close)
		switch loaded, err := r.Init(); {
		case !loaded:
			h.log.Info("scanner skipped", "scanner", sc.ID, "reason", err)
		case err != nil:
			h.log.Warn("scanner failed; it is picked up when it appears", "scanner", sc.ID, "path", sc.Path, "err", err)
		default:
			h.log.Info("scanner loaded", "scanner", sc.ID, "register", reg)
		}
	}
	return nil
}

// scales opens the scales this hub owns.
func (h *hub) scales(dev *devices.Service) error {
	for _, sc := range h.cfg.Devices.Scales {
		if sc.Hub != h.cfg.Hub.ID {
			continue
		}
		proto, err := scale.ParseProtocol(sc.Protocol)
		if err != nil {
			return err
		}
		c := scale.DefaultConfig(proto)
		c.Name, c.Logger = sc.ID, h.log
		if sc.Baud != 0 {
			c.Baud = sc.Baud
		}
		if sc.Frame != "" {
			c.Frame = sc.Frame
		}
		s, err := scale.Open(sc.Path, c)
		if err != nil {
			return fmt.Errorf("scale %s: %w", sc.ID, err)
		}
		h.closers = append(h.closers, s.Close)
		switch loaded, err := s.Init(); {
		case !loaded:
			h.log.Info("scale skipped", "scale", sc.ID, "reason", err)
		case err != nil:
			h.log.Warn("scale failed; it is used when it answers", "scale", sc.ID, "path", sc.Path, "err", err)
		default:
			h.log.Info("scale loaded", "scale", sc.ID, "registers", sc.Registers)
		}
		dev.AddScale(s, sc.Registers...)
	}
	return nil
}

// displays opens the customer pole displays this hub owns.
func (h *hub) displays(dev *devices.Service) error {
	for _, dc := range h.cfg.Devices.Displays {
		if dc.Hub != h.cfg.Hub.ID {
			continue
		}
		c := display.DefaultConfig()
		c.Name, c.Logger = dc.ID, h.log
		if dc.Baud != 0 {
			c.Baud = dc.Baud
		}
		d, err := display.Open(dc.Path, c)
		if err != nil {
			return fmt.Errorf("display %s: %w", dc.ID, err)
		}
		h.closers = append(h.closers, d.Close)
		switch loaded, err := d.Init(); {
		case !loaded:
			h.log.Info("display skipped", "display", dc.ID, "reason", err)
		case err != nil:
			h.log.Warn("display failed; it shows the sale when it is back", "display", dc.ID, "err", err)
		default:
			h.log.Info("display loaded", "display", dc.ID, "register", dc.Register)
		}
		dev.AddPole(d, dc.Register)
	}
	return nil
}

// gpio wires this hub's own pins: health LED, button, drawer relay and sensor.
func (h *hub) gpio(ctx context.Context, dev *devices.Service) error {
	for _, g := range h.cfg.Devices.GPIO {
		if g.Hub != h.cfg.Hub.ID {
			continue
		}
		c := gpiodrv.Config{Logger: h.log}
		c.LED.Pin, c.Button.Pin, c.Relay.Pin, c.Sensor.Pin = g.LED, g.Button, g.Relay, g.Sensor
		c.Relay.ActiveLow = g.RelayActiveLow
		if g.SensorOpenHigh {
			c.Sensor.OpenLevel = periphgpio.High
		}
		b, err := gpiodrv.New(c)
		if err != nil {
			return err
		}
		switch loaded, err := b.Init(); {
		case !loaded:
			h.log.Info("gpio skipped", "reason", err)
			continue
		case err != nil:
			h.log.Warn("gpio partly failed; what was found is used", "err", err)
		default:
			h.log.Info("gpio loaded", "register", g.Register)
		}
		reg := g.Register
		if g.Relay != "" {
			dev.AddDrawer(b, reg)
		}
		go func() {
			err := b.Run(ctx, gpiodrv.Handlers{
				Press:  func(p gpiodrv.Press) { dev.Call(reg, p.Button, p.At) },
				Drawer: func(d gpiodrv.DrawerChange) { dev.DrawerChanged(ctx, reg, d.Open) },
			})
			if err != nil && ctx.Err() == nil {
				h.log.Error("gpio stopped", "err", err)
			}
		}()
		go h.healthLED(ctx, b)
	}
	return nil
}

// healthLED shows on the LED what /readyz says.
func (h *hub) healthLED(ctx context.Context, b *gpiodrv.Board) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		switch err := h.Ready(); {
		case err == nil:
			b.SetHealth(gpiodrv.Healthy)
		case errors.Is(err, ledger.ErrHalted):
			b.SetHealth(gpiodrv.Halted)
		default:
			b.SetHealth(gpiodrv.Degraded)
		}
		select {
		case <-ctx.Done():
			b.SetHealth(gpiodrv.Off)
			return
		case <-t.C:
		}
	}
}

// Ready: a leader is known, the ledger applies, and this hub is caught up.
func (h *hub) Ready() error {
	if err := h.ledger.Halted(); err != nil {
		return err
	}
	if id, _ := h.node.Leader(); id == "" {
		return replicate.ErrNoLeader
	}
	return h.catchingUp()
}

func (h *hub) terminal(ctx context.Context) (*terminal.Client, error) {
	tc := h.cfg.Terminal
	cfg := terminal.DefaultConfig()
	cfg.POIID, cfg.SaleID, cfg.Logger = tc.POIID, tc.SaleID, h.log
	if tc.Timeout > 0 {
		cfg.Timeout = tc.Timeout
	}
	switch {
	case tc.Simulator:
		// Amounts choose what the stand-in does (terminaltest.Rule): most
		// approve; see the README for the ones that decline or time out.
		sim := terminaltest.NewServer(terminaltest.Config{POIID: tc.POIID})
		h.closers = append(h.closers, func() error { sim.Close(); return nil })
		cfg.URL, cfg.TLS = sim.URL, sim.ClientTLS()
		h.log.Info("simulator card terminal", "url", cfg.URL)
	case tc.URL != "":
		tlsc, err := terminal.LoadCA(tc.CAFile, "")
		if err != nil {
			return nil, err
		}
		cfg.URL, cfg.TLS = tc.URL, tlsc
	default:
		h.log.Warn("no card terminal configured: card payments are refused")
		return nil, nil
	}
	return terminal.New(cfg)
}

// setUp waits for a leader and, on the leader, makes sure the shop, its
// signing key, the configured registers and (first start) the demo exist.
func (h *hub) setUp(ctx context.Context, svc *till.Service) error {
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for !h.node.IsLeader() {
		if id, _ := h.node.Leader(); id != "" {
			return nil // another hub leads and sets the shop up
		}
		select {
		case <-wctx.Done():
			return fmt.Errorf("no leader after 30 s: is this hub's raft.bootstrap on, or another hub up? %w", wctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
	if err := h.node.Barrier(wctx); err != nil {
		return fmt.Errorf("catch up with the log: %w", err)
	}
	sh := h.cfg.Shop
	var regs []ledger.Register
	for _, r := range h.cfg.Registers {
		regs = append(regs, ledger.Register{ID: r.ID, Name: r.Name})
	}
	if err := svc.SetUp(wctx, ledger.Shop{Name: sh.Name, Address: sh.Address, OrgNr: sh.OrgNr, VAT: sh.VAT}, regs, h.cluster.KeyMaker(wctx)); err != nil {
		return err
	}
	if h.cfg.Demo {
		if items, _ := h.ledger.Items("", 1); len(items) == 0 {
			if err := demo.Seed(wctx, svc, ""); err != nil {
				return err
			}
			h.log.Info("seeded the demo shop", "items", len(demo.Items()), "employees", len(demo.Employees))
		}
	}
	return nil
}

// resolveLoop books card payments left without an outcome, on the leader.
func (h *hub) resolveLoop(ctx context.Context, svc *till.Service) {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		if h.node.IsLeader() {
			svc.ResolvePending(ctx)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// close shuts down in order: stop taking requests, stop Raft, close storage.
func (h *hub) close() error {
	var errs []error
	if h.http != nil {
		time.AfterFunc(time.Second, h.endRequests) // a second for requests in flight
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := h.http.Shutdown(ctx); errors.Is(err, context.DeadlineExceeded) {
			// A request still waiting on Raft (a write with no quorum waits
			// out its own timeout) is cut: its register retries with the same
			// key on another hub or after the restart, and nothing is booked
			// twice. That is a normal stop, not a failed one.
			h.log.Warn("requests still running at shutdown were cut", "err", err)
			_ = h.http.Close()
		} else if err != nil {
			errs = append(errs, err)
		}
		cancel()
	}
	for i := len(h.closers) - 1; i >= 0; i-- {
		errs = append(errs, h.closers[i]())
	}
	return errors.Join(errs...)
}

func registerLedgerMetrics(reg prometheus.Registerer, l *ledger.Ledger) {
	reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "kasse_sales_completed_total", Help: "Sales completed (rate × 60 is sales per minute).",
	}, func() float64 { return float64(l.SalesCompleted()) }))
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "kasse_ledger_applied_index", Help: "Raft index of the last command the ledger applied.",
	}, func() float64 { return float64(l.Applied()) }))
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "kasse_ledger_halted", Help: "1 when the ledger stopped applying (unknown command or storage failure).",
	}, func() float64 {
		if l.Halted() != nil {
			return 1
		}
		return 0
	}))
}

// openReadOnly opens a stopped hub's ledger for reading.
func openReadOnly(cfg config.Config, log *slog.Logger) (*ledger.Ledger, func() error, error) {
	dir := filepath.Join(cfg.Hub.Data, "db")
	if _, err := os.Stat(dir); err != nil {
		return nil, nil, fmt.Errorf("no hub data at %s: %w", dir, err)
	}
	if ok, why, err := stateTrusted(cfg.Hub.Data); err != nil {
		return nil, nil, err
	} else if !ok {
		return nil, nil, fmt.Errorf("%s: %s; start the hub once so it rebuilds its state from raft's log", dir, why)
	}
	db, err := replicate.OpenReadOnly(dir, profileOf(cfg), log)
	if err != nil {
		return nil, nil, fmt.Errorf("open %s (is the hub still running?): %w", dir, err)
	}
	l, err := ledger.Open(db, nil, log)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return l, db.Close, nil
}

// exportSAFT writes the SAF-T Cash Register file of a period, with
// progress on stderr.
// Spill files go to tempDir (the hub's data directory when empty: on a
// board, /tmp may be memory).
func exportSAFT(cfg config.Config, log *slog.Logger, w io.Writer, from, to time.Time, tempDir string) error {
	l, closeDB, err := openReadOnly(cfg, log)
	if err != nil {
		return err
	}
	defer closeDB()
	head, _, err := l.JournalHead()
	if err != nil {
		return err
	}
	if tempDir == "" {
		tempDir = cfg.Hub.Data
	}
	t0 := time.Now()
	p := saft.Params{From: from, To: to, Created: t0, SoftwareVersion: version, TempDir: tempDir,
		Progress: func(done uint64) {
			releaseMapped(filepath.Join(cfg.Hub.Data, "db")) // keeps the resident set flat
			rate := float64(done) / max(time.Since(t0).Seconds(), 1e-3)
			fmt.Fprintf(os.Stderr, "\rexport: %d / %d journal entries, %.0f entries/s ", done, head, rate)
		}}
	if err := saft.Export(context.Background(), w, l, p); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	fmt.Fprintf(os.Stderr, "\nexport: done in %s\n", time.Since(t0).Round(100*time.Millisecond))
	return nil
}

// verify opens a stopped hub's data read-only and checks the journal.
func verify(cfg config.Config, log *slog.Logger) (ledger.VerifyStats, error) {
	l, closeDB, err := openReadOnly(cfg, log)
	if err != nil {
		return ledger.VerifyStats{}, err
	}
	defer closeDB()
	defer releaseWhile(filepath.Join(cfg.Hub.Data, "db"))()
	return l.Verify()
}
