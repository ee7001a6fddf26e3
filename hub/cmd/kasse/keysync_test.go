package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kasse/kasse/hub/cluster"
	"github.com/kasse/kasse/hub/ledger"
	"github.com/kasse/kasse/hub/pki"
	"github.com/kasse/kasse/replicate"
)

// sellRetry completes a cash sale like sell, retrying each step with the
// same key while the hubs elect a leader (as a register does).
func sellRetry(t *testing.T, c *client, key string, logs func() string) ledger.Sale {
	t.Helper()
	stop := make(chan struct{})
	timer := time.AfterFunc(30*time.Second, func() { close(stop) })
	defer timer.Stop()
	var s ledger.Sale
	if code, err := c.retry(stop, "POST", "/sales", key+"-open", nil, &s); code < 200 || code >= 300 {
		t.Fatalf("open sale %s: %d %v", key, code, err)
	}
	for i, sku := range []string{"1001", "1501"} {
		if code, err := c.retry(stop, "POST", "/sales/"+s.ID+"/lines", key+"-l"+sku, map[string]any{"sku": sku, "qty": i + 1}, nil); code < 200 || code >= 300 {
			t.Fatalf("sale %s, line %s: %d %v", key, sku, code, err)
		}
	}
	if code, err := c.retry(stop, "POST", "/sales/"+s.ID+"/payments", key+"-pay", map[string]any{"method": "cash", "amount": 50000}, &s); code < 200 || code >= 300 {
		t.Fatalf("sale %s, payment: %d %v\n%s", key, code, err, logs())
	}
	return s
}

// allCaughtUp is the status a hub reports once there is a leader and all
// three hubs are caught-up voters.
func allCaughtUp(t *testing.T, h *clusterProc) cluster.Status {
	t.Helper()
	return waitStatus(t, h, "a leader and three caught-up voters", func(st cluster.Status) bool {
		if st.Leader == "" || len(voters(st)) != 3 {
			return false
		}
		for _, m := range st.Members {
			if m.Lag != 0 || m.Error != "" {
				return false
			}
		}
		return true
	})
}

