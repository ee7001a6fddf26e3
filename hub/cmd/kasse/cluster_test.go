package main

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kasse/kasse/hub/cluster"
	"github.com/kasse/kasse/hub/ledger"
	"github.com/kasse/kasse/hub/pki"
	"github.com/kasse/kasse/replicate"
)

// clusterProc is a hub process of a multi-hub shop.
type clusterProc struct {
	*proc
	id, raft string
}

// newHub writes the configuration of hub id; join is a token or "".
func newHub(t *testing.T, id string, bootstrap bool, join string, extra ...string) *clusterProc {
	t.Helper()
	dir := t.TempDir()
	p := &proc{t: t, bin: kasseBinary(t), http: freePort(t), logs: &bytes.Buffer{}}
	raft := freePort(t)
	p.config = filepath.Join(dir, "kasse.yaml")
	cfg := fmt.Sprintf("hub:\n  id: %s\n  data: %s\nraft:\n  bind: %s\n  bootstrap: %v\n  join: %q\n%shttp:\n  addr: %s\nlog:\n  level: info\n",
		id, filepath.Join(dir, "data"), raft, bootstrap, join, strings.Join(extra, ""), p.http)
	if err := os.WriteFile(p.config, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return &clusterProc{proc: p, id: id, raft: raft}
}

// kasse runs a kasse subcommand against this hub's configuration.
func (h *clusterProc) kasse(args ...string) (string, error) {
	out, err := exec.Command(h.bin, append(append([]string{args[0]}, "-config", h.config), args[1:]...)...).Output()
	if ee, ok := err.(*exec.ExitError); ok {
		return string(out), fmt.Errorf("kasse %s: %v: %s", args[0], err, ee.Stderr)
	}
	return string(out), err
}

func (h *clusterProc) token(t *testing.T) string {
	t.Helper()
	out, err := h.kasse("token", "-ttl", "10m")
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(out)
}

func (h *clusterProc) status(t *testing.T) cluster.Status {
	t.Helper()
	out, err := h.kasse("status", "-json")
	if err != nil {
		t.Fatal(err)
	}
	var st cluster.Status
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("status: %v\n%s", err, out)
	}
	return st
}

// waitStatus polls kasse status on h until ok holds.
func waitStatus(t *testing.T, h *clusterProc, what string, ok func(cluster.Status) bool) cluster.Status {
	t.Helper()
	var st cluster.Status
	for end := time.Now().Add(90 * time.Second); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		if st = h.status(t); ok(st) {
			return st
		}
	}
	t.Fatalf("timed out waiting for %s; last status:\n%s\nlogs of %s:\n%s", what, st.Text(), h.id, h.log())
	return st
}

// joinHubs starts hub2 and hub3, each joining hub1 (running) with a
// one-time token and the same extra config, and returns the shop's three
// hubs, hub1 first.
func joinHubs(t *testing.T, hub1 *clusterProc, extra ...string) []*clusterProc {
	t.Helper()
	hubs := []*clusterProc{hub1}
	for _, id := range []string{"hub2", "hub3"} {
		h := newHub(t, id, false, hub1.token(t), extra...)
		h.start()
		hubs = append(hubs, h)
	}
	return hubs
}

func voters(st cluster.Status) (ids []string) {
	for _, m := range st.Members {
		if m.Role == "voter" && m.Reachable {
			ids = append(ids, m.ID)
		}
	}
	return ids
}

