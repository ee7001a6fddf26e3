package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kasse/kasse/hub/config"
	"github.com/kasse/kasse/hub/ledger"
	"github.com/kasse/kasse/hub/money"
	"github.com/kasse/kasse/hub/till"
)

// TestBigShop measures a hub on the small-board profile holding many items
// and journal entries: time from start to ready, and resident memory. It
// builds the data through the real write path first, so it is slow and runs
// only when BIGSHOP_JOURNAL says how many entries (e.g. 1000000); make
// bench-memory does that. BIGSHOP_DIR keeps the data between runs.
func TestBigShop(t *testing.T) {
	want, _ := strconv.Atoi(os.Getenv("BIGSHOP_JOURNAL"))
	if want == 0 {
		t.Skip("set BIGSHOP_JOURNAL to run")
	}
	dir := os.Getenv("BIGSHOP_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	cfg := config.Default()
	cfg.Hub.Data, cfg.Hub.Profile, cfg.Demo = filepath.Join(dir, "data"), "small-board", false
	cfg.Raft.Bind, cfg.HTTP.Addr = freePort(t), freePort(t)
	cfg.Log.Level = "warn"
	if _, err := os.Stat(cfg.Hub.Data); err != nil {
		build(t, cfg, want)
	} else if os.Getenv("BIGSHOP_SETTLE") != "" {
		settle(t, cfg)
	}
	bin := kasseBinaryPlain(t)
	cfgFile := filepath.Join(dir, "big.yaml")
	os.WriteFile(cfgFile, []byte(fmt.Sprintf("hub:\n  data: %s\n  profile: small-board\nraft:\n  bind: %s\nhttp:\n  addr: %s\nlog:\n  level: warn\ndemo: false\n", cfg.Hub.Data, cfg.Raft.Bind, cfg.HTTP.Addr)), 0o600)
	p := &proc{t: t, bin: bin, config: cfgFile, http: cfg.HTTP.Addr, logs: &strings.Builder{}}
	t0 := time.Now()
	p.start()
	ready := time.Since(t0)
	c := newClient(p.http, "demo-token-register-1")
	var items []ledger.Item
	for i := range 200 { // look items up and search the catalog, as registers would
		if _, err := c.do("GET", fmt.Sprintf("/items/item-%05d", i*250), "", nil, nil); err != nil {
			t.Fatal(err)
		}
		if i%20 == 0 {
			if _, err := c.do("GET", fmt.Sprintf("/items?q=nummer+%d&limit=5", i*250), "", nil, &items); err != nil {
				t.Fatal(err)
			}
		}
	}
	var sale ledger.Sale
	if _, err := c.do("POST", "/sales", "big-probe", nil, &sale); err != nil {
		t.Fatal(err)
	}
	rss := vmRSS(t, p.cmd.Process.Pid, "VmRSS:")
	anon := vmRSS(t, p.cmd.Process.Pid, "RssAnon:")
	p.stop()
	t.Logf("small-board hub with %d journal entries: ready in %s, resident memory %d MB (%d MB of it the process's own, the rest mapped files)", want, ready.Round(time.Millisecond), rss>>20, anon>>20)
	fmt.Printf("BIGSHOP entries=%d ready=%s rss=%dMB anon=%dMB\n", want, ready.Round(time.Millisecond), rss>>20, anon>>20)
}

// vmRSS reads a field (VmRSS:, RssAnon:) of the process's status, in bytes.
func vmRSS(t *testing.T, pid int, field string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == field {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	t.Fatal("no " + field)
	return 0
}

// settle starts the hub on existing data and takes a snapshot, as a hub
// that has run normally since its last burst of commands would have.
func settle(t *testing.T, cfg config.Config) {
	ctx := context.Background()
	h, err := start(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer h.close()
	if err := h.node.Snapshot(ctx); err != nil {
		t.Fatal(err)
	}
}

// build makes 50 000 items and sales until the journal holds want entries,
// proposing straight to the service from 32 goroutines.
func build(t *testing.T, cfg config.Config, want int) {
	ctx := context.Background()
	h, err := start(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer h.close()
	svc := till.New(h.ledger, h.node, nil, nil, h.log)
	for b := range 50 {
		items := make([]ledger.Item, 1000)
		for i := range items {
			n := b*1000 + i
			items[i] = ledger.Item{SKU: fmt.Sprintf("item-%05d", n), Name: fmt.Sprintf("Vare nummer %d", n), Group: fmt.Sprintf("Gruppe %d", n%40),
				Price: money.Øre(100 + n%50000), Rate: []money.Rate{money.Rate25, money.Rate15, money.Rate12, money.Rate0}[n%4], Unit: ledger.UnitPiece, Active: true}
		}
		if _, err := svc.Do(ctx, till.Req{Register: "K1"}, ledger.CmdItemPut, map[string]any{"items": items}); err != nil {
			t.Fatal(err)
		}
	}
	var entries atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for r := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := till.Req{Register: []string{"K1", "K2"}[r%2]}
			for n := 0; entries.Load() < int64(want); n++ {
				s, err := svc.OpenSale(ctx, req)
				if err != nil {
					t.Error(err)
					return
				}
				sale, _ := till.DecodeSale(s)
				for i := range 20 {
					if _, err := svc.AddSKU(ctx, req, sale.ID, fmt.Sprintf("item-%05d", (r*7919+n*20+i)%50000), 1); err != nil {
						t.Error(err)
						return
					}
				}
				if _, err := svc.PayCash(ctx, req, sale.ID, money.Max); err != nil {
					t.Error(err)
					return
				}
				entries.Add(23) // open, 20 lines, payment, completion (+ drawer)
			}
		}()
	}
	wg.Wait()
	seq, _, _ := h.ledger.JournalHead()
	t.Logf("built %d journal entries in %s", seq, time.Since(start).Round(time.Second))
	// A hub that runs normally snapshots every SnapshotThreshold commands;
	// this build ran far faster than that, so end as such a hub would.
	if err := h.node.Snapshot(ctx); err != nil {
		t.Fatal(err)
	}
}

var (
	plainOnce sync.Once
	plainBin  string
)

// kasseBinaryPlain is kasse built without the race detector, for measuring.
func kasseBinaryPlain(t *testing.T) string {
	plainOnce.Do(func() {
		d, _ := os.MkdirTemp("", "kasse-plain")
		plainBin = filepath.Join(d, "kasse")
		if out, err := exec.Command("go", "build", "-o", plainBin, ".").CombinedOutput(); err != nil {
			t.Fatalf("build: %v\n%s", err, out)
		}
	})
	return plainBin
}
