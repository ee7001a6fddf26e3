// Package ptyline is a serial line for device stand-ins: the stand-in sits
// behind the master side of a pseudo-terminal pair, and the driver under
// test opens Path as it would /dev/serial/by-id/…: a symbolic link to the
// slave side, which Unplug removes and Plug points at a new pair, the way
// udev does when a USB serial adapter goes and comes back. Line settings are
// accepted and ignored, as a pseudo-terminal has no line.
package ptyline

import (
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// Line is a pluggable serial line served by a device.
type Line struct {
	serve func(io.ReadWriter) error
	dir   string
	path  string

	mu       sync.Mutex
	ptm, pts *os.File
	done     chan struct{}
}

// New makes a line named name (e.g. "ttyScale") whose device is served by
// serve while plugged in, and plugs it.
func New(name string, serve func(io.ReadWriter) error) (*Line, error) {
	dir, err := os.MkdirTemp("", "ptyline-")
	if err != nil {
		return nil, err
	}
	l := &Line{serve: serve, dir: dir, path: filepath.Join(dir, name)}
	if err := l.Plug(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return l, nil
}

// Path is the name to open. It exists while the line is plugged in.
func (l *Line) Path() string { return l.path }

// Plug connects the device: a new pseudo-terminal pair appears behind
// Path. Plugging a plugged line does nothing.
func (l *Line) Plug() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ptm != nil {
		return nil
	}
	ptm, pts, err := openPTY()
	if err != nil {
		return err
	}
	tmp := l.path + ".new"
	os.Remove(tmp)
	if err := os.Symlink(pts.Name(), tmp); err != nil {
		ptm.Close()
		pts.Close()
		return err
	}
	if err := os.Rename(tmp, l.path); err != nil {
		ptm.Close()
		pts.Close()
		return err
	}
	// The stand-in keeps the slave open too, so the line stays up while
	// the driver closes and reopens it.
	l.ptm, l.pts, l.done = ptm, pts, make(chan struct{})
	go func(done chan struct{}) {
		defer close(done)
		l.serve(ptm)
	}(l.done)
	return nil
}

// Unplug pulls the cable: Path disappears, and a driver that has the
// port open gets errors from it.
func (l *Line) Unplug() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ptm == nil {
		return
	}
	os.Remove(l.path)
	l.ptm.Close()
	<-l.done
	l.pts.Close()
	l.ptm, l.pts = nil, nil
}

// Plugged reports whether the line is plugged in.
func (l *Line) Plugged() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ptm != nil
}

// Close unplugs the line for good.
func (l *Line) Close() error {
	l.Unplug()
	return os.RemoveAll(l.dir)
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
