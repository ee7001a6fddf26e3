package scaletest

import "testing"

// Exchanges written from the protocol documents, byte for byte.
func TestExchanges(t *testing.T) {
	type step struct {
		setup func(d *Device)
		in    string
		out   string
	}
	for _, tc := range []struct {
		name  string
		cfg   Config
		steps []step
	}{
		{"8217", Config{Protocol: Toledo8217, ZeroRange: 300}, []step{
			{func(d *Device) { d.SetWeight(0) }, "W", "\x0200000\r"},
			{func(d *Device) { d.SetWeight(1234) }, "W", "\x0201234\r"},
			{func(d *Device) { d.SetMotion(true) }, "W", "\x02?I\r"},  // motion, outside zero capture range
			{func(d *Device) { d.SetWeight(20000) }, "W", "\x02?J\r"}, // over capacity, outside zero capture range
			{func(d *Device) { d.SetWeight(-5) }, "W", "\x02?D\r"},    // under zero
			{func(d *Device) { d.SetWeight(4) }, "Z", "\x02?P\r"},     // zeroed: center of zero
			{func(d *Device) { d.SetWeight(504) }, "T\r", "\x02?x\r"}, // tared: net, at net zero, outside zero capture range
			{nil, "W", "\x0200000N\r"},
			{func(d *Device) { d.SetWeight(1504) }, "W", "\x0201000N\r"},
			{nil, "C", "\x02?H\r"},        // tare cleared: gross 1500 g
			{nil, "T00200\r", "\x02?h\r"}, // digital tare 200 g: net
			{nil, "W", "\x0201300N\r"},
			{nil, "Q\rX", ""},
		}},
		{"8217 decimal point", Config{Protocol: Toledo8217, DecimalPoint: true}, []step{
			{func(d *Device) { d.SetWeight(1234) }, "W", "\x0201.234\r"},
		}},
		{"sics", Config{Protocol: SICS, ZeroRange: 300, Serial: "B1"}, []step{
			{func(d *Device) { d.SetWeight(1234) }, "SI\r\n", "S S      1.234 kg\r\n"},
			{nil, "S\r\n", "S S      1.234 kg\r\n"},
			{func(d *Device) { d.SetMotion(true) }, "SI\r\n", "S D      1.234 kg\r\n"},
			{nil, "S\r\n", "S I\r\n"},
			{nil, "Z\r\n", "Z I\r\n"},
			{func(d *Device) { d.SetWeight(20000) }, "SI\r\n", "S +\r\n"},
			{func(d *Device) { d.SetWeight(-20) }, "SI\r\n", "S -\r\n"},
			{func(d *Device) { d.SetWeight(20) }, "Z\r\n", "Z A\r\n"},
			{func(d *Device) { d.SetWeight(520) }, "T\r\n", "T S      0.500 kg\r\n"},
			{nil, "SI\r\n", "S S      0.000 kg\r\n"},
			{nil, "TAC\r\n", "TAC A\r\n"},
			{nil, "I4\r\n", "I4 A \"B1\"\r\n"},
			{nil, "XYZ\r\n", "ES\r\n"},
			{func(d *Device) { d.FailNext("EL") }, "SI\r\n", "EL\r\n"},
			{nil, "SI", ""},
			{nil, "\r\n", "S S      0.500 kg\r\n"},
		}},
		{"sics grams", Config{Protocol: SICS, Unit: "g"}, []step{
			{func(d *Device) { d.SetWeight(812) }, "SI\r\n", "S S      812.0 g\r\n"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDevice(tc.cfg)
			for i, s := range tc.steps {
				if s.setup != nil {
					s.setup(d)
				}
				if got := string(d.Input([]byte(s.in))); got != s.out {
					t.Errorf("step %d: %q → %q, want %q", i, s.in, got, s.out)
				}
			}
		})
	}
}

func TestSettleCountsWeightRequests(t *testing.T) {
	d := NewDevice(Config{Protocol: Toledo8217})
	d.Settle(700, 2)
	for i, want := range []string{"\x02?I\r", "\x02?I\r", "\x0200700\r", "\x0200700\r"} {
		if got := string(d.Input([]byte("W"))); got != want {
			t.Errorf("request %d: %q, want %q", i, got, want)
		}
	}
	if d.Requests("W") != 4 {
		t.Errorf("%d W requests counted", d.Requests("W"))
	}
}
