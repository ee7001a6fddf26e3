package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The tests in this file run the real kasse binary as separate processes.

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func kasseBinary(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("TEST_KASSE_BIN"); bin != "" {
		return bin // a prebuilt binary (figures measured without the race detector)
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "kasse-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "kasse")
		out, err := exec.Command("go", "build", "-race", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("build kasse: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// proc is one hub process.
type proc struct {
	t      *testing.T
	bin    string
	config string
	http   string
	cmd    *exec.Cmd
	logs   interface {
		io.Writer
		String() string
	}
	mu      sync.Mutex
	cleanup bool // a kill at the test's end is registered
}

func newProc(t *testing.T, extra string) *proc {
	t.Helper()
	dir := t.TempDir()
	p := &proc{t: t, bin: kasseBinary(t), http: freePort(t), logs: &bytes.Buffer{}}
	p.config = filepath.Join(dir, "kasse.yaml")
	cfg := fmt.Sprintf("hub:\n  id: hub1\n  data: %s\nraft:\n  bind: %s\nhttp:\n  addr: %s\nlog:\n  level: warn\n%s", filepath.Join(dir, "data"), freePort(t), p.http, extra)
	if err := os.WriteFile(p.config, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

type syncWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (s syncWriter) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(b)
}

func (p *proc) start() {
	p.t.Helper()
	p.cmd = exec.Command(p.bin, "run", "-config", p.config)
	p.cmd.Stdout = io.Discard
	p.cmd.Stderr = syncWriter{&p.mu, p.logs}
	if err := p.cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	if !p.cleanup {
		// Whatever the test ends with, its hub does not outlive it.
		p.cleanup = true
		p.t.Cleanup(func() {
			if p.cmd.ProcessState == nil {
				p.kill()
			}
		})
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + p.http + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.t.Fatalf("hub not ready within a minute; logs:\n%s", p.log())
}

func (p *proc) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logs.String()
}

func (p *proc) kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	_ = p.cmd.Wait()
}

func (p *proc) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			p.t.Errorf("hub did not exit cleanly on SIGTERM: %v\n%s", err, p.log())
		}
	case <-time.After(30 * time.Second):
		p.kill()
		p.t.Errorf("hub ignored SIGTERM for 30 s")
	}
}

func (p *proc) verify() string {
	p.t.Helper()
	out, err := exec.Command(p.bin, "verify", "-config", p.config).CombinedOutput()
	if err != nil {
		p.t.Fatalf("kasse verify: %v\n%s", err, out)
	}
	return string(out)
}

// client is a register talking to a hub over HTTP.
type client struct {
	base, token string
	hc          *http.Client
	approver    [2]string // a second employee's id and PIN, sent when set
}

func newClient(addr, token string) *client {
	return &client{base: "http://" + addr + "/api/v1", token: token, hc: &http.Client{Timeout: 10 * time.Second}}
}

// approvedBy is c sending each request with employee emp's approval.
func (c *client) approvedBy(emp, pin string) *client {
	a := *c
	a.approver = [2]string{emp, pin}
	return &a
}

// do sends one request; status 0 means no answer (hub down, connection cut).
func (c *client) do(method, path, key string, body any, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	req.Header.Set("Authorization", "Bearer "+c.token)
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	if c.approver[0] != "" {
		req.Header.Set("Kasse-Approver", c.approver[0])
		req.Header.Set("Kasse-Approver-Pin", c.approver[1])
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode >= 300 {
		return resp.StatusCode, fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, strings.TrimSpace(string(raw)))
	}
	if out != nil {
		return resp.StatusCode, json.Unmarshal(raw, out)
	}
	return resp.StatusCode, nil
}

// retry repeats a request with the same key until the hub answers with
// anything but "unavailable", as a register does across a hub restart.
func (c *client) retry(stop <-chan struct{}, method, path, key string, body, out any) (int, error) {
	for {
		code, err := c.do(method, path, key, body, out)
		if code != 0 && code != http.StatusServiceUnavailable {
			return code, err
		}
		select {
		case <-stop:
			return code, err
		case <-time.After(50 * time.Millisecond):
		}
	}
}