// TestKeyRotationReachesEveryHub: a signing key version made on one hub
// after the others joined reaches every hub of the shop before it is used:
// each hub leads in turn (its leaders killed until it does), every hub
// sells under every leader, every sale is signed with the new version, and
// the journal is the same and verifies on all three. Only member hubs of
// the shop get a key.
func TestKeyRotationReachesEveryHub(t *testing.T) {
	if testing.Short() {
		t.Skip("runs hub processes")
	}
	hub1 := newHub(t, "hub1", true, "")
	hub1.start()
	hubs := joinHubs(t, hub1)
	allCaughtUp(t, hub1)
	byID := map[string]*clusterProc{}
	for _, h := range hubs {
		byID[h.id] = h
	}
	keyFile := func(h *clusterProc, v int) string {
		return filepath.Join(filepath.Dir(h.config), "data", "keys", fmt.Sprintf("sign-v%d.pem", v))
	}
	if s := sell(t, newClient(hub1.http, "demo-token-register-1"), "before"); s.Receipt == nil || s.Receipt.KeyVer != 1 {
		t.Fatalf("the sale before the rotation: %+v", s.Receipt)
	}

	// Version 2 is made on a follower, after the others joined, while
	// hub2 is down: hub1 and hub3 (a majority) hold it before it is
	// installed, and a sale is signed with it before hub2 is back.
	hubs[1].kill()
	out, err := hubs[2].kasse("rotate-key")
	if err != nil || !strings.Contains(out, "signing key version 2 installed") {
		t.Fatalf("kasse rotate-key on hub3: %v\n%s", err, out)
	}
	for _, h := range []*clusterProc{hub1, hubs[2]} {
		if fi, err := os.Stat(keyFile(h, 2)); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s after the rotation: %v (mode %v); want sign-v2.pem, 0600", h.id, err, fi)
		}
	}
	if lg := hubs[2].log(); !strings.Contains(lg, `msg="handed a signing key to a hub" version=2 hub=hub1`) {
		t.Errorf("hub3 did not log handing the key to hub1:\n%s", lg)
	}
	n := 1
	sellAndCheck(t, hubs, hub1, "while-hub2-is-down")
	// hub2 comes back, replays that sale, and fetches the key to sign it.
	hubs[1].start()
	allCaughtUp(t, hub1)
	if fi, err := os.Stat(keyFile(hubs[1], 2)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("hub2 after catching up: %v (mode %v); want sign-v2.pem, 0600", err, fi)
	}
	if lg := hubs[1].log(); !strings.Contains(lg, `msg="received a signing key from a hub" version=2`) {
		t.Errorf("hub2 did not log fetching the key:\n%s", lg)
	}

	// Each hub leads in turn; every hub sells under every leader.
	for _, target := range hubs {
		for tries := 0; ; tries++ {
			st := allCaughtUp(t, target)
			if st.Leader == target.id {
				break
			}
			if tries == 12 {
				t.Fatalf("%s never led after %d leaders were killed", target.id, tries)
			}
			lead := byID[st.Leader]
			lead.kill()
			waitStatus(t, target, "a leader other than "+lead.id, func(st cluster.Status) bool { return st.Leader != "" && st.Leader != lead.id })
			for _, h := range hubs {
				if h != lead { // the survivors sell while the old leader is down
					n++
					sellAndCheck(t, hubs, h, fmt.Sprintf("down-%d", n))
				}
			}
			lead.start()
		}
		for _, h := range hubs {
			n++
			sellAndCheck(t, hubs, h, fmt.Sprintf("led-by-%s-%d", target.id, n))
		}
	}

	t.Run("only member hubs of the shop get a key", func(t *testing.T) {
		url := "https://" + hub1.raft + "/peer/v1/keys/2"
		// No certificate: refused before anything is read.
		hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true, NextProtos: []string{replicate.ProtoPeer}}}}
		if resp, err := hc.Get(url); err != nil || resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("without a certificate: %v %v", err, resp)
		} else {
			resp.Body.Close()
		}
		// Another shop's hub: its certificate is not one the hub port asks
		// for, so it goes unsent or is refused in the handshake.
		foreign, err := pki.Bootstrap(t.TempDir(), "Konkurrenten", "hub1", []string{"127.0.0.1"})
		if err != nil {
			t.Fatal(err)
		}
		fc := foreign.ClientTLS(replicate.ProtoPeer)
		fc.InsecureSkipVerify, fc.VerifyConnection = true, nil
		hc.Transport = &http.Transport{TLSClientConfig: fc}
		if resp, err := hc.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("a hub of another shop: %d, want refused", resp.StatusCode)
			}
		}
		// A certificate of this shop's CA for a hub that is no member
		// (a removed box): refused, and the refusal logged.
		ca, err := pki.LoadCA(filepath.Join(filepath.Dir(hub1.config), "data", "pki"))
		if err != nil {
			t.Fatal(err)
		}
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		certPEM, err := ca.Issue(&key.PublicKey, "intruder", []string{"127.0.0.1"})
		if err != nil {
			t.Fatal(err)
		}
		der, _ := x509.MarshalECPrivateKey(key)
		cert, err := tls.X509KeyPair(certPEM, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}))
		if err != nil {
			t.Fatal(err)
		}
		hc.Transport = &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true, Certificates: []tls.Certificate{cert}, NextProtos: []string{replicate.ProtoPeer}}}
		resp, err := hc.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("a shop certificate of no member hub: %d, want 403", resp.StatusCode)
		}
		for end := time.Now().Add(10 * time.Second); !strings.Contains(hub1.log(), "refused a signing key to a hub that is not a member"); time.Sleep(50 * time.Millisecond) {
			if time.Now().After(end) {
				t.Fatalf("the refusal is not logged:\n%s", hub1.log())
			}
		}
	})

	var journals [][]ledger.Entry
	for _, h := range hubs {
		journals = append(journals, signed(t, newClient(h.http, "demo-token-register-1")))
	}
	for _, h := range hubs {
		h.stop()
	}
	for i, h := range hubs {
		if lg := h.log(); strings.Contains(lg, "DATA RACE") {
			t.Errorf("%s raced:\n%s", h.id, lg[strings.Index(lg, "WARNING: DATA RACE"):])
		}
		v := h.verify()
		if !strings.Contains(v, "journal verifies") || !strings.Contains(v, fmt.Sprintf(" %d signatures", len(journals[i]))) || len(journals[i]) < n+1 {
			t.Errorf("kasse verify on %s: %s; want the %d signatures it served (at least %d sales)", h.id, v, len(journals[i]), n+1)
		}
		if !slices.EqualFunc(journals[i], journals[0], func(a, b ledger.Entry) bool { return a.Hash == b.Hash && a.Sig.Value == b.Sig.Value }) {
			t.Errorf("%s's signed journal differs from hub1's", h.id)
		}
	}
}

// sellAndCheck sells through hub h and checks the sale was signed with
// key version 2.
func sellAndCheck(t *testing.T, hubs []*clusterProc, h *clusterProc, key string) {
	t.Helper()
	s := sellRetry(t, newClient(h.http, "demo-token-register-1"), key, func() string { return problems(hubs) })
	if s.Receipt == nil || s.Receipt.Signature == "" || s.Receipt.KeyVer != 2 {
		t.Fatalf("sale %s through %s: receipt %+v; want it signed with key version 2", key, h.id, s.Receipt)
	}
}

// problems are the warnings and errors the hubs logged.
func problems(hubs []*clusterProc) string {
	var b strings.Builder
	for _, h := range hubs {
		for _, l := range strings.Split(h.log(), "\n") {
			if strings.Contains(l, "level=WARN") || strings.Contains(l, "level=ERROR") {
				fmt.Fprintf(&b, "%s: %s\n", h.id, l)
			}
		}
	}
	return b.String()
}
