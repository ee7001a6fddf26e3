package replicate

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"
)

// jsonCodec carries the test machine's results (strings, numbers, errors).
type jsonCodec struct{}

func (jsonCodec) EncodeResult(v any) ([]byte, error) {
	if err, ok := v.(error); ok {
		return json.Marshal(map[string]string{"err": err.Error()})
	}
	return json.Marshal(v)
}

func (jsonCodec) DecodeResult(b []byte) (any, error) {
	var v any
	return v, json.Unmarshal(b, &v)
}

// muxHub is a test hub on a Mux with the peer API and a Forwarder.
type muxHub struct {
	*hub
	mux *Mux
	fwd *Forwarder
}

func startMuxHub(t *testing.T, id string, bootstrap bool, conf *tls.Config) *muxHub {
	t.Helper()
	server := conf.Clone()
	server.ClientAuth = tls.VerifyClientCertIfGiven
	m, err := Listen("127.0.0.1:0", "", server, conf, testLog(t))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	c := testConfig(id, dir, "", bootstrap)
	c.Stream, c.TimeoutScale = m.Raft(), clusterScale
	h := &muxHub{hub: startHub(t, c, dir), mux: m}
	h.fwd = &Forwarder{Node: h.Node, Codec: jsonCodec{}, Client: PeerClient(conf), WaitLeader: 2 * time.Second}
	mux := http.NewServeMux()
	mux.Handle(ForwardPath, h.fwd.Handler())
	srv := &http.Server{Handler: mux, ConnContext: PeerConnContext}
	go srv.Serve(m.Peer())
	t.Cleanup(func() { srv.Close() })
	return h
}

func TestForwardAndMux(t *testing.T) {
	conf := mtls(t)
	var hs []*muxHub
	var plain []*hub
	for i := 1; i <= 3; i++ {
		h := startMuxHub(t, fmt.Sprintf("hub%d", i), i == 1, conf)
		hs, plain = append(hs, h), append(plain, h.hub)
	}
	leader(t, plain[0])
	for _, h := range hs[1:] {
		onLeader(t, plain, func(l *hub) error { return l.AddVoter(ctx(t), h.id, h.Addr()) })
	}
	eventually(t, "followers to know the leader", func() bool {
		for _, h := range hs {
			if id, _ := h.Leader(); id == "" {
				return false
			}
		}
		return true
	})

	// A write on each follower reaches the leader, and the follower answers
	// only once it has applied it: its own state has the write at once.
	for i, h := range hs {
		key := fmt.Sprintf("f%d", i)
		r, err := h.fwd.Propose(ctx(t), []byte("set "+key+" v"))
		if err != nil {
			t.Fatalf("%s: %v", h.id, err)
		}
		if r.Value != "ok" {
			t.Fatalf("%s: result %#v", h.id, r.Value)
		}
		if got := h.m.state(t)["kv/d/"+key]; got != "v" {
			t.Fatalf("%s does not see its own write right after the answer: %q", h.id, got)
		}
	}
	r, err := hs[2].fwd.Propose(ctx(t), []byte("incr n"))
	if err != nil || r.Value != float64(1) {
		t.Fatalf("incr through a follower: %#v %v", r.Value, err)
	}
	if r, err := hs[1].fwd.Propose(ctx(t), []byte("bogus")); err != nil || fmt.Sprint(r.Value) != `map[err:unknown command: "bogus"]` {
		t.Fatalf("the machine's answer to a bad command travels back: %#v %v", r.Value, err)
	}

	// Plain TCP, and raft without a client certificate, are refused.
	addr := hs[0].mux.Addr().String()
	before := hs[0].mux.Refused()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(c, "GET / HTTP/1.0\r\n\r\n")
	_, err = c.Read(make([]byte, 64))
	c.Close()
	if err == nil {
		t.Fatal("a plain connection got an answer")
	}
	nocert := &tls.Config{RootCAs: conf.RootCAs, NextProtos: []string{ProtoRaft}, ServerName: "127.0.0.1"}
	if tc, err := tls.Dial("tcp", addr, nocert); err == nil {
		_, err = tc.Read(make([]byte, 1))
		tc.Close()
		if err == nil {
			t.Fatal("raft without a client certificate got an answer")
		}
	}
	eventually(t, "both refusals counted", func() bool { return hs[0].mux.Refused() >= before+2 })

	// The leader dies: a follower's forwarder waits for the next leader
	// and goes on.
	l := leader(t, plain...)
	l.stop()
	for _, h := range hs {
		if h.hub == l {
			continue
		}
		if _, err := h.fwd.Propose(ctx(t), []byte("set after "+h.id)); err != nil {
			t.Fatalf("%s after the leader died: %v", h.id, err)
		}
	}
}

func TestForwardWithoutLeader(t *testing.T) {
	// A hub that never bootstrapped knows no leader: the write waits
	// WaitLeader, then fails as retryable, with nothing proposed.
	h := startMuxHub(t, "lonely", false, mtls(t))
	h.fwd.WaitLeader = 200 * time.Millisecond
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := h.fwd.Propose(c, []byte("set x 1")); !errors.Is(err, ErrNoLeader) {
		t.Fatalf("no leader: %v", err)
	}
	if h.Applied() != 0 {
		t.Fatal("something was applied")
	}
}
