package web

import (
	"net/http"
	"testing"
)

// The register page's whole weight, as a tablet downloads it: the aim is
// at most 150 KB compressed.
func TestRegisterPageWeight(t *testing.T) {
	gz, raw := UISize()
	t.Logf("register page: %d files, %d bytes, %d bytes gzip-compressed", len(assets), raw, gz)
	if gz > 150<<10 {
		t.Errorf("the register page is %d KB compressed, over the 150 KB aim", gz>>10)
	}
	for _, name := range []string{"index.html", "app.js", "app.css", "lang.js", "returns.js"} {
		if assets[name] == nil || len(assets[name].gz) == 0 {
			t.Errorf("%s is not embedded", name)
		}
	}
}

// The page is served compressed to a browser that takes gzip, and a
// revalidation with its ETag costs no body.
func TestRegisterPageServed(t *testing.T) {
	s := newStack(t)
	for _, p := range []string{"/", "/ui/app.js", "/ui/app.css"} {
		req, _ := http.NewRequest("GET", s.url+p, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "gzip" || resp.Header.Get("ETag") == "" {
			t.Errorf("%s: %d encoding %q etag %q", p, resp.StatusCode, resp.Header.Get("Content-Encoding"), resp.Header.Get("ETag"))
		}
		req.Header.Set("If-None-Match", resp.Header.Get("ETag"))
		resp, err = http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotModified {
			t.Errorf("%s revalidated: %d, want 304", p, resp.StatusCode)
		}
	}
	if resp, err := http.Get(s.url + "/ui/nothing.js"); err != nil || resp.StatusCode != 404 {
		t.Errorf("unknown asset: %v %v", resp.StatusCode, err)
	}
}
