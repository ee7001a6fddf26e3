package mqtt_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kasse/kasse/drivers/mqtt"
)

func TestDecodeWeight(t *testing.T) {
	ts := time.Date(2025, 3, 1, 10, 15, 0, 0, time.UTC)
	good := []struct {
		name, in string
		want     mqtt.Weight
	}{
		{"plain", `{"grams": 1234, "seq": 17}`, mqtt.Weight{Grams: 1234, Seq: 17}},
		{"with ts", `{"grams":1234,"ts":"2025-03-01T10:15:00Z","seq":17}`, mqtt.Weight{Grams: 1234, Seq: 17, Time: ts}},
		{"any order, spaces", " {\n\"seq\":0 , \"grams\" : -3 }\t", mqtt.Weight{Grams: -3, Seq: 0}},
		{"limits", `{"grams":500000,"seq":18446744073709551615}`, mqtt.Weight{Grams: mqtt.MaxGrams, Seq: 1<<64 - 1}},
		{"escaped key", `{"gr\u0061ms":5,"seq":1}`, mqtt.Weight{Grams: 5, Seq: 1}},
	}
	for _, tc := range good {
		t.Run(tc.name, func(t *testing.T) {
			got, err := mqtt.DecodeWeight([]byte(tc.in))
			if err != nil {
				t.Fatalf("DecodeWeight(%s): %v", tc.in, err)
			}
			if got.Grams != tc.want.Grams || got.Seq != tc.want.Seq || !got.Time.Equal(tc.want.Time) {
				t.Fatalf("DecodeWeight(%s) = %+v, want %+v", tc.in, got, tc.want)
			}
		})
	}

	bad := []struct{ name, in, why string }{
		{"empty", ``, "empty"},
		{"torn", `{"grams": 1234, "se`, "torn"},
		{"truncated number", `{"grams": 12`, "torn"},
		{"two objects", `{"grams":1,"seq":1}{"grams":2,"seq":2}`, "torn"},
		{"trailing garbage", `{"grams":1,"seq":1}x`, "torn"},
		{"array", `[1,2]`, "not a JSON object"},
		{"number", `12`, "not a JSON object"},
		{"null", `null`, "not a JSON object"},
		{"grams as string", `{"grams":"1234","seq":1}`, "want a number"},
		{"grams fraction", `{"grams":12.5,"seq":1}`, "whole number"},
		{"grams exponent", `{"grams":1e3,"seq":1}`, "whole number"},
		{"grams null", `{"grams":null,"seq":1}`, "null"},
		{"grams object", `{"grams":{"v":1},"seq":1}`, "object or array"},
		{"grams bool", `{"grams":true,"seq":1}`, "want a number"},
		{"absurd grams", `{"grams":9999999,"seq":1}`, "outside"},
		{"very negative", `{"grams":-5000,"seq":1}`, "outside"},
		{"huge number", `{"grams":123456789012345678901234567890,"seq":1}`, "whole number"},
		{"negative seq", `{"grams":1,"seq":-1}`, "whole number"},
		{"seq overflow", `{"grams":1,"seq":18446744073709551616}`, "whole number"},
		{"missing seq", `{"grams":1}`, "missing \"seq\""},
		{"missing grams", `{"seq":1}`, "missing \"grams\""},
		{"duplicate key", `{"grams":1,"grams":2,"seq":1}`, "twice"},
		{"unknown key", `{"grams":1,"seq":1,"battery":80}`, "unknown key"},
		{"wrong case", `{"Grams":1,"seq":1}`, "unknown key"},
		{"bad ts", `{"grams":1,"seq":1,"ts":"yesterday"}`, "RFC 3339"},
		{"absurd ts", `{"grams":1,"seq":1,"ts":"1970-01-01T00:00:00Z"}`, "between"},
		{"ts number", `{"grams":1,"seq":1,"ts":1700000000}`, "want a string"},
		{"not utf-8", "{\"grams\":1,\"seq\":1,\"ts\":\"\xff\"}", "UTF-8"},
		{"too large", `{"grams":1,"seq":1,"ts":"` + strings.Repeat(" ", mqtt.MaxPayload) + `"}`, "more than"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			got, err := mqtt.DecodeWeight([]byte(tc.in))
			if err == nil {
				t.Fatalf("DecodeWeight(%q) = %+v, want an error", tc.in, got)
			}
			if !errors.Is(err, mqtt.ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			if !strings.Contains(err.Error(), tc.why) {
				t.Fatalf("error %q does not say %q", err, tc.why)
			}
		})
	}
}

