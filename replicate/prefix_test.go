package replicate

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"maps"
	"testing"

	"github.com/dgraph-io/badger/v4"
)

func fill(t testing.TB, db *badger.DB, prefix string, n int) {
	t.Helper()
	wb := db.NewWriteBatch()
	defer wb.Cancel()
	for i := range n {
		k := fmt.Sprintf("%sitem/%07d", prefix, i)
		v := fmt.Sprintf("value-%d-%s", i, bytes.Repeat([]byte("x"), i%64))
		if err := wb.Set([]byte(k), []byte(v)); err != nil {
			t.Fatal(err)
		}
	}
	if err := wb.Flush(); err != nil {
		t.Fatal(err)
	}
}

func snapshot(t testing.TB, db *badger.DB, prefix string) []byte {
	t.Helper()
	s, err := PrefixSnapshot(db, []byte(prefix))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Release()
	var buf bytes.Buffer
	n, err := s.WriteTo(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(buf.Len()) {
		t.Fatalf("WriteTo says %d bytes, wrote %d", n, buf.Len())
	}
	return buf.Bytes()
}

func TestPrefixSnapshotRestore(t *testing.T) {
	keys := 200_000
	if raceOn {
		keys = 40_000
	}
	src := openDB(t, t.TempDir())
	defer src.Close()
	fill(t, src, "st/", keys)
	if err := src.Update(func(txn *badger.Txn) error { return txn.Set([]byte("other/x"), []byte("y")) }); err != nil {
		t.Fatal(err)
	}

	// The snapshot is the state when PrefixSnapshot was called, even if
	// writes go on before it is written out.
	s, err := PrefixSnapshot(src, []byte("st/"))
	if err != nil {
		t.Fatal(err)
	}
	want, wantN := digest(t, src, "st/")
	fill(t, src, "st/late/", 10)
	var buf bytes.Buffer
	if _, err := s.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	s.Release()

	dst := openDB(t, t.TempDir())
	defer dst.Close()
	fill(t, dst, "st/old/", 1000) // replaced by the restore
	if err := dst.Update(func(txn *badger.Txn) error { return txn.Set([]byte("stay/k"), []byte("v")) }); err != nil {
		t.Fatal(err)
	}
	if err := RestorePrefix(dst, []byte("st/"), bytes.NewReader(buf.Bytes())); err != nil {
		t.Fatal(err)
	}
	got, gotN := digest(t, dst, "st/")
	if gotN != keys || wantN != keys || got != want {
		t.Fatalf("restored %d keys (digest %x), want %d (digest %x)", gotN, got, wantN, want)
	}
	if len(dump(t, dst, []byte("stay/"))) != 1 {
		t.Fatal("restore touched keys outside its prefix")
	}
	if RestoreIncomplete(dst, []byte("st/")) {
		t.Fatal("finished restore reported as incomplete")
	}
}

func TestRestoreTorn(t *testing.T) {
	src := openDB(t, t.TempDir())
	defer src.Close()
	fill(t, src, "st/", 5000)
	snap := snapshot(t, src, "st/")

	dst := openDB(t, t.TempDir())
	defer dst.Close()

	// A bad header leaves the state alone and no marker.
	fill(t, dst, "st/", 10)
	err := RestorePrefix(dst, []byte("st/"), bytes.NewReader([]byte("JUNKJUNK")))
	if !errors.Is(err, ErrBadSnapshot) || RestoreIncomplete(dst, []byte("st/")) || len(dump(t, dst, []byte("st/"))) != 10 {
		t.Fatalf("bad header: err %v, incomplete %v", err, RestoreIncomplete(dst, []byte("st/")))
	}
	// A snapshot of another prefix is refused up front too.
	if err := RestorePrefix(dst, []byte("xx/"), bytes.NewReader(snap)); !errors.Is(err, ErrBadSnapshot) {
		t.Fatalf("wrong prefix: %v", err)
	}

	for name, r := range map[string]io.Reader{
		"truncated":  bytes.NewReader(snap[:len(snap)/2]),
		"no trailer": bytes.NewReader(snap[:len(snap)-4]),
		"bit flip":   bytes.NewReader(flip(snap, len(snap)/3)),
	} {
		t.Run(name, func(t *testing.T) {
			err := RestorePrefix(dst, []byte("st/"), r)
			if !errors.Is(err, ErrBadSnapshot) {
				t.Fatalf("err = %v, want ErrBadSnapshot", err)
			}
			if !RestoreIncomplete(dst, []byte("st/")) {
				t.Fatal("torn restore not detected")
			}
			torn, err := tornRestores(dst)
			if err != nil || len(torn) != 1 || torn[0] != "st/" {
				t.Fatalf("tornRestores = %q, %v", torn, err)
			}
		})
	}

	// A whole snapshot repairs it.
	if err := RestorePrefix(dst, []byte("st/"), bytes.NewReader(snap)); err != nil {
		t.Fatal(err)
	}
	if RestoreIncomplete(dst, []byte("st/")) {
		t.Fatal("marker left after a good restore")
	}
	if !maps.Equal(dump(t, dst, []byte("st/")), dump(t, src, []byte("st/"))) {
		t.Fatal("state differs after repair")
	}
}

// digest hashes every key and value under prefix, in order.
func digest(t testing.TB, db *badger.DB, prefix string) (sum [32]byte, n int) {
	t.Helper()
	h := sha256.New()
	err := db.View(func(txn *badger.Txn) error {
		o := badger.DefaultIteratorOptions
		o.Prefix = []byte(prefix)
		it := txn.NewIterator(o)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			n++
			h.Write(binary.AppendUvarint(nil, uint64(len(it.Item().Key()))))
			h.Write(it.Item().Key())
			if err := it.Item().Value(func(v []byte) error { h.Write(v); return nil }); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return [32]byte(h.Sum(nil)), n
}

func flip(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i] ^= 0x40
	return c
}

func TestPrefixChecks(t *testing.T) {
	db := openDB(t, t.TempDir())
	defer db.Close()
	for _, p := range []string{"", "raft/", "raft/log/", "ra"} {
		if _, err := PrefixSnapshot(db, []byte(p)); err == nil {
			t.Errorf("PrefixSnapshot(%q) accepted a prefix overlapping raft's keys", p)
		}
	}
}
