package terminal

import "testing"

func TestMaskPAN(t *testing.T) {
	for _, c := range []struct {
		in, want string
		masked   bool
	}{
		{"411111******1111", "411111******1111", false},
		{"541333 **** 9999", "541333 **** 9999", false},
		{"", "", false},
		{"4111111111111111", "411111******1111", true},
		{"4111 1111 1111 1111", "411111******1111", true},
		{"4111-1111-1111-1111", "411111******1111", true},
		{"5555555555554444", "555555******4444", true},
		{"4111111111111112", "411111******1112", true}, // fails Luhn, still no masking: mask it
		{"6703444444444449", "670344******4449", true}, // 16 digits, Luhn-valid
		{"4111111111111", "411111***1111", true},       // 13 digits
		{"123456789012", "123456789012", false},        // 12 digits is no PAN
		{"card 4111111111111111 ok", "card 411111******1111 ok", true},
	} {
		got, masked := maskPAN(c.in)
		if got != c.want || masked != c.masked {
			t.Errorf("maskPAN(%q) = %q, %v; want %q, %v", c.in, got, masked, c.want, c.masked)
		}
	}
}

func TestScrubText(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Not enough balance", "Not enough balance"},
		{"pan=4111111111111111&x=1", "pan=411111******1111&x=1"},
		{"4111 1111 1111 1111.", "411111******1111."},
		{"tx 8515658977098901 done", "tx 8515658977098901 done"}, // fails Luhn: an id, kept
		{"12345678901234567890123", "12345678901234567890123"},   // 23 digits: not a PAN
		{"a-1 b", "a-1 b"},
	} {
		if got, _ := scrubText(c.in); got != c.want {
			t.Errorf("scrubText(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestLuhn(t *testing.T) {
	for d, want := range map[string]bool{
		"4111111111111111": true, "5555555555554444": true, "79927398713": true,
		"4111111111111112": false, "79927398710": false,
	} {
		if luhn(d) != want {
			t.Errorf("luhn(%s) != %v", d, want)
		}
	}
}

func TestServiceID(t *testing.T) {
	a, b := ServiceID("sale-42/attempt-1"), ServiceID("sale-42/attempt-2")
	if a != ServiceID("sale-42/attempt-1") {
		t.Fatal("ServiceID is not deterministic")
	}
	if a == b {
		t.Fatal("two attempts share a ServiceID")
	}
	for _, id := range []string{a, b, ServiceID(""), oneOffServiceID()} {
		if len(id) != 10 {
			t.Errorf("ServiceID %q is not 10 characters", id)
		}
		for _, r := range id {
			if !('0' <= r && r <= '9' || 'a' <= r && r <= 'z') {
				t.Errorf("ServiceID %q is not lowercase alphanumeric", id)
			}
		}
	}
	seen := map[string]bool{}
	for i := range 10000 {
		id := ServiceID(string(rune('a'+i%26)) + formatØreForTest(int64(i)))
		if seen[id] {
			t.Fatalf("collision among 10000 ids at %d", i)
		}
		seen[id] = true
	}
}

func formatØreForTest(n int64) string { return string(formatØre(n)) }
