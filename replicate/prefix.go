package replicate

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"

	"github.com/dgraph-io/badger/v4"
)

// The prefix snapshot format, version 1:
//
//	"KSNP" version:byte len(prefix):uvarint prefix
//	{ 1 len(key):uvarint key len(value):uvarint value }  keys without the prefix, in key order
//	0 count:uvarint crc32c:4 bytes big-endian            CRC of every byte before it
//
// The trailer comes last so a truncated stream can never pass for a whole one.
const (
	snapMagic   = "KSNP"
	snapVersion = 1
	tagEnd      = 0
	tagRecord   = 1
	maxKey      = 65000   // Badger's key limit
	maxValue    = 1 << 30 // sanity bound against a corrupt length
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func checkPrefix(prefix []byte) error {
	if len(prefix) == 0 {
		return errors.New("replicate: empty state prefix")
	}
	if bytes.HasPrefix(prefix, raftRoot) || bytes.HasPrefix(raftRoot, prefix) {
		return fmt.Errorf("replicate: state prefix %q overlaps the %q key space", prefix, raftRoot)
	}
	return nil
}

// PrefixSnapshot captures every key under prefix as of now: it opens a
// read-only transaction at once (cheap, so it suits Machine.Snapshot on the
// FSM goroutine) and streams it in WriteTo while writes go on.
func PrefixSnapshot(db *badger.DB, prefix []byte) (Snapshot, error) {
	if err := checkPrefix(prefix); err != nil {
		return nil, err
	}
	return &prefixSnap{txn: db.NewTransaction(false), prefix: bytes.Clone(prefix)}, nil
}

type prefixSnap struct {
	txn    *badger.Txn
	prefix []byte
}

func (s *prefixSnap) Release() { s.txn.Discard() }

func (s *prefixSnap) WriteTo(w io.Writer) (int64, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	cw := &crcWriter{w: bw, h: crc32.New(castagnoli)}
	var buf []byte
	buf = append(buf, snapMagic...)
	buf = append(buf, snapVersion)
	buf = binary.AppendUvarint(buf, uint64(len(s.prefix)))
	buf = append(buf, s.prefix...)
	if _, err := cw.Write(buf); err != nil {
		return cw.n, err
	}

	o := badger.DefaultIteratorOptions
	o.Prefix = s.prefix
	o.PrefetchSize = 16
	it := s.txn.NewIterator(o)
	defer it.Close()
	var count uint64
	for it.Rewind(); it.Valid(); it.Next() {
		item := it.Item()
		k := item.Key()[len(s.prefix):]
		err := item.Value(func(v []byte) error {
			buf = append(buf[:0], tagRecord)
			buf = binary.AppendUvarint(buf, uint64(len(k)))
			buf = append(buf, k...)
			buf = binary.AppendUvarint(buf, uint64(len(v)))
			if _, err := cw.Write(buf); err != nil {
				return err
			}
			_, err := cw.Write(v)
			return err
		})
		if err != nil {
			return cw.n, fmt.Errorf("replicate: snapshot %q: %w", s.prefix, err)
		}
		count++
	}
	buf = append(buf[:0], tagEnd)
	buf = binary.AppendUvarint(buf, count)
	if _, err := cw.Write(buf); err != nil {
		return cw.n, err
	}
	buf = binary.BigEndian.AppendUint32(buf[:0], cw.h.Sum32())
	n, err := bw.Write(buf)
	if err == nil {
		err = bw.Flush()
	}
	return cw.n + int64(n), err
}

type crcWriter struct {
	w io.Writer
	h hash.Hash32
	n int64
}

func (c *crcWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.h.Write(p[:n])
	c.n += int64(n)
	return n, err
}

// RestorePrefix replaces everything under prefix with the snapshot in r.
//
// A large state does not fit one transaction, so the restore is not atomic;
// it is made crash-safe instead: a marker is written (synced) before the old
// state is dropped and removed only after the new state is written and its
// checksum verified. RestoreIncomplete finds a marker left by a crash or a
// bad stream, and Start then lets raft restore from its snapshot again.
// The header is checked before anything is touched.
func RestorePrefix(db *badger.DB, prefix []byte, r io.Reader) error {
	if err := checkPrefix(prefix); err != nil {
		return err
	}
	cr := &crcReader{r: bufio.NewReaderSize(r, 64<<10), h: crc32.New(castagnoli)}
	if err := readHeader(cr, prefix); err != nil {
		return err
	}

	marker := markerKey(prefix)
	if err := db.Update(func(txn *badger.Txn) error { return txn.Set(marker, nil) }); err != nil {
		return fmt.Errorf("replicate: restore %q: mark: %w", prefix, err)
	}
	// The state's database may run unsynced: the marker must be on disk
	// before anything is dropped.
	if err := db.Sync(); err != nil {
		return fmt.Errorf("replicate: restore %q: mark: %w", prefix, err)
	}
	if err := db.DropPrefix(prefix); err != nil {
		return fmt.Errorf("replicate: restore %q: drop old state: %w", prefix, err)
	}

	wb := db.NewWriteBatch()
	wb.SetMaxPendingTxns(4) // bounds memory: each pending txn may hold ~15 % of a memtable
	defer wb.Cancel()
	if err := readRecords(cr, prefix, wb); err != nil {
		return fmt.Errorf("replicate: restore %q: %w", prefix, err)
	}
	if err := wb.Flush(); err != nil {
		return fmt.Errorf("replicate: restore %q: write: %w", prefix, err)
	}
	if err := db.Sync(); err != nil { // the state, before its marker goes
		return fmt.Errorf("replicate: restore %q: write: %w", prefix, err)
	}
	if err := db.Update(func(txn *badger.Txn) error { return txn.Delete(marker) }); err != nil {
		return fmt.Errorf("replicate: restore %q: unmark: %w", prefix, err)
	}
	return nil
}

func readHeader(cr *crcReader, prefix []byte) error {
	var h [len(snapMagic) + 1]byte
	if _, err := io.ReadFull(cr, h[:]); err != nil {
		return fmt.Errorf("%w: header: %w", ErrBadSnapshot, err)
	}
	if string(h[:4]) != snapMagic {
		return fmt.Errorf("%w: not a prefix snapshot", ErrBadSnapshot)
	}
	if h[4] != snapVersion {
		return fmt.Errorf("%w: version %d, this build reads %d", ErrBadSnapshot, h[4], snapVersion)
	}
	p, err := readChunk(cr, maxKey)
	if err != nil {
		return fmt.Errorf("%w: header: %w", ErrBadSnapshot, err)
	}
	if !bytes.Equal(p, prefix) {
		return fmt.Errorf("%w: snapshot holds prefix %q, not %q", ErrBadSnapshot, p, prefix)
	}
	return nil
}

func readRecords(cr *crcReader, prefix []byte, wb *badger.WriteBatch) error {
	var count uint64
	for {
		tag, err := cr.ReadByte()
		if err != nil {
			return fmt.Errorf("%w: after %d records: %w", ErrBadSnapshot, count, noEOF(err))
		}
		switch tag {
		case tagRecord:
		case tagEnd:
			return readTrailer(cr, count)
		default:
			return fmt.Errorf("%w: unknown tag %d after %d records", ErrBadSnapshot, tag, count)
		}
		k, err := readChunk(cr, maxKey-len(prefix))
		if err != nil {
			return fmt.Errorf("%w: record %d: %w", ErrBadSnapshot, count, err)
		}
		v, err := readChunk(cr, maxValue)
		if err != nil {
			return fmt.Errorf("%w: record %d: %w", ErrBadSnapshot, count, err)
		}
		// WriteBatch keeps the slices until it commits: both are fresh.
		if err := wb.Set(append(bytes.Clone(prefix), k...), v); err != nil {
			return err
		}
		count++
	}
}

func readTrailer(cr *crcReader, count uint64) error {
	n, err := binary.ReadUvarint(cr)
	if err != nil {
		return fmt.Errorf("%w: trailer: %w", ErrBadSnapshot, noEOF(err))
	}
	if n != count {
		return fmt.Errorf("%w: %d records, trailer says %d", ErrBadSnapshot, count, n)
	}
	want := cr.h.Sum32()
	var sum [4]byte
	if _, err := io.ReadFull(cr.r, sum[:]); err != nil { // the CRC is not part of itself
		return fmt.Errorf("%w: checksum: %w", ErrBadSnapshot, noEOF(err))
	}
	if got := binary.BigEndian.Uint32(sum[:]); got != want {
		return fmt.Errorf("%w: checksum %08x, computed %08x", ErrBadSnapshot, got, want)
	}
	return nil
}

func readChunk(cr *crcReader, limit int) ([]byte, error) {
	n, err := binary.ReadUvarint(cr)
	if err != nil {
		return nil, noEOF(err)
	}
	if n > uint64(limit) {
		return nil, fmt.Errorf("length %d over %d", n, limit)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(cr, b); err != nil {
		return nil, noEOF(err)
	}
	return b, nil
}

// noEOF turns a clean EOF inside the stream into the truncation it is.
func noEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

type crcReader struct {
	r *bufio.Reader
	h hash.Hash32
}

func (c *crcReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.h.Write(p[:n])
	return n, err
}

func (c *crcReader) ReadByte() (byte, error) {
	b, err := c.r.ReadByte()
	if err == nil {
		c.h.Write([]byte{b})
	}
	return b, err
}

func markerKey(prefix []byte) []byte { return append(bytes.Clone(markerPrefix), prefix...) }

// RestoreIncomplete reports whether a RestorePrefix of prefix started and
// did not finish, so the state under prefix is partial. If the database
// cannot be read it says true: restoring again is the safe answer.
func RestoreIncomplete(db *badger.DB, prefix []byte) bool {
	err := db.View(func(txn *badger.Txn) error {
		_, err := txn.Get(markerKey(prefix))
		return err
	})
	return !errors.Is(err, badger.ErrKeyNotFound)
}

// tornRestores lists the prefixes whose restore did not finish.
func tornRestores(db *badger.DB) ([]string, error) {
	var torn []string
	err := db.View(func(txn *badger.Txn) error {
		o := badger.DefaultIteratorOptions
		o.PrefetchValues = false
		o.Prefix = markerPrefix
		it := txn.NewIterator(o)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			torn = append(torn, string(it.Item().Key()[len(markerPrefix):]))
		}
		return nil
	})
	return torn, err
}
