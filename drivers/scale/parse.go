package scale

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

const (
	stx = 0x02
	cr  = '\r'
	lf  = '\n'
)

// 8217 status byte bits. We follow the "Scale Status Byte Bit Definitions"
// table of the Mettler Toledo 8217 protocol as printed in the DIVA / PSC
// Magellan 8500 scanner-scale service manual, section 6.1.4.3 (the same
// layout Odoo's hw_scale driver decodes for its "Toledo 8217" protocol):
//
//	bit 0  1 = scale in motion
//	bit 1  1 = over capacity
//	bit 2  1 = under zero
//	bit 3  1 = outside zero capture range
//	bit 4  1 = center of zero
//	bit 5  1 = net weight, 0 = gross
//	bit 6  always 1
//	bit 7  parity (even); a 7E1 port strips it
//
// The same manual (6.1.4.2) says the scale answers W with the weight when
// it can, and with the status byte instead when it is in motion, the
// weight is negative or over capacity.
const (
	st8217Motion     = 1 << 0
	st8217Over       = 1 << 1
	st8217Under      = 1 << 2
	st8217OutOfZero  = 1 << 3
	st8217CenterZero = 1 << 4
	st8217Net        = 1 << 5
	st8217Fixed      = 1 << 6
)

// Parse8217 parses one reply of a Toledo 8217 scale to W, exactly as it
// comes off the line: STX, then either the weight and CR, or '?', the
// status byte and CR.
//
// The weight is five digits in kilograms with three implied decimals
// ("01234" is 1.234 kg), or written with its decimal point ("01.234",
// "1.23"; at most three digits either side); an 'N' after it marks a net
// weight. Leading spaces are skipped. Either way the scale must be set to
// kilograms: a pound reading cannot be told apart and is refused by
// nobody.
//
// A status reply becomes Overload, UnderZero, Motion (in that order of
// precedence), Error when it says only "outside zero capture range" (a
// zero error: the scale will not weigh), and Stable at 0 g when it says
// only "center of zero". A status byte without its fixed bit 6 is
// ErrBadReply, as is anything else that does not fit.
func Parse8217(b []byte) (Reading, error) {
	if len(b) < 3 || b[0] != stx || b[len(b)-1] != cr {
		return Reading{}, fmt.Errorf("%w: 8217 reply is not STX…CR: %q", ErrBadReply, b)
	}
	body := b[1 : len(b)-1]
	if body[0] == '?' {
		if len(body) != 2 {
			return Reading{}, fmt.Errorf("%w: 8217 status reply is STX ? status CR: %q", ErrBadReply, b)
		}
		return parse8217Status(body[1])
	}
	body = bytes.TrimLeft(body, " ")
	net := false
	if n := len(body); n > 0 && body[n-1] == 'N' {
		net = true
		body = body[:n-1]
	}
	s := string(body)
	whole, frac, dot := strings.Cut(s, ".")
	switch {
	case !dot && len(s) == 5 && digits(s):
		g, _ := strconv.ParseInt(s, 10, 64)
		return Reading{Grams: g, State: Stable, Net: net}, nil
	case dot && len(whole) >= 1 && len(whole) <= 3 && len(frac) >= 1 && len(frac) <= 3 && digits(whole) && digits(frac):
		g, err := decimalGrams(s, 3)
		if err != nil {
			return Reading{}, err
		}
		return Reading{Grams: g, State: Stable, Net: net}, nil
	}
	return Reading{}, fmt.Errorf("%w: 8217 weight %q", ErrBadReply, b)
}

func parse8217Status(c byte) (Reading, error) {
	c &= 0x7F // bit 7 is parity
	if c&st8217Fixed == 0 {
		return Reading{}, fmt.Errorf("%w: 8217 status byte %#02x lacks bit 6", ErrBadReply, c)
	}
	r := Reading{Net: c&st8217Net != 0, Info: status8217Words(c)}
	switch {
	case c&st8217Over != 0:
		r.State = Overload
	case c&st8217Under != 0:
		r.State = UnderZero
	case c&st8217Motion != 0:
		r.State = Motion
	case c&st8217OutOfZero != 0:
		r.State = Error
	case c&st8217CenterZero != 0:
		r.State = Stable
	default:
		r.State = Error
		r.Info = "status without weight"
	}
	return r, nil
}

