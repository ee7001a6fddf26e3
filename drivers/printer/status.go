package printer

import (
	"errors"
	"fmt"
	"strings"
)

// Status is what the hub knows about a printer. The zero Status is a
// printer that is not connected.
type Status struct {
	// Connected: the transport is open (TCP connected, serial port or
	// device node open).
	Connected bool
	// Known: the printer answers status requests. It is false on a
	// write-only transport, where only Connected means anything.
	Known bool

	Online       bool // the printer accepts and prints data
	CoverOpen    bool
	PaperOut     bool // roll end sensor: no paper, printing stopped
	PaperNearEnd bool // roll near-end sensor: paper low
	// DrawerOpen is the level of pin 3 of the drawer kick-out connector:
	// HIGH reads as open, unless Config.DrawerOpenLow says the drawer
	// wires it the other way.
	DrawerOpen      bool
	FeedButton      bool // paper is being fed with the FEED button
	WaitingRecovery bool // offline, waiting for online recovery

	RecoverableError     bool // mechanical error (e.g. paper jam)
	CutterError          bool // autocutter error; DLE ENQ recovers
	UnrecoverableError   bool // needs service
	AutoRecoverableError bool // e.g. head too hot, or cover opened while printing
}

// Ready reports whether a job sent now would print: connected and, where
// the printer reports status, online with paper, cover shut and no error.
func (s Status) Ready() bool {
	if !s.Connected {
		return false
	}
	if !s.Known {
		return true
	}
	return s.Online && !s.PaperOut && !s.CoverOpen && !s.Failed()
}

// Failed reports whether any error bit is set.
func (s Status) Failed() bool {
	return s.RecoverableError || s.CutterError || s.UnrecoverableError || s.AutoRecoverableError
}

// String is a short summary for logs and operators, e.g.
// "offline: paper out, cover open".
func (s Status) String() string {
	if !s.Connected {
		return "unreachable"
	}
	if !s.Known {
		return "connected (no status)"
	}
	var p []string
	add := func(b bool, w string) {
		if b {
			p = append(p, w)
		}
	}
	add(s.PaperOut, "paper out")
	add(s.CoverOpen, "cover open")
	add(s.RecoverableError, "mechanical error")
	add(s.CutterError, "cutter error")
	add(s.UnrecoverableError, "unrecoverable error")
	add(s.AutoRecoverableError, "auto-recoverable error")
	add(s.FeedButton, "feeding")
	add(s.PaperNearEnd, "paper near end")
	add(s.DrawerOpen, "drawer open")
	head := "online"
	if !s.Online {
		head = "offline"
	}
	if len(p) == 0 {
		return head
	}
	return head + ": " + strings.Join(p, ", ")
}

// ErrStatusByte means a status byte lacks the fixed bits of its kind, so it
// is not the reply that was expected.
var ErrStatusByte = errors.New("printer: not a valid status byte")

// Real-time status requests, DLE EOT n.
const (
	StatusPrinter = 1 // printer status
	StatusOffline = 2 // offline cause
	StatusError   = 3 // error cause
	StatusPaper   = 4 // roll paper sensor
)

func bit(b byte, n uint) bool { return b&(1<<n) != 0 }

// ParseRealtime sets the fields that the reply b to DLE EOT n (1–4)
// describes. A reply has bits 1 and 4 on and bits 0 and 7 off; anything
// else is ErrStatusByte and leaves s alone. DLE EOT 1: bit 2 drawer pin 3,
// bit 3 offline, bit 5 waiting for online recovery, bit 6 FEED button. DLE
// EOT 2: bit 2 cover open, bit 3 FEED button, bit 5 stopped by paper end,
// bit 6 error. DLE EOT 3: bit 2 recoverable, bit 3 autocutter, bit 5
// unrecoverable, bit 6 automatically recoverable error. DLE EOT 4: bits 2–3
// near end, bits 5–6 paper end.
func (s *Status) ParseRealtime(n int, b byte) error {
	if b&0x93 != 0x12 {
		return fmt.Errorf("%w: %#02x for DLE EOT %d", ErrStatusByte, b, n)
	}
	switch n {
	case StatusPrinter:
		s.DrawerOpen = bit(b, 2)
		s.Online = !bit(b, 3)
		s.WaitingRecovery = bit(b, 5)
		s.FeedButton = bit(b, 6)
	case StatusOffline:
		s.CoverOpen = bit(b, 2)
		s.FeedButton = s.FeedButton || bit(b, 3)
		if bit(b, 5) {
			s.PaperOut = true
		}
		// bit 6 ("error occurred") is detailed by DLE EOT 3.
	case StatusError:
		s.RecoverableError = bit(b, 2)
		s.CutterError = bit(b, 3)
		s.UnrecoverableError = bit(b, 5)
		s.AutoRecoverableError = bit(b, 6)
	case StatusPaper:
		s.PaperNearEnd = b&0x0C != 0
		s.PaperOut = b&0x60 != 0
	default:
		return fmt.Errorf("%w: DLE EOT %d is not a status request this driver knows", ErrStatusByte, n)
	}
	return nil
}

