// Command kasse runs a Kasse point-of-sale hub.
//
//	kasse run [-config FILE]      start a hub (embedded laptop defaults without -config)
//	kasse verify [-config FILE]   check a stopped hub's journal: chain and signatures
//	kasse backup [-config FILE] F  a consistent backup of a hub's ledger and journal
//	kasse restore [-config FILE] F a backup into a fresh data directory
//	kasse token|join|status|remove  grow, inspect and shrink the shop's cluster of hubs
//	kasse rotate-key              a new signing key version for the whole shop
//	kasse version                 print the build
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/kasse/kasse/hub/config"
	"github.com/kasse/kasse/hub/ledger"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	if len(os.Args) < 2 {
		usage(os.Stderr)
		os.Exit(2)
	}
	cmd, args := os.Args[1], os.Args[2:]
	var err error
	switch cmd {
	case "run":
		err = runCmd(args)
	case "verify":
		err = verifyCmd(args)
	case "export":
		err = exportCmd(args)
	case "backup":
		err = backupCmd(args)
	case "restore":
		err = restoreCmd(args)
	case "token":
		err = tokenCmd(args)
	case "join":
		err = joinCmd(args)
	case "status":
		err = statusCmd(args)
	case "remove":
		err = removeCmd(args)
	case "rotate-key":
		err = rotateKeyCmd(args)
	case "version":
		fmt.Println(buildInfo())
	case "help", "-h", "--help":
		usage(os.Stdout)
	default:
		fmt.Fprintf(os.Stderr, "kasse: unknown command %q\n\n", cmd)
		usage(os.Stderr)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "kasse:", err)
		os.Exit(1)
	}
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage: kasse <command> [flags]

commands:
  run      start a hub: kasse run [-config configs/laptop.yaml]
  verify   check a stopped hub's journal: kasse verify [-config FILE]
  export   SAF-T Cash Register XML of a period from a stopped hub's journal:
           kasse export saft -from 2026-01-01 -to 2026-12-31 [-o FILE] [-config FILE]
  backup   a consistent backup of the ledger and its whole journal, from a
           running hub or a stopped one's data: kasse backup [-config FILE] FILE
  restore  a backup into a fresh data directory: kasse restore [-config FILE] FILE
  token    a one-time join token for a new hub, from a running hub: kasse token [-ttl 1h] [-config FILE]
  join     join a shop with a token, then run as its hub: kasse join [-config FILE] TOKEN
  status   the shop's hubs, roles, leader, applied index and lag: kasse status [-json] [-config FILE]
  remove   take a hub (alive or dead) out of the shop: kasse remove [-config FILE] HUB-ID
  rotate-key  a new signing key version, handed to every hub of the shop, then used
           for every register's next signature: kasse rotate-key [-config FILE]
  version  print the build
`)
}

func buildInfo() string {
	s := "kasse " + version
	if bi, ok := debug.ReadBuildInfo(); ok {
		s += " " + bi.GoVersion
		for _, kv := range bi.Settings {
			if kv.Key == "vcs.revision" || kv.Key == "GOARCH" || kv.Key == "GOOS" {
				s += " " + kv.Key + "=" + kv.Value
			}
		}
	}
	return s
}

func loadConfig(name string, args []string) (config.Config, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	path := fs.String("config", "", "configuration file (YAML); embedded laptop defaults when empty")
	if err := fs.Parse(args); err != nil {
		return config.Config{}, err
	}
	return config.Load(*path, os.Environ())
}

func newLogger(c config.Config) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(c.Log.Level))
	opts := &slog.HandlerOptions{Level: lvl}
	if c.Log.Format == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}

func runCmd(args []string) error {
	cfg, err := loadConfig("run", args)
	if err != nil {
		return err
	}
	return runHub(cfg)
}

func runHub(cfg config.Config) error {
	log := newLogger(cfg)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	h, err := start(ctx, cfg, log)
	if err != nil {
		return err
	}
	base := h.scheme + "://" + h.httpAddr
	fmt.Printf("Kasse hub %s is selling. Register API: %s/api/v1 (register K1 token %q)\n", cfg.Hub.ID, base, tokenOf(cfg, "K1"))
	fmt.Printf("Customer display for K1: %s/display#token=%s\n", base, tokenOf(cfg, "K1"))
	pairingCode(ctx, h, base)
	select {
	case <-ctx.Done():
	case <-h.node.Done():
		if err := h.ledger.Halted(); err != nil {
			// Restarting would halt again at the same command: stay up,
			// answer reads, and say why in /readyz until an operator acts.
			log.Error("ledger halted; this hub serves reads only until it is upgraded or repaired", "err", err)
			<-ctx.Done()
			break
		}
		log.Error("raft stopped under the hub; exiting so the supervisor restarts it from disk", "err", h.node.Err())
		return errors.Join(fmt.Errorf("raft stopped: %w", h.node.Err()), h.close())
	}
	log.Info("shutting down")
	return h.close()
}

func tokenOf(c config.Config, id string) string {
	for _, r := range c.Registers {
		if r.ID == id {
			return r.Token
		}
	}
	return ""
}

func verifyCmd(args []string) error {
	cfg, err := loadConfig("verify", args)
	if err != nil {
		return err
	}
	st, err := verify(cfg, newLogger(cfg))
	var b interface{ Error() string }
	if errors.As(err, &b) && err != nil {
		return fmt.Errorf("journal does NOT verify: %w", err)
	}
	fmt.Printf("journal verifies: %d entries, %d signatures over %d registers\n", st.Entries, st.Signatures, st.Registers)
	return nil
}

func exportCmd(args []string) error {
	if len(args) == 0 || args[0] != "saft" {
		return errors.New(`usage: kasse export saft -from YYYY-MM-DD -to YYYY-MM-DD [-o FILE] [-config FILE]`)
	}
	fs := flag.NewFlagSet("export saft", flag.ContinueOnError)
	path := fs.String("config", "", "configuration file (YAML)")
	from := fs.String("from", "", "first day of the period (Oslo date, YYYY-MM-DD)")
	to := fs.String("to", "", "last day of the period")
	out := fs.String("o", "", "output file (default: stdout)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	cfg, err := config.Load(*path, os.Environ())
	if err != nil {
		return err
	}
	f, err1 := time.ParseInLocation("2006-01-02", *from, ledger.Oslo)
	t, err2 := time.ParseInLocation("2006-01-02", *to, ledger.Oslo)
	if err1 != nil || err2 != nil || t.Before(f) {
		return fmt.Errorf("give the period as -from and -to dates, YYYY-MM-DD, from not after to")
	}
	if *out == "" {
		return exportSAFT(cfg, newLogger(cfg), os.Stdout, f, t, "")
	}
	file, err := os.Create(*out)
	if err != nil {
		return err
	}
	err = exportSAFT(cfg, newLogger(cfg), file, f, t, filepath.Dir(*out))
	return errors.Join(err, file.Close())
}
