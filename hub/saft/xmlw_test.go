package saft

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"strings"
	"testing"
)

// FuzzWriter: the writer lays out any text in any nesting exactly as
// encoding/xml's Encoder does, so the export's bytes did not change when it
// stopped using the Encoder.
func FuzzWriter(f *testing.F) {
	f.Add("Grønnsåpe", "a<b>&\"c'\t\r\n", uint8(3))
	f.Add("", "\x00\x1f\xff\ufffd\U0001F600", uint8(0))
	f.Add("Kaffe & te", "", uint8(255))
	f.Fuzz(func(t *testing.T, a, b string, shape uint8) {
		var want bytes.Buffer
		enc := xml.NewEncoder(&want)
		enc.Indent("", "\t")
		var got bytes.Buffer
		bw := bufio.NewWriter(&got)
		w := newXW(bw, 0)

		start := func(name string, attr ...xml.Attr) {
			if err := enc.EncodeToken(xml.StartElement{Name: xml.Name{Local: name}, Attr: attr}); err != nil {
				t.Fatal(err)
			}
			w.start(name, attr...)
		}
		end := func(name string) {
			if err := enc.EncodeToken(xml.EndElement{Name: xml.Name{Local: name}}); err != nil {
				t.Fatal(err)
			}
			w.end(name)
		}
		text := func(s string) {
			if err := enc.EncodeToken(xml.CharData(s)); err != nil {
				t.Fatal(err)
			}
			w.text(s)
		}
		start("root", xml.Attr{Name: xml.Name{Local: "xmlns"}, Value: Namespace}, xml.Attr{Name: xml.Name{Local: "note"}, Value: b})
		// shape's bits choose: nest, text a, empty element, text b, ...
		depth := []string{"root"}
		for i := range 8 {
			switch bit := shape >> i & 1; {
			case bit == 1 && i%2 == 0:
				n := "n" + strings.Repeat("x", i)
				start(n)
				depth = append(depth, n)
				text(a)
			case bit == 1:
				start("e")
				end("e")
				text(b)
			case len(depth) > 1:
				end(depth[len(depth)-1])
				depth = depth[:len(depth)-1]
			default:
				start("v")
				text(a + b)
				end("v")
			}
		}
		for len(depth) > 0 {
			end(depth[len(depth)-1])
			depth = depth[:len(depth)-1]
		}
		if err := enc.Close(); err != nil {
			t.Fatal(err)
		}
		bw.Flush()
		if got.String() != want.String() {
			t.Errorf("writer and Encoder differ:\n got %q\nwant %q", got.String(), want.String())
		}
	})
}
