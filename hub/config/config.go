// Package config reads a hub's configuration: one YAML file whose every key
// is documented in configs/, and environment variables KASSE_<SECTION>_<KEY>
// that override it. Default() is the configuration of a hub on a laptop; a
// file need only say what differs. Unknown keys, bad values and missing
// files are errors that say what is wrong, never silently ignored.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Config is a hub's whole configuration.
type Config struct {
	Hub       Hub        `yaml:"hub"`
	Raft      Raft       `yaml:"raft"`
	HTTP      HTTP       `yaml:"http"`
	Shop      Shop       `yaml:"shop"`
	Registers []Register `yaml:"registers"`
	Terminal  Terminal   `yaml:"terminal"`
	Payments  Payments   `yaml:"payments"`
	Log       Log        `yaml:"log"`
	Barcode   Barcode    `yaml:"barcode"`
	Devices   Devices    `yaml:"devices"`
	Mail      Mail       `yaml:"mail"`
	// Demo seeds a demo shop (catalog, employees, stock) on first start.
	Demo bool `yaml:"demo"`
}

// Hub is this box.
type Hub struct {
	ID      string `yaml:"id"`      // unique in the shop, e.g. "hub1"
	Data    string `yaml:"data"`    // data directory: ledger, Raft, keys
	Profile string `yaml:"profile"` // storage profile: "laptop" or "small-board"
}

// Raft is how the hub replicates the ledger.
type Raft struct {
	Bind              string        `yaml:"bind"`               // host:port Raft listens on
	Advertise         string        `yaml:"advertise"`          // host:port other hubs dial; empty: Bind
	Bootstrap         bool          `yaml:"bootstrap"`          // start a new one-voter cluster if this hub has no state
	TimeoutScale      float64       `yaml:"timeout_scale"`      // multiplies Raft timeouts (slow SD cards: 2–3)
	SnapshotThreshold uint64        `yaml:"snapshot_threshold"` // commands between snapshots
	SnapshotInterval  time.Duration `yaml:"snapshot_interval"`  // how often to check
	TrailingLogs      uint64        `yaml:"trailing_logs"`      // log entries kept after a snapshot
	Join              string        `yaml:"join"`               // join token (kasse token on a running hub): join that shop on first start
	// DialVia maps another hub's advertised address to the address this
	// hub dials it at instead (a relay or port forward between hubs).
	DialVia map[string]string `yaml:"dial_via"`
}

// HTTP is the registers' API and UI.
type HTTP struct {
	Addr  string `yaml:"addr"`  // host:port
	Pprof bool   `yaml:"pprof"` // serve Go's profiler under /debug/pprof (for diagnosis only)
	// TLS: "auto" serves HTTPS with the shop's CA except on a loopback
	// address, "on" always, "off" plain HTTP (say so only on a trusted
	// network).
	TLS string `yaml:"tls"`
	// Hubs are the addresses registers use for every hub of the shop
	// (https://192.168.1.10:8080, …), this one included; a register moves
	// to the next when its hub stops answering.
	Hubs []string `yaml:"hubs"`
	// IdleLogout logs the employee out of a register left untouched this long.
	IdleLogout time.Duration `yaml:"idle_logout"`
}

// Shop is printed on every receipt.
type Shop struct {
	Name    string `yaml:"name"`
	Address string `yaml:"address"`
	OrgNr   string `yaml:"org_nr"` // nine digits
	VAT     bool   `yaml:"vat"`    // registered for VAT
}

// Register is a till allowed to use this hub's API.
type Register struct {
	ID    string `yaml:"id"`
	Name  string `yaml:"name"`
	Token string `yaml:"token"` // bearer token the register sends; at least 16 characters
}

// Terminal is the card terminal.
type Terminal struct {
	// Simulator runs the built-in stand-in terminal inside the hub (demo and
	// tests). Otherwise URL names a nexo terminal.
	Simulator bool          `yaml:"simulator"`
	URL       string        `yaml:"url"`
	POIID     string        `yaml:"poi_id"`
	SaleID    string        `yaml:"sale_id"`
	CAFile    string        `yaml:"ca_file"` // the terminal's CA certificate (PEM)
	Timeout   time.Duration `yaml:"timeout"` // how long to wait for a payment
}

// Log is how the hub logs.
type Log struct {
	Level  string `yaml:"level"`  // debug, info, warn, error
	Format string `yaml:"format"` // text or json
}

// Devices are the shop's peripherals. Each belongs to one hub; every hub
// may list them all, and only the owner drives them.
type Devices struct {
	Printers []Printer `yaml:"printers"`
	Scanners []Scanner `yaml:"scanners"`
	Scales   []Scale   `yaml:"scales"`
	GPIO     []GPIO    `yaml:"gpio"`
	Displays []Display `yaml:"displays"`
}

