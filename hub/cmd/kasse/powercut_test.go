package main

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kasse/kasse/hub/ledger"
)

// TestPowerCut shows what a power cut may do to a hub and that it loses
// nothing: the ledger's state is written without fsync (raft's log, in its
// own database, is synced before a register gets an answer), so after a
// cut the state's database can be back at an earlier point while the log
// holds everything acknowledged. The test stands in for the cut by putting
// back a copy of the state's database taken earlier, after SIGKILL.
//
// A killed process leaves a state that is behind but whole: once with the
// log still holding every command since the copy (the hub applies them
// again), once after snapshots compacted the log past it (the hub restores
// the newest snapshot first). After a restart of the machine (another boot
// id) the state is not trusted at all: the hub sets it aside and rebuilds
// it from the log alone, or from the newest snapshot and the log.
func TestPowerCut(t *testing.T) {
	if testing.Short() {
		t.Skip("runs hub processes")
	}
	const compact = "  snapshot_threshold: 40\n  snapshot_interval: 200ms\n  trailing_logs: 8\n"
	for _, tc := range []struct {
		name, extra string
		reboot      bool // the machine restarted: the state is not trusted at all
	}{
		{"process killed, log holds the gap", "", false},
		{"process killed, log compacted past the state", compact, false},
		{"power cut, no snapshot yet", "", true},
		{"power cut, log compacted", compact, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newProc(t, "")
			if tc.extra != "" { // into the raft: section newProc wrote
				b, err := os.ReadFile(p.config)
				if err != nil {
					t.Fatal(err)
				}
				cfg := strings.Replace(string(b), "raft:\n", "raft:\n"+tc.extra, 1)
				if err := os.WriteFile(p.config, []byte(cfg), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			data := filepath.Join(filepath.Dir(p.config), "data")
			p.start()
			c := newClient(p.http, "demo-token-register-1")
			sell := func(key string) string {
				var s ledger.Sale
				if code, err := c.do("POST", "/sales", key+"-open", nil, &s); code != http.StatusCreated {
					t.Fatalf("open sale: %d %v", code, err)
				}
				for i, sku := range []string{"1001", "1101"} {
					if code, err := c.do("POST", "/sales/"+s.ID+"/lines", fmt.Sprintf("%s-l%d", key, i), map[string]any{"sku": sku, "qty": 1}, nil); code != http.StatusOK {
						t.Fatalf("add line: %d %v", code, err)
					}
				}
				if code, err := c.do("POST", "/sales/"+s.ID+"/payments", key+"-pay", map[string]any{"method": "cash", "amount": 1_000_000}, nil); code != http.StatusOK {
					t.Fatalf("pay: %d %v", code, err)
				}
				return s.ID
			}
			var sold []string
			for i := range 5 {
				sold = append(sold, sell(fmt.Sprintf("a%d", i)))
			}
			var fp ledger.Fingerprint
			if _, err := c.do("GET", "/state", "", nil, &fp); err != nil {
				t.Fatal(err)
			}
			p.stop()
			// What the disk held of the state at this point.
			if out, err := exec.Command("cp", "-a", filepath.Join(data, "db"), filepath.Join(data, "db.before")).CombinedOutput(); err != nil {
				t.Fatalf("copy: %v %s", err, out)
			}
			p.start()
			for i := range 30 {
				sold = append(sold, sell(fmt.Sprintf("b%d", i)))
			}
			if tc.extra != "" {
				// Raft compacts its log right after a snapshot: one well past
				// the copy's index means the log no longer reaches back to it.
				for end := time.Now().Add(time.Minute); newestSnapshot(t, data) < fp.Applied+16; time.Sleep(50 * time.Millisecond) {
					if time.Now().After(end) {
						t.Fatalf("no snapshot past index %d within a minute", fp.Applied+16)
					}
				}
			}
			p.kill()
			// The cut: the state's database goes back; raft's log stays.
			if err := os.RemoveAll(filepath.Join(data, "db")); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(filepath.Join(data, "db.before"), filepath.Join(data, "db")); err != nil {
				t.Fatal(err)
			}
			if tc.reboot {
				if err := os.WriteFile(filepath.Join(data, stateBoot), []byte("a boot before this one\n"), 0o600); err != nil {
					t.Fatal(err)
				}
				// Offline tools do not read a state that may have a gap.
				if out, err := exec.Command(p.bin, "verify", "-config", p.config).CombinedOutput(); err == nil || !strings.Contains(string(out), "start the hub once") {
					t.Errorf("kasse verify on an untrusted state: %v\n%s", err, out)
				}
			}
			p.start()
			if rebuilt := strings.Contains(p.log(), "rebuilding the ledger's state"); rebuilt != tc.reboot {
				t.Errorf("rebuilt the state on start: %v; logs:\n%s", rebuilt, p.log())
			}
			if restored := strings.Contains(p.log(), "restoring on start"); restored != (tc.extra != "") {
				t.Errorf("restored the snapshot on start: %v; logs:\n%s", restored, p.log())
			}

			for _, id := range sold {
				var s ledger.Sale
				if _, err := c.do("GET", "/sales/"+id, "", nil, &s); err != nil {
					t.Fatalf("acknowledged sale %s after the cut: %v", id, err)
				}
				if s.Status != ledger.SaleCompleted || len(s.Lines) != 2 {
					t.Errorf("sale %s after the cut: %s with %d lines", id, s.Status, len(s.Lines))
				}
			}
			for _, sku := range []string{"1001", "1101"} {
				var it struct {
					Stock int64 `json:"stock"`
				}
				if _, err := c.do("GET", "/items/"+sku, "", nil, &it); err != nil {
					t.Fatal(err)
				}
				if want := int64(200 - len(sold)); it.Stock != want {
					t.Errorf("stock of %s is %d after the cut, want %d", sku, it.Stock, want)
				}
			}
			// It sells on, and the journal verifies.
			sold = append(sold, sell("c0"))
			p.stop()
			// A clean stop is trusted whatever the boot.
			if err := os.WriteFile(filepath.Join(data, stateBoot), []byte("a boot before this one\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			t.Logf("%d sales kept across the cut; %s", len(sold), p.verify())
		})
	}
}

// newestSnapshot is the index of the newest snapshot raft wrote into data.
func newestSnapshot(t *testing.T, data string) uint64 {
	m, _ := filepath.Glob(filepath.Join(data, "raft", "snapshots", "*-*-*"))
	var newest uint64
	for _, d := range m {
		var term, index, ms uint64
		if _, err := fmt.Sscanf(filepath.Base(d), "%d-%d-%d", &term, &index, &ms); err == nil && index > newest {
			newest = index
		}
	}
	return newest
}
