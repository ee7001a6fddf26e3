package terminaltest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"time"
)

// Server is a stand-in terminal on HTTPS at 127.0.0.1 with a throw-away
// certificate, for tests in this process.
type Server struct {
	*Terminal
	// URL is the nexo endpoint, https://127.0.0.1:port/nexo.
	URL string
	srv *httptest.Server
}

// NewServer starts a stand-in terminal on HTTPS. Close it when done.
func NewServer(cfg Config) *Server {
	term := New(cfg)
	srv := httptest.NewUnstartedServer(term)
	// Dropped connections (LoseReply, clients timing out) are the point
	// here, not news.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	return &Server{Terminal: term, URL: srv.URL + "/nexo", srv: srv}
}

// ClientTLS returns a TLS configuration that trusts this server and nothing else.
func (s *Server) ClientTLS() *tls.Config {
	pool := x509.NewCertPool()
	pool.AddCert(s.srv.Certificate())
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
}

// CertificatePEM returns the server's certificate, to be written to a CA
// file for a client that loads one.
func (s *Server) CertificatePEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.srv.Certificate().Raw})
}

// Close releases held payments and shuts the server down.
func (s *Server) Close() {
	s.Terminal.Close()
	s.srv.Close()
}

// Serve runs a default stand-in terminal (POIID DefaultPOIID, the amount
// rules of the package doc) on HTTPS at addr until ctx ends, for a hub
// started with `make run` or an end-to-end test:
//
//	go terminaltest.Serve(ctx, "127.0.0.1:8443", "terminal.crt", "terminal.key")
//
// GenerateCert makes a certificate pair; the hub trusts certFile as its CA
// file.
func Serve(ctx context.Context, addr, certFile, keyFile string) error {
	return New(Config{}).Serve(ctx, addr, certFile, keyFile)
}

// Serve runs t on HTTPS at addr until ctx ends, then closes t. It returns
// nil after ctx ends, or the error that stopped the server.
func (t *Terminal) Serve(ctx context.Context, addr, certFile, keyFile string) error {
	if _, err := tls.LoadX509KeyPair(certFile, keyFile); err != nil {
		return fmt.Errorf("terminaltest: %w", err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("terminaltest: %w", err)
	}
	return t.ServeListener(ctx, ln, certFile, keyFile)
}

// ServeListener is Serve on a listener the caller opened (for instance on
// 127.0.0.1:0, to learn the port before the hub starts). It closes ln.
func (t *Terminal) ServeListener(ctx context.Context, ln net.Listener, certFile, keyFile string) error {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		ln.Close()
		return fmt.Errorf("terminaltest: %w", err)
	}
	srv := &http.Server{
		Handler:           t,
		ReadHeaderTimeout: 10 * time.Second,
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ServeTLS(ln, "", "") }()
	select {
	case err := <-errc:
		t.Close()
		return fmt.Errorf("terminaltest: %w", err)
	case <-ctx.Done():
		t.Close() // releases held payments, so Shutdown need not wait for them
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("terminaltest: %w", err)
		}
		return nil
	}
}

// GenerateCert writes a self-signed ECDSA certificate for hosts (names or
// IP addresses; 127.0.0.1 and localhost if none) to certFile and its key to
// keyFile (mode 0600). The certificate is its own CA, valid for a year.
func GenerateCert(certFile, keyFile string, hosts ...string) error {
	if len(hosts) == 0 {
		hosts = []string{"127.0.0.1", "localhost"}
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("terminaltest: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return fmt.Errorf("terminaltest: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: DefaultPOIID, Organization: []string{"Kasse test terminal"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return fmt.Errorf("terminaltest: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return fmt.Errorf("terminaltest: %w", err)
	}
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return fmt.Errorf("terminaltest: %w", err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return fmt.Errorf("terminaltest: %w", err)
	}
	return nil
}
