package printer_test

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kasse/kasse/drivers/printer"
	"github.com/kasse/kasse/drivers/printer/printertest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// sampleReceipt uses every feature of Doc once or more.
func sampleReceipt(cp printer.CodePage, cols int) *printer.Doc {
	d := printer.NewDoc(cp, cols)
	d.Align(printer.AlignCenter).Bold(true).Size(2, 2).Line("Bakeriet på Torget").Size(1, 1).Bold(false)
	d.Line("Storgata 12, 6002 Ålesund").Line("Org.nr 987 654 321 MVA")
	d.Align(printer.AlignLeft).Rule()
	d.Columns("Brød, grovt", "39,90")
	d.Columns("Smør 500 g", "54,50")
	d.Columns("Rødbeter i glass, økologiske, syltet etter oldemors oppskrift fra Østfold", "32,00")
	d.Columns("Blåbær 250 g", "49,00")
	d.Underline(1).Columns("Æbleskiver – 4 stk", "24,00").Underline(0)
	d.RuleOf('=')
	d.Bold(true).Columns("TOTALT", "kr 199,40").Bold(false)
	d.Columns("Kort (Visa **** 1234)", "199,40")
	d.Columns("MVA 15 %", "26,01")
	d.Feed(1)
	d.Text("Kunde: Åse Ødegård\tØ").LF()
	d.Line("Pris i euro: €5 ☕")
	d.Align(printer.AlignCenter)
	d.SetBarcodeStyle(printer.BarcodeStyle{Height: 60, Module: 2, HRI: printer.HRIBelow})
	d.Code128("K1-000123", printer.Code128B)
	d.Code128("2026031600123", printer.Code128Auto)
	d.EAN13("590123412345")
	d.QR("https://kasse.example/r/000123?butikk=Ålesund", printer.QROptions{Size: 5, Level: printer.QRLevelM})
	d.Line("Takk for handelen!")
	d.Feed(2).Cut(printer.CutPartial)
	d.Kick(printer.Pin2, 100*time.Millisecond, 100*time.Millisecond)
	return d
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it)\ngot:\n%q\nwant:\n%q", name, got, want)
	}
}

func TestReceiptGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		cp   printer.CodePage
		cols int
	}{
		{"receipt_cp865_48", printer.CP865, printer.Columns80mm},
		{"receipt_wpc1252_42", printer.WPC1252, printer.Columns80mmNarrow},
		{"receipt_cp865_32", printer.CP865, printer.Columns58mm},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := sampleReceipt(tc.cp, tc.cols).Bytes()
			if err != nil {
				t.Fatal(err)
			}
			again, _ := sampleReceipt(tc.cp, tc.cols).Bytes()
			if !bytes.Equal(b, again) {
				t.Fatal("same calls gave different bytes")
			}
			golden(t, tc.name+".bin", b)

			// What an Epson-like printer makes of the bytes, decoded back
			// to UTF-8 independently of our code page tables.
			dev := printertest.NewDevice(printertest.Config{Columns: tc.cols})
			dev.Write(b)
			text := dev.Text() + "\n"
			golden(t, tc.name+".txt", []byte(text))
			if dev.Cuts() != 1 || dev.Kicks(2) != 1 {
				t.Errorf("cuts %d, kicks %d; want 1 and 1", dev.Cuts(), dev.Kicks(2))
			}
			if strings.Contains(text, "[?") {
				t.Errorf("the printer ignored or did not know something:\n%s", text)
			}
			for _, want := range []string{"Bakeriet på", "Åse Ødegård", "Blåbær", "Æbleskiver",
				"[BARCODE CODE128 K1-000123]", "[BARCODE CODE128 2026031600123]", "[BARCODE EAN13 5901234123457]",
				"[QR model2 size=5 ecc=M] https://kasse.example/r/000123?butikk=Ålesund", "[CUT partial]", "[DRAWER pin2 on=100ms off=100ms]"} {
				if !strings.Contains(text, want) {
					t.Errorf("rendering lacks %q", want)
				}
			}
			if w := dev.Snapshot().Wraps; w != 0 {
				t.Errorf("the printer had to wrap %d lines that were too long", w)
			}
		})
	}
}

