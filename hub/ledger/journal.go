package ledger

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/kasse/kasse/hub/money"
)

// Entry is one registration in the electronic journal. Entries are only ever
// appended; each carries the hash of the one before it, so an edit or a
// deletion anywhere breaks every hash after it.
type Entry struct {
	Seq      uint64          `json:"seq"`
	Index    uint64          `json:"index"` // Raft index of the command
	Time     time.Time       `json:"time"`  // UTC
	Local    string          `json:"local"` // Europe/Oslo, 2006-01-02T15:04:05
	Type     string          `json:"type"`
	Event    int             `json:"event,omitempty"` // SAF-T PredefinedBasicID-13 code
	Register string          `json:"register,omitempty"`
	Employee string          `json:"employee,omitempty"`
	Sale     string          `json:"sale,omitempty"`
	Data     json.RawMessage `json:"data,omitempty"`
	Sig      *Signature      `json:"sig,omitempty"`
	Approver string          `json:"approver,omitempty"` // who approved an override
	Prev     string          `json:"prev"`
	Hash     string          `json:"hash,omitempty"` // last field: see appendEntry

	sale *Sale // Data decoded, when the entry was made from a sale (tally reads it)
}

// Signature is the cash register regulation's signature of a transaction:
// RSA-SHA1 over "previous;date;time;nr;amountIn;amountEx", per register,
// chained from "0".
type Signature struct {
	Nr         int64  `json:"nr"`
	Date       string `json:"date"` // 2006-01-02, Oslo
	Time       string `json:"time"` // 15:04:05, Oslo
	AmountIn   string `json:"amountIn"`
	AmountEx   string `json:"amountEx"`
	Previous   string `json:"previous"`
	Value      string `json:"value"` // base64
	KeyVersion int    `json:"keyVersion"`
}

// Message is the exact string that is signed.
func (s *Signature) Message() string {
	return strings.Join([]string{s.Previous, s.Date, s.Time, fmt.Sprint(s.Nr), s.AmountIn, s.AmountEx}, ";")
}

// hashEntry is the chain hash: SHA-256 over the previous hash and the entry's
// JSON with Hash empty (and so left out).
func hashEntry(e *Entry) (string, error) {
	c := *e
	c.Hash = ""
	b, err := json.Marshal(&c)
	if err != nil {
		return "", err
	}
	return chainHash(e.Prev, b), nil
}

func chainHash(prev string, body []byte) string {
	h := sha256.New()
	h.Write([]byte(prev))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

func journalKey(seq uint64) string { return pfxJournal + string(u64(seq)) }

// appendEntry adds e to the journal at the head of the chain.
func (a *applyCtx) appendEntry(e *Entry) error {
	e.Seq = a.tip.Seq + 1
	e.Index = a.index
	e.Time = a.env.Time
	e.Local = a.env.Time.In(Oslo).Format("2006-01-02T15:04:05")
	if e.Register == "" {
		e.Register = a.env.Register
	}
	if e.Employee == "" {
		e.Employee = a.env.Employee
	}
	if e.Approver == "" {
		e.Approver = a.env.Approver
	}
	e.Prev, e.Hash = a.tip.Hash, ""
	body, err := json.Marshal(e)
	if err != nil {
		return err
	}
	// Encode once: Hash is the struct's last field, so the stored JSON is
	// the hashed JSON with it appended, and decoding and re-encoding with
	// Hash empty gives the hashed bytes back (Verify relies on it).
	e.Hash = chainHash(e.Prev, body)
	v := append(body[:len(body)-1:len(body)-1], `,"hash":"`+e.Hash+`"}`...)
	a.b.set(journalKey(e.Seq), v)
	a.tip.Seq, a.tip.Hash = e.Seq, e.Hash
	return a.tally(e) // the reports' running counters (tally.go)
}

// journal appends an entry of type typ with event code ev and data (JSON
// already, when a json.RawMessage).
func (a *applyCtx) journal(typ string, ev int, sale string, data any) (*Entry, error) {
	e := &Entry{Type: typ, Event: ev, Sale: sale}
	if raw, ok := data.(json.RawMessage); ok {
		e.Data = raw
	} else if data != nil {
		b, err := json.Marshal(data)
		if err != nil {
			return nil, err
		}
		e.Data = b
	}
	return e, a.appendEntry(e)
}

// sign makes the regulation's signature for a transaction of register reg.
func (a *applyCtx) sign(reg *Register, in, ex money.Øre) (*Signature, error) {
	ver, err := a.keyVersion()
	if err != nil {
		return nil, err
	}
	if a.l.signer == nil {
		return nil, errors.New("no signing key on this hub")
	}
	if err := a.haveKey(ver); err != nil {
		return nil, err
	}
	local := a.env.Time.In(Oslo)
	reg.Nr++
	prev := reg.LastSig
	if prev == "" {
		prev = "0"
	}
	s := &Signature{
		Nr: reg.Nr, Date: local.Format("2006-01-02"), Time: local.Format("15:04:05"),
		AmountIn: money.Format(in), AmountEx: money.Format(ex), Previous: prev, KeyVersion: ver,
	}
	raw, err := a.l.signer.Sign(ver, []byte(s.Message()))
	if err != nil {
		return nil, fmt.Errorf("sign transaction %d on %s: %w", reg.Nr, reg.ID, err)
	}
	s.Value = base64.StdEncoding.EncodeToString(raw)
	reg.LastSig = s.Value
	return s, nil
}

func (a *applyCtx) keyVersion() (int, error) {
	v, err := a.b.get(keyKeyVer)
	if errors.Is(err, ErrNotFound) {
		return 0, reject("no_signing_key", "the shop has no signing key installed")
	}
	if err != nil {
		return 0, err
	}
	var ver int
	return ver, json.Unmarshal(v, &ver)
}

// SignRSA is the regulation's signature primitive: RSA PKCS#1 v1.5 over SHA-1.
func SignRSA(key *rsa.PrivateKey, msg []byte) ([]byte, error) {
	sum := sha1.Sum(msg)
	return rsa.SignPKCS1v15(nil, key, crypto.SHA1, sum[:])
}

// VerifyRSA checks a signature made by SignRSA.
func VerifyRSA(pub *rsa.PublicKey, msg, sig []byte) error {
	sum := sha1.Sum(msg)
	return rsa.VerifyPKCS1v15(pub, crypto.SHA1, sum[:], sig)
}

// ParsePublicKey reads a PEM "PUBLIC KEY" block.
func ParsePublicKey(p string) (*rsa.PublicKey, error) {
	blk, _ := pem.Decode([]byte(p))
	if blk == nil {
		return nil, errors.New("no PEM block in public key")
	}
	k, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("public key: %w", err)
	}
	rk, ok := k.(*rsa.PublicKey)
	if !ok {
		return nil, errors.New("public key is not RSA")
	}
	return rk, nil
}

