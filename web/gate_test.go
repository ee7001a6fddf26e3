package web

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// TestBehindHubTurnsRegistersAway: a hub behind the shop answers registers
// with a retryable 503 naming why, so they move to another hub; once it has
// caught up the same request reaches the API (here: its authentication).
func TestBehindHubTurnsRegistersAway(t *testing.T) {
	srv := New(nil, healthy{}, map[string]string{tokenK1: "K1"}, prometheus.NewRegistry(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	behind := errors.New("this hub is catching up with the shop: restoring a snapshot")
	srv.Behind = func() error { return behind }
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()

	post := func() (*http.Response, apiError) {
		req, _ := http.NewRequest("POST", hs.URL+"/api/v1/sales", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var e apiError
		_ = json.NewDecoder(resp.Body).Decode(&e)
		return resp, e
	}
	resp, e := post()
	if resp.StatusCode != http.StatusServiceUnavailable || e.Code != "catching_up" || !e.Retryable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("a hub behind the shop answered %d %+v (Retry-After %q)", resp.StatusCode, e, resp.Header.Get("Retry-After"))
	}
	behind = nil
	if resp, e = post(); resp.StatusCode == http.StatusServiceUnavailable {
		t.Fatalf("a hub that caught up still turns registers away: %+v", e)
	}
}

// TestRequestSeconds: each API request is counted under its route pattern
// (never the raw path, so sale ids do not multiply the series), and a
// made-up method or path adds no series of its own.
func TestRequestSeconds(t *testing.T) {
	reg := prometheus.NewRegistry()
	srv := New(nil, healthy{}, map[string]string{tokenK1: "K1"}, reg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	for _, r := range []struct{ method, path string }{
		{"POST", "/api/v1/sales/S1/lines"}, {"POST", "/api/v1/sales/S2/lines"}, {"BREW", "/api/v1/sales/S3/lines"}, {"GET", "/nowhere/x"},
	} {
		req, _ := http.NewRequest(r.method, hs.URL+r.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]uint64{}
	for _, mf := range mfs {
		if mf.GetName() != "kasse_http_request_seconds" {
			continue
		}
		for _, m := range mf.GetMetric() {
			key := ""
			for _, l := range m.GetLabel() {
				key += l.GetName() + "=" + l.GetValue() + " "
			}
			got[key] = m.GetHistogram().GetSampleCount()
		}
	}
	want := map[string]uint64{"method=POST route=/api/v1/sales/:id/lines ": 2, "method=other route=/api/v1/* ": 1}
	if len(got) != len(want) {
		t.Fatalf("series %v, want %v", got, want)
	}
	for k, n := range want {
		if got[k] != n {
			t.Fatalf("series %v, want %v", got, want)
		}
	}
}
