package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kasse/kasse/drivers/printer/printertest"
	"github.com/kasse/kasse/hub/cluster"
	"github.com/kasse/kasse/hub/ledger"
)

// TestReceiptsOnceAcrossLeaderChanges: the printer belongs to hub2, a
// follower; registers sell through the other hubs while the leader is
// SIGKILLed and while hub2 itself is killed with a receipt waiting for
// paper. Every receipt prints exactly once, on hub2's printer, and every cash
// sale kicks the drawer once.
func TestReceiptsOnceAcrossLeaderChanges(t *testing.T) {
	if testing.Short() {
		t.Skip("runs hub processes")
	}
	prn, err := printertest.Listen("127.0.0.1:0", printertest.Config{Columns: 48})
	if err != nil {
		t.Fatal(err)
	}
	defer prn.Close()
	devices := fmt.Sprintf("devices:\n  printers:\n    - id: P1\n      hub: hub2\n      registers: [K1]\n      transport: tcp\n      address: %s\n", prn.Addr())

	hub1 := newHub(t, "hub1", true, "", devices)
	hub1.start()
	hubs := joinHubs(t, hub1, devices)
	waitStatus(t, hub1, "three voters", func(st cluster.Status) bool { return len(voters(st)) == 3 })
	hub2, hub3 := hubs[1], hubs[2]

	stop := make(chan struct{})
	defer close(stop)
	timeout := time.AfterFunc(3*time.Minute, func() { close(stop) })
	defer timeout.Stop()

	// sell completes a cash sale through h, retrying with the same keys
	// while the shop has no leader, as a register does.
	n := 0
	var sold []string
	sell := func(h *clusterProc) {
		t.Helper()
		n++
		c := newClient(h.http, "demo-token-register-1")
		key := fmt.Sprintf("s%d", n)
		var s ledger.Sale
		if code, err := c.retry(stop, "POST", "/sales", key+"-open", nil, &s); code/100 != 2 {
			t.Fatalf("open sale %d through %s: %d %v", n, h.id, code, err)
		}
		if code, err := c.retry(stop, "POST", "/sales/"+s.ID+"/lines", key+"-line", map[string]any{"sku": "1001", "qty": 1}, nil); code/100 != 2 {
			t.Fatalf("line of sale %d: %d %v", n, code, err)
		}
		var paid ledger.Sale
		if code, err := c.retry(stop, "POST", "/sales/"+s.ID+"/payments", key+"-pay", map[string]any{"method": "cash", "amount": 5000}, &paid); code/100 != 2 || paid.Status != ledger.SaleCompleted {
			t.Fatalf("pay sale %d: %d %v %s", n, code, err, paid.Status)
		}
		sold = append(sold, s.ID)
	}
	waitPrinted := func(what string, cuts int) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := prn.Wait(ctx, func(s printertest.Snapshot) bool { return s.Cuts >= cuts }); err != nil {
			t.Fatalf("waiting for %s: %v\nprinter:\n%s\nhub2 log:\n%s", what, err, prn.Text(), hub2.log())
		}
	}
	c := newClient(hub3.http, "demo-token-register-1")
	if code, err := c.retry(stop, "POST", "/login", "login", map[string]string{"employee": "1001", "pin": "1234"}, nil); code/100 != 2 {
		t.Fatal(err)
	}

	// 1. Through a follower, with the printer on the other follower.
	for range 3 {
		sell(hub3)
	}
	waitPrinted("the first receipts", 3)

	// 2. The leader dies; the shop elects another and goes on.
	leader := leaderOf(t, hubs)
	leader.kill()
	var other *clusterProc
	for _, h := range hubs {
		if h != leader && h != hub2 {
			other = h
		}
	}
	if other == nil { // hub2 led: sell through the third hub
		other = hub3
	}
	for range 3 {
		sell(other)
	}
	leader.start()

	// 3. The printer runs out of paper with a receipt to print, and its
	// hub is killed; paper comes back, the hub restarts and prints it.
	prn.SetPaperOut(true)
	sell(hub3)
	hub2.kill()
	prn.SetPaperOut(false)
	hub2.start()
	for range 2 {
		sell(hub2)
	}
	// A last sale: the queue prints in order, so once its receipt is out
	// nothing earlier is still on its way.
	sell(hub1)
	waitPrinted("every receipt", len(sold))

	receipts := prn.Receipts()
	if len(receipts) != len(sold) {
		t.Errorf("%d receipts printed for %d sales", len(receipts), len(sold))
	}
	for _, id := range sold {
		if got := strings.Count(prn.Text(), "BARCODE CODE128 "+id+"]"); got != 1 {
			t.Errorf("sale %s printed %d times", id, got)
		}
	}
	if k := prn.Kicks(2); k != len(sold) {
		t.Errorf("drawer kicked %d times for %d cash sales", k, len(sold))
	}
	t.Logf("%d sales through three hubs, leader %s killed, printer hub killed with a receipt waiting: %d receipts, %d kicks",
		len(sold), leader.id, len(receipts), prn.Kicks(2))
}
