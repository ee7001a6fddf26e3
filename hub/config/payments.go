package config

// Payments are the tenders beyond cash and card.
type Payments struct {
	// MobileSimulator runs the built-in stand-in for the mobile payment
	// provider (Vipps MobilePay-like) inside the hub: demo and tests.
	// Without it, mobile payments are refused.
	MobileSimulator bool `yaml:"mobile_simulator"`
	// Tenders are the shop's other tenders (invoice to a business
	// customer, a partner's voucher…).
	Tenders []Tender `yaml:"tenders"`
}

// Tender is a tender the shop configured.
type Tender struct {
	ID       string `yaml:"id"`        // what the register sends as the payment method
	Name     string `yaml:"name"`      // printed on the receipt
	Code     int    `yaml:"code"`      // SAF-T payment code, 12000–12999 (12006 customer account for invoices)
	NeedsRef bool   `yaml:"needs_ref"` // ask for a reference (the customer to invoice)
}

// builtInTenders are method names a configured tender may not take.
var builtInTenders = map[string]bool{"cash": true, "card": true, "giftcard": true, "credit": true, "mobile": true, "other": true}

func (p Payments) validate(bad func(string, ...any)) {
	seen := map[string]bool{}
	for i, t := range p.Tenders {
		switch {
		case t.ID == "" || t.Name == "":
			bad("payments.tenders[%d] needs an id and a name", i)
		case builtInTenders[t.ID]:
			bad("payments.tenders[%d]: %q is a built-in tender; choose another id", i, t.ID)
		case seen[t.ID]:
			bad("payments.tenders: %s is listed twice", t.ID)
		case t.Code < 12001 || t.Code > 12011 && t.Code != 12999:
			bad("payments.tenders %s: code %d is not a SAF-T payment code (12001–12011 or 12999: %s)", t.ID, t.Code, "12006 for invoices, 12999 other")
		}
		seen[t.ID] = true
	}
}
