package saft

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/kasse/kasse/hub/ledger"
	"github.com/kasse/kasse/hub/money"
)

// Cash movements. The ledger signs the float, cash put in, cash taken out
// and the count's difference in the register's chain (see the ledger's
// cashsign.go); each is a cashtransaction of its own transaction type,
// without lines: its amount is what it did to the drawer, VAT-free, and a
// payment per tender says in what.

// Basic IDs of the cash movements' transaction types (PredefinedBasicID-11).
var cashTypes = map[int]struct{ id, desc string }{
	ledger.TxFloat:   {"CASHDECL", "Cash declaration: the opening float"},
	ledger.TxCashDif: {"CASHDIFF", "Cash difference at the count"},
	ledger.TxOut:     {"PAYOUT", "Out payment: withdrawal, bank drop"},
	ledger.TxIn:      {"PAYIN", "In payment"},
}

// cashEntry reports whether e is a signed cash movement.
func cashEntry(e *ledger.Entry) bool {
	if e.Sig == nil {
		return false
	}
	switch e.Type {
	case "drawer.float", "cash.in", "cash.out", "drawer.count":
		return true
	}
	return false
}

// cashTransID names a cash movement's transaction by its journal entry.
func cashTransID(e *ledger.Entry) string { return fmt.Sprintf("J%d", e.Seq) }

// cashTransaction writes a signed cash movement.
func (x *exporter) cashTransaction(e *ledger.Entry) {
	var d struct {
		TransType  int                  `json:"transType"`
		Session    string               `json:"session"`
		Kind       string               `json:"kind"`
		Reason     string               `json:"reason"`
		ApprovedBy string               `json:"approvedBy"`
		Difference map[string]money.Øre `json:"difference"`
		Note       string               `json:"note"`
	}
	if err := json.Unmarshal(e.Data, &d); err != nil && x.err == nil {
		x.err = fmt.Errorf("saft: journal entry %d: %w", e.Seq, err)
		return
	}
	sig := e.Sig
	tp := "C" // into the drawer
	if strings.HasPrefix(sig.AmountIn, "-") {
		tp = "D"
	}
	desc := ""
	switch e.Type {
	case "drawer.float":
		desc = "float; session " + d.Session
	case "cash.in", "cash.out":
		desc = fmt.Sprintf("%s; reason %s; session %s", d.Kind, d.Reason, d.Session)
		if d.ApprovedBy != "" {
			desc += "; approved by " + d.ApprovedBy
		}
	case "drawer.count":
		desc = "count; session " + d.Session
		if d.Note != "" {
			desc += "; note " + d.Note
		}
	}
	emp := x.emp(e.Employee)
	x.start("cashtransaction")
	x.el("nr", fmt.Sprint(sig.Nr))
	x.el("transID", cashTransID(e))
	x.el("transType", cashTypes[d.TransType].id)
	x.el("transAmntIn", sig.AmountIn)
	x.el("transAmntEx", sig.AmountEx)
	x.el("amntTp", tp)
	x.opt("empID", emp)
	x.el("transDate", sig.Date)
	x.el("transTime", sig.Time)
	x.el("desc", cut(desc, 9999))
	if e.Type == "drawer.count" {
		for _, m := range slices.Sorted(maps.Keys(d.Difference)) {
			if v := d.Difference[m]; v != 0 {
				x.cashPayment(ledger.Payment{Method: m, Amount: v}, emp)
			}
		}
	} else {
		amount, _ := money.Parse(sig.AmountIn)
		x.cashPayment(ledger.Payment{Method: ledger.MethodCash, Amount: amount}, emp)
	}
	x.el("signature", sig.Value)
	x.el("keyVersion", fmt.Sprint(sig.KeyVersion))
	x.el("voidTransaction", "false")
	x.el("trainingID", "false")
	x.end("cashtransaction")
}

func (x *exporter) cashPayment(p ledger.Payment, emp string) {
	if x.payCodes == nil {
		x.payCodes = map[int]bool{}
	}
	x.payCodes[ledger.PaymentCode(p)] = true
	x.start("payment")
	x.el("paymentType", payID(p))
	x.el("paidAmnt", money.Format(p.Amount))
	x.opt("empID", emp)
	x.el("curCode", "NOK")
	x.el("exchRt", "1.000000")
	x.end("payment")
}
