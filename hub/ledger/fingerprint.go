package ledger

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// Fingerprint is what every hub that applied the same log holds alike: the
// index of the last command applied, the journal's head, and a hash of the
// whole state (StateHash). All four are read at one moment, so two hubs at
// the same Applied must agree on the rest.
type Fingerprint struct {
	Applied     uint64 `json:"applied"`
	JournalSeq  uint64 `json:"journal_seq"`
	JournalHash string `json:"journal_hash"`
	StateHash   string `json:"state_hash"`
}

// Fingerprint reads the ledger's fingerprint. It hashes the whole state:
// for checks and diagnosis, not for every request.
func (l *Ledger) Fingerprint() (Fingerprint, error) {
	var f Fingerprint
	err := l.db.View(func(txn *badger.Txn) error {
		if v, err := getTxn(txn, keyApplied); err == nil {
			f.Applied = binary.BigEndian.Uint64(v)
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		if v, err := getTxn(txn, keyTip); err == nil {
			var t tip
			if err := json.Unmarshal(v, &t); err != nil {
				return fmt.Errorf("journal head: %w", err)
			}
			f.JournalSeq, f.JournalHash = t.Seq, t.Hash
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		h := sha256.New()
		opts := badger.DefaultIteratorOptions
		opts.Prefix = []byte(Prefix)
		it := txn.NewIterator(opts)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			k := it.Item().Key()
			fmt.Fprintf(h, "%d:%s%d:%s", len(k), k, len(v), v)
		}
		f.StateHash = hex.EncodeToString(h.Sum(nil))
		return nil
	})
	if err != nil {
		return Fingerprint{}, fmt.Errorf("ledger fingerprint: %w", err)
	}
	return f, nil
}
