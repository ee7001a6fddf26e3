package main

import (
	"bufio"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kasse/kasse/drivers/terminal/terminaltest"
)

// TestTerminalOffline: when the card terminal stops answering, the
// registers listening on the hub are told so on their event stream.
func TestTerminalOffline(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a hub process")
	}
	term := terminaltest.NewServer(terminaltest.Config{})
	defer term.Close()
	ca := filepath.Join(t.TempDir(), "terminal.pem")
	if err := os.WriteFile(ca, term.CertificatePEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	p := newProc(t, fmt.Sprintf("terminal:\n  simulator: false\n  url: %s\n  poi_id: %s\n  ca_file: %s\n", term.URL, term.POIID(), ca))
	p.start()
	defer p.stop()
	resp, err := http.Get("http://" + p.http + "/api/v1/events?access_token=demo-token-register-1")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	events := make(chan string, 64)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			events <- sc.Text()
		}
		close(events)
	}()
	term.Close()
	timeout := time.After(60 * time.Second)
	for {
		select {
		case l, ok := <-events:
			if !ok {
				t.Fatalf("the event stream ended; log:\n%s", p.log())
			}
			if strings.HasPrefix(l, "data: ") && strings.Contains(l, `"type":"terminal"`) && strings.Contains(l, `"state":"offline"`) {
				return
			}
		case <-timeout:
			t.Fatalf("no terminal offline event; log:\n%s", p.log())
		}
	}
}
