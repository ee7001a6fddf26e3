package displaytest

import (
	"io"

	"github.com/kasse/kasse/drivers/internal/ptyline"
)

// Serial is a display on a serial line: the driver opens Path, and
// Unplug and Plug act as a USB serial adapter going and coming back (see
// package ptyline). The display keeps what it showed across Unplug; call
// PowerCycle too for one that was without power.
type Serial struct {
	*Device
	*ptyline.Line
}

// NewSerial starts a display, switched on and plugged in.
func NewSerial(cfg Config) (*Serial, error) {
	d := NewDevice(cfg)
	l, err := ptyline.New("ttyDisplay", func(rw io.ReadWriter) error { return d.Serve(rw) })
	if err != nil {
		return nil, err
	}
	return &Serial{Device: d, Line: l}, nil
}
