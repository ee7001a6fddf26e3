package ledger

import (
	"time"

	"github.com/kasse/kasse/hub/money"
)

// Shop is who the receipts say sold.
type Shop struct {
	Name    string `json:"name"`
	Address string `json:"address"`
	OrgNr   string `json:"orgNr"` // nine digits
	VAT     bool   `json:"vat"`   // registered for VAT: receipts say "<orgnr> MVA"
}

// Register is a till: a tablet, phone or pop-up register selling in the shop.
type Register struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Nr       int64  `json:"nr"`       // last signed transaction number
	Receipts int64  `json:"receipts"` // last sales receipt number
	// TrainingReceipts is the last training receipt number: training
	// receipts have a series of their own, so the sales receipts' has no gaps.
	TrainingReceipts int64  `json:"trainingReceipts,omitempty"`
	LastSig          string `json:"lastSig,omitempty"`
	Employee         string `json:"employee,omitempty"` // logged in now
	// DrawerOpen is the register's cash drawer as its owning hub last saw
	// it; no sale changes while it is open.
	DrawerOpen bool `json:"drawerOpen,omitempty"`
}

// Roles an employee can hold, least to most.
const (
	RoleCashier    = "cashier"
	RoleSupervisor = "supervisor"
	RoleManager    = "manager"
	RoleAdmin      = "admin"
)

// Employee works the tills. PINHash is a slow hash made by the proposer.
type Employee struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Role    string `json:"role"`
	PINHash string `json:"pinHash,omitempty"`
	Active  bool   `json:"active"`
}

// Item is a catalog article. Barcodes are normalised GTIN-14 strings (or
// in-store article keys) as the barcode package makes them.
type Item struct {
	SKU      string     `json:"sku"`
	Name     string     `json:"name"`
	Group    string     `json:"group"`
	Price    money.Øre  `json:"price"` // VAT included; per kg for UnitKg
	Rate     money.Rate `json:"rate"`
	Unit     string     `json:"unit"`
	Barcodes []string   `json:"barcodes,omitempty"`
	Active   bool       `json:"active"`
}

// Attempt is a card payment asked of a terminal. It is journaled before the
// terminal is asked, so an outcome lost in a crash is looked up, not guessed.
type Attempt struct {
	ID string `json:"id"`
	// Kind is "" for a payment, AttemptRefund or AttemptReversal (money
	// going back: booked as a negative payment). Of is the payment
	// attempt a reversal cancels.
	Kind     string    `json:"kind,omitempty"`
	Of       string    `json:"of,omitempty"`
	Reversed string    `json:"reversed,omitempty"` // the reversal that cancelled this payment
	Sale     string    `json:"sale"`
	Register string    `json:"register"`
	Method   string    `json:"method"`
	Amount   money.Øre `json:"amount"`
	Status   string    `json:"status"` // pending, approved, declined, failed
	Started  time.Time `json:"started"`
	Outcome  *Outcome  `json:"outcome,omitempty"`
}

// Attempt states.
const (
	AttemptPending  = "pending"
	AttemptApproved = "approved"
	AttemptDeclined = "declined"
	AttemptFailed   = "failed"
)

// Outcome is a terminal's answer to an attempt.
type Outcome struct {
	Status     string    `json:"status"` // approved, declined, failed
	Authorized money.Øre `json:"authorized,omitempty"`
	Card       *CardInfo `json:"card,omitempty"`
	Message    string    `json:"message,omitempty"`
	// Tip is the part of Authorized the customer added on the terminal.
	Tip money.Øre `json:"tip,omitempty"`
	// Ref is a mobile payment's provider reference.
	Ref string `json:"ref,omitempty"`
}

// Limits that keep a single command small and a typing slip harmless.
const (
	MaxQty       = 9999    // pieces on one line
	MaxGrams     = 100_000 // 100 kg on one weighed line
	MaxLines     = 500     // lines on one sale
	MaxItemsCall = 1000    // items in one catalog command
)