func status8217Words(c byte) string {
	var w []string
	for _, f := range []struct {
		bit  byte
		word string
	}{
		{st8217Motion, "in motion"},
		{st8217Over, "over capacity"},
		{st8217Under, "under zero"},
		{st8217OutOfZero, "outside zero capture range"},
		{st8217CenterZero, "center of zero"},
		{st8217Net, "net"},
	} {
		if c&f.bit != 0 {
			w = append(w, f.word)
		}
	}
	return strings.Join(w, ", ")
}

// check8217Zero reads the status reply to Z: the scale captures zero only
// when stable, within the zero capture range and with no tare taken
// (gross mode), and otherwise ignores Z and returns its status.
func check8217Zero(b []byte) error {
	c, err := status8217(b)
	if err != nil {
		return err
	}
	if c&(st8217Motion|st8217OutOfZero|st8217Over|st8217Under|st8217Net) != 0 {
		return fmt.Errorf("%w: zero: %s", ErrRefused, status8217Words(c))
	}
	return nil
}

// check8217Tare reads the status reply to T: a tare taken leaves the
// scale in net mode.
func check8217Tare(b []byte) error {
	c, err := status8217(b)
	if err != nil {
		return err
	}
	if c&(st8217Motion|st8217Over|st8217Under) != 0 || c&st8217Net == 0 {
		words := status8217Words(c)
		if words == "" {
			words = "no tare taken"
		}
		return fmt.Errorf("%w: tare: %s", ErrRefused, words)
	}
	return nil
}

func status8217(b []byte) (byte, error) {
	if len(b) != 4 || b[0] != stx || b[1] != '?' || b[3] != cr {
		return 0, fmt.Errorf("%w: expected an 8217 status reply, got %q", ErrBadReply, b)
	}
	c := b[2] & 0x7F
	if c&st8217Fixed == 0 {
		return 0, fmt.Errorf("%w: 8217 status byte %#02x lacks bit 6", ErrBadReply, c)
	}
	return c, nil
}

// MT-SICS error replies, from the MT-SICS reference manuals ("General
// error messages"): they answer any command.
var sicsErrors = map[string]string{
	"ES": "ES syntax error: command not known",
	"ET": "ET transmission error: parity or line too long",
	"EL": "EL logical error: command cannot be executed",
}

// ParseSICS parses one MT-SICS reply to S or SI, exactly as it comes off
// the line, CR LF included. Following the MT-SICS reference manual
// (level 0 commands S and SI):
//
//	S S <weight> <unit>   stable weight           → Stable
//	S D <weight> <unit>   dynamic weight (SI)     → Motion, with Grams
//	S I                   busy, or not stable in time → Motion
//	S +                   overload                → Overload
//	S -                   underload               → UnderZero
//	ES, ET, EL            error                   → Error
//
// The weight is a decimal number, optionally negative, in g, kg or mg
// (the scale's unit 1); any other unit is ErrBadReply, as is any reply
// that does not fit.
func ParseSICS(b []byte) (Reading, error) {
	line, err := sicsLine(b)
	if err != nil {
		return Reading{}, err
	}
	if info, ok := sicsErrors[line]; ok {
		return Reading{State: Error, Info: info}, nil
	}
	f := strings.Fields(line)
	if len(f) < 2 || f[0] != "S" || !strings.HasPrefix(line, "S ") {
		return Reading{}, fmt.Errorf("%w: not an S reply: %q", ErrBadReply, b)
	}
	switch f[1] {
	case "S", "D":
		if len(f) != 4 {
			break
		}
		g, err := sicsGrams(f[2], f[3])
		if err != nil {
			return Reading{}, err
		}
		if f[1] == "S" {
			return Reading{Grams: g, State: Stable}, nil
		}
		return Reading{Grams: g, State: Motion, Info: "dynamic"}, nil
	case "I":
		if len(f) == 2 {
			return Reading{State: Motion, Info: "not executable: busy or not stable in time"}, nil
		}
	case "+":
		if len(f) == 2 {
			return Reading{State: Overload, Info: "overload range"}, nil
		}
	case "-":
		if len(f) == 2 {
			return Reading{State: UnderZero, Info: "underload range"}, nil
		}
	}
	return Reading{}, fmt.Errorf("%w: S reply %q", ErrBadReply, b)
}

