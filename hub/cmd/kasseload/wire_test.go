package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// TestWire: the load tool's client reads what Go's HTTP server sends — a
// short body with a length, a long one in chunks, an error, an answer that
// closes the connection — and sends what the hub reads: method, path,
// headers and body.
func TestWire(t *testing.T) {
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Method != "POST" || r.Header.Get("Authorization") != "Bearer tok" || r.Header.Get("Idempotency-Key") != "k1" || string(body) != `{"a":1}` {
			http.Error(w, "bad request: "+r.Method+" "+string(body), http.StatusBadRequest)
			return
		}
		switch r.URL.Path {
		case "/short":
			w.Write([]byte(`{"id":"S1"}`))
		case "/long": // over the server's buffer: sent in chunks
			w.Write([]byte(strings.Repeat("x", 10000)))
			w.(http.Flusher).Flush()
			w.Write([]byte("end"))
		case "/close":
			w.Header().Set("Connection", "close")
			w.Write([]byte("bye"))
		default:
			http.Error(w, "no such thing", http.StatusNotFound)
		}
	}))
	srv.Start()
	defer srv.Close()
	w, err := newWire(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, c := range []struct {
		path   string
		status int
		body   string
	}{
		{"/short", 200, `{"id":"S1"}`},
		{"/long", 200, strings.Repeat("x", 10000) + "end"},
		{"/nothing", 404, "no such thing\n"},
		{"/close", 200, "bye"},
		{"/short", 200, `{"id":"S1"}`}, // on a new connection
	} {
		if w.c == nil {
			conns.Add(1)
		}
		status, body, err := w.post(ctx, c.path, "tok", "k1", []byte(`{"a":1}`))
		if err != nil || status != c.status || string(body) != c.body {
			t.Fatalf("%s: %d %q %v, want %d %q", c.path, status, body, err, c.status, c.body)
		}
	}
	if n := conns.Load(); n != 2 {
		t.Fatalf("dialled %d connections, want 2 (one again after the server closed one)", n)
	}
	if _, err := newWire("https://hub"); err == nil {
		t.Fatal("https accepted")
	}
}
