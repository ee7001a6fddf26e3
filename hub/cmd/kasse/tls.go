package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// certSource gives the HTTPS server its certificate and the CA certificate
// tablets are asked to trust. The shop CA kept in the hub's data directory
// is one; the shop-wide CA shared by the hubs will be another.
type certSource interface {
	TLSConfig() *tls.Config
	CACertPEM() []byte
}

// localCA is a shop CA made by this hub on first start (data/tls/ca.pem),
// and a server certificate it signs for this hub's names and addresses,
// renewed at start when it is due or its addresses changed.
type localCA struct {
	caPEM []byte
	cert  tls.Certificate
}

func (l *localCA) TLSConfig() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{l.cert}}
}

func (l *localCA) CACertPEM() []byte { return l.caPEM }

// openLocalCA loads or makes the CA in dir and issues the server certificate.
func openLocalCA(dir, hubID string) (*localCA, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("tls: %w", err)
	}
	caCert, caKey, caPEM, err := loadOrMakeCA(dir, hubID)
	if err != nil {
		return nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	host, _ := os.Hostname()
	tpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: "kasse " + hubID},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(397 * 24 * time.Hour), // what browsers accept
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost", host, host + ".local"},
	}
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok {
			tpl.IPAddresses = append(tpl.IPAddresses, ipn.IP)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("tls: issue server certificate: %w", err)
	}
	return &localCA{caPEM: caPEM, cert: tls.Certificate{Certificate: [][]byte{der, caCert.Raw}, PrivateKey: key}}, nil
}

func loadOrMakeCA(dir, hubID string) (*x509.Certificate, *ecdsa.PrivateKey, []byte, error) {
	certFile, keyFile := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "ca-key.pem")
	if certPEM, err := os.ReadFile(certFile); err == nil {
		keyPEM, err := os.ReadFile(keyFile)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("tls: %s without its key: %w", certFile, err)
		}
		cb, _ := pem.Decode(certPEM)
		kb, _ := pem.Decode(keyPEM)
		if cb == nil || kb == nil {
			return nil, nil, nil, errors.New("tls: the shop CA files are not PEM")
		}
		c, err1 := x509.ParseCertificate(cb.Bytes)
		k, err2 := x509.ParseECPrivateKey(kb.Bytes)
		if err := errors.Join(err1, err2); err != nil {
			return nil, nil, nil, fmt.Errorf("tls: shop CA: %w", err)
		}
		return c, k, certPEM, nil
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, nil, err
	}
	tpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "Kasse shop CA (" + hubID + ")", Organization: []string{"Kasse"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(20 * 365 * 24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, nil, err
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, nil, err
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, nil, nil, err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		return nil, nil, nil, err
	}
	if err := os.WriteFile(certFile, certPEM, 0o644); err != nil {
		return nil, nil, nil, err
	}
	return c, key, certPEM, nil
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	return n
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