// checkSICSZero reads the reply to Z: "Z A" zeroed, "Z I" not executable,
// "Z +"/"Z -" the upper/lower limit of the zero setting range exceeded.
func checkSICSZero(b []byte) error {
	line, err := sicsLine(b)
	if err != nil {
		return err
	}
	switch line {
	case "Z A":
		return nil
	case "Z I":
		return fmt.Errorf("%w: zero: not executable (busy or not stable)", ErrRefused)
	case "Z +":
		return fmt.Errorf("%w: zero: upper limit of zero setting range exceeded", ErrRefused)
	case "Z -":
		return fmt.Errorf("%w: zero: lower limit of zero setting range exceeded", ErrRefused)
	}
	if info, ok := sicsErrors[line]; ok {
		return fmt.Errorf("%w: zero: %s", ErrRefused, info)
	}
	return fmt.Errorf("%w: Z reply %q", ErrBadReply, b)
}

// checkSICSTare reads the reply to T: "T S <tare> <unit>" tared, "T I" not
// executable, "T +"/"T -" the upper/lower limit of the taring range
// exceeded.
func checkSICSTare(b []byte) error {
	line, err := sicsLine(b)
	if err != nil {
		return err
	}
	switch line {
	case "T I":
		return fmt.Errorf("%w: tare: not executable (busy or not stable)", ErrRefused)
	case "T +":
		return fmt.Errorf("%w: tare: upper limit of taring range exceeded", ErrRefused)
	case "T -":
		return fmt.Errorf("%w: tare: lower limit of taring range exceeded", ErrRefused)
	}
	if info, ok := sicsErrors[line]; ok {
		return fmt.Errorf("%w: tare: %s", ErrRefused, info)
	}
	if f := strings.Fields(line); len(f) == 4 && f[0] == "T" && f[1] == "S" {
		if _, err := sicsGrams(f[2], f[3]); err == nil {
			return nil
		}
	}
	return fmt.Errorf("%w: T reply %q", ErrBadReply, b)
}

// sicsLine checks the framing of a reply and returns it without CR LF.
func sicsLine(b []byte) (string, error) {
	if len(b) < 4 || !bytes.HasSuffix(b, []byte{cr, lf}) {
		return "", fmt.Errorf("%w: MT-SICS reply is not a line ending in CR LF: %q", ErrBadReply, b)
	}
	line := b[:len(b)-2]
	for _, c := range line {
		if c < 0x20 || c > 0x7E {
			return "", fmt.Errorf("%w: MT-SICS reply has byte %#02x: %q", ErrBadReply, c, b)
		}
	}
	return string(line), nil
}

func sicsGrams(v, unit string) (int64, error) {
	exp, ok := map[string]int{"kg": 3, "g": 0, "mg": -3}[unit]
	if !ok {
		return 0, fmt.Errorf("%w: unit %q (set the scale to g or kg)", ErrBadReply, unit)
	}
	return decimalGrams(v, exp)
}

// decimalGrams converts a decimal number ("-1.234") in a unit of 10^exp
// grams to whole grams, rounding half away from zero, by digits alone.
func decimalGrams(s string, exp int) (int64, error) {
	num := s
	neg := strings.HasPrefix(num, "-")
	if neg {
		num = num[1:]
	}
	whole, frac, dot := strings.Cut(num, ".")
	if whole == "" || !digits(whole) || (dot && (frac == "" || !digits(frac))) || len(whole)+len(frac) > 15 {
		return 0, fmt.Errorf("%w: weight %q", ErrBadReply, s)
	}
	m, _ := strconv.ParseInt(whole+frac, 10, 64)
	var g int64
	if e := exp - len(frac); e >= 0 {
		g = m * pow10(e)
	} else {
		d := pow10(-e)
		g = (m + d/2) / d
	}
	if neg {
		g = -g
	}
	return g, nil
}

func pow10(n int) int64 {
	p := int64(1)
	for range n {
		p *= 10
	}
	return p
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
