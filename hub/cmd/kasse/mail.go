package main

import (
	"github.com/dgraph-io/badger/v4"

	"github.com/kasse/kasse/hub/devices"
	"github.com/kasse/kasse/hub/ledger"
)

// mailer sends the shop's e-mail receipts from this hub while it leads
// (every hub runs one; a hub without mail configured does nothing).
func (h *hub) mailer(l *ledger.Ledger, p devices.Proposer, dev *devices.Service, db *badger.DB) *devices.Mailer {
	m := h.cfg.Mail
	return &devices.Mailer{
		Cfg:  devices.MailConfig{Addr: m.Address, From: m.From, Username: m.Username, Password: m.Password, Hello: h.cfg.Hub.ID},
		L:    l,
		P:    p,
		Bus:  dev.Bus,
		Lead: h.node.IsLeader,
		Sent: devices.DoneStore{DB: db},
		Log:  h.log.With("device", "mail"),
		Shop: h.cfg.Shop.Name,
	}
}
