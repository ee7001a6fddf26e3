package scanner

import (
	"bytes"
	"unicode/utf8"
)

// lineDecoder splits a serial scanner's byte stream into codes. Without
// a suffix any CR or LF ends a code, so CR, LF and CRLF all work and the
// empty "line" between CR and LF is skipped; with one, only that exact
// byte sequence does. Bytes that are not UTF-8 are read as Latin-1, which
// is what scanners set to a Nordic character set send. A code longer
// than max bytes is discarded whole, never cut.
type lineDecoder struct {
	suffix  []byte
	max     int
	buf     []byte
	bad     bool
	dropped int
}

func newLineDecoder(suffix string, max int) *lineDecoder {
	d := &lineDecoder{max: max}
	if suffix != "" {
		d.suffix = []byte(suffix)
	}
	return d
}

func (d *lineDecoder) discarded() int { return d.dropped }

func (d *lineDecoder) feed(p []byte, emit func(string)) {
	for _, c := range p {
		if d.suffix == nil {
			if c == '\r' || c == '\n' {
				d.end(d.buf, emit)
				continue
			}
			if len(d.buf) >= d.max {
				d.bad = true
				d.buf = d.buf[:0]
			}
			d.buf = append(d.buf, c)
			continue
		}
		d.buf = append(d.buf, c)
		if bytes.HasSuffix(d.buf, d.suffix) {
			d.end(d.buf[:len(d.buf)-len(d.suffix)], emit)
			continue
		}
		if len(d.buf) > d.max+len(d.suffix) {
			// Too long: keep only what could still begin the suffix.
			d.bad = true
			keep := len(d.suffix) - 1
			d.buf = append(d.buf[:0], d.buf[len(d.buf)-keep:]...)
		}
	}
}

func (d *lineDecoder) end(b []byte, emit func(string)) {
	bad := d.bad
	d.bad = false
	defer func() { d.buf = d.buf[:0] }()
	if bad {
		d.dropped++
		return
	}
	if len(b) == 0 {
		return
	}
	var s string
	if utf8.Valid(b) {
		s = string(b)
	} else {
		r := make([]rune, len(b))
		for i, c := range b {
			r[i] = rune(c)
		}
		s = string(r)
	}
	if s = clean(s); s != "" {
		emit(s)
	}
}
