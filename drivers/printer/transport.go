package printer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"go.bug.st/serial"
)

// Transport opens a connection to one printer. The Queue opens it again
// after every failure, so Open must be cheap to call repeatedly.
type Transport interface {
	Open(ctx context.Context) (io.ReadWriteCloser, error)
	String() string
}

// writeOnly is implemented by transports that may be unable to carry the
// printer's replies; the Queue then prints without status.
type writeOnly interface {
	WriteOnly() bool
}

// TCP is a network printer's raw port ("JetDirect", 9100). The printer
// usually serves one connection at a time; the Queue keeps one open.
type TCP struct {
	Addr        string        // host:port; a missing port means 9100
	DialTimeout time.Duration // default 3 s
	KeepAlive   time.Duration // TCP keep-alive period; default 15 s
}

// Open dials the printer.
func (t TCP) Open(ctx context.Context) (io.ReadWriteCloser, error) {
	addr := t.Addr
	if _, _, err := net.SplitHostPort(addr); err != nil {
		addr = net.JoinHostPort(addr, "9100")
	}
	d := net.Dialer{Timeout: or(t.DialTimeout, 3*time.Second), KeepAlive: or(t.KeepAlive, 15*time.Second)}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	return c, nil
}

func (t TCP) String() string { return "tcp:" + t.Addr }

// Serial is a printer on an RS-232 port (or a USB serial adapter), 8 data
// bits, no parity, one stop bit, no hardware flow control.
type Serial struct {
	Port string // e.g. /dev/ttyUSB0
	Baud int    // default 38400; must match the printer's switches
}

// Open opens the port.
func (s Serial) Open(context.Context) (io.ReadWriteCloser, error) {
	p, err := serial.Open(s.Port, &serial.Mode{
		BaudRate: or(s.Baud, 38400),
		DataBits: 8,
		Parity:   serial.NoParity,
		StopBits: serial.OneStopBit,
	})
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", s.Port, err)
	}
	return p, nil
}

func (s Serial) String() string { return "serial:" + s.Port }

// USB is a printer behind the Linux USB printer class driver, a character
// device such as /dev/usb/lp0. Many USB receipt printers are bidirectional
// and answer status requests through it, but the printer class also
// allows write-only printers, and a read can block until the printer says
// something. So status is off unless Bidirectional is set: the Queue then
// sends jobs blind, reports only whether the device node opens, and marks
// a job done once it is written.
type USB struct {
	Path          string // e.g. /dev/usb/lp0
	Bidirectional bool   // the printer answers DLE EOT over USB
}

// Open opens the device node.
func (u USB) Open(context.Context) (io.ReadWriteCloser, error) {
	flag := os.O_WRONLY
	if u.Bidirectional {
		flag = os.O_RDWR
	}
	f, err := os.OpenFile(u.Path, flag, 0)
	if err != nil {
		return nil, err
	}
	return f, nil
}

func (u USB) String() string { return "usb:" + u.Path }

// WriteOnly reports whether status replies are off.
func (u USB) WriteOnly() bool { return !u.Bidirectional }

// Check reports whether the device node is still there (the printer
// unplugged or switched off removes it).
func (u USB) Check() error {
	_, err := os.Stat(u.Path)
	return err
}

// checker is implemented by transports that can tell, without talking to
// the printer, whether it is still there; the Queue asks at every poll
// of a write-only link.
type checker interface {
	Check() error
}

func or[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// errWriteTimeout: a write did not finish in time (a printer that stopped
// reading, or a dead link).
var errWriteTimeout = errors.New("printer: write timed out")

// writeAll writes p, closing c when the write has not finished in time,
// which makes any transport's blocked Write return.
func writeAll(c io.ReadWriteCloser, p []byte, timeout time.Duration) error {
	t := time.AfterFunc(timeout, func() { c.Close() })
	var err error
	for len(p) > 0 && err == nil {
		var n int
		n, err = c.Write(p)
		p = p[n:]
		if n == 0 && err == nil {
			err = io.ErrShortWrite
		}
	}
	if !t.Stop() {
		return errWriteTimeout
	}
	return err
}
