package report

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kasse/kasse/drivers/printer"
	"github.com/kasse/kasse/drivers/printer/printertest"
	"github.com/kasse/kasse/hub/ledger"
	"github.com/kasse/kasse/hub/ledger/ledgertest"
	"github.com/kasse/kasse/hub/money"
	"github.com/kasse/kasse/hub/receipt"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// day runs a small day on register K1 of a real ledger and returns the
// journal numbers of its X and Z reports.
func day(t *testing.T) (*ledgertest.Shop, uint64, uint64) {
	s := ledgertest.New(t, time.Date(2026, 11, 27, 7, 0, 0, 0, time.UTC)) // 08:00 in Oslo
	s.Register = "K1"
	s.Do(ledger.CmdShopSetup, ledger.Shop{Name: "Bakeriet på hjørnet", Address: "Storgata 12, 0155 Oslo", OrgNr: "912345678", VAT: true})
	s.Do(ledger.CmdRegisterPut, ledger.Register{ID: "K1", Name: "Disk"})
	s.Do(ledger.CmdEmployeePut, ledger.Employee{ID: "E1", Name: "Kari Nordmann", Role: ledger.RoleCashier, Active: true})
	s.Do(ledger.CmdEmployeePut, ledger.Employee{ID: "E2", Name: "Ola Hansen", Role: ledger.RoleSupervisor, Active: true})
	s.Do(ledger.CmdItemPut, map[string]any{"items": []ledger.Item{
		{SKU: "MELK", Name: "Lettmelk 1 l", Group: "Meieri", Price: 2190, Rate: money.Rate15, Unit: ledger.UnitPiece, Active: true},
		{SKU: "SÅPE", Name: "Grønnsåpe", Group: "Husholdning", Price: 4990, Rate: money.Rate25, Unit: ledger.UnitPiece, Active: true},
		{SKU: "AVIS", Name: "Avis", Group: "Aviser", Price: 4000, Rate: money.Rate0, Unit: ledger.UnitPiece, Active: true},
	}})
	s.Employee = "E1"
	s.Do(ledger.CmdSessionOpen, ledger.SessionOpen{Session: "D1", Float: 100000})
	// 2 × Lettmelk + Grønnsåpe − 10,00 = 83,70, paid 84,00 in cash.
	s.Do(ledger.CmdSaleOpen, map[string]string{"sale": "S1"})
	s.Do(ledger.CmdSaleAdd, ledger.SaleAdd{Sale: "S1", SKU: "MELK", Qty: 2})
	s.Do(ledger.CmdSaleAdd, ledger.SaleAdd{Sale: "S1", SKU: "SÅPE", Qty: 1})
	s.Do(ledger.CmdSaleDisc, ledger.SaleDiscount{Sale: "S1", Discount: ledger.Discount{Amount: 1000}})
	s.Do(ledger.CmdSaleTip, ledger.SaleTip{Sale: "S1", Amount: 1000}) // and a tip of 10,00: 94,00
	s.Do(ledger.CmdPayCash, ledger.PayCash{Sale: "S1", Tendered: 10000})
	// Avis by card, with 20,00 of tip entered on the terminal.
	s.Do(ledger.CmdSaleOpen, map[string]string{"sale": "S2"})
	s.Do(ledger.CmdSaleAdd, ledger.SaleAdd{Sale: "S2", SKU: "AVIS", Qty: 1})
	s.Do(ledger.CmdPayStart, ledger.PayStart{Sale: "S2", Attempt: "P1", Method: "card", Amount: 4000})
	s.Do(ledger.CmdPayResult, ledger.PayResult{Attempt: "P1", Outcome: ledger.Outcome{Status: ledger.AttemptApproved, Authorized: 6000, Tip: 2000,
		Card: &ledger.CardInfo{TerminalTx: "T1"}}})
	// Avis on an invoice to a business customer.
	s.Do(ledger.CmdSaleOpen, map[string]string{"sale": "S3"})
	s.Do(ledger.CmdSaleAdd, ledger.SaleAdd{Sale: "S3", SKU: "AVIS", Qty: 1})
	s.Do(ledger.CmdPayOther, ledger.PayOther{Sale: "S3", Tender: "invoice", Name: "Faktura", Code: 12006, Ref: "Firma AS"})
	s.Do(ledger.CmdReceiptCopy, map[string]string{"sale": "S2"})
	s.Do(ledger.CmdPriceLookup, map[string]string{"sku": "SÅPE"})
	s.Do(ledger.CmdDrawerOpen, map[string]string{"reason": "nosale", "approvedBy": "E2"})
	x := s.Do(ledger.CmdReportX, ledger.ReportReq{})
	s.Employee = "E2"
	s.Do(ledger.CmdReturnOpen, ledger.ReturnOpen{Return: "R1", Original: "S1"})
	s.Do(ledger.CmdReturnAdd, ledger.ReturnAdd{Return: "R1", Line: 1, Qty: 1})
	s.Do(ledger.CmdReturnRefund, ledger.ReturnRefund{Return: "R1", Method: "cash"})
	s.Do(ledger.CmdCashMove, ledger.CashMoveReq{Kind: ledger.MoveBankDrop, Amount: 5000, Reason: "bank"})
	z := s.Do(ledger.CmdReportZ, ledger.ReportReq{})
	return s, seq(t, x), seq(t, z)
}