// Display is a 2×20 customer pole display on a serial line.
type Display struct {
	ID       string `yaml:"id"`
	Hub      string `yaml:"hub"`
	Register string `yaml:"register"`
	Path     string `yaml:"path"` // /dev/serial/by-id/…
	Baud     int    `yaml:"baud"` // 0: 9600
}

// GPIO is a hub's own pins (periph.io names, e.g. GPIO17): a status LED, a
// "call a manager" button, and a cash drawer on a relay with a sensor,
// belonging to one register. Empty pin names are not wired.
type GPIO struct {
	Hub            string `yaml:"hub"`
	Register       string `yaml:"register"` // whose drawer the relay and sensor are, and whom the button calls for
	LED            string `yaml:"led"`
	Button         string `yaml:"button"`
	Relay          string `yaml:"relay"`
	RelayActiveLow bool   `yaml:"relay_active_low"`
	Sensor         string `yaml:"sensor"`
	SensorOpenHigh bool   `yaml:"sensor_open_high"` // the sensor reads High when the drawer is open (default Low)
}

// Scale is a checkout scale on a serial line, serving registers.
type Scale struct {
	ID        string   `yaml:"id"`
	Hub       string   `yaml:"hub"`
	Registers []string `yaml:"registers"`
	Protocol  string   `yaml:"protocol"` // toledo8217 or sics
	Path      string   `yaml:"path"`     // /dev/serial/by-id/…
	Baud      int      `yaml:"baud"`     // 0: 9600
	Frame     string   `yaml:"frame"`    // line format; empty: 7E1 for toledo8217, 8N1 for sics
}

// Scanner is a barcode scanner plugged into a hub and bound to a register.
type Scanner struct {
	ID       string `yaml:"id"`
	Hub      string `yaml:"hub"`
	Register string `yaml:"register"` // where its scans go
	Kind     string `yaml:"kind"`     // keyboard (USB keyboard wedge, read through evdev) or serial
	Path     string `yaml:"path"`     // /dev/input/by-id/…-event-kbd or /dev/serial/by-id/…
	Keymap   string `yaml:"keymap"`   // keyboard only: us or no (what the scanner is set to); empty: us
	Baud     int    `yaml:"baud"`     // serial only; 0: 9600
}

// Printer is a receipt printer (ESC/POS).
type Printer struct {
	ID        string   `yaml:"id"`
	Hub       string   `yaml:"hub"`       // the hub it is plugged into
	Registers []string `yaml:"registers"` // registers whose receipts it prints
	Transport string   `yaml:"transport"` // tcp (port 9100), serial or usb
	Address   string   `yaml:"address"`   // host:port, /dev/ttyUSB0 or /dev/usb/lp0
	Baud      int      `yaml:"baud"`      // serial only; 0: 19200
	Columns   int      `yaml:"columns"`   // 48 (80 mm), 42 or 32 (58 mm); 0: 48
	CodePage  string   `yaml:"code_page"` // cp865 or wpc1252; empty: cp865
}

// Barcode sets how in-store codes (prefixes 20–29) are read.
type Barcode struct {
	Layouts string `yaml:"layouts"` // "default" or "nordic"
}

// Default is a single hub on a laptop with the demo shop.
func Default() Config {
	return Config{
		Hub:  Hub{ID: "hub1", Data: "data/hub1", Profile: "laptop"},
		Raft: Raft{Bind: "127.0.0.1:7001", Bootstrap: true, TimeoutScale: 1, SnapshotThreshold: 16384, SnapshotInterval: 2 * time.Minute, TrailingLogs: 32768, DialVia: map[string]string{}},
		HTTP: HTTP{Addr: "127.0.0.1:8080", TLS: "auto", Hubs: []string{}, IdleLogout: 5 * time.Minute},
		Shop: Shop{Name: "Kasse Demo", Address: "Storgata 1, 0155 Oslo", OrgNr: "999999999", VAT: true},
		Registers: []Register{
			{ID: "K1", Name: "Kasse 1", Token: "demo-token-register-1"},
			{ID: "K2", Name: "Kasse 2", Token: "demo-token-register-2"},
		},
		Terminal: Terminal{Simulator: true, POIID: "SIM-1", SaleID: "kasse", Timeout: 60 * time.Second},
		Payments: Payments{MobileSimulator: true, Tenders: []Tender{{ID: "invoice", Name: "Faktura", Code: 12006, NeedsRef: true}}},
		Log:      Log{Level: "info", Format: "text"},
		Barcode:  Barcode{Layouts: "default"},
		Devices:  Devices{Printers: []Printer{}, Scanners: []Scanner{}, Scales: []Scale{}, GPIO: []GPIO{}, Displays: []Display{}},
		Demo:     true,
	}
}

