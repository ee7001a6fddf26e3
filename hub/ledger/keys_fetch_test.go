package ledger

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/dgraph-io/badger/v4"
)

// hubs is a KeySource standing for the shop's other hubs: each call takes
// the next answer (a PEM block, or nil for "no hub answered").
type hubs struct {
	mu      sync.Mutex
	answers [][]byte
	asked   int
}

func (h *hubs) FetchKey(_ context.Context, v int, take func([]byte) error) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.asked++
	if len(h.answers) == 0 {
		return errors.New("no hub answered")
	}
	p := h.answers[0]
	if len(h.answers) > 1 {
		h.answers = h.answers[1:]
	}
	if p == nil {
		return errors.New("no hub answered")
	}
	return take(p)
}

// rotated is a shop whose sales after the first are signed with a key
// version 2 installed later, and the log it applied.
func rotated(t *testing.T) (*fixture, *rsa.PrivateKey) {
	f := newFixture(t)
	f.asOK("K1", "E1", CmdSessionOpen, SessionOpen{Session: "D1", Registers: []string{"K1", "K2"}, Float: 50000})
	f.sell("K1", "E1", "MELK", 1, false)
	k2, err := rsa.GenerateKey(rand.Reader, KeyBits)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := f.keys.Add(2, k2)
	if err != nil {
		t.Fatal(err)
	}
	f.ok(CmdKeyInstall, "", pub)
	for i := range 3 {
		if s := f.sell([]string{"K1", "K2"}[i%2], "E1", "AVIS", int64(i+1), false); s.Receipt.KeyVer != 2 {
			t.Fatalf("sale after the rotation signed with version %d", s.Receipt.KeyVer)
		}
	}
	return f, k2
}

