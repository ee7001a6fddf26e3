package web

import (
	"errors"
	"net/http"

	"github.com/kasse/kasse/hub/barcode"
	"github.com/kasse/kasse/hub/ledger"
)

// skuOf finds the item a scanned barcode names, for a return without a
// receipt where the register scans the goods brought back: EAN/UPC, GS1,
// and in-store codes in the default layouts (their article key; the
// quantity is the one the register sends).
func (s *Server) skuOf(code string) (string, error) {
	c, err := barcode.Parse(code)
	if err != nil || c.GTIN == "" {
		return "", &apiError{http.StatusUnprocessableEntity, "bad_barcode", "the code " + code + " names no article: scan again or type the item", false}
	}
	it, err := s.till.L.ItemByCode(c.GTIN)
	if errors.Is(err, ledger.ErrNotFound) {
		return "", &apiError{http.StatusNotFound, "unknown_barcode", "no item has barcode " + c.Raw, false}
	}
	if err != nil {
		return "", err
	}
	return it.SKU, nil
}
