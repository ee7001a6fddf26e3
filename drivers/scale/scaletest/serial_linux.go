package scaletest

import (
	"github.com/kasse/kasse/drivers/internal/ptyline"
)

// Serial is a scale on a serial line: the driver opens Path, and Unplug
// and Plug act as a USB serial adapter going and coming back (see package
// ptyline). Line settings (baud, 7E1, 8N1) are accepted and ignored.
type Serial struct {
	*Device
	*ptyline.Line
}

// NewSerial starts a scale, plugged in.
func NewSerial(cfg Config) (*Serial, error) {
	d := NewDevice(cfg)
	l, err := ptyline.New("ttyScale", d.Serve)
	if err != nil {
		return nil, err
	}
	return &Serial{Device: d, Line: l}, nil
}
