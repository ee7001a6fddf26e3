package terminal

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestAmountRoundTrip(t *testing.T) {
	for _, c := range []struct {
		øre  int64
		wire string
	}{
		{1, "0.01"},
		{10, "0.10"},
		{99, "0.99"},
		{100, "1.00"},
		{12345, "123.45"},
		{100000, "1000.00"},
		{MaxAmountØre, "99999999.99"},
	} {
		if got := formatØre(c.øre); string(got) != c.wire {
			t.Errorf("formatØre(%d) = %s, want %s", c.øre, got, c.wire)
		}
		back, err := parseØre(json.Number(c.wire))
		if err != nil || back != c.øre {
			t.Errorf("parseØre(%s) = %d, %v; want %d", c.wire, back, err, c.øre)
		}
	}
}

func TestParseØre(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
	}{
		{"0", 0},
		{"0.00", 0},
		{"0.0000", 0},
		{"0.01", 1},
		{"12.3", 1230},
		{"12.340", 1234},
		{"12.34000000", 1234},
		{"1e2", 10000},
		{"1E+2", 10000},
		{"0.1e1", 100},
		{"12345e-2", 12345},
		{"1234500e-4", 12345},
		{"99999999.999999e0", -1}, // finer than one øre
		{"92233720368547758.07", 9223372036854775807},
		{"92233720368547758.08", -1}, // overflows int64
		{"1e17", -1},
		{"1e999", -1},
		{"0e999", 0},
		{"0e99999", -1}, // exponent too long to be an amount
		{"0.005", -1},
		{"0.001e1", 1},
		{"0.0001e1", -1},
		{"-1", -1},
		{"-0.01", -1},
		{"", -1},
		{"01", -1},
		{"1.", -1},
		{".5", -1},
		{"1e", -1},
		{"+1", -1},
		{"1,5", -1},
		{"NaN", -1},
		{"1 ", -1},
	} {
		got, err := parseØre(json.Number(c.in))
		if c.want < 0 {
			if err == nil || !errors.Is(err, errAmount) {
				t.Errorf("parseØre(%q) = %d, %v; want an amount error", c.in, got, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("parseØre(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
}

// Every øre amount in a wide sweep survives the trip through its decimal form.
func TestAmountSweep(t *testing.T) {
	for øre := int64(0); øre < 100_000; øre += 7 {
		got, err := parseØre(formatØre(øre))
		if err != nil || got != øre {
			t.Fatalf("round trip of %d gave %d, %v", øre, got, err)
		}
	}
}