// Broken describes the first entry where verification failed.
type Broken struct {
	Seq    uint64
	Reason string
}

func (b *Broken) Error() string { return fmt.Sprintf("journal entry %d: %s", b.Seq, b.Reason) }

// VerifyStats counts what Verify checked.
type VerifyStats struct {
	Entries    uint64
	Signatures uint64
	Registers  int
}

// Verify walks the whole journal: every hash, the chain, the sequence, and
// every signature against the public keys the ledger holds. It returns a
// *Broken naming the first entry that fails.
func (l *Ledger) Verify() (VerifyStats, error) {
	var st VerifyStats
	keys := map[int]*rsa.PublicKey{}
	last := map[string]string{} // register → last signature
	nr := map[string]int64{}
	err := l.db.View(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.Prefix = []byte(pfxPublicKey)
		it := txn.NewIterator(opts)
		for it.Rewind(); it.Valid(); it.Next() {
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				it.Close()
				return err
			}
			var pk PublicKey
			if err := json.Unmarshal(v, &pk); err != nil {
				it.Close()
				return fmt.Errorf("public key %s: %w", it.Item().Key(), err)
			}
			k, err := ParsePublicKey(pk.PEM)
			if err != nil {
				it.Close()
				return fmt.Errorf("public key v%d: %w", pk.Version, err)
			}
			keys[pk.Version] = k
		}
		it.Close()

		prev := ""
		var seq uint64
		return l.journalIter(txn, 1, func(e *Entry) error {
			seq++
			st.Entries++
			if e.Seq != seq {
				return &Broken{seq, fmt.Sprintf("entry missing: found %d next", e.Seq)}
			}
			if e.Prev != prev {
				return &Broken{e.Seq, "does not chain to the entry before it"}
			}
			h, err := hashEntry(e)
			if err != nil {
				return err
			}
			if h != e.Hash {
				return &Broken{e.Seq, "content does not match its hash (edited)"}
			}
			prev = e.Hash
			if s := e.Sig; s != nil {
				want := last[e.Register]
				if want == "" {
					want = "0"
				}
				if s.Previous != want {
					return &Broken{e.Seq, fmt.Sprintf("signature does not chain on register %s", e.Register)}
				}
				if s.Nr != nr[e.Register]+1 {
					return &Broken{e.Seq, fmt.Sprintf("transaction number %d follows %d on register %s", s.Nr, nr[e.Register], e.Register)}
				}
				k := keys[s.KeyVersion]
				if k == nil {
					return &Broken{e.Seq, fmt.Sprintf("no public key version %d", s.KeyVersion)}
				}
				raw, err := base64.StdEncoding.DecodeString(s.Value)
				if err != nil {
					return &Broken{e.Seq, "signature is not base64"}
				}
				if err := VerifyRSA(k, []byte(s.Message()), raw); err != nil {
					return &Broken{e.Seq, "signature does not verify"}
				}
				last[e.Register], nr[e.Register] = s.Value, s.Nr
				st.Signatures++
			}
			return nil
		})
	})
	st.Registers = len(last)
	return st, err
}

// Journal calls fn for each entry from sequence from on, in order, until fn
// returns an error (returned as is) or the journal ends.
func (l *Ledger) Journal(from uint64, fn func(*Entry) error) error {
	return l.db.View(func(txn *badger.Txn) error { return l.journalIter(txn, from, fn) })
}

func (l *Ledger) journalIter(txn *badger.Txn, from uint64, fn func(*Entry) error) error {
	opts := badger.DefaultIteratorOptions
	opts.Prefix = []byte(pfxJournal)
	it := txn.NewIterator(opts)
	defer it.Close()
	for it.Seek([]byte(journalKey(max(from, 1)))); it.Valid(); it.Next() {
		var e Entry
		err := it.Item().Value(func(v []byte) error { return json.Unmarshal(v, &e) })
		if err != nil {
			return &Broken{Seq: seqOf(it.Item().Key()), Reason: "unreadable: " + err.Error()}
		}
		if err := fn(&e); err != nil {
			return err
		}
	}
	return nil
}

func seqOf(key []byte) uint64 {
	if len(key) < len(pfxJournal)+8 {
		return 0
	}
	var s uint64
	for _, c := range key[len(pfxJournal):] {
		s = s<<8 | uint64(c)
	}
	return s
}
