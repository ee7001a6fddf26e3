package printertest

import (
	"os"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// Serial is a printer on a serial line: a Device behind the master side
// of a pseudo-terminal pair. The driver opens Path, the slave side, as it
// would /dev/ttyUSB0; baud rate settings are accepted and ignored.
type Serial struct {
	*Device
	ptm, pts *os.File
	done     chan struct{}
}

// NewSerial starts a serial printer.
func NewSerial(cfg Config) (*Serial, error) {
	ptm, pts, err := pty.Open()
	if err != nil {
		return nil, err
	}
	// Raw mode, so the line discipline neither echoes nor translates;
	// the driver's serial library sets this too when it opens the port.
	if t, err := unix.IoctlGetTermios(int(pts.Fd()), unix.TCGETS); err == nil {
		t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
		t.Oflag &^= unix.OPOST
		t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
		t.Cflag &^= unix.CSIZE | unix.PARENB
		t.Cflag |= unix.CS8
		unix.IoctlSetTermios(int(pts.Fd()), unix.TCSETS, t)
	}
	s := &Serial{Device: NewDevice(cfg), ptm: ptm, pts: pts, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		s.Serve(ptm)
	}()
	return s, nil
}

// Path is the device node to open, e.g. /dev/pts/3. The printer keeps it
// open itself, so the line stays up while the driver reconnects.
func (s *Serial) Path() string { return s.pts.Name() }

// PowerOff switches the printer off: it loses what it had not printed and
// ignores the line until PowerOn.
func (s *Serial) PowerOff() { s.Device.powerOff() }

// PowerOn switches the printer on again.
func (s *Serial) PowerOn() { s.Device.powerOn() }

// Close ends the pseudo-terminal pair.
func (s *Serial) Close() error {
	s.PowerOff()
	err := s.ptm.Close()
	<-s.done
	s.pts.Close()
	return err
}