func seq(t *testing.T, raw json.RawMessage) uint64 {
	var r ledger.Report
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatal(err)
	}
	return r.Journal
}

func TestPrintedReports(t *testing.T) {
	s, x, z := day(t)
	for _, c := range []struct {
		name string
		seq  uint64
		want []string
	}{
		{"x", x, []string{"X-rapport", "Bakeriet på hjørnet", "Org.nr. 912 345 678 MVA", "Kasse K1 (Disk)", "Dato 27.11.2026",
			"Kjørt av: Kari Nordmann", "Totalt kontantsalg", "163,70", "Antall salgskvitteringer", "Meieri (2)", "Kontant (1)", "Bankkort (1)",
			"Kari Nordmann: Kontant (1)", "Tips (2)", "Faktura (1)", "Bankkort (1)                               60,00", "MVA 25 %", "MVA 15 %", "Avgiftspliktig salg", "Avgiftsfritt salg", "40,00",
			"Inngående veksel (1)", "1 000,00", "Skuffeåpninger uten salg", "Kopikvitteringer (1)", "Foreløpige kvitteringer (0)",
			"Returer (0)", "Rabatter (1)", "Annullerte salg (0)", "Linjekorreksjoner (0)", "Prisoppslag (1)", "Treningskvitteringer (0)",
			"Grand total", "Netto"}},
		{"z", z, []string{"Z-rapport nr. 1", "Kjørt av: Ola Hansen", "Returer (1)", "Uttak (1)", "50,00", "Ola Hansen: Kontant (1)"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, l, err := ForEntry(s.L, c.seq)
			if err != nil {
				t.Fatal(err)
			}
			b, err := l.ESCPOS(receipt.Print{CodePage: printer.CP865, Columns: 48})
			if err != nil {
				t.Fatal(err)
			}
			golden(t, c.name+".escpos", b)
			dev := printertest.NewDevice(printertest.Config{Columns: 48})
			dev.Write(b)
			text := dev.Text()
			golden(t, c.name+".txt", []byte(text))
			for _, w := range c.want {
				if !strings.Contains(text, w) {
					t.Errorf("printed %s report lacks %q", c.name, w)
				}
			}
			h, err := l.HTML()
			if err != nil {
				t.Fatal(err)
			}
			golden(t, c.name+".html", []byte(h))
		})
	}
	if _, _, err := ForEntry(s.L, 2); err == nil {
		t.Error("a journal entry that is no report was laid out as one")
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from the golden file (run with -update if the change is right):\n%s", name, got)
	}
}