// Load reads the file at path (none if path is ""), over Default(), then
// applies environment overrides and validates.
func Load(path string, env []string) (Config, error) {
	c := Default()
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return c, fmt.Errorf("config: %w", err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(b))
		dec.KnownFields(true)
		if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) { // empty file: all defaults
			return c, fmt.Errorf("config %s: %w", path, err)
		}
	}
	if err := Override(&c, env); err != nil {
		return c, err
	}
	if err := c.Validate(); err != nil {
		return c, err
	}
	return c, nil
}

// Override applies KASSE_<SECTION>_<KEY>=value variables from env, e.g.
// KASSE_HTTP_ADDR=0.0.0.0:8080 or KASSE_DEMO=false. An unknown KASSE_
// variable is an error, so a typo is not silently ignored.
func Override(c *Config, env []string) error {
	fields := map[string]reflect.Value{}
	collect(reflect.ValueOf(c).Elem(), "KASSE", fields)
	for _, kv := range env {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(k, "KASSE_") {
			continue
		}
		f, ok := fields[k]
		if !ok {
			return fmt.Errorf("config: unknown environment variable %s", k)
		}
		if err := set(f, v); err != nil {
			return fmt.Errorf("config: %s=%q: %w", k, v, err)
		}
	}
	return nil
}

func collect(v reflect.Value, prefix string, out map[string]reflect.Value) {
	t := v.Type()
	for i := range t.NumField() {
		tag := t.Field(i).Tag.Get("yaml")
		name := prefix + "_" + strings.ToUpper(tag)
		f := v.Field(i)
		if f.Kind() == reflect.Struct {
			collect(f, name, out)
		} else if f.Kind() != reflect.Slice && f.Kind() != reflect.Map {
			out[name] = f
		}
	}
}

func set(f reflect.Value, s string) error {
	switch f.Interface().(type) {
	case time.Duration:
		d, err := time.ParseDuration(s)
		if err != nil {
			return err
		}
		f.SetInt(int64(d))
		return nil
	}
	switch f.Kind() {
	case reflect.String:
		f.SetString(s)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return err
		}
		f.SetBool(b)
	case reflect.Uint64:
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return err
		}
		f.SetUint(n)
	case reflect.Float64:
		n, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return err
		}
		f.SetFloat(n)
	default:
		return fmt.Errorf("cannot set a %s", f.Kind())
	}
	return nil
}

