package ledger

import (
	"errors"
	"fmt"
	"strings"

	"github.com/dgraph-io/badger/v4"
)

// batch applies commands inside one Badger transaction. Each command's
// writes are staged in pending and flushed only when the command succeeds,
// so a rejected command leaves no trace but its answer. When a transaction
// grows too big it is committed between two commands and a new one started:
// every commit still holds whole commands and the index of the last one.
type batch struct {
	db        *badger.DB
	txn       *badger.Txn
	pending   map[string][]byte // nil value: delete
	order     []string
	applied   uint64 // last index flushed into txn
	size      int64  // estimated bytes and entries in txn
	count     int64
	completed uint64 // sales completed in this batch
	// journal is the sequence of the last journal entry written: the only
	// journal write a batch lets through is the entry right after it.
	journal uint64

	// Decoded sales, so Apply does not decode a sale for every line. staged
	// belongs to the command being applied (dropped if it is refused);
	// flushed to the batch's commands so far; nil means closed: forget it.
	staged, flushed map[string]*Sale
}

func newBatch(db *badger.DB) *batch {
	return &batch{db: db, txn: db.NewTransaction(true), pending: map[string][]byte{},
		staged: map[string]*Sale{}, flushed: map[string]*Sale{}}
}

func (b *batch) get(key string) ([]byte, error) {
	if v, ok := b.pending[key]; ok {
		if v == nil {
			return nil, ErrNotFound
		}
		return v, nil
	}
	it, err := b.txn.Get([]byte(key))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return it.ValueCopy(nil)
}

func (b *batch) set(key string, v []byte) {
	if v == nil {
		v = []byte{}
	}
	if _, ok := b.pending[key]; !ok {
		b.order = append(b.order, key)
	}
	b.pending[key] = v
}

func (b *batch) del(key string) {
	if _, ok := b.pending[key]; !ok {
		b.order = append(b.order, key)
	}
	b.pending[key] = nil
}

func (b *batch) discard() {
	clear(b.staged)
	clear(b.pending)
	b.order = b.order[:0]
}

// flush moves the staged writes of the command at index into the
// transaction, committing and renewing the transaction first when they would
// not fit: every commit holds whole commands and the index of the last one.
func (b *batch) flush(index uint64) error {
	size, count := int64(len(keyApplied)+8+entryOverhead), int64(1)
	for _, k := range b.order {
		size += int64(len(k) + len(b.pending[k]) + entryOverhead)
		count++
	}
	if b.size+size > b.db.MaxBatchSize()*3/4 || b.count+count > b.db.MaxBatchCount()*3/4 {
		if b.count > 0 {
			if err := b.commit(); err != nil {
				return err
			}
			b.txn = b.db.NewTransaction(true)
			b.size, b.count = 0, 0
		}
	}
	for _, k := range b.order {
		v := b.pending[k]
		if err := b.appendOnly(k, v); err != nil {
			return fmt.Errorf("stage command %d: %w", index, err)
		}
		var err error
		if v == nil {
			err = b.txn.Delete([]byte(k))
		} else {
			err = b.txn.Set([]byte(k), v)
		}
		if err != nil {
			return fmt.Errorf("stage command %d: %w", index, err)
		}
	}
	if err := b.txn.Set([]byte(keyApplied), u64(index)); err != nil {
		return fmt.Errorf("stage command %d: %w", index, err)
	}
	b.size += size
	b.count += count
	b.applied = index
	for id, sl := range b.staged {
		b.flushed[id] = sl
	}
	b.discard()
	return nil
}

// appendOnly lets a write of a journal key through only when it adds the
// entry right after the last one. Every journal write goes through here,
// so no command, present or future, can edit or delete an entry.
func (b *batch) appendOnly(key string, v []byte) error {
	if !strings.HasPrefix(key, pfxJournal) {
		return nil
	}
	seq := seqOf([]byte(key))
	switch {
	case v == nil:
		return fmt.Errorf("%w: entry %d would be deleted", ErrAppendOnly, seq)
	case seq <= b.journal:
		return fmt.Errorf("%w: entry %d would be overwritten", ErrAppendOnly, seq)
	case seq != b.journal+1:
		return fmt.Errorf("%w: entry %d would leave a gap after %d", ErrAppendOnly, seq, b.journal)
	}
	b.journal = seq
	return nil
}

// entryOverhead is a generous estimate of what Badger adds to each entry
// when it sizes a transaction.
const entryOverhead = 64

// commit writes the transaction durably (the DB syncs every commit).
func (b *batch) commit() error {
	defer b.txn.Discard()
	if err := b.txn.Commit(); err != nil {
		return fmt.Errorf("commit applied state: %w", err)
	}
	return nil
}
