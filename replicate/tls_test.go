package replicate

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"testing"
	"time"
)

// mtls returns a config for mutual TLS: one CA signs a cert for 127.0.0.1
// used as server and client.
func mtls(t *testing.T) *tls.Config {
	t.Helper()
	key := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	caKey, hubKey := key(), key()
	ca := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "shop CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "hub"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		KeyUsage:    x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &hubKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(caCert)
	return &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: hubKey}},
		RootCAs:      pool,
		ClientCAs:    pool,
		ClientAuth:   tls.RequireAndVerifyClientCert,
		MinVersion:   tls.VersionTLS13,
	}
}

func TestTLS(t *testing.T) {
	conf := mtls(t)
	var hs []*hub
	for i, id := range []string{"hub1", "hub2"} {
		dir := t.TempDir()
		c := testConfig(id, dir, "127.0.0.1:0", i == 0)
		c.TLS = conf
		c.TimeoutScale = clusterScale
		hs = append(hs, startHub(t, c, dir))
	}
	leader(t, hs[0])
	onLeader(t, hs, func(l *hub) error { return l.AddVoter(ctx(t), "hub2", hs[1].Addr()) })
	last := proposeOn(t, hs, "set over tls")
	converged(t, last.Index, hs...)

	// A peer without a client certificate is refused.
	s, err := newStream("127.0.0.1:0", "", &tls.Config{RootCAs: conf.RootCAs})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c, err := s.Dial(rafta(hs[0].Addr()), time.Second)
	if err == nil {
		_, err = c.Read(make([]byte, 1)) // TLS 1.3 reports the refusal on first read
		c.Close()
	}
	if err == nil {
		t.Fatal("a peer without a client certificate got through")
	}
}