// Validate says in plain words what is wrong.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf("config: "+format, args...)) }
	if c.Hub.ID == "" {
		bad("hub.id is empty: give this hub a name unique in the shop, like hub1")
	}
	if c.Hub.Data == "" {
		bad("hub.data is empty: say where the hub keeps its data")
	}
	if c.Hub.Profile != "laptop" && c.Hub.Profile != "small-board" {
		bad("hub.profile is %q: use laptop or small-board", c.Hub.Profile)
	}
	for name, addr := range map[string]string{"raft.bind": c.Raft.Bind, "http.addr": c.HTTP.Addr} {
		if _, _, err := net.SplitHostPort(addr); err != nil {
			bad("%s is %q: want host:port", name, addr)
		}
	}
	if c.HTTP.TLS != "auto" && c.HTTP.TLS != "on" && c.HTTP.TLS != "off" {
		bad("http.tls is %q: use auto, on or off", c.HTTP.TLS)
	}
	for _, h := range c.HTTP.Hubs {
		if !strings.HasPrefix(h, "https://") && !strings.HasPrefix(h, "http://") {
			bad("http.hubs: %q is not an http(s):// address", h)
		}
	}
	if c.HTTP.IdleLogout < 0 {
		bad("http.idle_logout is negative")
	}
	for from, to := range c.Raft.DialVia {
		_, _, err1 := net.SplitHostPort(from)
		_, _, err2 := net.SplitHostPort(to)
		if err1 != nil || err2 != nil {
			bad("raft.dial_via %q: %q: want host:port: host:port", from, to)
		}
	}
	if c.Raft.TimeoutScale < 0.1 || c.Raft.TimeoutScale > 20 {
		bad("raft.timeout_scale is %v: use 1 for a PC, 2–3 for an SD card", c.Raft.TimeoutScale)
	}
	if c.Shop.Name == "" || len(c.Shop.OrgNr) != 9 || strings.Trim(c.Shop.OrgNr, "0123456789") != "" {
		bad("shop needs a name and a nine-digit org_nr (got %q, %q)", c.Shop.Name, c.Shop.OrgNr)
	}
	seen := map[string]bool{}
	for i, r := range c.Registers {
		switch {
		case r.ID == "":
			bad("registers[%d] has no id", i)
		case seen[r.ID]:
			bad("register %s is listed twice", r.ID)
		case len(r.Token) < 16:
			bad("register %s: token must be at least 16 characters", r.ID)
		}
		seen[r.ID] = true
	}
	if !c.Terminal.Simulator && c.Terminal.URL != "" && !strings.HasPrefix(c.Terminal.URL, "https://") {
		bad("terminal.url %q must be https://", c.Terminal.URL)
	}
	c.Payments.validate(bad)
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		bad("log.level is %q: use debug, info, warn or error", c.Log.Level)
	}
	if c.Log.Format != "text" && c.Log.Format != "json" {
		bad("log.format is %q: use text or json", c.Log.Format)
	}
	if c.Barcode.Layouts != "default" && c.Barcode.Layouts != "nordic" {
		bad("barcode.layouts is %q: use default or nordic", c.Barcode.Layouts)
	}
	bound := map[string]string{}
	for i, p := range c.Devices.Printers {
		name := p.ID
		if name == "" {
			name = fmt.Sprintf("devices.printers[%d]", i)
			bad("%s has no id", name)
		}
		switch {
		case p.Hub == "":
			bad("printer %s: say which hub it is plugged into (hub:)", name)
		case p.Transport != "tcp" && p.Transport != "serial" && p.Transport != "usb":
			bad("printer %s: transport %q: use tcp, serial or usb", name, p.Transport)
		case p.Address == "":
			bad("printer %s: no address", name)
		case p.Columns != 0 && p.Columns != 32 && p.Columns != 42 && p.Columns != 48:
			bad("printer %s: columns %d: use 48, 42 or 32", name, p.Columns)
		case p.CodePage != "" && p.CodePage != "cp865" && p.CodePage != "wpc1252":
			bad("printer %s: code_page %q: use cp865 or wpc1252", name, p.CodePage)
		}
		for _, r := range p.Registers {
			if !seen[r] {
				bad("printer %s serves register %s, which is not in registers", name, r)
			}
			if other, ok := bound[r]; ok {
				bad("register %s is bound to printers %s and %s", r, other, name)
			}
			bound[r] = name
		}
	}
	weighs := map[string]string{}
	for i, sc := range c.Devices.Scales {
		name := sc.ID
		if name == "" {
			name = fmt.Sprintf("devices.scales[%d]", i)
			bad("%s has no id", name)
		}
		if sc.Hub == "" || sc.Path == "" {
			bad("scale %s: say which hub it is plugged into (hub:) and its device path (path:)", name)
		}
		if p := strings.ToLower(sc.Protocol); p != "toledo8217" && p != "sics" {
			bad("scale %s: protocol %q: use toledo8217 or sics", name, sc.Protocol)
		}
		for _, r := range sc.Registers {
			if !seen[r] {
				bad("scale %s serves register %s, which is not in registers", name, r)
			}
			if other, ok := weighs[r]; ok {
				bad("register %s is bound to scales %s and %s", r, other, name)
			}
			weighs[r] = name
		}
	}
	for i, d := range c.Devices.Displays {
		if d.ID == "" || d.Hub == "" || d.Path == "" || !seen[d.Register] {
			bad("devices.displays[%d]: needs an id, the hub it is plugged into, a path and a register from registers", i)
		}
	}
	gpioHubs := map[string]bool{}
	for _, g := range c.Devices.GPIO {
		switch {
		case g.Hub == "":
			bad("devices.gpio: say which hub the pins are on (hub:)")
		case gpioHubs[g.Hub]:
			bad("devices.gpio: hub %s is listed twice", g.Hub)
		case (g.Relay != "" || g.Sensor != "" || g.Button != "") && !seen[g.Register]:
			bad("devices.gpio on %s: register %q is not in registers", g.Hub, g.Register)
		}
		gpioHubs[g.Hub] = true
	}
	for i, sc := range c.Devices.Scanners {
		name := sc.ID
		if name == "" {
			name = fmt.Sprintf("devices.scanners[%d]", i)
			bad("%s has no id", name)
		}
		switch {
		case sc.Hub == "" || sc.Path == "":
			bad("scanner %s: say which hub it is plugged into (hub:) and its device path (path:)", name)
		case !seen[sc.Register]:
			bad("scanner %s: register %q is not in registers", name, sc.Register)
		case sc.Kind != "keyboard" && sc.Kind != "serial":
			bad("scanner %s: kind %q: use keyboard or serial", name, sc.Kind)
		case sc.Keymap != "" && sc.Keymap != "us" && sc.Keymap != "no":
			bad("scanner %s: keymap %q: use us or no", name, sc.Keymap)
		}
	}
	errs = append(errs, c.Mail.check()...)
	return errors.Join(errs...)
}
