package scaletest

import (
	"os"
	"path/filepath"
	"sync"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// Serial is a scale on a serial line: a Device behind the master side of
// a pseudo-terminal pair. The driver opens Path as it would
// /dev/serial/by-id/…: a symbolic link to the slave side, which Unplug
// removes and Plug points at a new pair, the way udev does when a USB
// serial adapter goes and comes back. Line settings (baud, 7E1, 8N1) are
// accepted and ignored, as a pseudo-terminal has no line.
type Serial struct {
	*Device
	dir  string
	path string

	mu       sync.Mutex
	ptm, pts *os.File
	done     chan struct{}
}

// NewSerial starts a scale, plugged in.
func NewSerial(cfg Config) (*Serial, error) {
	dir, err := os.MkdirTemp("", "scaletest-")
	if err != nil {
		return nil, err
	}
	s := &Serial{Device: NewDevice(cfg), dir: dir, path: filepath.Join(dir, "ttyScale")}
	if err := s.Plug(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return s, nil
}

// Path is the name to open. It exists while the scale is plugged in.
func (s *Serial) Path() string { return s.path }

// Plug connects the scale: a new pseudo-terminal pair appears behind
// Path. Plugging a plugged scale does nothing.
func (s *Serial) Plug() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ptm != nil {
		return nil
	}
	ptm, pts, err := openPTY()
	if err != nil {
		return err
	}
	tmp := s.path + ".new"
	os.Remove(tmp)
	if err := os.Symlink(pts.Name(), tmp); err != nil {
		ptm.Close()
		pts.Close()
		return err
	}
	if err := os.Rename(tmp, s.path); err != nil {
		ptm.Close()
		pts.Close()
		return err
	}
	// The stand-in keeps the slave open too, so the line stays up while
	// the driver closes and reopens it.
	s.ptm, s.pts, s.done = ptm, pts, make(chan struct{})
	go func(done chan struct{}) {
		defer close(done)
		s.Serve(ptm)
	}(s.done)
	return nil
}

// Unplug pulls the cable: Path disappears, and a driver that has the
// port open gets errors from it.
func (s *Serial) Unplug() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ptm == nil {
		return
	}
	os.Remove(s.path)
	s.ptm.Close()
	<-s.done
	s.pts.Close()
	s.ptm, s.pts = nil, nil
}

// Plugged reports whether the scale is plugged in.
func (s *Serial) Plugged() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ptm != nil
}

// Close unplugs the scale for good.
func (s *Serial) Close() error {
	s.Unplug()
	return os.RemoveAll(s.dir)
}

// openPTY opens a raw pseudo-terminal pair whose master side is
// non-blocking and known to the runtime poller, so closing it ends a
// Read in progress (pty.Open leaves it blocking, and a blocked Read would
// hold Unplug until the driver closed its side).
func openPTY() (ptm, pts *os.File, err error) {
	m, pts, err := pty.Open()
	if err != nil {
		return nil, nil, err
	}
	raw(pts)
	fd, err := unix.Dup(int(m.Fd()))
	m.Close()
	if err == nil {
		err = unix.SetNonblock(fd, true)
	}
	if err != nil {
		pts.Close()
		return nil, nil, err
	}
	unix.CloseOnExec(fd)
	return os.NewFile(uintptr(fd), "/dev/ptmx"), pts, nil
}

// raw puts the line in raw mode, so the line discipline neither echoes
// nor translates before the driver's serial library does the same.
func raw(f *os.File) {
	t, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	if err != nil {
		return
	}
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB
	t.Cflag |= unix.CS8
	unix.IoctlSetTermios(int(f.Fd()), unix.TCSETS, t)
}
