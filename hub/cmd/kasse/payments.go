package main

import (
	"github.com/kasse/kasse/drivers/mobilepay/mobilepaytest"
	"github.com/kasse/kasse/hub/till"
)

// payments sets up the tenders beyond cash and card: the shop's own
// tenders, and the mobile payment provider (only its stand-in so far).
func (h *hub) payments(svc *till.Service) {
	h.closers = append(h.closers, func() error { svc.Close(); return nil })
	for _, t := range h.cfg.Payments.Tenders {
		svc.Tenders = append(svc.Tenders, till.Tender{ID: t.ID, Name: t.Name, Code: t.Code, NeedsRef: t.NeedsRef})
	}
	if h.cfg.Payments.MobileSimulator {
		// Amounts choose what the customer does (see mobilepaytest).
		svc.Mobile = mobilepaytest.New()
		h.log.Info("simulator mobile payment provider")
	}
}
