package ledger

import (
	"encoding/json"

	"github.com/kasse/kasse/hub/money"
)

// Cash movements are signed like sales. The regulation counts the float
// (cash declaration, 11007), cash put in (11011), cash taken out (11010)
// and the difference found at the count (11008) as transactions, so each is
// an entry signed in its register's chain: the signed amount is what the
// movement did to the drawer (cash in positive, cash out negative, the
// count's difference as booked), VAT-free, so amountIn and amountEx agree.

// journalSigned appends an entry of type typ that is a signed transaction of
// the asking register for amount, with data as its body.
func (a *applyCtx) journalSigned(typ string, ev int, amount money.Øre, data any) (*Entry, error) {
	reg, err := a.register()
	if err != nil {
		return nil, err
	}
	sig, err := a.sign(reg, amount, amount)
	if err != nil {
		return nil, err
	}
	e := &Entry{Type: typ, Event: ev, Register: reg.ID, Sig: sig}
	if e.Data, err = json.Marshal(data); err != nil {
		return nil, err
	}
	if err := a.appendEntry(e); err != nil {
		return nil, err
	}
	return e, a.put(pfxReg+reg.ID, reg)
}
