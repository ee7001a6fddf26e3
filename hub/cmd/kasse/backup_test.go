package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kasse/kasse/hub/ledger"
)

// sell completes a cash sale of the demo shop's items through the API and
// returns it.
func sell(t *testing.T, c *client, key string) ledger.Sale {
	t.Helper()
	var s ledger.Sale
	if _, err := c.do("POST", "/sales", key+"-open", nil, &s); err != nil {
		t.Fatal(err)
	}
	for i, sku := range []string{"1001", "1501"} {
		if _, err := c.do("POST", "/sales/"+s.ID+"/lines", key+"-l"+sku, map[string]any{"sku": sku, "qty": i + 1}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.do("POST", "/sales/"+s.ID+"/payments", key+"-pay", map[string]any{"method": "cash", "amount": 50000}, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// signed lists the signed journal entries a hub serves.
func signed(t *testing.T, c *client) []ledger.Entry {
	t.Helper()
	var out []ledger.Entry
	for from := uint64(1); ; {
		var page []ledger.Entry
		if _, err := c.do("GET", "/journal?limit=1000&from="+strconv.FormatUint(from, 10), "", nil, &page); err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			return out
		}
		for _, e := range page {
			if e.Sig != nil {
				out = append(out, e)
			}
		}
		from = page[len(page)-1].Seq + 1
	}
}

// TestBackupRestore: a backup taken while the hub sells and one of its
// stopped data; each restores only into a fresh data directory, verifies,
// and the restored hub sells on with the register's signature chain
// continuing under a new key version (a backup holds no private key).
func TestBackupRestore(t *testing.T) {
	if testing.Short() {
		t.Skip("runs hub processes")
	}
	p := newProc(t, "")
	p.start()
	c := newClient(p.http, "demo-token-register-1")
	first := sell(t, c, "b1")
	online := filepath.Join(t.TempDir(), "online.kbak")
	out, err := exec.Command(p.bin, "backup", "-config", p.config, online).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "the running hub") {
		t.Fatalf("kasse backup of a running hub: %v\n%s", err, out)
	}
	sell(t, c, "b2") // after the backup: not in it
	before := signed(t, c)
	p.stop()
	offline := filepath.Join(t.TempDir(), "offline.kbak")
	out, err = exec.Command(p.bin, "backup", "-config", p.config, offline).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "stopped hub") {
		t.Fatalf("kasse backup of a stopped hub: %v\n%s", err, out)
	}
	if fi, err := os.Stat(online); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("backup file: %v, mode %v; want readable by the hub's user alone", err, fi.Mode())
	}

	t.Run("bad backups restore nothing", func(t *testing.T) {
		q := newProc(t, "")
		raw, _ := os.ReadFile(online)
		cut := filepath.Join(t.TempDir(), "cut.kbak")
		os.WriteFile(cut, raw[:len(raw)-10], 0o600)
		for _, f := range []string{cut, p.config} {
			out, err := exec.Command(q.bin, "restore", "-config", q.config, f).CombinedOutput()
			if err == nil {
				t.Fatalf("restore of %s succeeded:\n%s", f, out)
			}
			if _, err := os.Stat(filepath.Join(filepath.Dir(q.config), "data", "db")); err == nil {
				t.Fatalf("a failed restore of %s left a database behind", f)
			}
		}
	})

	t.Run("offline backup holds everything", func(t *testing.T) {
		q := newProc(t, "")
		out, err := exec.Command(q.bin, "restore", "-config", q.config, offline).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "journal verifies") || !strings.Contains(string(out), " 2 signatures") {
			t.Fatalf("kasse restore: %v\n%s", err, out)
		}
	})

	q := newProc(t, "")
	out, err = exec.Command(q.bin, "restore", "-config", q.config, online).CombinedOutput()
	if err != nil || !strings.Contains(string(out), " 1 signatures") {
		t.Fatalf("kasse restore: %v\n%s", err, out)
	}
	out, err = exec.Command(q.bin, "restore", "-config", q.config, online).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "fresh data directory") {
		t.Fatalf("a restore over a restored hub: %v\n%s", err, out)
	}
	q.start()
	qc := newClient(q.http, "demo-token-register-1")
	sell(t, qc, "b3")
	after := signed(t, qc)
	q.stop()
	if v := q.verify(); !strings.Contains(v, " 2 signatures") {
		t.Errorf("restored hub after selling on: %s", v)
	}
	if len(after) != 2 || after[0].Sig.Value != before[0].Sig.Value || after[0].Sale != first.ID {
		t.Fatalf("restored hub's signed entries %+v; want the backed-up sale and the new one", after)
	}
	if s := after[1].Sig; s.Previous != after[0].Sig.Value || s.Nr != 2 || s.KeyVersion != 2 {
		t.Errorf("the new sale's signature: previous %.12s… nr %d key v%d; want it chained to the restored one, nr 2, key v2",
			s.Previous, s.Nr, s.KeyVersion)
	}
}
