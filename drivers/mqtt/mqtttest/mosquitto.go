package mqtttest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// MosquittoPackage is the Debian package that provides the broker.
const MosquittoPackage = "mosquitto"

// Mosquitto is a real Mosquitto broker, run as a process on a free
// loopback port with persistence in the test's temporary directory, so
// that sessions and queued messages survive Stop and Start.
type Mosquitto struct {
	bin, dir, conf string
	port           int
	log            *syncBuffer

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
}

// MosquittoBinary returns the path of the mosquitto binary, or "" when it
// is not installed.
func MosquittoBinary() string {
	if p, err := exec.LookPath("mosquitto"); err == nil {
		return p
	}
	// Debian installs it in /usr/sbin, which a non-root PATH may lack.
	if _, err := os.Stat("/usr/sbin/mosquitto"); err == nil {
		return "/usr/sbin/mosquitto"
	}
	return ""
}

// StartMosquitto starts a broker that allows anonymous clients and stops
// it at the end of the test. Without the binary it skips the test.
func StartMosquitto(t testing.TB) *Mosquitto {
	t.Helper()
	bin := MosquittoBinary()
	if bin == "" {
		t.Skipf("mosquitto not installed (Debian package %q); skipping the test against a real Mosquitto", MosquittoPackage)
	}
	m := &Mosquitto{bin: bin, dir: t.TempDir(), port: freePort(t), log: &syncBuffer{}}
	m.conf = filepath.Join(m.dir, "mosquitto.conf")
	conf := fmt.Sprintf("listener %d 127.0.0.1\nallow_anonymous true\n"+
		"persistence true\npersistence_location %s/\n"+
		"log_dest stderr\nlog_type error\nlog_type warning\nlog_type notice\nlog_type information\n",
		m.port, m.dir)
	if u, err := user.Current(); err == nil {
		// Run as root, mosquitto switches to user "mosquitto", which
		// could not write the persistence directory; stay who we are.
		conf += "user " + u.Username + "\n"
	}
	if err := os.WriteFile(m.conf, []byte(conf), 0o600); err != nil {
		t.Fatalf("mqtttest: mosquitto config: %v", err)
	}
	t.Cleanup(func() {
		m.stop()
		if t.Failed() {
			t.Logf("mosquitto log:\n%s", m.log.String())
		}
	})
	m.Start(t)
	return m
}

// Addr is the broker's address, 127.0.0.1:port.
func (m *Mosquitto) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(m.port)) }

// URL is tcp://Addr.
func (m *Mosquitto) URL() string { return "tcp://" + m.Addr() }

// Start starts the broker process (again, after Stop) on the same port
// with the same persistence, and waits until it accepts connections.
func (m *Mosquitto) Start(t testing.TB) {
	t.Helper()
	m.mu.Lock()
	if m.cmd != nil {
		m.mu.Unlock()
		t.Fatalf("mqtttest: mosquitto already running")
	}
	cmd := exec.Command(m.bin, "-c", m.conf)
	cmd.Stdout, cmd.Stderr = m.log, m.log
	if err := cmd.Start(); err != nil {
		m.mu.Unlock()
		t.Fatalf("mqtttest: start mosquitto: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	m.cmd, m.exited = cmd, exited
	m.mu.Unlock()

	deadline := time.Now().Add(Wait)
	for {
		c, err := net.DialTimeout("tcp", m.Addr(), time.Second)
		if err == nil {
			_ = c.Close()
			return
		}
		select {
		case <-exited:
			t.Fatalf("mqtttest: mosquitto exited at start: %v\n%s", cmd.ProcessState, m.log.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("mqtttest: mosquitto not accepting on %s within %s\n%s", m.Addr(), Wait, m.log.String())
		}
	}
}

// Stop stops the broker with SIGTERM, on which it saves its sessions and
// queued messages, and waits for it to exit.
func (m *Mosquitto) Stop(t testing.TB) {
	t.Helper()
	if !m.stop() {
		t.Fatalf("mqtttest: mosquitto did not stop within %s", Wait)
	}
}

func (m *Mosquitto) stop() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cmd == nil {
		return true
	}
	_ = m.cmd.Process.Signal(syscall.SIGTERM)
	ok := true
	select {
	case <-m.exited:
	case <-time.After(Wait):
		_ = m.cmd.Process.Kill()
		<-m.exited
		ok = false
	}
	m.cmd = nil
	return ok
}

// Log returns what the broker logged so far.
func (m *Mosquitto) Log() string { return m.log.String() }

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("mqtttest: free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
