package chaos

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Build compiles the kasse command into dir once and returns its path;
// race builds it with the race detector.
func Build(dir string, race bool) (string, error) {
	bin := filepath.Join(dir, "kasse")
	args := []string{"build", "-o", bin}
	if race {
		args = append(args, "-race")
	}
	args = append(args, "github.com/kasse/kasse/hub/cmd/kasse")
	if out, err := exec.Command("go", args...).CombinedOutput(); err != nil {
		return "", fmt.Errorf("chaos: build kasse: %w\n%s", err, out)
	}
	return bin, nil
}

// FreeAddr is a free port on 127.0.0.1, as host:port, never one handed out
// before in this process: a hub binds its ports only when it starts, and
// the kernel may offer a closed port again meanwhile (seen: a hub's port
// given to another listener, and the hub failing to start).
func FreeAddr() (string, error) {
	ln, err := listenFresh()
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// handedOut holds every port FreeAddr or a link took.
var handedOut sync.Map

// listenFresh listens on a port of 127.0.0.1 not handed out before, and
// marks it handed out.
func listenFresh() (net.Listener, error) {
	for range 100 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		if _, taken := handedOut.LoadOrStore(ln.Addr().String(), struct{}{}); !taken {
			return ln, nil
		}
		ln.Close()
	}
	return nil, errors.New("chaos: no fresh port after 100 tries")
}

// Hub is one hub process: its addresses, data directory and log. It can be
// started, stopped, killed, paused and wiped; the log file keeps every run.
type Hub struct {
	ID   string
	HTTP string // register API, host:port
	Raft string // where the hub listens for its peers
	Dir  string // holds config, data and log
	bin  string

	mu      sync.Mutex
	cmd     *exec.Cmd
	exited  chan struct{} // closed when the current process has exited
	exitErr error
	paused  bool
	starts  int
	downed  bool // the harness stopped or killed it (not a crash)
}

// Config is the hub's configuration file.
func (h *Hub) Config() string { return filepath.Join(h.Dir, "kasse.yaml") }

// Data is the hub's data directory.
func (h *Hub) Data() string { return filepath.Join(h.Dir, "data") }

// LogFile collects what the hub wrote to stderr, run after run.
func (h *Hub) LogFile() string { return filepath.Join(h.Dir, "hub.log") }

// Start runs the hub process: kasse run -config FILE, or with a command
// and arguments, kasse COMMAND -config FILE ARGS (join TOKEN). It returns
// once the process runs; see WaitHealthy and WaitReady.
func (h *Hub) Start(command ...string) error {
	if len(command) == 0 {
		command = []string{"run"}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.cmd != nil && !closed(h.exited) {
		return fmt.Errorf("chaos: %s is already running", h.ID)
	}
	logf, err := os.OpenFile(h.LogFile(), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	h.starts++
	fmt.Fprintf(logf, "---- start %d at %s\n", h.starts, time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(h.bin, append([]string{command[0], "-config", h.Config()}, command[1:]...)...)
	cmd.Stdout, cmd.Stderr, cmd.Env = logf, logf, hubEnv()
	// A hub dies with the test that runs it, even one killed by its timeout.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("chaos: start %s: %w", h.ID, err)
	}
	exited := make(chan struct{})
	h.cmd, h.exited, h.exitErr, h.paused, h.downed = cmd, exited, nil, false, false
	go func() {
		err := cmd.Wait()
		logf.Close()
		h.mu.Lock()
		h.exitErr = err
		h.mu.Unlock()
		close(exited)
	}()
	return nil
}

func closed(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// Running says whether the hub process is up (paused counts as up).
func (h *Hub) Running() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.cmd != nil && !closed(h.exited)
}

// Crashed says whether the hub's process ended without the harness
// stopping or killing it.
func (h *Hub) Crashed() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.cmd != nil && closed(h.exited) && !h.downed
}

// Paused says whether the hub is stopped with SIGSTOP.
func (h *Hub) Paused() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.paused
}

func (h *Hub) signal(sig syscall.Signal) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.cmd == nil || closed(h.exited) {
		return fmt.Errorf("chaos: %s is not running", h.ID)
	}
	if sig == syscall.SIGKILL || sig == syscall.SIGTERM {
		h.downed = true
	}
	if err := h.cmd.Process.Signal(sig); err != nil {
		return fmt.Errorf("chaos: %s %s: %w", sig, h.ID, err)
	}
	switch sig {
	case syscall.SIGSTOP:
		h.paused = true
	case syscall.SIGCONT:
		h.paused = false
	}
	return nil
}

