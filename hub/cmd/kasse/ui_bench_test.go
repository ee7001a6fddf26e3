package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kasse/kasse/hub/demo"
)

// BenchmarkScanToScreen measures, in Chromium on loopback, the time from
// a keyboard-wedge scan's last keystroke (Enter) to its line on the screen
// (the page takes both times itself): HTTP, Raft with a synced Badger
// commit, the journal, and the render. The hub is built without -race.
//
//	go test -run '^$' -bench ScanToScreen -benchtime 200x ./hub/cmd/kasse
func BenchmarkScanToScreen(b *testing.B) {
	dir := b.TempDir()
	bin := filepath.Join(dir, "kasse")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	addr := freePortB(b)
	cmd := exec.Command(bin, "run")
	cmd.Env = append(os.Environ(), "KASSE_HUB_DATA="+filepath.Join(dir, "data"), "KASSE_HTTP_ADDR="+addr,
		"KASSE_RAFT_BIND="+freePortB(b), "KASSE_LOG_LEVEL=warn")
	out := &stdout{lines: make(chan string, 16)}
	pipe, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	go scanLines(pipe, out.lines)
	var code string
	select {
	case l := <-out.lines:
		for ; codeRE.FindStringSubmatch(l) == nil; l = <-out.lines {
		}
		m := codeRE.FindStringSubmatch(l)
		code = m[1] + m[2]
	case <-time.After(90 * time.Second):
		b.Fatal("no pairing code")
	}
	for !ready("http://" + addr + "/readyz") {
		time.Sleep(50 * time.Millisecond)
	}
	ctx := chromium(b)
	base := "http://" + addr
	if err := chromedp.Run(ctx, chromedp.EmulateViewport(1024, 768), chromedp.Navigate(base+"/"), chromedp.WaitReady(`#pair-register option[value="K1"]`),
		setValue("#pair-code", code), setValue("#pair-register", "K1"), submit("#pair-code"), chromedp.WaitVisible("#login-emp"),
		setValue("#login-emp", "1001"), setValue("#login-pin", "1234"), submit("#login-emp"), chromedp.WaitVisible("#search"),
		wedge(demo.Barcode("1001")), chromedp.WaitVisible("#cart li"), chromedp.Evaluate(`window.kasseScanTimes = []`, nil)); err != nil {
		b.Fatal(err)
	}
	codes := []string{demo.Barcode("1001"), demo.Barcode("1101"), demo.Barcode("1501"), demo.Barcode("1701")}
	b.ResetTimer()
	lines := 1
	for i := range b.N {
		if lines >= 25 { // a shop basket: park it, start another
			if err := chromedp.Run(ctx, tap("#btn-park"), chromedp.WaitVisible("#empty")); err != nil {
				b.Fatal(err)
			}
			lines = 0
		}
		lines++
		want := fmt.Sprintf(`document.querySelectorAll("#cart li").length === %d`, lines)
		if err := chromedp.Run(ctx, wedge(codes[i%len(codes)]), chromedp.Poll(want, nil, chromedp.WithPollingMutation())); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	var times, hub []float64
	if err := chromedp.Run(ctx, chromedp.Evaluate(`window.kasseScanTimes`, &times), chromedp.Evaluate(`window.kasseScanHub.slice(1)`, &hub)); err != nil {
		b.Fatal(err)
	}
	if len(times) == 0 || len(hub) == 0 {
		b.Fatal("the page measured no scans")
	}
	q := func(v []float64, p float64) float64 {
		slices.Sort(v)
		return v[min(len(v)-1, int(p*float64(len(v))))]
	}
	b.ReportMetric(q(times, 0.5), "p50-ms")
	b.ReportMetric(q(times, 0.99), "p99-ms")
	b.ReportMetric(times[len(times)-1], "max-ms")
	// Of which the request to the hub and its answer.
	b.ReportMetric(q(hub, 0.5), "hub-p50-ms")
	b.ReportMetric(q(hub, 0.99), "hub-p99-ms")
	b.ReportMetric(0, "ns/op")
}

func freePortB(b *testing.B) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func ready(url string) bool {
	resp, err := http.Get(url)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}