// ParseASB sets s from a 4-byte Automatic Status Back message (GS a). The
// first byte has bit 4 on and bits 0, 1 and 7 off, the others bits 4 and 7
// off; anything else is ErrStatusByte and leaves s alone. Byte 1: bit 2
// drawer pin 3, bit 3 offline, bit 5 cover open, bit 6 FEED button. Byte 2:
// bit 0 waiting for recovery, bit 2 recoverable, bit 3 autocutter, bit 5
// unrecoverable, bit 6 automatically recoverable error. Byte 3: bits 0–1
// near end, bits 2–3 paper end. Byte 4 carries nothing for roll printers.
func (s *Status) ParseASB(b []byte) error {
	if len(b) != 4 {
		return fmt.Errorf("%w: ASB is 4 bytes, got %d", ErrStatusByte, len(b))
	}
	if b[0]&0x93 != 0x10 || b[1]&0x90 != 0 || b[2]&0x90 != 0 || b[3]&0x90 != 0 {
		return fmt.Errorf("%w: ASB % x", ErrStatusByte, b)
	}
	s.DrawerOpen = bit(b[0], 2)
	s.Online = !bit(b[0], 3)
	s.CoverOpen = bit(b[0], 5)
	s.FeedButton = bit(b[0], 6)
	s.WaitingRecovery = bit(b[1], 0)
	s.RecoverableError = bit(b[1], 2)
	s.CutterError = bit(b[1], 3)
	s.UnrecoverableError = bit(b[1], 5)
	s.AutoRecoverableError = bit(b[1], 6)
	s.PaperNearEnd = b[2]&0x03 != 0
	s.PaperOut = b[2]&0x0C != 0
	return nil
}

// ParsePaper sets the paper fields from the reply to GS r 1 (paper sensor
// status): bits 0–1 near end, bits 2–3 paper end, bits 4 and 7 off.
func (s *Status) ParsePaper(b byte) error {
	if b&0x90 != 0 {
		return fmt.Errorf("%w: %#02x for GS r 1", ErrStatusByte, b)
	}
	s.PaperNearEnd = b&0x03 != 0
	s.PaperOut = b&0x0C != 0
	return nil
}

// replyKind sorts bytes from the printer, following Epson's "transmission
// status identification": real-time replies look like 0xx1xx10, the first
// ASB byte like 0xx1xx00, GS r replies and ASB bytes 2–4 like 0xx0xxxx.
type replyKind byte

const (
	replyRealtime replyKind = iota + 1 // DLE EOT n reply, b[0]
	replyASB                           // 4 bytes
	replyGSr                           // GS r reply, b[0]
	replyClear                         // clear response to DLE DC4 8: 37 25 00
	replyOther                         // a byte that fits nothing
)

type reply struct {
	kind replyKind
	b    [4]byte
}

// decoder splits the byte stream from a printer into replies. It keeps
// state across calls, because replies can be split across reads.
type decoder struct {
	state byte // 0 idle, 1 in ASB, 2 after 0x37, 3 after 0x37 0x25
	asb   [4]byte
	n     int
}

const (
	xon  = 0x11
	xoff = 0x13
)

// feed appends the replies completed by p to out.
func (d *decoder) feed(p []byte, out []reply) []reply {
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch d.state {
		case 1:
			if c == xon || c == xoff {
				continue
			}
			if c&0x90 != 0 {
				out = append(out, reply{kind: replyOther, b: [4]byte{d.asb[0]}})
				d.state = 0
				i-- // look at c again as the start of something
				continue
			}
			d.asb[d.n] = c
			d.n++
			if d.n == 4 {
				out = append(out, reply{kind: replyASB, b: d.asb})
				d.state = 0
			}
			continue
		case 2:
			if c == 0x25 {
				d.state = 3
				continue
			}
			out = append(out, reply{kind: replyOther, b: [4]byte{0x37}})
			d.state = 0
			i--
			continue
		case 3:
			d.state = 0
			if c == 0 {
				out = append(out, reply{kind: replyClear, b: [4]byte{0x37, 0x25, 0}})
				continue
			}
			out = append(out, reply{kind: replyOther, b: [4]byte{0x37, 0x25}})
			i--
			continue
		}
		switch {
		case c == xon || c == xoff:
		case c == 0x37:
			d.state = 2
		case c&0x93 == 0x10:
			d.asb = [4]byte{c}
			d.n = 1
			d.state = 1
		case c&0x93 == 0x12:
			out = append(out, reply{kind: replyRealtime, b: [4]byte{c}})
		case c&0x90 == 0:
			out = append(out, reply{kind: replyGSr, b: [4]byte{c}})
		default:
			out = append(out, reply{kind: replyOther, b: [4]byte{c}})
		}
	}
	return out
}
