// Package pki is the shop's certificate authority and each hub's identity.
//
// The first hub of a shop creates the CA when it bootstraps; the CA lives in
// the hub's data directory (never in the Raft log) and reaches a joining hub
// only over the hubs' mutual TLS, after the join token was honoured. Every
// hub holds it, so any hub can admit a new one or replace a dead one.
//
// It promises:
//   - a hub certificate is good for both ends of mutual TLS (server and
//     client auth) and names the hub (CommonName = hub id) and its addresses;
//   - a TLS config from Identity trusts the shop CA alone: a peer with a
//     certificate of another shop, or none where one is required, is refused;
//   - a CA is known by its fingerprint (SHA-256 of its DER), which a join
//     token carries so the new hub can pin it before it trusts anything.
//
// Files in the directory: ca.crt, ca.key (the CA), hub.crt, hub.key (this
// hub). Keys are ECDSA P-256, PEM, mode 0600.
package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// File names inside a hub's pki directory.
const (
	CACert  = "ca.crt"
	CAKey   = "ca.key"
	HubCert = "hub.crt"
	HubKey  = "hub.key"
)

// Validity of what the package issues. A shop CA outlives the boxes; a hub
// certificate is renewed by rejoining.
const (
	CAValidity  = 30 * 365 * 24 * time.Hour
	HubValidity = 10 * 365 * 24 * time.Hour
)

// ErrNoCA: the directory holds no CA.
var ErrNoCA = errors.New("pki: no shop CA here")

// CA is the shop's certificate authority.
type CA struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

// NewCA makes a new shop CA named after the shop.
func NewCA(shop string) (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("pki: CA key: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "Kasse shop CA " + shop, Organization: []string{shop}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(CAValidity),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("pki: self-sign CA: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &CA{Cert: cert, Key: key}, nil
}

// Fingerprint is the hex SHA-256 of a certificate's DER.
func Fingerprint(c *x509.Certificate) string {
	s := sha256.Sum256(c.Raw)
	return hex.EncodeToString(s[:])
}

// Fingerprint of the CA certificate.
func (ca *CA) Fingerprint() string { return Fingerprint(ca.Cert) }

// CertPEM is the CA certificate as PEM.
func (ca *CA) CertPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert.Raw})
}

// KeyPEM is the CA key as PEM.
func (ca *CA) KeyPEM() ([]byte, error) { return keyPEM(ca.Key) }

// Save writes the CA to dir (created 0700); existing files are an error,
// so a CA is never overwritten.
func (ca *CA) Save(dir string) error {
	k, err := ca.KeyPEM()
	if err != nil {
		return err
	}
	return writeNew(dir, map[string][]byte{CACert: ca.CertPEM(), CAKey: k})
}

// LoadCA reads the CA from dir; ErrNoCA when there is none.
func LoadCA(dir string) (*CA, error) {
	cb, err := os.ReadFile(filepath.Join(dir, CACert))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNoCA
	}
	if err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}
	kb, err := os.ReadFile(filepath.Join(dir, CAKey))
	if err != nil {
		return nil, fmt.Errorf("pki: CA key: %w", err)
	}
	return ParseCA(cb, kb)
}

// ParseCA reads a CA from its PEM certificate and key.
func ParseCA(certPEM, keyPEM []byte) (*CA, error) {
	cert, err := ParseCert(certPEM)
	if err != nil {
		return nil, err
	}
	if !cert.IsCA {
		return nil, errors.New("pki: the CA certificate is not a CA")
	}
	key, err := parseKey(keyPEM)
	if err != nil {
		return nil, err
	}
	if !publicEqual(cert.PublicKey, key.Public()) {
		return nil, errors.New("pki: the CA key does not belong to the CA certificate")
	}
	return &CA{Cert: cert, Key: key}, nil
}

// NewKey makes a hub key.
func NewKey() (*ecdsa.PrivateKey, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("pki: hub key: %w", err)
	}
	return k, nil
}

