package till

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"unicode"

	"github.com/kasse/kasse/hub/ledger"
	"github.com/kasse/kasse/hub/money"
)

// Tender is a way to pay the shop configured beyond cash, card, gift
// cards, credit notes and mobile payment: invoice to a business customer,
// a partner's voucher. Code is its SAF-T payment code (12xxx).
type Tender struct {
	ID   string
	Name string
	Code int
	// NeedsRef asks for a reference with each payment (the customer to
	// invoice).
	NeedsRef bool
}

// PayOther pays amount (0: all that is due) with configured tender id.
func (s *Service) PayOther(ctx context.Context, r Req, sale, id string, amount money.Øre, ref string) (SaleJSON, error) {
	for _, t := range s.Tenders {
		if t.ID != id {
			continue
		}
		if t.NeedsRef && strings.TrimSpace(ref) == "" {
			return nil, invalid("needs_ref", "%s needs a reference (who is it for?)", t.Name)
		}
		return s.sale(ctx, r, ledger.CmdPayOther, ledger.PayOther{Sale: sale, Tender: t.ID, Name: t.Name, Code: t.Code, Amount: amount, Ref: ref})
	}
	return nil, invalid("bad_method", "this shop takes no tender %q", id)
}

// PayVoucher pays with a gift card or credit note: at most amount (0: all
// that is due), at most what it holds.
func (s *Service) PayVoucher(ctx context.Context, r Req, sale, method, number string, amount money.Øre) (SaleJSON, error) {
	return s.sale(ctx, r, ledger.CmdPayVoucher, ledger.PayVoucher{Sale: sale, Method: method, Number: normVoucher(number), Amount: amount})
}

// SellGiftCard puts a new gift card, or a top-up of one, on a sale; the
// card holds the money once the sale is paid.
func (s *Service) SellGiftCard(ctx context.Context, r Req, sale, number string, amount money.Øre) (SaleJSON, error) {
	return s.sale(ctx, r, ledger.CmdSaleGift, ledger.SaleGift{Sale: sale, Number: normVoucher(number), Amount: amount})
}

// normVoucher reads a voucher number as scanned or typed.
func normVoucher(n string) string {
	return strings.ToUpper(strings.Map(func(r rune) rune {
		if r == '-' || unicode.IsSpace(r) {
			return -1
		}
		return r
	}, n))
}

// Tip sets the tip the customer adds before the sale closes.
func (s *Service) Tip(ctx context.Context, r Req, sale string, amount money.Øre) (SaleJSON, error) {
	return s.sale(ctx, r, ledger.CmdSaleTip, ledger.SaleTip{Sale: sale, Amount: amount})
}

// RefundTo gives back a return's money. method "" is the original tender:
// a card payment of the same day for exactly the amount is reversed, other
// card payments are refunded to a card, a mobile payment through the app,
// cash in cash; a return without a receipt, or of a sale paid with a gift
// card, credit note or other tender, gets a credit note.
func (s *Service) RefundTo(ctx context.Context, r Req, ret, method string) (any, error) {
	rs, err := s.L.Sale(ret)
	if errors.Is(err, ledger.ErrNotFound) {
		return nil, invalid("unknown_sale", "no return %s", ret)
	}
	if err != nil {
		return nil, err
	}
	var orig *ledger.Payment
	if method == "" {
		method = ledger.MethodCredit
		if rs.Original != "" {
			o, err := s.L.Sale(rs.Original)
			if err != nil {
				return nil, err
			}
			for i, p := range o.Payments {
				if orig == nil || p.Amount > orig.Amount {
					orig = &o.Payments[i]
				}
			}
			if orig != nil && orig.Method != ledger.MethodGift && orig.Method != ledger.MethodOther {
				method = orig.Method
			}
		}
	}
	switch method {
	case ledger.MethodCash:
		return s.sale(ctx, r, ledger.CmdReturnRefund, ledger.ReturnRefund{Return: ret, Method: method})
	case ledger.MethodCredit:
		return s.sale(ctx, r, ledger.CmdReturnRefund, ledger.ReturnRefund{Return: ret, Method: method, Voucher: NewVoucherNumber()})
	case ledger.MethodCard:
		if orig != nil && orig.Attempt != "" && orig.Amount == -rs.Totals.Due {
			if of, err := s.L.Attempt(orig.Attempt); err == nil && of.Reversed == "" &&
				of.Started.In(ledger.Oslo).Format("2006-01-02") == s.now().In(ledger.Oslo).Format("2006-01-02") {
				return s.Reverse(ctx, r, ret, of.ID)
			}
		}
		return s.RefundCard(ctx, r, ret, 0)
	case ledger.MethodMobile:
		if orig == nil || orig.Method != ledger.MethodMobile {
			o, _ := s.L.Sale(rs.Original)
			if o != nil {
				for i, p := range o.Payments {
					if p.Method == ledger.MethodMobile {
						orig = &o.Payments[i]
					}
				}
			}
		}
		if orig == nil || orig.Method != ledger.MethodMobile {
			return nil, invalid("bad_method", "the original sale was not paid in the app")
		}
		return s.RefundMobile(ctx, r, ret, orig.Attempt, 0)
	}
	return nil, invalid("bad_method", "refund in cash, card, mobile or as a credit note")
}

