package ledger

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
)

// E-mail receipts: the register asks the hub to send a completed sale's
// receipt to the customer's address. The request becomes a device action
// (kind ActMail) that the sending hub carries out once and reports done;
// the address lives only in that action, kept with the sale.

// ActMail is the device action "e-mail this receipt".
const ActMail = "mail"

// CmdReceiptMail asks for a completed sale's receipt by e-mail.
const CmdReceiptMail = "receipt.mail"

// MaxMails is how many e-mails of one receipt a sale may ask for.
const MaxMails = 3

// ReceiptMail is the body of CmdReceiptMail.
type ReceiptMail struct {
	Sale string `json:"sale"`
	To   string `json:"to"`
}

func init() {
	addHandlers(map[string]handler{CmdReceiptMail: applyReceiptMail})
}

// CheckAddress says whether to is a plain e-mail address (no display name,
// no list) a receipt may go to.
func CheckAddress(to string) error {
	if len(to) > 254 || strings.ContainsAny(to, "\r\n") {
		return errors.New("not an e-mail address")
	}
	a, err := mail.ParseAddress(to)
	if err != nil || a.Name != "" || a.Address != to {
		return fmt.Errorf("%q is not an e-mail address", to)
	}
	at := strings.LastIndexByte(to, '@')
	if at < 1 || !strings.Contains(to[at+1:], ".") {
		return fmt.Errorf("%q is not an e-mail address", to)
	}
	return nil
}

func applyReceiptMail(a *applyCtx, env *Envelope) (any, error) {
	req, err := body[ReceiptMail](env)
	if err != nil {
		return nil, err
	}
	to := strings.TrimSpace(req.To)
	if err := CheckAddress(to); err != nil {
		return nil, reject("bad_address", "%s: check the address", err)
	}
	s, err := a.sale(req.Sale)
	if err != nil {
		return nil, err
	}
	if s.Status != SaleCompleted {
		return nil, reject("not_completed", "only a completed sale has a receipt to send")
	}
	for n := 1; n <= MaxMails; n++ {
		id := fmt.Sprintf("%s/%s/%d", ActMail, s.ID, n)
		if _, err := load[Action](a, pfxAction+id); err == nil {
			continue
		} else if !errors.Is(err, ErrNotFound) {
			return nil, err
		}
		act := Action{ID: id, Kind: ActMail, Register: env.Register, Sale: s.ID, To: to}
		if err := a.addAction(act); err != nil {
			return nil, err
		}
		act.Status, act.Created, act.Index = ActPending, a.env.Time, a.index
		return act, nil
	}
	return nil, reject("mail_limit", "this receipt was sent by e-mail %d times already", MaxMails)
}