// NewCSR asks for a certificate for hub id with key, naming the hub's
// addresses (IPs or host names; ports are dropped).
func NewCSR(key crypto.Signer, id string, names []string) ([]byte, error) {
	ips, dns := split(names)
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: pkix.Name{CommonName: id}, IPAddresses: ips, DNSNames: dns,
	}, key)
	if err != nil {
		return nil, fmt.Errorf("pki: CSR: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}), nil
}

// Sign issues a hub certificate for a CSR (PEM). The CSR's signature must
// hold and its CommonName must be id: a token admits one named hub.
func (ca *CA) Sign(csrPEM []byte, id string) ([]byte, error) {
	blk, _ := pem.Decode(csrPEM)
	if blk == nil || blk.Type != "CERTIFICATE REQUEST" {
		return nil, errors.New("pki: the certificate request is not a PEM CERTIFICATE REQUEST")
	}
	csr, err := x509.ParseCertificateRequest(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("pki: certificate request: %w", err)
	}
	if err := csr.CheckSignature(); err != nil {
		return nil, fmt.Errorf("pki: certificate request signature: %w", err)
	}
	if csr.Subject.CommonName != id {
		return nil, fmt.Errorf("pki: the certificate request names %q, not hub %q", csr.Subject.CommonName, id)
	}
	return ca.issue(csr.PublicKey, id, csr.IPAddresses, csr.DNSNames)
}

// Issue makes a hub certificate (PEM) for key directly; for the CA's own hub.
func (ca *CA) Issue(pub crypto.PublicKey, id string, names []string) ([]byte, error) {
	ips, dns := split(names)
	return ca.issue(pub, id, ips, dns)
}

func (ca *CA) issue(pub crypto.PublicKey, id string, ips []net.IP, dns []string) ([]byte, error) {
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: id, Organization: ca.Cert.Subject.Organization},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(HubValidity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IPAddresses:  ips,
		DNSNames:     append([]string{id}, dns...),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, pub, ca.Key)
	if err != nil {
		return nil, fmt.Errorf("pki: issue certificate for %s: %w", id, err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}

// Identity is a hub's certificate and key with the CA it trusts.
type Identity struct {
	ID   string // the hub id, from the certificate's CommonName
	Cert tls.Certificate
	CA   *x509.Certificate
	pool *x509.CertPool
}

// SaveIdentity writes a hub's certificate and key to dir; existing files
// are an error.
func SaveIdentity(dir string, certPEM []byte, key crypto.Signer) error {
	k, err := keyPEM(key)
	if err != nil {
		return err
	}
	return writeNew(dir, map[string][]byte{HubCert: certPEM, HubKey: k})
}

// LoadIdentity reads this hub's certificate, key and the CA certificate
// from dir, and checks that the certificate chains to the CA.
func LoadIdentity(dir string) (*Identity, error) {
	read := func(name string) ([]byte, error) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("pki: %w", err)
		}
		return b, nil
	}
	cb, err := read(HubCert)
	if err != nil {
		return nil, err
	}
	kb, err := read(HubKey)
	if err != nil {
		return nil, err
	}
	cab, err := read(CACert)
	if err != nil {
		return nil, err
	}
	return NewIdentity(cb, kb, cab)
}

// NewIdentity builds an identity from PEM certificate, key and CA.
func NewIdentity(certPEM, keyPEM, caPEM []byte) (*Identity, error) {
	ca, err := ParseCert(caPEM)
	if err != nil {
		return nil, fmt.Errorf("pki: CA: %w", err)
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("pki: hub certificate and key: %w", err)
	}
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		return nil, fmt.Errorf("pki: this hub's certificate is not of the shop CA: %w", err)
	}
	pair.Leaf = leaf
	// Send the CA along, so a joining hub can pin it by fingerprint.
	pair.Certificate = append(pair.Certificate, ca.Raw)
	return &Identity{ID: leaf.Subject.CommonName, Cert: pair, CA: ca, pool: pool}, nil
}

// Fingerprint of the CA this identity trusts.
func (id *Identity) Fingerprint() string { return Fingerprint(id.CA) }

// verifyPeer checks that the peer's certificate chains to the shop CA and is
// good for what it is used for. Host names are not checked: a hub is known
// by its certificate, not by the address it happens to have today.
func (id *Identity) verifyPeer(usage x509.ExtKeyUsage) func(tls.ConnectionState) error {
	return func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return nil // the server side decides whether a certificate is required
		}
		inter := x509.NewCertPool()
		for _, c := range cs.PeerCertificates[1:] {
			inter.AddCert(c)
		}
		_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{Roots: id.pool, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{usage}})
		if err != nil {
			return fmt.Errorf("pki: peer %q is not a hub of this shop: %w", cs.PeerCertificates[0].Subject.CommonName, err)
		}
		return nil
	}
}

// ServerTLS is the config for a hub's listener. A client certificate is
// verified against the shop CA when given (a foreign one is refused in the
// handshake); whether one is required is the listener's call per protocol
// (PeerID), since a joining hub has none yet.
func (id *Identity) ServerTLS(protos ...string) *tls.Config {
	return &tls.Config{
		Certificates:     []tls.Certificate{id.Cert},
		ClientCAs:        id.pool,
		ClientAuth:       tls.VerifyClientCertIfGiven,
		MinVersion:       tls.VersionTLS13,
		NextProtos:       protos,
		VerifyConnection: id.verifyPeer(x509.ExtKeyUsageClientAuth),
	}
}