// Kill sends SIGKILL and waits for the process to be gone.
func (h *Hub) Kill() error {
	if err := h.signal(syscall.SIGKILL); err != nil {
		return err
	}
	h.wait()
	return nil
}

// Pause stops the process with SIGSTOP: it holds its sockets and answers
// nothing, as a hub stuck on a dying SD card does.
func (h *Hub) Pause() error { return h.signal(syscall.SIGSTOP) }

// Resume continues a paused process.
func (h *Hub) Resume() error { return h.signal(syscall.SIGCONT) }

// Stop asks the hub to shut down with SIGTERM and waits; it fails unless
// the hub exits cleanly within a minute. A hub stuck in its shutdown gets
// SIGQUIT, so its goroutines' stacks land in its log, and then SIGKILL.
func (h *Hub) Stop() error {
	if h.Paused() {
		if err := h.Resume(); err != nil {
			return err
		}
	}
	if err := h.signal(syscall.SIGTERM); err != nil {
		return err
	}
	select {
	case <-h.exitedCh():
	case <-time.After(time.Minute):
		_ = h.signal(syscall.SIGQUIT)
		select {
		case <-h.exitedCh():
		case <-time.After(10 * time.Second):
			_ = h.Kill()
		}
		return fmt.Errorf("chaos: %s ignored SIGTERM for a minute; its stacks are in its log", h.ID)
	}
	if err := h.ExitErr(); err != nil {
		return fmt.Errorf("chaos: %s did not exit cleanly on SIGTERM: %w", h.ID, err)
	}
	return nil
}

func (h *Hub) exitedCh() chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.exited
}

func (h *Hub) wait() { <-h.exitedCh() }

// ExitErr is how the last process ended (nil while it runs or after a
// clean exit).
func (h *Hub) ExitErr() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.exitErr
}

// Wipe deletes the hub's data directory; the hub must not be running.
func (h *Hub) Wipe() error {
	if h.Running() {
		return fmt.Errorf("chaos: wipe %s while it runs", h.ID)
	}
	return os.RemoveAll(h.Data())
}

// Log is the hub's log so far.
func (h *Hub) Log() string {
	b, _ := os.ReadFile(h.LogFile())
	return string(b)
}

// LogTail is the last n bytes of the hub's log.
func (h *Hub) LogTail(n int) string {
	b, _ := os.ReadFile(h.LogFile())
	if len(b) > n {
		b = b[len(b)-n:]
		if i := bytes.IndexByte(b, '\n'); i >= 0 && i < len(b)-1 {
			b = b[i+1:]
		}
	}
	return string(b)
}

// Verify runs kasse verify on the stopped hub's data and returns its output.
func (h *Hub) Verify() (string, error) {
	cmd := exec.Command(h.bin, "verify", "-config", h.Config())
	cmd.Env = hubEnv()
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("chaos: kasse verify on %s: %w\n%s", h.ID, err, out)
	}
	return string(bytes.TrimSpace(out)), nil
}

// hubEnv is this process's environment without KASSE_ variables: they
// are the harness's own (KASSE_SOAK), and the hub refuses ones it does not
// know; each hub's settings are in its file.
func hubEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "KASSE_") {
			env = append(env, kv)
		}
	}
	return env
}

var errExited = errors.New("the hub process exited")

// waitHTTP polls path on the hub until it answers 200, the process exits,
// or ctx ends.
func (h *Hub) waitHTTP(ctx context.Context, path string) error {
	c := &http.Client{Timeout: 2 * time.Second}
	for {
		resp, err := c.Get("http://" + h.HTTP + path)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("chaos: %s: GET %s: %w", h.ID, path, ctx.Err())
		case <-h.exitedCh():
			return fmt.Errorf("chaos: %s: %w (%v); log:\n%s", h.ID, errExited, h.ExitErr(), h.LogTail(4000))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// WaitHealthy waits until the hub's HTTP server answers.
func (h *Hub) WaitHealthy(ctx context.Context) error { return h.waitHTTP(ctx, "/healthz") }

// WaitReady waits until the hub knows a leader and applies.
func (h *Hub) WaitReady(ctx context.Context) error { return h.waitHTTP(ctx, "/readyz") }