func TestColumnsLayout(t *testing.T) {
	for _, cols := range []int{32, 42, 48} {
		for _, w := range []int{1, 2} {
			d := printer.NewDoc(printer.CP865, cols).Size(w, 1)
			width := d.Width()
			if width != cols/w {
				t.Fatalf("Width %d, want %d", width, cols/w)
			}
			left := []string{"", "Ø", "Kaffe", strings.Repeat("Æ", width-6), strings.Repeat("å", width-5),
				"Rødbeter i glass, økologiske, syltet etter oldemors oppskrift", strings.Repeat("x", 3*width)}
			right := []string{"", "1,00", "kr 1 234,50", strings.Repeat("9", width+3)}
			for _, l := range left {
				for _, r := range right {
					d.Columns(l, r)
				}
			}
			b, err := d.Bytes()
			if err != nil {
				t.Fatal(err)
			}
			dev := printertest.NewDevice(printertest.Config{Columns: cols})
			dev.Write(b)
			if n := dev.Snapshot().Wraps; n != 0 {
				t.Errorf("%d cols, width %d: the printer wrapped %d lines:\n%s", cols, w, n, dev.Text())
			}
		}
	}
	// An amount is right-aligned on the last line of a wrapped item.
	d := printer.NewDoc(printer.CP865, 32).Columns("Rødbeter i glass, økologiske fra Østfold", "32,00")
	b, _ := d.Bytes()
	dev := printertest.NewDevice(printertest.Config{Columns: 32})
	dev.Write(b)
	want := []string{"Rødbeter i glass,", "økologiske fra Østfold     32,00"}
	if got := dev.Lines(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestCodePages(t *testing.T) {
	const s = "æøåÆØÅ éü € ½ ─ 中"
	for _, tc := range []struct {
		cp   printer.CodePage
		want string
	}{
		{printer.CP865, "æøåÆØÅ éü ? ½ ─ ?"},
		{printer.WPC1252, "æøåÆØÅ éü € ½ ? ?"},
	} {
		b, err := printer.NewDoc(tc.cp, 48).Line(s).Line("a\u030a e\u0301 x\u200dy").Bytes()
		if err != nil {
			t.Fatal(err)
		}
		dev := printertest.NewDevice(printertest.Config{})
		dev.Write(b)
		got := dev.Lines()
		if len(got) != 2 || got[0] != tc.want || got[1] != "å é xy" {
			t.Errorf("%v: got %q, want %q and %q", tc.cp, got, tc.want, "å é xy")
		}
	}
}

func TestBarcodes(t *testing.T) {
	for _, tc := range []struct {
		data string
		set  printer.Code128Set
		want string
	}{
		{"ABC-123", printer.Code128A, "ABC-123"},
		{"abc{x}", printer.Code128B, "abc{x}"},
		{"12345678", printer.Code128C, "12345678"},
		{"1234567", printer.Code128C, "1234567"},
		{"1234", printer.Code128Auto, "1234"},
		{"123", printer.Code128Auto, "123"},
		{"001604010203", printer.Code128C, "001604010203"}, // DLE EOT 1 in set C: set B instead
	} {
		b, err := printer.NewDoc(printer.CP865, 48).Code128(tc.data, tc.set).Bytes()
		if err != nil {
			t.Fatalf("%q: %v", tc.data, err)
		}
		if bytes.Contains(b, []byte{0x10, 0x04}) {
			t.Errorf("%q: bytes hold DLE EOT: % x", tc.data, b)
		}
		dev := printertest.NewDevice(printertest.Config{})
		dev.Write(b)
		if got := dev.Text(); got != "[BARCODE CODE128 "+tc.want+"]" {
			t.Errorf("%q: printed %q", tc.data, got)
		}
	}
	for _, bad := range []struct {
		data string
		set  printer.Code128Set
	}{{"", printer.Code128B}, {"abc", printer.Code128A}, {"12a", printer.Code128C}, {"æ", printer.Code128B}, {strings.Repeat("x", 300), printer.Code128B}} {
		if _, err := printer.NewDoc(printer.CP865, 48).Code128(bad.data, bad.set).Bytes(); !errors.Is(err, printer.ErrBarcodeData) {
			t.Errorf("Code128(%q, %c): err %v", bad.data, bad.set, err)
		}
	}
	for _, bad := range []string{"590123412344", "59012341234", "5901234123458", "59012341234x"} {
		if _, err := printer.NewDoc(printer.CP865, 48).EAN13(bad).Bytes(); !errors.Is(err, printer.ErrBarcodeData) && len(bad) != 12 {
			t.Errorf("EAN13(%q): err %v", bad, err)
		}
	}
	if _, err := printer.NewDoc(printer.CP865, 48).EAN13("5901234123457").Bytes(); err != nil {
		t.Error(err)
	}
	if _, err := printer.NewDoc(printer.CP865, 48).QR("a\x10b", printer.QROptions{}).Bytes(); !errors.Is(err, printer.ErrQRData) {
		t.Errorf("QR with DLE: %v", err)
	}
	if _, err := printer.NewDoc(printer.CP865, 48).QR("x", printer.QROptions{Size: 17}).Bytes(); !errors.Is(err, printer.ErrArgument) {
		t.Errorf("QR size 17: %v", err)
	}
}

func TestDocErrorsStick(t *testing.T) {
	d := printer.NewDoc(printer.CP865, 48).Size(9, 1).Line("after")
	if _, err := d.Bytes(); !errors.Is(err, printer.ErrArgument) {
		t.Errorf("err %v", err)
	}
	if _, err := printer.NewDoc(printer.CP865, 4).Bytes(); !errors.Is(err, printer.ErrColumns) {
		t.Errorf("err %v", err)
	}
}

// 30 lines, the size of a typical receipt.
func typicalReceipt() *printer.Doc {
	d := printer.NewDoc(printer.CP865, printer.Columns80mm)
	d.Align(printer.AlignCenter).Bold(true).Size(2, 2).Line("Bakeriet på Torget").Normal()
	d.Line("Storgata 12, 6002 Ålesund").Align(printer.AlignLeft).Rule()
	for i := range 18 {
		d.Columns("Grovbrød med solsikkefrø og ærlig smør", []string{"39,90", "154,50", "7,00"}[i%3])
	}
	d.RuleOf('=').Bold(true).Columns("TOTALT", "kr 1 199,40").Bold(false)
	d.Columns("MVA 25 %", "239,88").Columns("MVA 15 %", "12,00")
	d.Align(printer.AlignCenter).QR("https://kasse.example/r/000123", printer.QROptions{})
	d.Line("Takk for handelen!").Feed(2).Cut(printer.CutPartial)
	return d
}

func BenchmarkEncodeReceipt(b *testing.B) {
	b.ReportAllocs()
	var n int
	for b.Loop() {
		out, err := typicalReceipt().Bytes()
		if err != nil {
			b.Fatal(err)
		}
		n = len(out)
	}
	b.SetBytes(int64(n))
}
