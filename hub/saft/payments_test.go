package saft

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kasse/kasse/hub/ledger"
)

// TestTenderCodes exports a day with every tender and checks each payment
// carries its SAF-T code, with the code in the basics, and that the file
// still validates.
func TestTenderCodes(t *testing.T) {
	s := newShop(t)
	s.login("K1", "E1")
	// A 200,00 gift card sold for cash.
	s.do(ledger.CmdSaleOpen, map[string]string{"sale": "S-GIFT"})
	s.do(ledger.CmdSaleGift, ledger.SaleGift{Sale: "S-GIFT", Number: "GC123456", Amount: 20000})
	s.do(ledger.CmdPayCash, ledger.PayCash{Sale: "S-GIFT", Tendered: 20000})
	// Milk ×2 (43,80) returned as a credit note.
	s.do(ledger.CmdSaleOpen, map[string]string{"sale": "S-MELK"})
	s.do(ledger.CmdSaleAdd, ledger.SaleAdd{Sale: "S-MELK", SKU: "MELK", Qty: 2})
	s.card("S-MELK", "P1", 4380)
	s.do(ledger.CmdReturnOpen, ledger.ReturnOpen{Return: "R-1", Original: "S-MELK"})
	s.do(ledger.CmdReturnAdd, ledger.ReturnAdd{Return: "R-1", Line: 1, Qty: 2})
	s.do(ledger.CmdReturnRefund, ledger.ReturnRefund{Return: "R-1", Method: ledger.MethodCredit, Voucher: "CN000777"})
	// Soap 49,90 + apples… : gift card 20,00, credit note 10,00, invoice 5,00, mobile the rest.
	s.do(ledger.CmdSaleOpen, map[string]string{"sale": "S-MIX"})
	s.do(ledger.CmdSaleAdd, ledger.SaleAdd{Sale: "S-MIX", SKU: "SÅPE", Qty: 1})
	s.do(ledger.CmdPayVoucher, ledger.PayVoucher{Sale: "S-MIX", Method: ledger.MethodGift, Number: "GC123456", Amount: 2000})
	s.do(ledger.CmdPayVoucher, ledger.PayVoucher{Sale: "S-MIX", Method: ledger.MethodCredit, Number: "CN000777", Amount: 1000})
	s.do(ledger.CmdPayOther, ledger.PayOther{Sale: "S-MIX", Tender: "invoice", Name: "Faktura", Code: 12006, Amount: 500, Ref: "Bedrift AS"})
	s.do(ledger.CmdPayStart, ledger.PayStart{Sale: "S-MIX", Attempt: "M1", Method: ledger.MethodMobile, Amount: 1490})
	s.do(ledger.CmdPayResult, ledger.PayResult{Attempt: "M1", Outcome: ledger.Outcome{Status: ledger.AttemptApproved, Authorized: 1490, Ref: "PSP00000042"}})
	// An exchange: a newspaper (40,00) for the soap (49,90), 9,90 back in cash (10,00).
	s.do(ledger.CmdSaleOpen, map[string]string{"sale": "S-SWAP"})
	s.do(ledger.CmdSaleAdd, ledger.SaleAdd{Sale: "S-SWAP", SKU: "AVIS", Qty: 1})
	s.do(ledger.CmdSaleExchange, ledger.SaleExchange{Sale: "S-SWAP", Original: "S-MIX", Line: 1, Qty: 1})
	s.do(ledger.CmdReturnRefund, ledger.ReturnRefund{Return: "S-SWAP", Method: ledger.MethodCash})
	sl, err := s.L.Sale("S-MIX")
	if err != nil || sl.Status != ledger.SaleCompleted {
		t.Fatalf("mixed sale %v %v", sl, err)
	}
	out := export(t, s)
	path := filepath.Join(t.TempDir(), "tenders.xml")
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	text := string(out)
	flat := strings.Join(strings.Fields(text), "")
	for _, w := range []string{
		"<basicID>GIFTCARD</basicID>", "<predefinedBasicID>12005</predefinedBasicID>",
		"<basicID>CREDNOTE</basicID>", "<predefinedBasicID>12010</predefinedBasicID>",
		"<basicID>CUSTACC</basicID>", "<predefinedBasicID>12006</predefinedBasicID>",
		"<basicID>MOBILE</basicID>", "<predefinedBasicID>12011</predefinedBasicID>",
		"<paymentType>GIFTCARD</paymentType>", "<paymentType>CREDNOTE</paymentType>", "<paymentType>CUSTACC</paymentType>",
		"<paymentType>MOBILE</paymentType>", "<paymentRefID>PSP00000042</paymentRefID>", "<paidAmnt>-43.80</paidAmnt>",
		"<paymentRefID>KST-P1</paymentRefID>",
		// The exchange: one sale with a sale line and a return line.
		"<transID>S-SWAP</transID><transType>CASHSAL</transType><transAmntIn>-9.90</transAmntIn>",
		"<lineID>2</lineID><lineType>RET</lineType>", "<qnt>-1</qnt>", "<lineAmntIn>-49.90</lineAmntIn>", "<paidAmnt>-10.00</paidAmnt>",
	} {
		if !strings.Contains(flat, w) {
			t.Errorf("export lacks %s", w)
		}
	}
	if strings.Contains(text, "12003") {
		t.Error("a credit card code without a credit card")
	}
	t.Run("schema", func(t *testing.T) { validate(t, path) })
}
