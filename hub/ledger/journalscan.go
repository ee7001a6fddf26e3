package ledger

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/dgraph-io/badger/v4"
)

// JournalScan walks the journal from sequence from on, in order, like
// Journal, but decodes only each entry's head: Seq, Index, Time, Local,
// Type, Event, Register, Employee and Sale. Data, Sig, Prev and Hash are
// left empty until fn calls full, which decodes the whole entry into the
// same *Entry; raw is the entry as stored (JSON), for a reader that
// decodes the part it needs its own way. A reader that needs the body of
// few entries (an export skips the lines of every sale) reads a long
// journal several times faster so. The *Entry and raw are reused: they
// are valid only during fn.
func (l *Ledger) JournalScan(from uint64, fn func(e *Entry, raw []byte, full func() error) error) error {
	return l.db.View(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.Prefix = []byte(pfxJournal)
		it := txn.NewIterator(opts)
		defer it.Close()
		var e Entry
		var raw []byte
		var decoded bool
		full := func() error {
			if decoded {
				return nil
			}
			e = Entry{}
			if err := json.Unmarshal(raw, &e); err != nil {
				return &Broken{Seq: seqOf(it.Item().Key()), Reason: "unreadable: " + err.Error()}
			}
			decoded = true
			return nil
		}
		for it.Seek([]byte(journalKey(max(from, 1)))); it.Valid(); it.Next() {
			err := it.Item().Value(func(v []byte) error {
				raw, decoded = v, false
				e = Entry{}
				if !scanHead(v, &e) {
					if err := full(); err != nil {
						return err
					}
				}
				return fn(&e, v, full)
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// scanHead fills e's head from an entry as appendEntry stores it: Go's
// JSON of Entry, fields in struct order, the head before data, sig, prev
// and hash. It reports false for anything else (an escaped string, a field
// it does not expect), and the caller decodes the entry in full.
func scanHead(b []byte, e *Entry) bool {
	if len(b) < 2 || b[0] != '{' {
		return false
	}
	i := 1
	for i < len(b) {
		if b[i] != '"' {
			return false
		}
		k := bytes.IndexByte(b[i+1:], '"')
		if k < 0 || i+k+2 >= len(b) || b[i+k+2] != ':' {
			return false
		}
		key := b[i+1 : i+1+k]
		i += k + 3
		if i >= len(b) {
			return false
		}
		var n int
		switch string(key) {
		case "seq", "index", "event":
			for n < len(b)-i && b[i+n] >= '0' && b[i+n] <= '9' {
				n++
			}
			v, err := strconv.ParseUint(string(b[i:i+n]), 10, 64)
			if n == 0 || err != nil {
				return false
			}
			switch key[0] {
			case 's':
				e.Seq = v
			case 'i':
				e.Index = v
			default:
				if v > 1<<31 {
					return false
				}
				e.Event = int(v)
			}
		case "time", "local", "type", "register", "employee", "sale":
			if b[i] != '"' {
				return false
			}
			n = bytes.IndexByte(b[i+1:], '"')
			if n < 0 || bytes.IndexByte(b[i+1:i+1+n], '\\') >= 0 || !utf8.Valid(b[i+1:i+1+n]) {
				return false
			}
			s := string(b[i+1 : i+1+n])
			n += 2
			switch string(key) {
			case "time":
				t, err := time.Parse(time.RFC3339Nano, s)
				if err != nil {
					return false
				}
				e.Time = t
			case "local":
				e.Local = s
			case "type":
				e.Type = s
			case "register":
				e.Register = s
			case "employee":
				e.Employee = s
			case "sale":
				e.Sale = s
			}
		case "data", "sig", "prev", "hash":
			return e.Seq != 0 // the body: the head is complete
		default:
			return false
		}
		i += n
		if i >= len(b) || b[i] != ',' {
			return false
		}
		i++
	}
	return false
}
