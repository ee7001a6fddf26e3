package pki

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// shopHub makes a CA (or uses ca) and an identity for hub id signed through
// a CSR, as a joining hub gets it.
func shopHub(t *testing.T, ca *CA, id string) *Identity {
	t.Helper()
	key, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	csr, err := NewCSR(key, id, []string{"127.0.0.1:7001", "hub.local"})
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.Sign(csr, id)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := SaveIdentity(dir, cert, key); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, CACert), ca.CertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	ident, err := LoadIdentity(dir)
	if err != nil {
		t.Fatal(err)
	}
	return ident
}

func newCA(t *testing.T, shop string) *CA {
	t.Helper()
	ca, err := NewCA(shop)
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

// handshake runs one TLS connection over loopback and returns what each
// side saw: the server's view of the client id, and both errors.
func handshake(t *testing.T, server, client *tls.Config) (peer string, serr, cerr error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err != nil {
			serr = err
			return
		}
		defer c.Close()
		tc := tls.Server(c, server)
		if serr = tc.Handshake(); serr == nil {
			cs := tc.ConnectionState()
			peer = PeerID(&cs)
			_, _ = tc.Write([]byte("x"))
		}
	}()
	c, err := tls.Dial("tcp", ln.Addr().String(), client)
	if err == nil {
		_, err = io.ReadFull(c, make([]byte, 1)) // TLS 1.3 reports a refused client cert on first read
		c.Close()
	}
	<-done
	return peer, serr, err
}

func TestMutualTLS(t *testing.T) {
	shop, other := newCA(t, "Bakeriet"), newCA(t, "Konkurrenten")
	hub1, hub2, foreign := shopHub(t, shop, "hub1"), shopHub(t, shop, "hub2"), shopHub(t, other, "hub9")
	if hub2.ID != "hub2" || hub1.Fingerprint() != shop.Fingerprint() {
		t.Fatalf("identity: id %q fingerprint %s", hub2.ID, hub1.Fingerprint())
	}

	t.Run("same shop", func(t *testing.T) {
		peer, serr, cerr := handshake(t, hub1.ServerTLS(), hub2.ClientTLS())
		if serr != nil || cerr != nil || peer != "hub2" {
			t.Fatalf("peer %q, server %v, client %v", peer, serr, cerr)
		}
	})
	t.Run("client of another shop", func(t *testing.T) {
		_, serr, cerr := handshake(t, hub1.ServerTLS(), foreign.ClientTLS())
		if serr == nil || cerr == nil {
			t.Fatalf("a hub of another shop got through: server %v, client %v", serr, cerr)
		}
	})
	t.Run("server of another shop", func(t *testing.T) {
		_, _, cerr := handshake(t, foreign.ServerTLS(), hub1.ClientTLS())
		if cerr == nil || !strings.Contains(cerr.Error(), "not a hub of this shop") {
			t.Fatalf("client trusted a foreign server: %v", cerr)
		}
	})
	t.Run("no client certificate", func(t *testing.T) {
		var ca *x509.Certificate
		peer, serr, cerr := handshake(t, hub1.ServerTLS(), PinnedTLS(shop.Fingerprint(), &ca))
		if serr != nil || cerr != nil || peer != "" {
			t.Fatalf("a joining hub must reach the server without a certificate, seen as nobody: peer %q %v %v", peer, serr, cerr)
		}
		if ca == nil || Fingerprint(ca) != shop.Fingerprint() {
			t.Fatal("the pinned CA was not handed back")
		}
	})
	t.Run("pin of another shop", func(t *testing.T) {
		var ca *x509.Certificate
		_, _, cerr := handshake(t, hub1.ServerTLS(), PinnedTLS(other.Fingerprint(), &ca))
		if cerr == nil || ca != nil {
			t.Fatalf("a join pinned to another CA trusted this shop: %v", cerr)
		}
	})
}

func TestSignRefusesAnotherName(t *testing.T) {
	ca := newCA(t, "Bakeriet")
	key, _ := NewKey()
	csr, _ := NewCSR(key, "hub2", nil)
	if _, err := ca.Sign(csr, "hub3"); err == nil {
		t.Fatal("a token for hub3 signed a request for hub2")
	}
	if _, err := ca.Sign([]byte("junk"), "hub2"); err == nil {
		t.Fatal("junk signed")
	}
}

func TestBootstrapOnceThenLoad(t *testing.T) {
	dir := t.TempDir()
	a, err := Bootstrap(dir, "Bakeriet", "hub1", []string{"127.0.0.1:7001", "0.0.0.0:8080", "kasse1"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Bootstrap(dir, "Bakeriet", "hub1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.Fingerprint() != b.Fingerprint() || !a.Cert.Leaf.Equal(b.Cert.Leaf) {
		t.Fatal("a second start made a new CA or certificate")
	}
	leaf := a.Cert.Leaf
	if len(leaf.IPAddresses) != 1 || !leaf.IPAddresses[0].Equal(net.IPv4(127, 0, 0, 1)) || !strings.Contains(strings.Join(leaf.DNSNames, ","), "kasse1") {
		t.Fatalf("SANs: %v %v", leaf.IPAddresses, leaf.DNSNames)
	}
	ca, err := LoadCA(dir)
	if err != nil || ca.Fingerprint() != a.Fingerprint() {
		t.Fatalf("load CA: %v", err)
	}
	if err := ca.Save(dir); err == nil {
		t.Fatal("a CA was overwritten")
	}
	if _, err := LoadCA(t.TempDir()); !errors.Is(err, ErrNoCA) {
		t.Fatalf("empty dir: %v", err)
	}
	other := newCA(t, "x")
	k, _ := other.KeyPEM()
	if _, err := ParseCA(ca.CertPEM(), k); err == nil {
		t.Fatal("a CA with another CA's key was accepted")
	}
}

func TestIdentityOfAnotherCARefused(t *testing.T) {
	shop, other := newCA(t, "a"), newCA(t, "b")
	key, _ := NewKey()
	cert, _ := other.Issue(key.Public(), "hub1", nil)
	k, _ := keyPEM(key)
	if _, err := NewIdentity(cert, k, shop.CertPEM()); err == nil {
		t.Fatal("an identity not of the shop CA loaded")
	}
}
