package printer_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/kasse/kasse/drivers/printer"
	"github.com/kasse/kasse/drivers/printer/printertest"
)

// The serial transport against a printer on a pseudo-terminal.
func TestSerial(t *testing.T) {
	p, err := printertest.NewSerial(printertest.Config{Columns: 42})
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	defer p.Close()
	q, rec := start(t, fastConfig(printer.Serial{Port: p.Path(), Baud: 115200}))
	if ok, err := q.Init(); !ok || err != nil {
		t.Fatalf("Init: %v, %v", ok, err)
	}
	data, err := sampleReceipt(printer.CP865, 42).Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Submit(context.Background(), printer.Job{ID: "s1", Data: data}); err != nil {
		t.Fatal(err)
	}
	waitDone(t, q, rec, "s1")
	if bytes.Count(p.Received(), data) != 1 {
		t.Error("the job did not arrive intact")
	}
	if p.Cuts() != 1 || p.Kicks(2) != 1 {
		t.Errorf("cuts %d, kicks %d", p.Cuts(), p.Kicks(2))
	}
	if !strings.Contains(p.Text(), "Åse Ødegård") {
		t.Errorf("printed:\n%s", p.Text())
	}
	p.SetCoverOpen(true)
	_, i := rec.wait(t, 0, "cover open", isStatus(func(s printer.Status) bool { return s.CoverOpen }))
	p.SetCoverOpen(false)
	rec.wait(t, i, "cover shut", isStatus(func(s printer.Status) bool { return s.Online }))

	// Power cut mid-job on a serial line: the job prints after power returns.
	job := receiptJob(t, "s2")
	p.PaperLeft(5)
	if err := q.Submit(context.Background(), job); err != nil {
		t.Fatal(err)
	}
	rec.wait(t, 0, "retrying", isJob(printer.JobRetrying, "s2"))
	p.PowerOff()
	_, i = rec.wait(t, 0, "unreachable", isStatus(func(s printer.Status) bool { return !s.Connected }))
	p.PowerOn()
	rec.wait(t, i, "paper out after power on", isStatus(func(s printer.Status) bool { return s.PaperOut }))
	p.SetPaperOut(false) // power does not bring paper
	waitDone(t, q, rec, "s2")
	if p.Cuts() != 2 {
		t.Errorf("cuts %d, want 2", p.Cuts())
	}
}
