// Package ledgertest runs a real ledger for tests of the packages built on
// it: Badger in the test's temporary directory, a fresh signing key
// installed, and commands applied the way Raft would apply them — one index
// after the other, each at a time of its own.
package ledgertest

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/kasse/kasse/hub/ledger"
	"github.com/kasse/kasse/replicate"
)

// Shop is a ledger fed commands by a test.
type Shop struct {
	T  testing.TB
	L  *ledger.Ledger
	DB *badger.DB
	// Index is the last Raft index applied; Now the time the next command
	// carries (it moves on by Step after each one).
	Index uint64
	Now   time.Time
	Step  time.Duration
	// Register and Employee are put on each command, as a till does.
	Register, Employee string
	// Approver, when set, approves each command as a second employee.
	Approver string
}

// New opens a ledger whose clock starts at start, with signing key
// version 1 made and installed.
func New(t testing.TB, start time.Time) *Shop {
	t.Helper()
	db, err := badger.Open(badger.DefaultOptions(t.TempDir()).WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	keys, err := ledger.OpenKeyring(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	pk, err := rsa.GenerateKey(rand.Reader, ledger.KeyBits)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := keys.Add(1, pk)
	if err != nil {
		t.Fatal(err)
	}
	l, err := ledger.Open(db, keys, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	s := &Shop{T: t, L: l, DB: db, Now: start, Step: 7 * time.Second}
	s.Do(ledger.CmdKeyInstall, pub)
	return s
}

// Do applies one command and fails the test if the ledger refuses it.
func (s *Shop) Do(typ string, body any) json.RawMessage {
	s.T.Helper()
	res := s.Try(typ, body)
	if res.Err != nil || res.Reject != nil {
		s.T.Fatalf("%s: %v %v", typ, res.Err, res.Reject)
	}
	return res.Value
}

// Try applies one command and returns the ledger's answer, refusal or not.
func (s *Shop) Try(typ string, body any) ledger.Result {
	s.T.Helper()
	env, err := ledger.NewEnvelope(typ, s.Now, body)
	if err != nil {
		s.T.Fatal(err)
	}
	env.Register, env.Employee, env.Approver = s.Register, s.Employee, s.Approver
	data, err := env.Encode()
	if err != nil {
		s.T.Fatal(err)
	}
	s.Index++
	s.Now = s.Now.Add(s.Step)
	return s.L.Apply([]replicate.Entry{{Index: s.Index, Data: data}})[0].(ledger.Result)
}
