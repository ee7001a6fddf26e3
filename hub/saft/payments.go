package saft

import (
	"fmt"

	"github.com/kasse/kasse/hub/ledger"
)

// payIDs names the payment codes (PredefinedBasicID-12) the ledger uses;
// a shop-configured tender gets its own code and "PAY<code>".
var payIDs = map[int]struct{ id, desc string }{
	ledger.CodeCash:       {payCash, "Cash"},
	ledger.CodeDebitCard:  {payCard, "Debit card"},
	ledger.CodeCreditCard: {"CREDCARD", "Credit card"},
	12004:                 {"BANKACC", "Bank account"},
	ledger.CodeGiftToken:  {"GIFTCARD", "Gift token"},
	12006:                 {"CUSTACC", "Customer account"},
	12007:                 {"LOYALTY", "Loyalty, stamps"},
	12008:                 {"DEPOSIT", "Bottle deposit"},
	12009:                 {"CHECK", "Check"},
	ledger.CodeCreditNote: {"CREDNOTE", "Credit note"},
	ledger.CodeMobileApp:  {"MOBILE", "Mobile phone apps"},
	ledger.CodeOther:      {payOther, "Other"},
}

// payID is the basic id of p's payment type.
func payID(p ledger.Payment) string {
	c := ledger.PaymentCode(p)
	if id, ok := payIDs[c]; ok {
		return id.id
	}
	return fmt.Sprintf("PAY%d", c)
}

func payDesc(c int) string {
	if id, ok := payIDs[c]; ok {
		return id.desc
	}
	return fmt.Sprintf("Payment code %d", c)
}
