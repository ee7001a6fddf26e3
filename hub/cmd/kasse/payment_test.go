package main

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/kasse/kasse/drivers/terminal/terminaltest"
	"github.com/kasse/kasse/hub/ledger"
	"github.com/kasse/kasse/hub/till"
)

// extTerminal runs the stand-in card terminal in the test process on HTTPS,
// so it lives on while hub processes are killed, and returns the hub
// configuration that points at it.
func extTerminal(t *testing.T) (*terminaltest.Terminal, string) {
	t.Helper()
	dir := t.TempDir()
	cert, key := filepath.Join(dir, "terminal.crt"), filepath.Join(dir, "terminal.key")
	if err := terminaltest.GenerateCert(cert, key, "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	term := terminaltest.New(terminaltest.Config{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = term.ServeListener(ctx, ln, cert, key); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	cfg := fmt.Sprintf("terminal:\n  simulator: false\n  url: https://%s/nexo\n  poi_id: %s\n  sale_id: kasse\n  ca_file: %s\n  timeout: 3s\n",
		ln.Addr(), terminaltest.DefaultPOIID, cert)
	return term, cfg
}

// inProgress waits until the terminal holds a payment of amount.
func inProgress(t *testing.T, term *terminaltest.Terminal, amount int64) terminaltest.Transaction {
	t.Helper()
	for {
		for _, tx := range term.Transactions() {
			if tx.RequestedØre == amount && tx.State == terminaltest.InProgress {
				return tx
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// cardSale opens a sale of one milk priced at price, part paid with cash.
func cardSale(t *testing.T, c *client, name string, price, cash int64) string {
	t.Helper()
	var s ledger.Sale
	if _, err := c.do("POST", "/sales", name+"-open", nil, &s); err != nil {
		t.Fatal(err)
	}
	if _, err := c.do("POST", "/sales/"+s.ID+"/lines", name+"-line", map[string]any{"sku": "1001"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.approvedBy("1003", "3456").do("POST", "/sales/"+s.ID+"/lines/1/price", name+"-price", map[string]any{"price": price}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.do("POST", "/sales/"+s.ID+"/payments", name+"-cash", map[string]any{"method": "cash", "amount": cash}, nil); err != nil {
		t.Fatal(err)
	}
	return s.ID
}

// settled reads a sale until its card attempt has an outcome.
func settled(t *testing.T, c *client, id string) ledger.Sale {
	t.Helper()
	for {
		var s ledger.Sale
		if code, err := c.do("GET", "/sales/"+id, "", nil, &s); code == 200 && err == nil && len(s.Pending) == 0 {
			return s
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestCardCrash kills the hub with SIGKILL in the middle of card payments
// that the terminal holds: one the terminal then approves while the hub is
// down (approved, never booked), one it declines (sent, no reply), one it
// approves only after the hub is back. After a restart each is booked
// exactly once from the terminal's word, and the cash, the drawer openings
// and the stock agree with the ledger.
func TestCardCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("runs hub processes")
	}
	term, cfg := extTerminal(t)
	p := newProc(t, cfg)
	p.start()
	c := newClient(p.http, "demo-token-register-1")

	// Sale A: 31,55 of which 20,00 in cash; the card's 11,55 (xx.55) is held.
	a := cardSale(t, c, "a", 3155, 2000)
	go func() { _, _ = c.do("POST", "/sales/"+a+"/payments", "a-card", map[string]any{"method": "card"}, nil) }()
	txA := inProgress(t, term, 1155)
	p.kill()
	if !term.Complete(txA.ServiceID) {
		t.Fatal("the terminal had no payment to approve")
	}
	p.start()
	sa := settled(t, c, a)

	// Sale B: 42,55 of which 30,00 in cash; the card's 12,55 is declined
	// while the hub is down.
	b := cardSale(t, c, "b", 4255, 3000)
	go func() { _, _ = c.do("POST", "/sales/"+b+"/payments", "b-card", map[string]any{"method": "card"}, nil) }()
	txB := inProgress(t, term, 1255)
	p.kill()
	if !term.Decline(txB.ServiceID) {
		t.Fatal("the terminal had no payment to decline")
	}
	p.start()
	sb := settled(t, c, b)

	// Sale C: 53,55 of which 40,00 in cash; the card's 13,55 is still in
	// progress when the hub comes back, and approved only then.
	cs := cardSale(t, c, "c", 5355, 4000)
	go func() { _, _ = c.do("POST", "/sales/"+cs+"/payments", "c-card", map[string]any{"method": "card"}, nil) }()
	txC := inProgress(t, term, 1355)
	p.kill()
	p.start()
	var pendingC ledger.Sale
	if _, err := c.do("GET", "/sales/"+cs, "", nil, &pendingC); err != nil || len(pendingC.Pending) != 1 {
		t.Fatalf("sale C after the restart: %+v %v", pendingC.Pending, err)
	}
	if !term.Complete(txC.ServiceID) {
		t.Fatal("the terminal had no payment to approve")
	}
	sc := settled(t, c, cs)
	if sc.Status != ledger.SaleCompleted || len(sc.Payments) != 2 || sc.Totals.Paid != 5355 {
		t.Errorf("sale C (approved after the restart): %s, payments %+v", sc.Status, sc.Payments)
	}

	if sa.Status != ledger.SaleCompleted || len(sa.Payments) != 2 || sa.Totals.Paid != 3155 || sa.Payments[1].Card == nil {
		t.Errorf("sale A (approved while the hub was down): %s, payments %+v", sa.Status, sa.Payments)
	}
	if sb.Status != ledger.SaleOpen || len(sb.Payments) != 1 || sb.Totals.Due != 1255 {
		t.Errorf("sale B (declined while the hub was down): %s, payments %+v, due %d", sb.Status, sb.Payments, sb.Totals.Due)
	}
	// The customer pays B's rest in cash: 12,55 rounds to 13,00.
	if _, err := c.do("POST", "/sales/"+b+"/payments", "b-cash2", map[string]any{"method": "cash", "amount": 1300}, &sb); err != nil || sb.Status != ledger.SaleCompleted {
		t.Fatalf("rest of B in cash: %v %s", err, sb.Status)
	}

	// The journal: each sale completed once, each attempt resolved once,
	// one drawer opening per sale, and the cash taken is what was handed in.
	var completes, results, drawer = map[string]int{}, map[string]int{}, map[string]int{}
	var cash int64
	for from := uint64(1); ; {
		var page []ledger.Entry
		if _, err := c.do("GET", fmt.Sprintf("/journal?from=%d&limit=1000", from), "", nil, &page); err != nil {
			t.Fatal(err)
		}
		for _, e := range page {
			switch e.Type {
			case "sale.complete":
				completes[e.Sale]++
			case "payment.result":
				results[e.Sale]++
			case "drawer.open":
				drawer[e.Sale]++
			}
		}
		if len(page) < 1000 {
			break
		}
		from = page[len(page)-1].Seq + 1
	}
	for _, s := range []ledger.Sale{sa, sb, sc} {
		for _, p := range s.Payments {
			if p.Method == ledger.MethodCash {
				cash += int64(p.Amount)
			}
		}
	}
	if completes[a] != 1 || completes[b] != 1 || completes[cs] != 1 || results[a] != 1 || results[b] != 1 || results[cs] != 1 ||
		drawer[a] != 1 || drawer[b] != 1 || drawer[cs] != 1 {
		t.Errorf("journal: completed %v, card outcomes %v, drawer openings %v", completes, results, drawer)
	}
	if cash != 2000+3000+1300+4000 {
		t.Errorf("cash booked %d, handed over 103,00", cash)
	}
	var it struct {
		Stock int64 `json:"stock"`
	}
	if _, err := c.do("GET", "/items/1001", "", nil, &it); err != nil || it.Stock != 200-3 {
		t.Errorf("stock of 1001 is %d after three sales of one (%v)", it.Stock, err)
	}
	p.stop()
	t.Logf("%s", p.verify())
}

// TestNoCardDataAtRest sells with test cards through a terminal that puts
// the whole card number where it should not (MaskedPan, SensitiveCardData
// with track data), refunds one, and then searches every file the hub
// wrote — the data directory byte for byte, every key and value in Badger
// (whose tables are compressed), and its debug log — for the numbers.
func TestNoCardDataAtRest(t *testing.T) {
	if testing.Short() {
		t.Skip("runs hub processes")
	}
	t.Setenv("KASSE_LOG_LEVEL", "debug")
	term, cfg := extTerminal(t)
	p := newProc(t, cfg)
	p.start()
	c := newClient(p.http, "demo-token-register-1")
	sell := func(name string, price, qty int64) ledger.Sale {
		var s ledger.Sale
		if _, err := c.do("POST", "/sales", name+"-open", nil, &s); err != nil {
			t.Fatal(err)
		}
		if _, err := c.do("POST", "/sales/"+s.ID+"/lines", name+"-line", map[string]any{"sku": "1001", "qty": qty}, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := c.approvedBy("1003", "3456").do("POST", "/sales/"+s.ID+"/lines/1/price", name+"-price", map[string]any{"price": price}, nil); err != nil {
			t.Fatal(err)
		}
		var res till.CardResult
		if _, err := c.do("POST", "/sales/"+s.ID+"/payments", name+"-card", map[string]any{"method": "card"}, &res); err != nil {
			t.Fatal(err)
		}
		if res.Sale.Status != ledger.SaleCompleted {
			t.Fatalf("%s: %s", name, res.Sale.Status)
		}
		return *res.Sale
	}
	sell("visa", 2159, 1) // xx.59: the full number in MaskedPan and SensitiveCardData
	term.Script(terminaltest.Step{Action: terminaltest.Approve, Card: terminaltest.Mastercard, LeakPAN: true})
	mc := sell("mastercard", 2495, 2)
	if m := mc.Payments[0].Card.Masked; m != "555555******4444" {
		t.Errorf("masked number kept: %q", m)
	}
	var ret ledger.Sale
	if _, err := c.do("POST", "/returns", "ret-open", map[string]any{"original": mc.ID}, &ret); err != nil {
		t.Fatal(err)
	}
	if _, err := c.do("POST", "/returns/"+ret.ID+"/lines", "ret-line", map[string]any{"line": 1, "qty": 1}, nil); err != nil {
		t.Fatal(err)
	}
	term.Script(terminaltest.Step{Action: terminaltest.Approve, Card: terminaltest.Mastercard, LeakPAN: true})
	if _, err := c.do("POST", "/returns/"+ret.ID+"/refund", "ret-refund", map[string]any{"method": "card"}, nil); err != nil {
		t.Fatal(err)
	}
	p.stop()

	pans := []string{terminaltest.Visa.PAN, terminaltest.Mastercard.PAN}
	leaked := func(where string, b []byte) {
		for _, pan := range pans {
			if bytes.Contains(b, []byte(pan)) {
				t.Errorf("%s holds the card number %s", where, pan)
			}
		}
	}
	// The terminal did send them (two payments and the refund of one of
	// the two milks): the test would prove nothing otherwise.
	sent := 0
	for _, tx := range term.Transactions() {
		if tx.MaskedPAN == terminaltest.Visa.PAN || tx.MaskedPAN == terminaltest.Mastercard.PAN {
			sent++
		}
	}
	if sent < 3 {
		t.Fatalf("the terminal leaked the number in %d replies, want 3", sent)
	}
	dataDir := filepath.Join(filepath.Dir(p.config), "data")
	files := 0
	err := filepath.WalkDir(filepath.Dir(p.config), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		leaked(path, b)
		return nil
	})
	if err != nil || files < 5 {
		t.Fatalf("searched %d files: %v", files, err)
	}
	values := 0
	// The ledger's state and raft's log, every version of every key.
	for _, dir := range []string{filepath.Join(dataDir, "db"), filepath.Join(dataDir, "raft", "log")} {
		db, err := badger.Open(badger.DefaultOptions(dir).WithLogger(nil))
		if err != nil {
			t.Fatal(err)
		}
		err = db.View(func(txn *badger.Txn) error {
			opts := badger.DefaultIteratorOptions
			opts.AllVersions = true
			it := txn.NewIterator(opts)
			defer it.Close()
			for it.Rewind(); it.Valid(); it.Next() {
				v, err := it.Item().ValueCopy(nil)
				if err != nil {
					return err
				}
				values++
				leaked("badger key "+string(it.Item().Key()), append(it.Item().KeyCopy(nil), v...))
			}
			return nil
		})
		db.Close()
		if err != nil {
			t.Fatalf("search %s: %v", dir, err)
		}
	}
	if values < 100 {
		t.Fatalf("searched only %d badger values", values)
	}
	logs := p.log()
	leaked("the hub's log", []byte(logs))
	if !strings.Contains(logs, "SensitiveCardData") {
		t.Errorf("the hub did not warn that the terminal sent card data:\n%s", logs)
	}
	t.Logf("searched %d files, %d badger entries and %d bytes of log", files, values, len(logs))
}
