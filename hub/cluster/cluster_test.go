package cluster

import (
	"strings"
	"testing"
)

func TestTokenRoundTrip(t *testing.T) {
	in := Token{Addrs: []string{"192.168.1.10:7001", "192.168.1.11:7001"}, Fingerprint: strings.Repeat("a1", 32), Secret: strings.Repeat("5e", 32)}
	out, err := ParseToken("  " + in.String() + "\n")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(out.Addrs, ",") != strings.Join(in.Addrs, ",") || out.Fingerprint != in.Fingerprint || out.Secret != in.Secret {
		t.Fatalf("round trip: %+v", out)
	}
	for name, bad := range map[string]string{
		"empty":          "",
		"no prefix":      in.String()[len(TokenPrefix):],
		"cut short":      in.String()[:40],
		"not base64":     TokenPrefix + "!!!",
		"no address":     Token{Fingerprint: in.Fingerprint, Secret: in.Secret}.String(),
		"no fingerprint": Token{Addrs: in.Addrs, Secret: in.Secret}.String(),
		"short secret":   Token{Addrs: in.Addrs, Fingerprint: in.Fingerprint, Secret: "x"}.String(),
	} {
		if _, err := ParseToken(bad); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func FuzzParseToken(f *testing.F) {
	f.Add(Token{Addrs: []string{"10.0.0.1:7001"}, Fingerprint: strings.Repeat("0", 64), Secret: strings.Repeat("1", 64)}.String())
	f.Add(TokenPrefix + "e30")
	f.Add("kasse-join-")
	f.Fuzz(func(t *testing.T, s string) {
		tok, err := ParseToken(s)
		if err != nil {
			return
		}
		// What parses is complete, and survives its own encoding.
		if len(tok.Addrs) == 0 || len(tok.Fingerprint) != 64 || len(tok.Secret) < 32 {
			t.Fatalf("incomplete token accepted: %+v", tok)
		}
		again, err := ParseToken(tok.String())
		if err != nil || again.Secret != tok.Secret {
			t.Fatalf("re-encoded token: %v", err)
		}
	})
}

func TestVoterWarning(t *testing.T) {
	for _, c := range []struct {
		voters int
		warn   string
	}{
		{1, ""}, {2, "tolerate no failure"}, {3, ""}, {4, "no more failures than 3 would (1)"}, {5, ""}, {6, "no more failures than 5 would (2)"},
	} {
		got := voterWarning(c.voters)
		if (c.warn == "") != (got == "") || !strings.Contains(got, c.warn) {
			t.Errorf("%d voters: %q, want %q", c.voters, got, c.warn)
		}
	}
}

func TestStatusText(t *testing.T) {
	s := Status{Hub: "hub2", Leader: "hub1", Healthy: true, Members: []MemberStatus{
		{ID: "hub1", Role: "voter", State: "Leader", Applied: 120, Raft: "10.0.0.1:7001", API: "http://10.0.0.1:8080/api/v1", Reachable: true},
		{ID: "hub2", Role: "nonvoter", State: "Follower", Applied: 20, Lag: 100, Raft: "10.0.0.2:7001", Reachable: true},
	}, Warnings: []string{"hub hub2 is catching up (100 commands behind); it becomes a voter once caught up"}}
	txt := s.Text()
	for _, want := range []string{"leader hub1, healthy", "hub2       nonvoter  Follower             20      100", "warning: hub hub2 is catching up"} {
		if !strings.Contains(txt, want) {
			t.Errorf("missing %q in\n%s", want, txt)
		}
	}
}
