package ledger

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestJoinTokenOnce(t *testing.T) {
	f := newFixture(t)
	hash := strings.Repeat("ab", 32)
	f.ok(CmdJoinToken, "", JoinToken{Hash: hash, Expires: f.now.Add(time.Hour)})
	if res := f.apply(CmdJoinToken, "", JoinToken{Hash: hash, Expires: f.now.Add(time.Hour)}); res.Reject == nil || res.Reject.Code != "token_exists" {
		t.Fatalf("a token made twice: %+v", res.Reject)
	}
	hub2 := Hub{ID: "hub2", Raft: "127.0.0.1:7002", API: "http://127.0.0.1:8082/api/v1"}
	for _, c := range []struct {
		name string
		join Join
		code string
	}{
		{"unknown token", Join{Hash: strings.Repeat("cd", 32), Hub: hub2}, "token_unknown"},
		{"no hub id", Join{Hash: hash, Hub: Hub{Raft: "x:1"}}, "bad_hub"},
		{"first use", Join{Hash: hash, Hub: hub2}, ""},
		{"second use", Join{Hash: hash, Hub: Hub{ID: "hub3", Raft: "127.0.0.1:7003"}}, "token_used"},
	} {
		res := f.apply(CmdJoin, "", c.join)
		got := ""
		if res.Reject != nil {
			got = res.Reject.Code
		}
		if got != c.code {
			t.Errorf("%s: rejection %q, want %q", c.name, got, c.code)
		}
	}
	hubs, err := f.l.Hubs()
	if err != nil || len(hubs) != 1 || hubs[0] != hub2 {
		t.Fatalf("hubs after one join: %+v %v", hubs, err)
	}

	// Expiry is judged by the command's time, so every hub agrees.
	late := strings.Repeat("ef", 32)
	f.ok(CmdJoinToken, "", JoinToken{Hash: late, Expires: f.now.Add(2 * time.Second)})
	f.now = f.now.Add(time.Minute)
	if res := f.apply(CmdJoin, "", Join{Hash: late, Hub: Hub{ID: "hub3", Raft: "127.0.0.1:7003"}}); res.Reject == nil || res.Reject.Code != "token_expired" {
		t.Fatalf("an expired token was honoured: %+v", res.Reject)
	}

	// A hub of that name again only after it was removed.
	again := strings.Repeat("01", 32)
	f.ok(CmdJoinToken, "", JoinToken{Hash: again, Expires: f.now.Add(time.Hour)})
	if res := f.apply(CmdJoin, "", Join{Hash: again, Hub: hub2}); res.Reject == nil || res.Reject.Code != "hub_exists" {
		t.Fatalf("hub2 joined twice: %+v", res.Reject)
	}
	f.ok(CmdHubRemove, "", Hub{ID: "hub2"})
	f.ok(CmdJoin, "", Join{Hash: again, Hub: hub2})
}

func TestResultCodec(t *testing.T) {
	in := Result{Index: 7, Value: []byte(`{"id":"S1"}`), Reject: &Rejection{Code: "sale_paid", Message: "paid"}, Replay: true}
	b, err := ResultCodec{}.EncodeResult(in)
	if err != nil {
		t.Fatal(err)
	}
	v, err := ResultCodec{}.DecodeResult(b)
	if err != nil {
		t.Fatal(err)
	}
	out := v.(Result)
	if out.Index != 7 || string(out.Value) != `{"id":"S1"}` || out.Reject.Code != "sale_paid" || !out.Replay || out.Err != nil {
		t.Fatalf("round trip: %+v", out)
	}
	b, _ = ResultCodec{}.EncodeResult(Result{Err: errors.New("disk full")})
	v, _ = ResultCodec{}.DecodeResult(b)
	if err := v.(Result).Err; !errors.Is(err, ErrHalted) || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("a halted leader's answer: %v", err)
	}
	if _, err := (ResultCodec{}).EncodeResult("x"); err == nil {
		t.Fatal("encoded a non-result")
	}
}
