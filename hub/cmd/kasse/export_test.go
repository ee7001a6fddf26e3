package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kasse/kasse/hub/ledger"
)

// TestExportSAFT: sales through the API, the hub stopped, `kasse export
// saft` for today writes a file that the official schema accepts.
func TestExportSAFT(t *testing.T) {
	if testing.Short() {
		t.Skip("runs hub processes")
	}
	xsd := "../../saft/testdata/schema/Norwegian_SAF-T_Cash_Register_Schema_v_1.00.xsd"
	if _, err := exec.LookPath("xmllint"); err != nil {
		t.Skip("xmllint is not installed (make test's set-up installs libxml2-utils)")
	}
	if _, err := os.Stat(xsd); err != nil {
		t.Fatalf("the SAF-T schema is missing, so the export is not validated: %v", err)
	}
	p := newProc(t, "")
	p.start()
	c := newClient(p.http, "demo-token-register-1")
	var s ledger.Sale
	if _, err := c.do("POST", "/sales", "x-open", nil, &s); err != nil {
		t.Fatal(err)
	}
	for i, sku := range []string{"1001", "1501", "1701"} {
		if _, err := c.do("POST", "/sales/"+s.ID+"/lines", "x-l"+sku, map[string]any{"sku": sku, "qty": i + 1}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.do("POST", "/sales/"+s.ID+"/payments", "x-pay", map[string]any{"method": "cash", "amount": 50000}, nil); err != nil {
		t.Fatal(err)
	}
	p.stop()
	today := time.Now().In(ledger.Oslo).Format("2006-01-02")
	file := filepath.Join(t.TempDir(), "saft.xml")
	out, err := exec.Command(p.bin, "export", "saft", "-config", p.config, "-from", today, "-to", today, "-o", file).CombinedOutput()
	if err != nil {
		t.Fatalf("kasse export saft: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "export: done") {
		t.Errorf("no progress on the command line: %s", out)
	}
	xml, _ := os.ReadFile(file)
	if !strings.Contains(string(xml), "<transType>11001</transType>") && !strings.Contains(string(xml), "<cashtransaction>") {
		t.Errorf("the export holds no cash transaction")
	}
	if out, err := exec.Command("xmllint", "--noout", "--schema", xsd, file).CombinedOutput(); err != nil {
		t.Fatalf("the export does not validate: %v\n%s", err, out)
	}
}
