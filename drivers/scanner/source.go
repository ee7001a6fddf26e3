package scanner

import (
	"errors"
	"fmt"
	"io"

	"go.bug.st/serial"
)

// A Source is where one scanner's codes come from: Evdev or Serial. The
// Reader opens it again whenever the device went away, so opening must
// be cheap to repeat.
type Source interface {
	String() string
	validate() error
	open() (*conn, error)
}

// decoder turns a device's bytes into raw codes.
type decoder interface {
	feed(p []byte, emit func(raw string))
	discarded() int
}

// conn is one open device.
type conn struct {
	rc      io.ReadCloser
	dec     decoder
	name    string // what the device calls itself, if it says
	grabbed bool
	grabErr error
	replay  bool // a regular file: at its end the capture is over, not the device gone
}

// Evdev is a USB keyboard-wedge scanner, read through the Linux input
// event interface. The Reader takes the device for itself (EVIOCGRAB), so
// its keystrokes do not also reach a console or a desktop; when the
// device refuses (a FIFO or a file standing in for it), the Reader reads
// anyway and says so in Status and the log. A regular file is read once,
// as a recorded capture.
type Evdev struct {
	// Path is the event device, best a stable name such as
	// /dev/input/by-id/usb-…-event-kbd, which survives replugging.
	Path string
	// Keymap is the layout the scanner is set to; default US.
	Keymap Keymap
	// NoGrab leaves the keystrokes to other readers too, for trying a
	// scanner on a desk; a till must grab.
	NoGrab bool
	// MaxLen is the longest code in bytes; longer ones are discarded.
	// Default 8192 (a full QR code).
	MaxLen int
}

func (e Evdev) String() string { return "evdev:" + e.Path }

func (e Evdev) validate() error {
	var errs []error
	if e.Path == "" {
		errs = append(errs, errors.New("evdev: no Path: name the event device, e.g. /dev/input/by-id/usb-…-event-kbd"))
	}
	if _, err := e.Keymap.layout(); err != nil {
		errs = append(errs, fmt.Errorf("evdev: %w", err))
	}
	if e.MaxLen < 0 {
		errs = append(errs, fmt.Errorf("evdev: MaxLen is negative (%d)", e.MaxLen))
	}
	return errors.Join(errs...)
}

func (e Evdev) open() (*conn, error) {
	keys, err := e.Keymap.layout()
	if err != nil {
		return nil, err
	}
	c, err := openEvdev(e.Path, !e.NoGrab)
	if err != nil {
		return nil, err
	}
	c.dec = newEvdevDecoder(keys, orInt(e.MaxLen, defaultMaxLen))
	return c, nil
}

// Serial is a scanner on a serial line: a USB CDC-ACM scanner
// (/dev/ttyACM0) or an RS-232 one behind an adapter, 8N1.
type Serial struct {
	// Port is the device, best a stable name such as
	// /dev/serial/by-id/usb-…, which survives replugging.
	Port string
	// Baud is the line speed; default 9600. CDC-ACM devices ignore it.
	Baud int
	// Suffix ends a code; empty means CR, LF or CRLF. Set it when the
	// scanner is configured to end codes otherwise, e.g. "\t" or "\x03".
	Suffix string
	// MaxLen is the longest code in bytes; longer ones are discarded.
	// Default 8192.
	MaxLen int
}

func (s Serial) String() string { return "serial:" + s.Port }

func (s Serial) validate() error {
	var errs []error
	if s.Port == "" {
		errs = append(errs, errors.New("serial: no Port: name the device, e.g. /dev/ttyACM0"))
	}
	if s.Baud < 0 {
		errs = append(errs, fmt.Errorf("serial: Baud is negative (%d)", s.Baud))
	}
	if s.MaxLen < 0 {
		errs = append(errs, fmt.Errorf("serial: MaxLen is negative (%d)", s.MaxLen))
	}
	return errors.Join(errs...)
}

func (s Serial) open() (*conn, error) {
	p, err := serial.Open(s.Port, &serial.Mode{
		BaudRate: orInt(s.Baud, 9600),
		DataBits: 8,
		Parity:   serial.NoParity,
		StopBits: serial.OneStopBit,
	})
	if err != nil {
		return nil, err
	}
	return &conn{rc: p, dec: newLineDecoder(s.Suffix, orInt(s.MaxLen, defaultMaxLen))}, nil
}

const defaultMaxLen = 8192

func orInt(v, d int) int {
	if v == 0 {
		return d
	}
	return v
}
