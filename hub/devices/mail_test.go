package devices

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kasse/kasse/hub/ledger"
	"github.com/kasse/kasse/hub/receipt"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// The receipt e-mail, byte for byte: headers (Message-ID from the action,
// the subject in encoded words), a plain text and an HTML part, both
// quoted-printable UTF-8.
func TestMessageGolden(t *testing.T) {
	l := &receipt.Layout{Code: "S-42", Rows: []receipt.Row{
		{Left: "Salgskvittering", Style: receipt.Style(1)},
		{Left: "Bærebøtte & Co"},
		{},
		{Left: "2 x Lettmelk 1 l", Right: "43,80"},
		{Left: "TOTAL", Right: "kr 43,80", Style: receipt.Style(4)},
	}}
	a := ledger.Action{ID: "mail/S-42/1", Kind: ledger.ActMail, Sale: "S-42", To: "kari@example.no",
		Created: time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)}
	got, err := Message("kvittering@butikken.no", a, "Bærebøtta", l)
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "receipt.eml")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("message differs from %s (go test -update rewrites it):\n%s", golden, got)
	}
}

func TestBackoff(t *testing.T) {
	for n, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 6: 32 * time.Second, 7: time.Minute, 50: time.Minute} {
		if got := Backoff(n); got != want {
			t.Errorf("Backoff(%d) = %s, want %s", n, got, want)
		}
	}
}

func BenchmarkMessage(b *testing.B) {
	l := &receipt.Layout{Code: "S-42"}
	for i := range 40 {
		l.Rows = append(l.Rows, receipt.Row{Left: "Vare nummer " + string(rune('A'+i%26)), Right: "21,90"})
	}
	a := ledger.Action{ID: "mail/S-42/1", Kind: ledger.ActMail, Sale: "S-42", To: "kari@example.no"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Message("kvittering@butikken.no", a, "Butikken", l); err != nil {
			b.Fatal(err)
		}
	}
}
