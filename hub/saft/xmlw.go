package saft

import (
	"bufio"
	"encoding/xml"
	"unicode/utf8"
)

// xw writes XML element by element, laid out byte for byte as
// encoding/xml's Encoder with Indent("", "\t") lays it out, without the
// Encoder's per-token bookkeeping (name checks, namespace stacks), which
// cost most of an export's time. Element names are the exporter's own
// constants; only text is escaped. Write errors stay in the bufio.Writer
// and come out of its Flush.
type xw struct {
	w          *bufio.Writer
	depth      int
	indentedIn bool // the last token was a start tag
	putNewline bool // anything written yet
}

// newXW writes to w as if it were already inside depth open elements, the
// last of which has content (a spill of a register's elements).
func newXW(w *bufio.Writer, depth int) *xw {
	return &xw{w: w, depth: depth, putNewline: depth > 0}
}

// indent is encoding/xml's printer.writeIndent with prefix "" and indent "\t".
func (x *xw) indent(delta int) {
	if delta < 0 {
		x.depth--
		if x.indentedIn {
			x.indentedIn = false
			return
		}
	}
	if x.putNewline {
		x.w.WriteByte('\n')
	} else {
		x.putNewline = true
	}
	for range x.depth {
		x.w.WriteByte('\t')
	}
	if delta > 0 {
		x.depth++
		x.indentedIn = true
	}
}

func (x *xw) start(name string, attr ...xml.Attr) {
	x.indent(1)
	x.w.WriteByte('<')
	x.w.WriteString(name)
	for _, a := range attr {
		x.w.WriteByte(' ')
		x.w.WriteString(a.Name.Local)
		x.w.WriteString(`="`)
		escape(x.w, a.Value, true)
		x.w.WriteByte('"')
	}
	x.w.WriteByte('>')
}

func (x *xw) end(name string) {
	x.indent(-1)
	x.w.WriteString("</")
	x.w.WriteString(name)
	x.w.WriteByte('>')
}

// text writes character data as the Encoder's CharData does.
func (x *xw) text(s string) { escape(x.w, s, false) }

// raw writes s as it is.
func (x *xw) raw(s string) { x.w.WriteString(s) }

// escape is encoding/xml's escapeText: the five markup characters, tab and
// carriage return as references (newline too in attributes), anything
// outside XML's character range as U+FFFD.
func escape(w *bufio.Writer, s string, newline bool) {
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		var esc string
		width := 1
		if c < utf8.RuneSelf {
			switch c {
			case '"':
				esc = "&#34;"
			case '\'':
				esc = "&#39;"
			case '&':
				esc = "&amp;"
			case '<':
				esc = "&lt;"
			case '>':
				esc = "&gt;"
			case '\t':
				esc = "&#x9;"
			case '\n':
				if newline {
					esc = "&#xA;"
				}
			case '\r':
				esc = "&#xD;"
			default:
				if c < 0x20 {
					esc = "\uFFFD"
				}
			}
		} else {
			var r rune
			r, width = utf8.DecodeRuneInString(s[i:])
			if !inCharRange(r) || (r == utf8.RuneError && width == 1) {
				esc = "\uFFFD"
			}
		}
		i += width
		if esc == "" {
			continue
		}
		w.WriteString(s[last : i-width])
		w.WriteString(esc)
		last = i
	}
	w.WriteString(s[last:])
}

func inCharRange(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}
