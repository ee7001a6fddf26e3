package till

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kasse/kasse/hub/ledger"
)

// FuzzReceiptRef: whatever a cashier types or a scanner reads as a receipt
// number is either refused or read as a register and a positive number
// that print back to what was read.
func FuzzReceiptRef(f *testing.F) {
	for _, s := range []string{"12", "K1/12", "/12", "K1/", "K1/-3", "K1/1/2", "9223372036854775808"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, code string) {
		reg, n, ok := receiptRef(code, "K1")
		if !ok {
			return
		}
		if n < 1 || reg == "" || strings.Contains(reg, "/") {
			t.Fatalf("%q read as %q %d", code, reg, n)
		}
		if r2, n2, ok := receiptRef(fmt.Sprintf("%s/%d", reg, n), "K9"); !ok || r2 != reg || n2 != n {
			t.Fatalf("%q: %s/%d does not read back (%q %d %v)", code, reg, n, r2, n2, ok)
		}
	})
}

// FuzzVoucherNumber: a number as typed or scanned normalises once and for
// all, and what the ledger takes as a number survives normalising.
func FuzzVoucherNumber(f *testing.F) {
	for _, s := range []string{"GC-7777-0001", " gc 7777 0001 ", "4000123412341234", "ø", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, n string) {
		once := normVoucher(n)
		if normVoucher(once) != once {
			t.Fatalf("%q normalises to %q, then to %q", n, once, normVoucher(once))
		}
		if ledger.ValidVoucherNumber(once) && strings.ContainsAny(once, " -") {
			t.Fatalf("%q accepted with separators", once)
		}
	})
}

func TestNewVoucherNumber(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		n := NewVoucherNumber()
		if len(n) != 13 || n[:2] != "CN" || !ledger.ValidVoucherNumber(n) || luhn(n[2:12]) != int(n[12]-'0') || seen[n] {
			t.Fatalf("credit note number %q", n)
		}
		seen[n] = true
	}
	if luhn("7992739871") != 3 { // the textbook example: 79927398713
		t.Errorf("luhn(7992739871) = %d, want 3", luhn("7992739871"))
	}
}
