package replicate

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/dgraph-io/badger/v4"
	"github.com/hashicorp/raft"
)

// kv is a test Machine: "set KEY VALUE" and "incr KEY" on keys under a
// prefix, with the applied index stored beside them in the same
// transaction, as the ledger does.
type kv struct {
	db     *badger.DB
	prefix []byte

	mu        sync.Mutex
	applied   uint64
	applies   atomic.Int64 // entries applied by this instance
	restores  atomic.Int64
	snapshots atomic.Int64
}

var errUnknown = errors.New("unknown command")

func newKV(t testing.TB, db *badger.DB) *kv {
	t.Helper()
	m := &kv{db: db, prefix: []byte("kv/")}
	if err := m.load(); err != nil {
		t.Fatal(err)
	}
	return m
}

func (m *kv) appliedKey() []byte      { return append(bytes.Clone(m.prefix), "applied"...) }
func (m *kv) dataKey(k string) []byte { return append(append(bytes.Clone(m.prefix), "d/"...), k...) }

func (m *kv) load() error {
	return m.db.View(func(txn *badger.Txn) error {
		it, err := txn.Get(m.appliedKey())
		if errors.Is(err, badger.ErrKeyNotFound) {
			m.applied = 0
			return nil
		}
		if err != nil {
			return err
		}
		return it.Value(func(v []byte) error { m.applied = binary.BigEndian.Uint64(v); return nil })
	})
}

func (m *kv) Apply(es []Entry) []any {
	out := make([]any, len(es))
	txn := m.db.NewTransaction(true)
	defer txn.Discard()
	for i, e := range es {
		out[i] = m.apply(txn, string(e.Data))
	}
	last := es[len(es)-1].Index
	err := txn.Set(m.appliedKey(), binary.BigEndian.AppendUint64(nil, last))
	if err == nil {
		err = txn.Commit()
	}
	if err != nil {
		for i := range out {
			out[i] = err
		}
		return out
	}
	m.mu.Lock()
	m.applied = last
	m.mu.Unlock()
	m.applies.Add(int64(len(es)))
	return out
}

func (m *kv) apply(txn *badger.Txn, cmd string) any {
	f := strings.Fields(cmd)
	switch {
	case len(f) == 3 && f[0] == "set":
		if err := txn.Set(m.dataKey(f[1]), []byte(f[2])); err != nil {
			return err
		}
		return "ok"
	case len(f) == 2 && f[0] == "incr":
		var n int64
		it, err := txn.Get(m.dataKey(f[1]))
		if err == nil {
			err = it.Value(func(v []byte) error { n, err = strconv.ParseInt(string(v), 10, 64); return err })
		}
		if err != nil && !errors.Is(err, badger.ErrKeyNotFound) {
			return err
		}
		n++
		if err := txn.Set(m.dataKey(f[1]), []byte(strconv.FormatInt(n, 10))); err != nil {
			return err
		}
		return n
	}
	return fmt.Errorf("%w: %q", errUnknown, cmd)
}

func (m *kv) Applied() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.applied
}

func (m *kv) Snapshot() (Snapshot, error) {
	m.snapshots.Add(1)
	return PrefixSnapshot(m.db, m.prefix)
}

func (m *kv) Restore(r io.Reader) error {
	if err := RestorePrefix(m.db, m.prefix, r); err != nil {
		return err
	}
	m.restores.Add(1)
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.load()
}

// state returns every data key and value.
func (m *kv) state(t testing.TB) map[string]string {
	t.Helper()
	return dump(t, m.db, m.dataKey(""))
}

func dump(t testing.TB, db *badger.DB, prefix []byte) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := db.View(func(txn *badger.Txn) error {
		o := badger.DefaultIteratorOptions
		o.Prefix = prefix
		it := txn.NewIterator(o)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			out[string(it.Item().Key())] = string(v)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

func rafta(s string) raft.ServerAddress { return raft.ServerAddress(s) }

// broken is a kv whose commits fail once fail is set, as on a dead disk.
type broken struct {
	*kv
	fail atomic.Bool
}

func (b *broken) Apply(es []Entry) []any {
	if b.fail.Load() {
		out := make([]any, len(es))
		for i := range out {
			out[i] = errors.New("disk gone")
		}
		return out
	}
	return b.kv.Apply(es)
}
