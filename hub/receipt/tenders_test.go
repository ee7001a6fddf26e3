package receipt

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kasse/kasse/drivers/printer"
	"github.com/kasse/kasse/hub/ledger"
)

// TestTenderReceipts prints a sale paid with a gift card, a credit note, an
// invoice, the mobile app and a card with a tip, and a return without a
// receipt refunded as a credit note.
func TestTenderReceipts(t *testing.T) {
	s := newShop(t)
	s.do(ledger.CmdEmployeePut, ledger.Employee{ID: "E2", Name: "Ola", Role: ledger.RoleSupervisor, Active: true})
	s.sale("S-GIFT", func() {
		s.do(ledger.CmdSaleGift, ledger.SaleGift{Sale: "S-GIFT", Number: "GC00001234", Amount: 10000})
		s.do(ledger.CmdPayCash, ledger.PayCash{Sale: "S-GIFT", Tendered: 10000})
	})
	s.Employee = "E2"
	s.do(ledger.CmdReturnOpen, ledger.ReturnOpen{Return: "R-1"})
	s.do(ledger.CmdReturnAdd, ledger.ReturnAdd{Return: "R-1", SKU: "SÅPE", Qty: 1})
	s.do(ledger.CmdReturnRefund, ledger.ReturnRefund{Return: "R-1", Method: ledger.MethodCredit, Voucher: "CN12345678903"})
	s.Employee = ""
	credit, _ := s.L.Sale("R-1")
	// 3 × milk 65,70 + avis 40,00 = 105,70, a 5,00 tip from the cashier: 110,70 to pay.
	mixed := s.sale("S-MIX", func() {
		s.do(ledger.CmdSaleAdd, ledger.SaleAdd{Sale: "S-MIX", SKU: "MELK", Qty: 3})
		s.do(ledger.CmdSaleAdd, ledger.SaleAdd{Sale: "S-MIX", SKU: "AVIS", Qty: 1})
		s.do(ledger.CmdSaleTip, ledger.SaleTip{Sale: "S-MIX", Amount: 500})
		s.do(ledger.CmdPayVoucher, ledger.PayVoucher{Sale: "S-MIX", Method: ledger.MethodGift, Number: "GC00001234", Amount: 3000})
		s.do(ledger.CmdPayVoucher, ledger.PayVoucher{Sale: "S-MIX", Method: ledger.MethodCredit, Number: "CN12345678903", Amount: 2000})
		s.do(ledger.CmdPayOther, ledger.PayOther{Sale: "S-MIX", Tender: "invoice", Name: "Faktura", Code: 12006, Amount: 1000, Ref: "Bedrift AS"})
		s.do(ledger.CmdPayStart, ledger.PayStart{Sale: "S-MIX", Attempt: "M1", Method: ledger.MethodMobile, Amount: 1500})
		s.do(ledger.CmdPayResult, ledger.PayResult{Attempt: "M1", Outcome: ledger.Outcome{Status: ledger.AttemptApproved, Authorized: 1500, Ref: "PSP00000042"}})
		// The rest, 35,70, by card; the cardholder adds 4,30 on the terminal.
		s.do(ledger.CmdPayStart, ledger.PayStart{Sale: "S-MIX", Attempt: "P1", Method: ledger.MethodCard, Amount: 3570})
		s.do(ledger.CmdPayResult, ledger.PayResult{Attempt: "P1", Outcome: ledger.Outcome{Status: ledger.AttemptApproved, Authorized: 4000, Tip: 430,
			Card: &ledger.CardInfo{TerminalTx: "KST20261127140533.000009", Approval: "654321", Brand: "MasterCard", Masked: "555555******4444"}}})
	})
	if t0 := mixed.Totals; mixed.Status != ledger.SaleCompleted || t0.Total != 10570 || t0.Tips != 930 || t0.Paid != 11500 {
		t.Fatalf("mixed sale %s %+v", mixed.Status, t0)
	}
	// An exchange: two milks (43,80) for a newspaper (40,00), 3,80 back in cash as 4,00.
	orig := s.sale("S-ORIG", func() {
		s.do(ledger.CmdSaleAdd, ledger.SaleAdd{Sale: "S-ORIG", SKU: "MELK", Qty: 2})
		s.do(ledger.CmdPayCash, ledger.PayCash{Sale: "S-ORIG", Tendered: 5000})
	})
	swap := s.sale("S-SWAP", func() {
		s.do(ledger.CmdSaleAdd, ledger.SaleAdd{Sale: "S-SWAP", SKU: "AVIS", Qty: 1})
		s.do(ledger.CmdSaleExchange, ledger.SaleExchange{Sale: "S-SWAP", Original: "S-ORIG", Line: 1, Qty: 2})
		s.do(ledger.CmdReturnRefund, ledger.ReturnRefund{Return: "S-SWAP", Method: ledger.MethodCash})
	})
	for _, c := range []struct {
		name string
		sale *ledger.Sale
		want []string
	}{
		{"exchange", swap, []string{"Salgskvittering", fmt.Sprintf("Bytte: retur fra kvittering nr. %d", orig.Receipt.No), "Avis", "40,00",
			"Lettmelk 1 l", "-43,80", "TOTAL", "kr -3,80", "Øreavrunding", "Tilbakebetalt", "kr 4,00", "Tilbakebetalt kontant", "MVA 15 %", "-5,71"}},
		{"tenders", mixed, []string{"TOTAL", "kr 105,70", "Tips (uten MVA)", "9,30", "Gavekort ****1234", "30,00", "Tilgodelapp ****8903", "20,00",
			"Faktura", "Ref. Bedrift AS", "Vipps MobilePay", "Ref. PSP00000042", "MasterCard", "40,00", "555555******4444", "herav tips", "4,30"}},
		{"credit", credit, []string{"Returkvittering", "Retur uten kvittering", "Grønnsåpe", "-49,90", "Tilgodelapp utstedt", "49,90", "Nr. CN12345678903"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := s.data(c.sale, false)
			if c.sale.ID == "S-SWAP" {
				d.OriginalReceipt = orig.Receipt.No
			}
			l, err := Build(d)
			if err != nil {
				t.Fatal(err)
			}
			b, err := l.ESCPOS(Print{CodePage: printer.CP865, Columns: 48})
			if err != nil {
				t.Fatal(err)
			}
			golden(t, c.name+".escpos", b)
			text := printed(b)
			golden(t, c.name+".txt", []byte(text))
			for _, w := range c.want {
				if !strings.Contains(text, w) {
					t.Errorf("printed receipt lacks %q:\n%s", w, text)
				}
			}
			if strings.Contains(text, "GC00001234") {
				t.Error("the receipt prints the whole gift card number")
			}
			h, err := l.HTML()
			if err != nil {
				t.Fatal(err)
			}
			golden(t, c.name+".html", []byte(h))
		})
	}
}
