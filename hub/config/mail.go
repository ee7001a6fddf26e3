package config

import (
	"fmt"
	"net"
	"net/mail"
)

// Mail is how the hubs send e-mail receipts: through the shop's SMTP
// server, from the hub that leads. An empty Address turns e-mail receipts
// off.
type Mail struct {
	Address  string `yaml:"address"`  // SMTP server host:port; STARTTLS when it offers it
	From     string `yaml:"from"`     // sender address
	Username string `yaml:"username"` // optional login (PLAIN; only over TLS or to localhost)
	Password string `yaml:"password"`
}

// On says whether e-mail receipts are configured.
func (m Mail) On() bool { return m.Address != "" }

func (m Mail) check() []error {
	if !m.On() {
		return nil
	}
	var errs []error
	if _, _, err := net.SplitHostPort(m.Address); err != nil {
		errs = append(errs, fmt.Errorf("config: mail.address %q: give host:port, like smtp.example.no:587", m.Address))
	}
	if a, err := mail.ParseAddress(m.From); err != nil || a.Address != m.From {
		errs = append(errs, fmt.Errorf("config: mail.from %q: give the sender's address, like kvittering@butikken.no", m.From))
	}
	if m.Password != "" && m.Username == "" {
		errs = append(errs, fmt.Errorf("config: mail.password without mail.username"))
	}
	return errs
}