func TestDecodeState(t *testing.T) {
	good := []struct {
		name, in string
		want     mqtt.State
	}{
		{"door", `{"door":"open","seq":1}`, mqtt.State{Door: mqtt.DoorOpen, Seq: 1}},
		{"temp", `{"temp_c":4.5,"seq":2}`, mqtt.State{Temp: 45, HasTemp: true, Seq: 2}},
		{"both", `{"door":"closed","temp_c":-18.04,"seq":3,"ts":"2025-03-01T10:15:00+01:00"}`,
			mqtt.State{Door: mqtt.DoorClosed, Temp: -180, HasTemp: true, Seq: 3}},
		{"whole degrees", `{"temp_c":7,"seq":4}`, mqtt.State{Temp: 70, HasTemp: true, Seq: 4}},
	}
	for _, tc := range good {
		t.Run(tc.name, func(t *testing.T) {
			got, err := mqtt.DecodeState([]byte(tc.in))
			if err != nil {
				t.Fatalf("DecodeState(%s): %v", tc.in, err)
			}
			got.Time = time.Time{}
			if got != tc.want {
				t.Fatalf("DecodeState(%s) = %+v, want %+v", tc.in, got, tc.want)
			}
		})
	}
	bad := []struct{ name, in, why string }{
		{"nothing", `{"seq":1}`, "neither"},
		{"door word", `{"door":"ajar","seq":1}`, "want \"open\""},
		{"door bool", `{"door":true,"seq":1}`, "want a string"},
		{"temp string", `{"temp_c":"4.5","seq":1}`, "want a number"},
		{"temp absurd", `{"temp_c":451,"seq":1}`, "outside"},
		{"temp overflow", `{"temp_c":1e999,"seq":1}`, "finite"},
		{"torn", `{"door":"op`, "torn"},
		{"weight payload", `{"grams":1,"seq":1}`, "unknown key"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			got, err := mqtt.DecodeState([]byte(tc.in))
			if err == nil || !errors.Is(err, mqtt.ErrMalformed) || !strings.Contains(err.Error(), tc.why) {
				t.Fatalf("DecodeState(%q) = %+v, %v; want ErrMalformed saying %q", tc.in, got, err, tc.why)
			}
		})
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	w := mqtt.Weight{Grams: -17, Seq: 99, Time: time.Date(2030, 1, 2, 3, 4, 5, 6, time.UTC)}
	got, err := mqtt.DecodeWeight(mqtt.EncodeWeight(w))
	if err != nil || got.Grams != w.Grams || got.Seq != w.Seq || !got.Time.Equal(w.Time) {
		t.Fatalf("weight round trip: %+v, %v; want %+v", got, err, w)
	}
	for _, s := range []mqtt.State{
		{Door: mqtt.DoorOpen, Seq: 1},
		{Temp: -5, HasTemp: true, Seq: 2},
		{Door: mqtt.DoorClosed, Temp: mqtt.MaxTemp, HasTemp: true, Seq: 3},
	} {
		got, err := mqtt.DecodeState(mqtt.EncodeState(s))
		if err != nil || got != s {
			t.Fatalf("state round trip of %+v: %+v, %v", s, got, err)
		}
	}
}

// FuzzDecode feeds arbitrary bytes to both decoders. Neither may panic;
// an error must wrap ErrMalformed; what is accepted must be one JSON
// object within the limits and must survive a round trip through the
// encoder unchanged.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"grams": 1234, "ts": "2025-03-01T10:15:00Z", "seq": 17}`,
		`{"grams":-3,"seq":0}`,
		`{"grams": 1234, "se`,
		`{"grams":"1","seq":1}`,
		`{"grams":1,"grams":2,"seq":1}`,
		`{"door":"open","temp_c":4.5,"seq":9}`,
		`{"temp_c":-18.04,"seq":3,"ts":"2025-03-01T10:15:00+01:00"}`,
		`{"door":"closed","seq":1e3}`,
		`[{"grams":1}]`,
		"{\"grams\":1,\"seq\":1,\"ts\":\"\xff\"}",
		``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if w, err := mqtt.DecodeWeight(b); err != nil {
			if !errors.Is(err, mqtt.ErrMalformed) {
				t.Fatalf("DecodeWeight error %v does not wrap ErrMalformed", err)
			}
		} else {
			checkAccepted(t, b)
			if w.Grams < mqtt.MinGrams || w.Grams > mqtt.MaxGrams {
				t.Fatalf("DecodeWeight(%q) accepted %d g", b, w.Grams)
			}
			again, err := mqtt.DecodeWeight(mqtt.EncodeWeight(w))
			if err != nil || again.Grams != w.Grams || again.Seq != w.Seq || !again.Time.Equal(w.Time) {
				t.Fatalf("round trip of %+v: %+v, %v", w, again, err)
			}
		}
		if s, err := mqtt.DecodeState(b); err != nil {
			if !errors.Is(err, mqtt.ErrMalformed) {
				t.Fatalf("DecodeState error %v does not wrap ErrMalformed", err)
			}
		} else {
			checkAccepted(t, b)
			if s.Door == mqtt.DoorUnknown && !s.HasTemp {
				t.Fatalf("DecodeState(%q) accepted a report of nothing", b)
			}
			if s.HasTemp && (s.Temp < mqtt.MinTemp || s.Temp > mqtt.MaxTemp) {
				t.Fatalf("DecodeState(%q) accepted %s", b, s.Temp)
			}
			again, err := mqtt.DecodeState(mqtt.EncodeState(s))
			if err != nil || again.Door != s.Door || again.HasTemp != s.HasTemp || again.Temp != s.Temp ||
				again.Seq != s.Seq || !again.Time.Equal(s.Time) {
				t.Fatalf("round trip of %+v: %+v, %v", s, again, err)
			}
		}
	})
}

func checkAccepted(t *testing.T, b []byte) {
	t.Helper()
	var m map[string]any
	if len(b) > mqtt.MaxPayload || json.Unmarshal(b, &m) != nil {
		t.Fatalf("accepted %q, which is not one JSON object within the limit", b)
	}
}
