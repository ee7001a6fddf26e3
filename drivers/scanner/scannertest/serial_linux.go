package scannertest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// Serial is a serial scanner behind a pseudo-terminal pair. The driver
// opens Path, a symlink to the slave side, as it would
// /dev/serial/by-id/usb-…; line settings are accepted and ignored.
type Serial struct {
	link string

	mu       sync.Mutex
	suffix   string
	ptm, pts *os.File // nil while unplugged
}

// NewSerial plugs in a scanner reached through a link in dir. Codes end
// with CR LF until SetSuffix says otherwise.
func NewSerial(dir string) (*Serial, error) {
	s := &Serial{link: filepath.Join(dir, "usb-Scanner_CDC-if00"), suffix: "\r\n"}
	if err := s.Plug(); err != nil {
		return nil, err
	}
	return s, nil
}

// Path is where the driver opens the scanner.
func (s *Serial) Path() string { return s.link }

// SetSuffix sets what the scanner sends after each code.
func (s *Serial) SetSuffix(suffix string) {
	s.mu.Lock()
	s.suffix = suffix
	s.mu.Unlock()
}

// Scan sends code and the suffix in one write.
func (s *Serial) Scan(code string) error {
	s.mu.Lock()
	suffix := s.suffix
	s.mu.Unlock()
	return s.Write([]byte(code + suffix))
}

// Write sends raw bytes.
func (s *Serial) Write(p []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ptm == nil {
		return errors.New("scannertest: serial scanner unplugged")
	}
	_, err := s.ptm.Write(p)
	return err
}

// Unplug hangs the line up, as a USB device vanishing does: the driver's
// reads fail, and the link is gone until Plug.
func (s *Serial) Unplug() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ptm == nil {
		return nil
	}
	err := errors.Join(os.Remove(s.link), s.ptm.Close(), s.pts.Close())
	s.ptm, s.pts = nil, nil
	return err
}

// Plug makes a new pair behind the same link.
func (s *Serial) Plug() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ptm != nil {
		return nil
	}
	ptm, pts, err := pty.Open()
	if err != nil {
		return fmt.Errorf("scannertest: pty: %w", err)
	}
	// Raw mode at once, so bytes written before the driver opens the line
	// are neither echoed nor translated (CR to LF).
	if t, err := unix.IoctlGetTermios(int(pts.Fd()), unix.TCGETS); err == nil {
		t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
		t.Oflag &^= unix.OPOST
		t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
		t.Cflag &^= unix.CSIZE | unix.PARENB
		t.Cflag |= unix.CS8
		if err := unix.IoctlSetTermios(int(pts.Fd()), unix.TCSETS, t); err != nil {
			ptm.Close()
			pts.Close()
			return fmt.Errorf("scannertest: raw mode: %w", err)
		}
	}
	if err := os.Symlink(pts.Name(), s.link); err != nil {
		ptm.Close()
		pts.Close()
		return fmt.Errorf("scannertest: link: %w", err)
	}
	s.ptm, s.pts = ptm, pts
	return nil
}

// Close unplugs the scanner for good.
func (s *Serial) Close() error { return s.Unplug() }
