package main

import (
	"context"
	"fmt"
	"time"

	"github.com/kasse/kasse/hub/till"
)

// pairingCode prints a fresh single-use code for pairing a register's
// browser with the shop. A manager can issue more from a register
// (POST /api/v1/pairings).
func pairingCode(ctx context.Context, h *hub, base string) {
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	code, exp, err := h.svc.NewPairCode(cctx, till.Req{})
	if err != nil {
		h.log.Warn("no pairing code (pair registers from a register with a manager logged in)", "err", err)
		return
	}
	fmt.Printf("Register: open %s/ on the tablet and pair it with code %s %s (valid until %s)\n", base, code[:4], code[4:], exp.Local().Format("15:04"))
}
