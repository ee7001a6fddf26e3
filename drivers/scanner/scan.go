package scanner

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// GS is the ASCII group separator that stands for FNC1 between the
// variable-length element strings of a GS1 code. It is the only
// non-printable character a Scan may carry.
const GS = '\x1d'

// Scan is one barcode read.
type Scan struct {
	// Code is the data without a symbology identifier.
	Code string
	// Raw is what the scanner sent, identifier included, without the
	// terminator.
	Raw string
	// Symbology is the AIM symbology identifier ("]E0", "]C1", …) when the
	// scanner sent one, else empty. SymbologyName says it in words.
	Symbology string
	// Device is the configured name of the scanner (Config.Name).
	Device string
	// At is when the reader saw the terminator.
	At time.Time
}

// newScan splits raw into symbology and data.
func newScan(raw, device string, at time.Time) Scan {
	sym, code := splitAIM(raw)
	return Scan{Code: code, Raw: raw, Symbology: sym, Device: device, At: at}
}

// splitAIM separates an AIM symbology identifier (ISO/IEC 15424: "]", a
// code character, a modifier character) from the data. Without a
// well-formed identifier the whole of raw is data.
func splitAIM(raw string) (sym, code string) {
	if len(raw) < 3 || raw[0] != ']' || !isASCIILetter(raw[1]) || !isASCIIAlnum(raw[2]) {
		return "", raw
	}
	return raw[:3], raw[3:]
}

func isASCIILetter(c byte) bool { return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' }
func isASCIIAlnum(c byte) bool  { return isASCIILetter(c) || c >= '0' && c <= '9' }

// symbologies names the identifiers a shop meets; the key is the code
// character and modifier.
var symbologies = map[string]string{
	"E0": "EAN-13", "E1": "EAN add-on 2", "E2": "EAN add-on 5", "E3": "EAN-13 with add-on", "E4": "EAN-8",
	"C0": "Code 128", "C1": "GS1-128", "C2": "Code 128 (FNC1 in second position)", "C4": "ISBT 128",
	"d0": "Data Matrix", "d1": "Data Matrix", "d2": "GS1 DataMatrix", "d3": "Data Matrix (FNC1 in second position)",
	"Q0": "QR Code model 1", "Q1": "QR Code", "Q3": "GS1 QR Code", "Q5": "QR Code (FNC1 in second position)",
	"A0": "Code 39", "A1": "Code 39 (check digit verified)", "A3": "Code 39 (check digit verified, stripped)", "A4": "Code 39 full ASCII",
	"I0": "ITF", "I1": "ITF (check digit verified)", "I3": "ITF (check digit verified, stripped)",
	"e0": "GS1 DataBar", "F0": "Codabar", "G0": "Code 93", "L0": "PDF417", "z0": "Aztec", "X0": "other",
}

// SymbologyName says in words which symbology an AIM identifier such as
// "]E0" stands for: the name for the ones a shop meets, the family for
// other modifiers, and "" for an identifier it does not know.
func SymbologyName(id string) string {
	if len(id) != 3 || id[0] != ']' {
		return ""
	}
	if n, ok := symbologies[id[1:]]; ok {
		return n
	}
	switch id[1] {
	case 'A':
		return "Code 39"
	case 'C':
		return "Code 128"
	case 'd':
		return "Data Matrix"
	case 'E':
		return "EAN/UPC"
	case 'e':
		return "GS1 DataBar"
	case 'I':
		return "ITF"
	case 'L':
		return "PDF417"
	case 'Q':
		return "QR Code"
	case 'z':
		return "Aztec"
	}
	return ""
}

// clean keeps what a code may contain: printable characters and GS.
// Anything else (framing bytes such as STX/ETX, stray control keys) is
// dropped rather than passed on.
func clean(s string) string {
	ok := true
	for _, r := range s {
		if !allowed(r) {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if allowed(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func allowed(r rune) bool { return r == GS || r != utf8.RuneError && unicode.IsPrint(r) }
