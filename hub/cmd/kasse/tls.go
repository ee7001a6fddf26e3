package main

import (
	"crypto/tls"
	"encoding/pem"
	"net"

	"github.com/kasse/kasse/hub/pki"
)

// certSource gives the registers' HTTPS server its certificate and the CA
// certificate tablets are asked to trust (served at /ca.crt).
type certSource interface {
	TLSConfig() *tls.Config
	CACertPEM() []byte
}

// shopCA serves HTTPS with this hub's certificate from the shop CA: the one
// CA a tablet trusts covers every hub of the shop.
type shopCA struct{ id *pki.Identity }

func (s shopCA) TLSConfig() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{s.id.Cert}}
}

func (s shopCA) CACertPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.id.CA.Raw})
}

// useTLS says whether the hub serves HTTPS: "auto" does except on loopback.
func useTLS(mode, addr string) bool {
	switch mode {
	case "on":
		return true
	case "off":
		return false
	}
	host, _, _ := net.SplitHostPort(addr)
	ip := net.ParseIP(host)
	return !(host == "localhost" || ip != nil && ip.IsLoopback())
}
