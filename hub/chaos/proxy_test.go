package chaos

import (
	"bufio"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// echoServer answers each line it reads with the line upper-cased.
func echoServer(t testing.TB) string { return recordingServer(t, nil) }

// recordingServer is an echoServer that also sends each line it reads to got.
func recordingServer(t testing.TB, got chan<- string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				for {
					s, err := r.ReadString('\n')
					if err != nil {
						return
					}
					if got != nil {
						got <- s
					}
					if _, err := io.WriteString(c, strings.ToUpper(s)); err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

func link(t *testing.T) *Link {
	t.Helper()
	l, err := Listen("a", "b", echoServer(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

type conn struct {
	net.Conn
	r *bufio.Reader
}

func dial(t *testing.T, addr string) *conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &conn{c, bufio.NewReader(c)}
}

func (c *conn) ask(t *testing.T, s string) string {
	t.Helper()
	if _, err := io.WriteString(c, s+"\n"); err != nil {
		t.Fatalf("write %q: %v", s, err)
	}
	got, err := c.r.ReadString('\n')
	if err != nil {
		t.Fatalf("answer to %q: %v", s, err)
	}
	return strings.TrimSuffix(got, "\n")
}

func TestLinkRelays(t *testing.T) {
	l := link(t)
	c := dial(t, l.Addr())
	for _, s := range []string{"hei", "kasse", strings.Repeat("x", 100_000)} {
		if got := c.ask(t, s); got != strings.ToUpper(s) {
			t.Fatalf("through the link %q came back as %.20q…", s, got)
		}
	}
}

func TestLinkCut(t *testing.T) {
	l := link(t)
	c := dial(t, l.Addr())
	c.ask(t, "before")
	l.Cut()
	// The open connection is closed: a read ends instead of hanging.
	if _, err := c.r.ReadString('\n'); err == nil {
		t.Fatal("a connection survived the cut")
	}
	// A new one is accepted and closed at once.
	c2 := dial(t, l.Addr())
	io.WriteString(c2, "during\n")
	if s, err := c2.r.ReadString('\n'); err == nil {
		t.Fatalf("a new connection got %q through a cut link", s)
	}
	l.Heal()
	if got := dial(t, l.Addr()).ask(t, "after"); got != "AFTER" {
		t.Fatalf("after healing: %q", got)
	}
}

func TestLinkStallHoldsOneDirection(t *testing.T) {
	for _, d := range []Dir{Forward, Back} {
		t.Run(d.String(), func(t *testing.T) {
			l := link(t)
			c := dial(t, l.Addr())
			c.ask(t, "warm")
			l.Stall(d)
			if _, err := io.WriteString(c, "held\n"); err != nil {
				t.Fatal(err)
			}
			// Nothing comes back while the link stalls, whichever way it
			// holds: the request or its answer.
			c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
			if s, err := c.r.ReadString('\n'); err == nil {
				t.Fatalf("%q came through a stalled link", s)
			}
			c.SetReadDeadline(time.Time{})
			l.Heal()
			// The held bytes were kept, not lost.
			if s, err := c.r.ReadString('\n'); err != nil || s != "HELD\n" {
				t.Fatalf("after healing got %q, %v; want the held line", s, err)
			}
		})
	}
}

func TestLinkDelay(t *testing.T) {
	l := link(t)
	c := dial(t, l.Addr())
	const d = 100 * time.Millisecond
	l.Delay(d)
	start := time.Now()
	if got := c.ask(t, "slow"); got != "SLOW" {
		t.Fatal(got)
	}
	// Request and answer are each held d: a lower bound, which a slow
	// machine cannot break.
	if took := time.Since(start); took < 2*d {
		t.Fatalf("a round trip took %v through a link delaying %v each way", took, d)
	}
}

func TestNetDropIsOneWay(t *testing.T) {
	// Hub a's and hub b's listeners are echo servers; a→b is dropped.
	atA := make(chan string, 10)
	n, err := NewNet(map[string]string{"a": recordingServer(t, atA), "b": echoServer(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	n.Drop("a", "b")
	for _, k := range [][2]string{{"a", "b"}, {"b", "a"}} {
		c := dial(t, n.Link(k[0], k[1]).Addr())
		io.WriteString(c, "x\n")
		c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		if s, err := c.r.ReadString('\n'); err == nil {
			t.Errorf("%s→%s: an exchange completed across a dropped direction: %q", k[0], k[1], s)
		}
	}
	// What b sends reaches a: on b's connection the request got through
	// and only the answer was held.
	if s := <-atA; s != "x\n" {
		t.Errorf("a received %q from b", s)
	}
	n.Heal()
	for _, k := range [][2]string{{"a", "b"}, {"b", "a"}} {
		if got := dial(t, n.Link(k[0], k[1]).Addr()).ask(t, "ok"); got != "OK" {
			t.Errorf("%s→%s after healing: %q", k[0], k[1], got)
		}
	}
}

func TestNetPartition(t *testing.T) {
	addrs := map[string]string{"a": echoServer(t), "b": echoServer(t), "c": echoServer(t)}
	n, err := NewNet(addrs)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	n.Partition([]string{"a"}, []string{"b", "c"})
	for from := range addrs {
		for to := range addrs {
			if from == to {
				continue
			}
			want := from != "a" && to != "a"
			if got := !n.Link(from, to).Faulty(); got != want {
				t.Errorf("%s→%s open = %v, want %v", from, to, got, want)
			}
		}
	}
	if got := dial(t, n.Link("b", "c").Addr()).ask(t, "same side"); got != "SAME SIDE" {
		t.Errorf("b→c within a side: %q", got)
	}
	if d := n.Dial("a"); len(d) != 2 || d["b"] != n.Link("a", "b").Addr() {
		t.Errorf("a dials %v", d)
	}
}

// BenchmarkRoundTrip is one small request and answer over loopback, direct
// and through a link: the cost the harness adds to every raft message.
func BenchmarkRoundTrip(b *testing.B) {
	srv := recordingServer(b, nil)
	l, err := Listen("a", "b", srv)
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	for _, c := range []struct{ name, addr string }{{"direct", srv}, {"link", l.Addr()}} {
		b.Run(c.name, func(b *testing.B) {
			nc, err := net.Dial("tcp", c.addr)
			if err != nil {
				b.Fatal(err)
			}
			defer nc.Close()
			r := bufio.NewReader(nc)
			for b.Loop() {
				io.WriteString(nc, "ping\n")
				if _, err := r.ReadString('\n'); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
