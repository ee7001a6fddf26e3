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
