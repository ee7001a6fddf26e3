package receipt

import (
	"strings"
	"testing"

	"github.com/kasse/kasse/drivers/printer"
	"github.com/kasse/kasse/hub/ledger"
)

// TestTrainingReceipt: a sale made in training mode says at the top, under
// the heading, and at the bottom that it is a training receipt and no sales
// receipt.
func TestTrainingReceipt(t *testing.T) {
	s := newShop(t)
	s.do(ledger.CmdEmployeePut, ledger.Employee{ID: "E1", Name: "Kari Nordmann", Role: ledger.RoleCashier, Active: true})
	s.Employee = "E1"
	s.do(ledger.CmdTrainingOn, struct{}{})
	sale := s.sale("S-TRAIN", func() {
		s.do(ledger.CmdSaleAdd, ledger.SaleAdd{Sale: "S-TRAIN", SKU: "MELK", Qty: 2})
		s.do(ledger.CmdPayCash, ledger.PayCash{Sale: "S-TRAIN", Tendered: 5000})
	})
	if !sale.Training {
		t.Fatal("a sale in training mode is not marked")
	}
	l, err := Build(s.data(sale, false))
	if err != nil {
		t.Fatal(err)
	}
	b, err := l.ESCPOS(Print{CodePage: printer.CP865, Columns: 48})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "training.escpos", b)
	text := printed(b)
	golden(t, "training.txt", []byte(text))
	if strings.Contains(text, "Salgskvittering") || strings.Count(text, "Treningskvittering") != 3 || !strings.Contains(text, "Treningskvittering nr. 1 ") || !strings.Contains(text, "IKKE SALGSKVITTERING") {
		t.Errorf("training receipt:\n%s", text)
	}
	h, err := l.HTML()
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "training.html", []byte(h))
}
