package receipt

import (
	"github.com/kasse/kasse/hub/ledger"
)

// tenderRows prints a payment other than cash or card: a gift card, a
// credit note, a mobile payment or a shop's own tender, with what the
// customer needs to find it again (never more than the last digits of a
// voucher's number: the printed receipt must not spend the card).
func tenderRows(p ledger.Payment, add func(left, right string, st Style)) {
	name := p.Method
	switch p.Method {
	case ledger.MethodGift:
		name = "Gavekort " + ledger.VoucherLabel(p.Ref)
	case ledger.MethodCredit:
		name = "Tilgodelapp " + ledger.VoucherLabel(p.Ref)
		if p.Amount < 0 {
			// A credit note issued on a return: the customer keeps this
			// receipt's number to spend it.
			add("Tilgodelapp utstedt", kr(-p.Amount), Bold)
			add("  Nr. "+p.Ref, "", Plain)
			return
		}
	case ledger.MethodMobile:
		name = "Vipps MobilePay"
	case ledger.MethodOther:
		name = p.Tender
	}
	add(name, kr(p.Amount), Plain)
	if p.Method == ledger.MethodMobile || p.Method == ledger.MethodOther {
		if p.Ref != "" {
			add("  Ref. "+p.Ref, "", Plain)
		}
	}
}
