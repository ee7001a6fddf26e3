package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/kasse/kasse/hub/config"
	"github.com/kasse/kasse/hub/ledger"
)

// A running hub serves backups of its ledger on a Unix socket in its data
// directory, to `kasse backup` on the same machine: only the hub's own
// user can open it (the directory's permissions), and nothing listens on
// the network for it.
const adminSocket = "kasse.sock"

// serveAdmin starts the hub's admin socket. A hub that cannot open it
// still sells; `kasse backup` then says so.
func (h *hub) serveAdmin() {
	path := filepath.Join(h.cfg.Hub.Data, adminSocket)
	_ = os.Remove(path) // left by a hub that was killed
	ln, err := net.Listen("unix", path)
	if err != nil {
		h.log.Warn("no admin socket: online backups are unavailable", "path", path, "err", err)
		return
	}
	if err := os.Chmod(path, 0o600); err != nil {
		h.log.Warn("admin socket permissions", "err", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /backup", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		// No releaseMapped here: the running hub's compactions unmap
		// tables while it would read the list of mappings.
		if _, err := h.ledger.Backup(w, time.Now()); err != nil {
			// The stream's checksum comes last: a cut stream never restores.
			h.log.Error("backup", "err", err)
		}
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	h.closers = append(h.closers, func() error {
		// Let a backup being written finish before storage closes.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			return srv.Close()
		}
		return nil
	})
}

func backupCmd(args []string) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	path := fs.String("config", "", "configuration file (YAML)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: kasse backup [-config FILE] BACKUP-FILE")
	}
	cfg, err := config.Load(*path, os.Environ())
	if err != nil {
		return err
	}
	out := fs.Arg(0)
	tmp := out + ".part"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	how, err := backup(cfg, newLogger(cfg), f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, out)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("backup: %w", err)
	}
	st, _ := os.Stat(out)
	fmt.Fprintf(os.Stderr, "backup of %s written to %s (%d bytes)\n", how, out, st.Size())
	return nil
}

// backup writes the ledger of the hub cfg describes: from the running hub
// through its admin socket, or from its data directory when it is stopped.
func backup(cfg config.Config, log *slog.Logger, w io.Writer) (string, error) {
	sock := filepath.Join(cfg.Hub.Data, adminSocket)
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", sock)
	}}}
	resp, err := hc.Get("http://hub/backup")
	if err == nil {
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return "", fmt.Errorf("the running hub answered %s", resp.Status)
		}
		_, err := io.Copy(w, resp.Body)
		return "the running hub", err
	}
	l, closeDB, err := openReadOnly(cfg, log)
	if err != nil {
		return "", err
	}
	defer closeDB()
	_, err = l.Backup(&releasing{w: w, dir: filepath.Join(cfg.Hub.Data, "db")}, time.Now())
	return "the stopped hub's data", err
}

// releasing writes a backup of the database in dir and releases the
// database's mapped pages every 8 MB written (some 40 MB read; see
// releaseMapped), so a backup of a big journal does not fill the
// process's resident set.
type releasing struct {
	w   io.Writer
	dir string
	n   int
}

func (r *releasing) Write(p []byte) (int, error) {
	if r.n += len(p); r.n >= 8<<20 {
		r.n = 0
		releaseMapped(r.dir)
	}
	return r.w.Write(p)
}

func restoreCmd(args []string) error {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	path := fs.String("config", "", "configuration file (YAML)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: kasse restore [-config FILE] BACKUP-FILE")
	}
	cfg, err := config.Load(*path, os.Environ())
	if err != nil {
		return err
	}
	st, err := restore(cfg, newLogger(cfg), fs.Arg(0))
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	fmt.Printf("restored into %s: journal verifies, %d entries, %d signatures over %d registers\n",
		cfg.Hub.Data, st.Entries, st.Signatures, st.Registers)
	return nil
}

// restore loads a backup into the fresh data directory cfg names and
// checks the journal it restored.
func restore(cfg config.Config, log *slog.Logger, file string) (ledger.VerifyStats, error) {
	var st ledger.VerifyStats
	dir := filepath.Join(cfg.Hub.Data, "db")
	for _, d := range []string{dir, filepath.Join(cfg.Hub.Data, "raft")} {
		if _, err := os.Stat(d); err == nil {
			return st, fmt.Errorf("%s exists: restore only into a fresh data directory", d)
		}
	}
	in, err := os.Open(file)
	if err != nil {
		return st, err
	}
	defer in.Close()
	if err := os.MkdirAll(cfg.Hub.Data, 0o700); err != nil {
		return st, err
	}
	db, err := badger.Open(profileOf(cfg).StateOptions(dir, log))
	if err != nil {
		return st, fmt.Errorf("open %s: %w", dir, err)
	}
	fail := func(err error) (ledger.VerifyStats, error) {
		os.RemoveAll(dir) // nothing half-restored is left to start from
		return st, err
	}
	if _, err := ledger.RestoreBackup(db, in); err != nil {
		db.Close()
		return fail(err)
	}
	if err := db.Close(); err != nil {
		return fail(err)
	}
	// Check what a hub will open: the database as written, read-only.
	if st, err = verify(cfg, log); err != nil {
		return fail(fmt.Errorf("the restored journal does not verify: %w", err))
	}
	return st, nil
}

// releaseWhile releases the mapped pages of the database in dir (see
// releaseMapped) twice a second until stop is called: for long walks that
// have no progress hook of their own (verifying a whole journal). Only
// for a database opened read-only, stopped before it closes.
func releaseWhile(dir string) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				releaseMapped(dir)
			}
		}
	}()
	return func() { close(done); <-finished }
}
