package main

import (
	"context"
	"time"

	"github.com/kasse/kasse/drivers/terminal"
	"github.com/kasse/kasse/hub/devices"
)

// terminalProbe is the transaction id the watch asks the terminal about:
// one that never exists, so any answer only says the terminal is there.
const terminalProbe = "kasse-probe"

// watchTerminal asks the card terminal once a second whether it is there
// and tells the registers listening on this hub when that changes — and
// every second while it is offline, so a register that connects late
// learns it too.
func (h *hub) watchTerminal(ctx context.Context, term *terminal.Client, bus *devices.Bus) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	last := "online"
	for {
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		_, err := term.Status(pctx, terminalProbe)
		cancel()
		if ctx.Err() != nil {
			return
		}
		state := "online"
		if err != nil {
			state = "offline"
		}
		if state != last || state == "offline" {
			if state != last {
				h.log.Info("card terminal "+state, "poi", h.cfg.Terminal.POIID, "err", err)
			}
			regs, _ := h.ledger.Registers()
			for _, r := range regs {
				bus.Publish(r.ID, devices.Event{Type: "terminal", Device: h.cfg.Terminal.POIID, State: state, At: time.Now()})
			}
			last = state
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