// replica opens an empty ledger on keys, as a hub that replays the log.
func replica(t *testing.T, keys *Keyring) *Ledger {
	db, err := badger.Open(badger.DefaultOptions(t.TempDir()).WithLogger(nil).WithSyncWrites(false))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	l, err := Open(db, keys, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// A hub that lacks the key version in use waits in Apply until another hub
// hands it over — through hubs that do not answer and one that offers a
// different key under that version — and then holds the very state and
// journal of the hub that signed.
func TestApplyWaitsForAMissingKey(t *testing.T) {
	f, k2 := rotated(t)
	want, _ := f.l.StateHash()
	good, _ := f.keys.PEM(2)
	other, err := rsa.GenerateKey(rand.Reader, KeyBits)
	if err != nil {
		t.Fatal(err)
	}
	otherPEM := pemOf(other)

	dir := t.TempDir()
	keys, err := OpenKeyring(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := keys.Add(1, testKey(t)); err != nil {
		t.Fatal(err)
	}
	// A rotation that was never installed left another key as version 2.
	if _, err := keys.Add(2, other); err != nil {
		t.Fatal(err)
	}
	src := &hubs{answers: [][]byte{nil, otherPEM, []byte("not a key"), good}}
	keys.FetchFrom(context.Background(), src, slog.New(slog.NewTextHandler(io.Discard, nil)))
	l := replica(t, keys)
	for i := 0; i < len(f.log); i += 4 {
		for _, r := range l.Apply(f.log[i:min(i+4, len(f.log))]) {
			if err := r.(Result).Err; err != nil {
				t.Fatalf("entry %d: %v", r.(Result).Index, err)
			}
		}
	}
	if got, _ := l.StateHash(); got != want {
		t.Errorf("state after the wait %s, want %s", got, want)
	}
	if _, err := l.Verify(); err != nil {
		t.Error(err)
	}
	if src.asked != 4 {
		t.Errorf("the hubs were asked %d times, want 4 (down, wrong key, garbage, the key)", src.asked)
	}
	// The key is on disk for the next start, readable by the hub alone.
	fi, err := os.Stat(filepath.Join(dir, "sign-v2.pem"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("sign-v2.pem: %v %v", err, fi)
	}
	again, err := OpenKeyring(dir)
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := again.PEM(2); !ok || string(p) != string(pemOf(k2)) {
		t.Error("the fetched key is not what the keys dir holds after a restart")
	}
}

// Without another hub to ask, the ledger halts at the first signature it
// cannot make, says why, and has applied nothing of that command.
func TestMissingKeyWithoutSourceHalts(t *testing.T) {
	f, _ := rotated(t)
	keys, err := OpenKeyring(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := keys.Add(1, testKey(t)); err != nil {
		t.Fatal(err)
	}
	l := replica(t, keys)
	for _, r := range l.Apply(f.log) {
		_ = r
	}
	err = l.Halted()
	if !errors.Is(err, ErrHalted) || !strings.Contains(err.Error(), "does not hold signing key version 2") {
		t.Fatalf("halted: %v", err)
	}
	head, _, _ := l.JournalHead()
	fhead, _, _ := f.l.JournalHead()
	if head >= fhead {
		t.Fatalf("journal head %d of %d: the unsigned sale went in", head, fhead)
	}
}

// A hub stopping while it waits for a key stops waiting: Apply fails and
// the entries stay in the log for the next start.
func TestWaitEndsWithTheHub(t *testing.T) {
	f, _ := rotated(t)
	keys, err := OpenKeyring(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := keys.Add(1, testKey(t)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	src := &hubs{}
	keys.FetchFrom(ctx, src, slog.New(slog.NewTextHandler(io.Discard, nil)))
	l := replica(t, keys)
	done := make(chan []any)
	go func() { done <- l.Apply(f.log) }()
	cancel()
	out := <-done
	last := out[len(out)-1].(Result)
	if last.Err == nil || !strings.Contains(l.Halted().Error(), "before the hub stopped") {
		t.Fatalf("last entry %+v, halted %v", last, l.Halted())
	}
	if l.Applied() >= last.Index {
		t.Fatalf("applied %d: the entries waiting for the key count as applied", l.Applied())
	}
}

func FuzzParsePrivateKey(f *testing.F) {
	k := testKey(f)
	pub, err := publicOf(1, k)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(pemOf(k))
	f.Add([]byte("-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, b []byte) {
		pk, err := ParsePrivateKey(b, pub)
		if err != nil {
			return
		}
		// What is accepted is the private half of the public key asked for.
		if !pk.PublicKey.Equal(&k.PublicKey) {
			t.Fatal("accepted a key that is not the private half of want")
		}
	})
}

// BenchmarkEnsureHeld is what every signature pays for the check that the
// key in hand is the ledger's.
func BenchmarkEnsureHeld(b *testing.B) {
	keys, err := OpenKeyring(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	pub, err := keys.Add(1, testKey(b))
	if err != nil {
		b.Fatal(err)
	}
	want := func() (*PublicKey, error) { return pub, nil }
	for b.Loop() {
		if err := keys.Ensure(1, want); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkKeyringPut is taking a key handed over: checked against the
// ledger's public half, written whole and synced.
func BenchmarkKeyringPut(b *testing.B) {
	keys, err := OpenKeyring(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	k := testKey(b)
	pub, err := publicOf(1, k)
	if err != nil {
		b.Fatal(err)
	}
	p := pemOf(k)
	for b.Loop() {
		keys.mu.Lock()
		delete(keys.keys, 1) // take it anew each time
		keys.mu.Unlock()
		if err := keys.Put(1, p, pub); err != nil {
			b.Fatal(err)
		}
	}
}

// Fetching ahead of need asks once and never waits.
func TestFetchOnce(t *testing.T) {
	k := testKey(t)
	pub, err := publicOf(3, k)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := OpenKeyring(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := keys.FetchOnce(*pub); err == nil || !strings.Contains(err.Error(), "no other hub") {
		t.Fatalf("without a source: %v", err)
	}
	src := &hubs{answers: [][]byte{nil, pemOf(k)}}
	keys.FetchFrom(context.Background(), src, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := keys.FetchOnce(*pub); err == nil || src.asked != 1 {
		t.Fatalf("no hub answered: %v after %d asks", err, src.asked)
	}
	if err := keys.FetchOnce(*pub); err != nil || !keys.Holds(*pub) {
		t.Fatalf("second ask: %v", err)
	}
	if err := keys.FetchOnce(*pub); err != nil || src.asked != 2 {
		t.Fatalf("a held key was asked for again: %v, %d asks", err, src.asked)
	}
}
