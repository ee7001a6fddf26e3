package ledger

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/kasse/kasse/replicate"
)

// A backup file, format 1:
//
//	"kasse-backup 1\n"
//	BackupInfo as one line of JSON, "\n"
//	gzip of the ledger's state as a replicate prefix snapshot (checksummed)
//
// (gzip at its fastest level: a journal's JSON shrinks about five times, and
// a backup goes to an SD card or a USB stick, slower than the compression.)
//
// The state holds the whole journal and the public signing keys, so the
// file alone proves its signatures. It holds no private key: those stay in
// the hub's keys directory (see RestoreBackup for how a restored hub signs).
const backupMagic = "kasse-backup 1\n"

// BackupInfo heads a backup file, for an operator or an auditor to read.
type BackupInfo struct {
	Created    time.Time   `json:"created"`
	Shop       string      `json:"shop,omitempty"`
	OrgNr      string      `json:"orgNr,omitempty"`
	PublicKeys []PublicKey `json:"publicKeys"`
}

// Backup writes a consistent copy of the ledger — its state and the whole
// journal as of one moment — to w, while Apply goes on. It works on a
// running hub's ledger and on a stopped hub's opened read-only.
func (l *Ledger) Backup(w io.Writer, created time.Time) (int64, error) {
	// The snapshot's read transaction opens first: the keys and shop read
	// after it are the same or newer, never older (keys are only added).
	snap, err := replicate.PrefixSnapshot(l.db, []byte(Prefix))
	if err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	defer snap.Release()
	info := BackupInfo{Created: created.UTC()}
	if info.PublicKeys, err = l.PublicKeys(); err != nil {
		return 0, fmt.Errorf("backup: public keys: %w", err)
	}
	if s, err := l.Shop(); err == nil {
		info.Shop, info.OrgNr = s.Name, s.OrgNr
	}
	head, err := json.Marshal(info)
	if err != nil {
		return 0, err
	}
	n, err := io.WriteString(w, backupMagic+string(head)+"\n")
	if err != nil {
		return int64(n), fmt.Errorf("backup: %w", err)
	}
	cw := &countWriter{w: w}
	zw, err := gzip.NewWriterLevel(cw, gzip.BestSpeed)
	if err != nil {
		return int64(n), err
	}
	if _, err := snap.WriteTo(zw); err != nil {
		return int64(n) + cw.n, fmt.Errorf("backup: %w", err)
	}
	if err := zw.Close(); err != nil {
		return int64(n) + cw.n, fmt.Errorf("backup: %w", err)
	}
	return int64(n) + cw.n, nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// RestoreBackup loads a backup into db, which must not hold a ledger yet.
// On an error, db may hold part of the backup: discard it.
//
// The restored ledger has applied no Raft index: the hub that opens it
// starts a new Raft cluster (a new log from index 1), and the first
// command of that log comes right after the backup's last. Its journal,
// hash chain and per-register signature chains go on from where the backup
// ends. A hub without the private half of the shop's current signing key
// (a backup never holds it) installs a new key version before it signs, so
// the chains go on verifiably under the new version.
func RestoreBackup(db *badger.DB, r io.Reader) (*BackupInfo, error) {
	br := bufio.NewReader(r)
	magic := make([]byte, len(backupMagic))
	if _, err := io.ReadFull(br, magic); err != nil || string(magic) != backupMagic {
		return nil, errors.New("restore: not a Kasse backup (format 1)")
	}
	line, err := br.ReadString('\n')
	if err != nil {
		return nil, fmt.Errorf("restore: backup header: %w", err)
	}
	var info BackupInfo
	if err := json.Unmarshal([]byte(strings.TrimSpace(line)), &info); err != nil {
		return nil, fmt.Errorf("restore: backup header: %w", err)
	}
	empty := true
	err = db.View(func(txn *badger.Txn) error {
		o := badger.DefaultIteratorOptions
		o.Prefix, o.PrefetchValues = []byte(Prefix), false
		it := txn.NewIterator(o)
		defer it.Close()
		it.Rewind()
		empty = !it.Valid()
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	if !empty {
		return nil, errors.New("restore: the database already holds a ledger; restore into a fresh data directory")
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, fmt.Errorf("restore: backup body: %w", err)
	}
	if err := replicate.RestorePrefix(db, []byte(Prefix), zr); err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	// The gzip trailer's checksum is checked at its end: a file cut there
	// is refused too (the caller discards what was written).
	if _, err := io.Copy(io.Discard, zr); err != nil {
		return nil, fmt.Errorf("restore: backup body: %w", err)
	}
	if err := db.Update(func(txn *badger.Txn) error { return txn.Delete([]byte(keyApplied)) }); err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	return &info, nil
}
