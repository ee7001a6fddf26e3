// Package serialmode reads a serial line format such as "8N1" or "7E1".
package serialmode

import (
	"fmt"

	"go.bug.st/serial"
)

// Parse reads data bits (5–8), parity (N, E, O, M, S) and stop bits (1, 2).
func Parse(f string) (serial.Mode, error) {
	bad := fmt.Errorf("line format %q: want data bits, parity and stop bits, e.g. 7E1 or 8N1", f)
	if len(f) != 3 || f[0] < '5' || f[0] > '8' {
		return serial.Mode{}, bad
	}
	m := serial.Mode{DataBits: int(f[0] - '0')}
	switch f[1] {
	case 'N', 'n':
		m.Parity = serial.NoParity
	case 'E', 'e':
		m.Parity = serial.EvenParity
	case 'O', 'o':
		m.Parity = serial.OddParity
	case 'M', 'm':
		m.Parity = serial.MarkParity
	case 'S', 's':
		m.Parity = serial.SpaceParity
	default:
		return serial.Mode{}, bad
	}
	switch f[2] {
	case '1':
		m.StopBits = serial.OneStopBit
	case '2':
		m.StopBits = serial.TwoStopBits
	default:
		return serial.Mode{}, bad
	}
	return m, nil
}