// ClientTLS is the config for dialling another hub: it presents this hub's
// certificate and trusts only servers of the shop CA.
func (id *Identity) ClientTLS(protos ...string) *tls.Config {
	return &tls.Config{
		Certificates:       []tls.Certificate{id.Cert},
		MinVersion:         tls.VersionTLS13,
		NextProtos:         protos,
		InsecureSkipVerify: true, // verified by VerifyConnection, against the shop CA only
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("pki: the peer sent no certificate")
			}
			return id.verifyPeer(x509.ExtKeyUsageServerAuth)(cs)
		},
	}
}

// PinnedTLS is the config a hub without an identity uses to join: it
// trusts a server only if its chain holds a CA with the fingerprint fp and
// the server's certificate is signed by that CA. On success, *ca is set.
func PinnedTLS(fp string, ca **x509.Certificate, protos ...string) *tls.Config {
	return &tls.Config{
		MinVersion:         tls.VersionTLS13,
		NextProtos:         protos,
		InsecureSkipVerify: true, // verified by VerifyConnection, against the pinned CA
		VerifyConnection: func(cs tls.ConnectionState) error {
			var root *x509.Certificate
			for _, c := range cs.PeerCertificates {
				if Fingerprint(c) == fp {
					root = c
				}
			}
			if root == nil || len(cs.PeerCertificates) < 2 {
				return fmt.Errorf("pki: the hub answering is not of the shop whose CA fingerprint is %.16s…", fp)
			}
			pool := x509.NewCertPool()
			pool.AddCert(root)
			if _, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
				return fmt.Errorf("pki: the hub's certificate is not of the pinned CA: %w", err)
			}
			*ca = root
			return nil
		},
	}
}

// PeerID is the hub id of a verified peer, "" when it sent no certificate.
// Only meaningful on connections made with ServerTLS or ClientTLS, which
// refuse certificates of other CAs during the handshake.
func PeerID(cs *tls.ConnectionState) string {
	if cs == nil || len(cs.PeerCertificates) == 0 {
		return ""
	}
	return cs.PeerCertificates[0].Subject.CommonName
}

// ParseCert reads one PEM certificate.
func ParseCert(b []byte) (*x509.Certificate, error) {
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "CERTIFICATE" {
		return nil, errors.New("pki: not a PEM CERTIFICATE")
	}
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("pki: certificate: %w", err)
	}
	return c, nil
}

func keyPEM(k crypto.Signer) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, fmt.Errorf("pki: encode key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

func parseKey(b []byte) (crypto.Signer, error) {
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, errors.New("pki: key is not PEM")
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("pki: key: %w", err)
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("pki: a %T cannot sign", k)
	}
	return s, nil
}

func publicEqual(a, b crypto.PublicKey) bool {
	ea, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && ea.Equal(b)
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return n
}

// split sorts names into IPs and host names, dropping ports and empties.
func split(names []string) ([]net.IP, []string) {
	var ips []net.IP
	var dns []string
	seen := map[string]bool{}
	for _, n := range names {
		if h, _, err := net.SplitHostPort(n); err == nil {
			n = h
		}
		if n == "" || seen[n] {
			continue
		}
		seen[n] = true
		if ip := net.ParseIP(n); ip != nil {
			if !ip.IsUnspecified() {
				ips = append(ips, ip)
			}
			continue
		}
		dns = append(dns, n)
	}
	return ips, dns
}

// writeNew writes files into dir, refusing to overwrite any.
func writeNew(dir string, files map[string][]byte) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("pki: %w", err)
	}
	for name, b := range files {
		f, err := os.OpenFile(filepath.Join(dir, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return fmt.Errorf("pki: %w", err)
		}
		_, err = f.Write(b)
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("pki: write %s: %w", name, err)
		}
	}
	return nil
}

// Bootstrap makes sure dir holds a shop CA and this hub's identity: on the
// first start of the first hub it creates both. names are this hub's
// addresses for its certificate.
func Bootstrap(dir, shop, id string, names []string) (*Identity, error) {
	if _, err := os.Stat(filepath.Join(dir, HubCert)); err == nil {
		return LoadIdentity(dir)
	}
	ca, err := LoadCA(dir)
	if errors.Is(err, ErrNoCA) {
		if ca, err = NewCA(shop); err == nil {
			err = ca.Save(dir)
		}
	}
	if err != nil {
		return nil, err
	}
	key, err := NewKey()
	if err != nil {
		return nil, err
	}
	cert, err := ca.Issue(key.Public(), id, names)
	if err != nil {
		return nil, err
	}
	if err := SaveIdentity(dir, cert, key); err != nil {
		return nil, err
	}
	return LoadIdentity(dir)
}
