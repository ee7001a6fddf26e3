package ledger

import (
	"strings"
	"testing"
)

func TestCheckAddress(t *testing.T) {
	for _, c := range []struct {
		to string
		ok bool
	}{
		{"kari@example.no", true},
		{"kari.nordmann+kvittering@butikk.example.no", true},
		{"", false},
		{"kari", false},
		{"kari@localhost", false},
		{"@example.no", false},
		{"Kari <kari@example.no>", false},
		{"<kari@example.no>", false},
		{"a@example.no, b@example.no", false},
		{"kari@example.no\r\nBcc: x@example.no", false},
		{" kari@example.no", false}, // the handler trims; the check does not
		{strings.Repeat("k", 250) + "@example.no", false},
	} {
		if err := CheckAddress(c.to); (err == nil) != c.ok {
			t.Errorf("CheckAddress(%q) = %v, want ok %v", c.to, err, c.ok)
		}
	}
}

// FuzzCheckAddress: an accepted address is one plain address a mail
// header and an SMTP command can carry as it is.
func FuzzCheckAddress(f *testing.F) {
	for _, s := range []string{"kari@example.no", "a@b.c", "\"a b\"@example.no", "Kari <k@e.no>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, to string) {
		if CheckAddress(to) != nil {
			return
		}
		if strings.ContainsAny(to, "\r\n<>,") || len(to) > 254 || !strings.Contains(to, "@") {
			t.Errorf("accepted %q", to)
		}
	})
}