// NewVoucherNumber is a fresh credit note number: "CN", ten random digits
// and a Luhn check digit, so a typing slip is caught. It stays below 13
// digits on purpose: a longer Luhn-valid digit run looks like a card number
// to card-data scanners (and to the terminal driver's scrubbing).
func NewVoucherNumber() string {
	id := NewID("")
	var b strings.Builder
	for i := 0; b.Len() < 10; i++ {
		b.WriteByte('0' + id[i%len(id)]%10)
	}
	return "CN" + b.String() + strconv.Itoa(luhn(b.String()))
}

func luhn(digits string) int {
	sum := 0
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if (len(digits)-i)%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return (10 - sum%10) % 10
}

// FindSale finds a completed sale for a return by what the receipt's
// barcode or QR code holds (the sale's id), or by "<register>/<receipt
// number>" or a bare receipt number on this register, as printed.
func (s *Service) FindSale(r Req, code string) (*ledger.Sale, error) {
	code = strings.TrimSpace(code)
	if code == "" {
		return nil, invalid("bad_request", "scan the receipt's code or type its number")
	}
	if sl, err := s.L.Sale(code); err == nil {
		return sl, nil
	}
	reg, n, ok := receiptRef(code, r.Register)
	if !ok {
		return nil, invalid("unknown_sale", "no sale or receipt %q", code)
	}
	sl, err := s.L.SaleByReceipt(reg, n)
	if errors.Is(err, ledger.ErrNotFound) {
		return nil, invalid("unknown_sale", "no receipt %d on register %s", n, reg)
	}
	return sl, err
}

// OpenBlindReturn starts a return without a receipt; the employee needs
// the permission, or a supervisor's override.
func (s *Service) OpenBlindReturn(ctx context.Context, r Req, o *Override) (SaleJSON, error) {
	by, err := s.approver(ctx, r, o)
	if err != nil {
		return nil, err
	}
	return s.sale(ctx, r, ledger.CmdReturnOpen, ledger.ReturnOpen{Return: NewID("R"), ApprovedBy: by})
}

// ReturnItem takes back qty of an item on a return without a receipt.
func (s *Service) ReturnItem(ctx context.Context, r Req, ret, sku string, qty int64) (SaleJSON, error) {
	return s.sale(ctx, r, ledger.CmdReturnAdd, ledger.ReturnAdd{Return: ret, SKU: sku, Qty: qty})
}

// Exchange takes qty of line of the completed sale original back on the
// open sale: a return and a sale in one transaction.
func (s *Service) Exchange(ctx context.Context, r Req, sale, original string, line int, qty int64) (SaleJSON, error) {
	return s.sale(ctx, r, ledger.CmdSaleExchange, ledger.SaleExchange{Sale: sale, Original: original, Line: line, Qty: qty})
}

// Settle completes an exchange that leaves nothing to pay or refund.
func (s *Service) Settle(ctx context.Context, r Req, sale string) (SaleJSON, error) {
	return s.sale(ctx, r, ledger.CmdSaleSettle, map[string]string{"sale": sale})
}

// receiptRef reads a receipt number as printed: "K1/12", or "12" on
// register reg.
func receiptRef(code, reg string) (string, int64, bool) {
	r, no, ok := strings.Cut(code, "/")
	if !ok {
		r, no = reg, code
	}
	n, err := strconv.ParseInt(no, 10, 64)
	if err != nil || n < 1 || r == "" || len(r) > 32 || strings.ContainsAny(r, "/\x00") {
		return "", 0, false
	}
	return r, n, true
}
