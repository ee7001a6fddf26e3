package replicate

import (
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// LogPrefixes are the key spaces of raft's log and stable state, which
// MoveKeys carries from a database that held log and state together into
// a log database of its own.
var LogPrefixes = [][]byte{logPrefix, stablePrefix}

// MoveKeys moves every key under prefixes from one database to another and
// returns how many it moved. It copies first (synced) and only then drops
// the keys from the source, so a crash in between leaves the keys in both
// and the next call copies the same keys again: moving is safe to repeat
// until it returns without error. Nothing else may write under prefixes
// while it runs.
func MoveKeys(from, to *badger.DB, prefixes ...[]byte) (int, error) {
	n := 0
	for _, p := range prefixes {
		wb := to.NewWriteBatch()
		err := from.View(func(txn *badger.Txn) error {
			o := badger.DefaultIteratorOptions
			o.Prefix = p
			it := txn.NewIterator(o)
			defer it.Close()
			for it.Rewind(); it.Valid(); it.Next() {
				v, err := it.Item().ValueCopy(nil)
				if err != nil {
					return err
				}
				if err := wb.Set(it.Item().KeyCopy(nil), v); err != nil {
					return err
				}
				n++
			}
			return nil
		})
		if err == nil {
			err = wb.Flush()
		} else {
			wb.Cancel()
		}
		if err != nil {
			return n, fmt.Errorf("replicate: move keys %q: %w", p, err)
		}
	}
	if n == 0 {
		return 0, nil
	}
	if err := to.Sync(); err != nil {
		return n, fmt.Errorf("replicate: move keys: %w", err)
	}
	for _, p := range prefixes {
		if err := from.DropPrefix(p); err != nil {
			return n, fmt.Errorf("replicate: move keys %q: drop from the old database: %w", p, err)
		}
	}
	return n, nil
}