// TestThreeHubs grows a shop to three hub processes with join tokens, sells
// through followers with read-your-writes, refuses foreign and plain
// connections, survives a SIGKILL of the leader, and removes the dead hub.
func TestThreeHubs(t *testing.T) {
	if testing.Short() {
		t.Skip("runs hub processes")
	}
	hub1 := newHub(t, "hub1", true, "")
	hub1.start()

	// Two more hubs join with one-time tokens; each enters as a non-voter
	// and is promoted once caught up.
	hubs := joinHubs(t, hub1)
	st := waitStatus(t, hub1, "three voters", func(st cluster.Status) bool { return len(voters(st)) == 3 })
	if st.Leader != "hub1" || !st.Healthy || len(st.Warnings) != 0 {
		t.Fatalf("status after growing:\n%s", st.Text())
	}
	if !strings.Contains(hub1.log(), "2 voting hubs tolerate no failure") {
		t.Error("the leader did not warn while the shop had two voters")
	}
	for _, h := range hubs[1:] {
		if !strings.Contains(h.log(), "joined the shop") {
			t.Errorf("%s did not say it joined", h.id)
		}
	}
	text, err := hubs[2].kasse("status")
	if err != nil || !strings.Contains(text, "leader hub1, healthy") || strings.Count(text, " voter ") != 3 {
		t.Fatalf("kasse status on hub3: %v\n%s", err, text)
	}

	// A used token is refused: the hub says so and exits.
	used := newHub(t, "hub4", false, "")
	t.Run("token used twice", func(t *testing.T) {
		tok := hub1.token(t)
		cfgOnce := newHub(t, "hub5", false, tok)
		cfgOnce.start()
		defer cfgOnce.stop()
		out, err := exec.Command(used.bin, "join", "-config", used.config, tok).CombinedOutput()
		if err == nil || !strings.Contains(string(out), "token_used") {
			t.Fatalf("a used token let another hub in: %v\n%s", err, out)
		}
		// hub5 leaves again, alive: removed through another hub.
		if _, err := hubs[1].kasse("remove", "hub5"); err != nil {
			t.Fatal(err)
		}
		waitStatus(t, hub1, "hub5 gone", func(st cluster.Status) bool { return len(st.Members) == 3 })
	})

	// Any hub serves any register, and reads its own writes at once.
	reg := newClient(hubs[1].http, "demo-token-register-1")
	var s ledger.Sale
	if _, err := reg.do("POST", "/sales", "ryw-open", nil, &s); err != nil {
		t.Fatal(err)
	}
	for i, h := range hubs {
		c := newClient(h.http, "demo-token-register-1")
		if _, err := c.do("POST", "/sales/"+s.ID+"/lines", fmt.Sprintf("ryw-%d", i), map[string]any{"sku": "1001", "qty": 1}, nil); err != nil {
			t.Fatalf("add a line through %s: %v", h.id, err)
		}
		var got ledger.Sale
		if _, err := c.do("GET", "/sales/"+s.ID, "", nil, &got); err != nil {
			t.Fatal(err)
		}
		if len(got.Lines) != i+1 {
			t.Fatalf("%s answered the write but reads %d lines, want %d", h.id, len(got.Lines), i+1)
		}
	}
	// The register learns every hub from any of them.
	var cl cluster.Status
	if _, err := newClient(hubs[2].http, "demo-token-register-2").do("GET", "/cluster", "", nil, &cl); err != nil {
		t.Fatal(err)
	}
	if len(cl.Members) != 3 {
		t.Fatalf("GET /api/v1/cluster: %+v", cl)
	}
	for i, m := range cl.Members {
		if want := "http://" + hubs[i].http + "/api/v1"; m.API != want || m.Role != "voter" {
			t.Errorf("member %s: api %q role %s, want %s voter", m.ID, m.API, m.Role, want)
		}
	}

	// Only hubs of this shop get in: a hub of another shop's CA, a plain
	// connection and raft without a certificate are refused and logged.
	foreign, err := pki.Bootstrap(t.TempDir(), "Konkurrenten", "hub1", []string{"127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	if c, err := tls.Dial("tcp", hub1.raft, foreign.ClientTLS(replicate.ProtoRaft)); err == nil {
		_, err = c.Read(make([]byte, 1))
		c.Close()
		if err == nil {
			t.Fatal("a hub of another shop talked raft")
		}
	}
	if c, err := net.Dial("tcp", hub1.raft); err == nil {
		fmt.Fprintf(c, "GET /peer/v1/status HTTP/1.0\r\n\r\n")
		n, _ := c.Read(make([]byte, 64))
		c.Close()
		if n > 0 {
			t.Fatal("a plain connection got an answer")
		}
	}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true, NextProtos: []string{replicate.ProtoPeer}}}}
	if resp, err := hc.Get("https://" + hub1.raft + "/peer/v1/status"); err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("the peer API without a certificate answered %d", resp.StatusCode)
		}
	}
	for end := time.Now().Add(10 * time.Second); strings.Count(hub1.log(), "refused a connection to the hub port") < 2; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("refusals not logged:\n%s", hub1.log())
		}
	}

	// The leader dies; the survivors elect another and every write
	// through them goes on (a register retries a 503 with the same key).
	hub1.kill()
	survivors := hubs[1:]
	stop := make(chan struct{})
	for i := range 20 {
		h := survivors[i%2]
		c := newClient(h.http, "demo-token-register-1")
		var got ledger.Sale
		if code, err := c.retry(stop, "POST", "/sales/"+s.ID+"/lines", fmt.Sprintf("after-%d", i), map[string]any{"sku": "1002", "qty": 1}, &got); code != http.StatusOK {
			t.Fatalf("write %d through %s after the leader died: %d %v", i, h.id, code, err)
		}
		if len(got.Lines) != 3+i+1 {
			t.Fatalf("write %d through %s: %d lines, want %d", i, h.id, len(got.Lines), 3+i+1)
		}
	}
	st = waitStatus(t, hubs[2], "a new leader", func(st cluster.Status) bool { return st.Leader != "" && st.Leader != "hub1" })
	if len(st.Warnings) == 0 || !strings.Contains(strings.Join(st.Warnings, "\n"), "hub hub1") {
		t.Fatalf("the dead hub is not warned about:\n%s", st.Text())
	}

	// The dead hub is removed; two voters are warned about.
	if out, err := hubs[2].kasse("remove", "hub1"); err != nil || !strings.Contains(out, "removed") {
		t.Fatalf("remove hub1: %v %s", err, out)
	}
	st = waitStatus(t, hubs[1], "two members", func(st cluster.Status) bool { return len(st.Members) == 2 })
	if !st.Healthy || !strings.Contains(strings.Join(st.Warnings, "\n"), "2 voting hubs tolerate no failure") {
		t.Fatalf("status after removing hub1:\n%s", st.Text())
	}
	if _, err := newClient(hubs[1].http, "demo-token-register-1").do("GET", "/cluster", "", nil, &cl); err != nil || len(cl.Members) != 2 {
		t.Fatalf("registers still learn of the removed hub: %+v %v", cl.Members, err)
	}

	// Without a quorum the API waits briefly, then answers a clear,
	// retryable 503; retried with the same key once the quorum is back,
	// the line is booked exactly once.
	var before ledger.Sale
	c := newClient(hubs[1].http, "demo-token-register-1")
	if _, err := c.do("GET", "/sales/"+s.ID, "", nil, &before); err != nil {
		t.Fatal(err)
	}
	hubs[2].kill()
	line := json.RawMessage(`{"sku":"1101","qty":1}`) // a retry sends the same bytes
	req, _ := http.NewRequest("POST", c.base+"/sales/"+s.ID+"/lines", strings.NewReader(string(line)))
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Idempotency-Key", "no-quorum")
	resp, err := c.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var apiErr struct {
		Code      string
		Retryable bool
	}
	_ = json.NewDecoder(resp.Body).Decode(&apiErr)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || apiErr.Code != "unavailable" || !apiErr.Retryable {
		t.Fatalf("a write without a quorum: %d Retry-After %q %+v", resp.StatusCode, resp.Header.Get("Retry-After"), apiErr)
	}
	hubs[2].start()
	var after ledger.Sale
	if code, err := c.retry(stop, "POST", "/sales/"+s.ID+"/lines", "no-quorum", line, &after); code != http.StatusOK {
		t.Fatalf("retry once the quorum is back: %d %v", code, err)
	}
	if len(after.Lines) != len(before.Lines)+1 {
		t.Fatalf("the line booked %d times", len(after.Lines)-len(before.Lines))
	}
	for _, h := range survivors {
		h.stop()
	}
	for _, h := range survivors {
		if out := h.verify(); !strings.Contains(out, "journal verifies") {
			t.Fatalf("%s: %s", h.id, out)
		}
	}
}
