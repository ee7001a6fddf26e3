package ledger

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/dgraph-io/badger/v4"
)

// Reads see the state as of the last committed Apply. A caller that must see
// its own write waits until Applied() reaches the write's index first.

func (l *Ledger) get(key string, v any) error {
	return l.db.View(func(txn *badger.Txn) error {
		raw, err := getTxn(txn, key)
		if err != nil {
			return err
		}
		return l.decodeInto(key, raw, v)
	})
}

// Sale returns a sale by id.
func (l *Ledger) Sale(id string) (*Sale, error) {
	var s Sale
	err := l.db.View(func(txn *badger.Txn) error {
		raw, err := getTxn(txn, pfxSale+id)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(raw, &s); err != nil {
			return err
		}
		s.Lines, err = readLines(txn, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("sale %s: %w", id, err)
	}
	return &s, nil
}

// readLines reads a sale's lines in order.
func readLines(txn *badger.Txn, sale string) ([]Line, error) {
	opts := badger.DefaultIteratorOptions
	opts.Prefix = []byte(pfxSaleLine + sale + "/")
	it := txn.NewIterator(opts)
	defer it.Close()
	lines := []Line{}
	for it.Rewind(); it.Valid(); it.Next() {
		var l Line
		if err := it.Item().Value(func(v []byte) error { return json.Unmarshal(v, &l) }); err != nil {
			return nil, fmt.Errorf("line %s: %w", it.Item().Key(), err)
		}
		lines = append(lines, l)
	}
	return lines, nil
}

// Item returns an item by SKU.
func (l *Ledger) Item(sku string) (*Item, error) {
	var it Item
	if err := l.get(pfxItem+sku, &it); err != nil {
		return nil, fmt.Errorf("item %s: %w", sku, err)
	}
	return &it, nil
}

// ItemByCode returns the item a normalised barcode (GTIN-14 or in-store
// article key) belongs to.
func (l *Ledger) ItemByCode(code string) (*Item, error) {
	var sku string
	err := l.db.View(func(txn *badger.Txn) error {
		raw, err := getTxn(txn, pfxBarcode+code)
		sku = string(raw)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("barcode %s: %w", code, err)
	}
	return l.Item(sku)
}

// Stock is the stock of an item: pieces, or grams for weighed items.
func (l *Ledger) Stock(sku string) (int64, error) {
	var n int64
	err := l.get(pfxStock+sku, &n)
	if errors.Is(err, ErrNotFound) {
		return 0, nil
	}
	return n, err
}

// Items lists items whose SKU, name or group contains q (case-insensitive),
// at most limit, in SKU order.
func (l *Ledger) Items(q string, limit int) ([]Item, error) {
	q = strings.ToLower(strings.TrimSpace(q))
	lq := []byte(q)
	var out []Item
	err := scan(l.db, pfxItem, func(_ []byte, v []byte) (bool, error) {
		// Most items do not match: look at the raw bytes before decoding.
		if q != "" && !bytes.Contains(bytes.ToLower(v), lq) {
			return true, nil
		}
		var it Item
		if err := json.Unmarshal(v, &it); err != nil {
			return false, err
		}
		if q == "" || strings.Contains(strings.ToLower(it.SKU+"\x00"+it.Name+"\x00"+it.Group), q) {
			out = append(out, it)
		}
		return len(out) < limit, nil
	})
	return out, err
}

// Register returns a register by id.
func (l *Ledger) Register(id string) (*Register, error) {
	var r Register
	if err := l.get(pfxReg+id, &r); err != nil {
		return nil, fmt.Errorf("register %s: %w", id, err)
	}
	return &r, nil
}

// Employee returns an employee by id, with the PIN hash (for login checks).
func (l *Ledger) Employee(id string) (*Employee, error) {
	var e Employee
	if err := l.get(pfxEmp+id, &e); err != nil {
		return nil, fmt.Errorf("employee %s: %w", id, err)
	}
	return &e, nil
}

// Employees lists every employee, without PIN hashes.
func (l *Ledger) Employees() ([]Employee, error) {
	var out []Employee
	err := scan(l.db, pfxEmp, func(_ []byte, v []byte) (bool, error) {
		var e Employee
		if err := json.Unmarshal(v, &e); err != nil {
			return false, err
		}
		out = append(out, *e.public())
		return true, nil
	})
	return out, err
}

// Shop returns the shop's details.
func (l *Ledger) Shop() (*Shop, error) {
	var s Shop
	if err := l.get(keyShop, &s); err != nil {
		return nil, fmt.Errorf("shop: %w", err)
	}
	return &s, nil
}

// KeyVersion is the signing key version in use, 0 before one is installed.
func (l *Ledger) KeyVersion() int {
	var v int
	_ = l.get(keyKeyVer, &v)
	return v
}

// OpenSales lists the open and parked sales of a register.
func (l *Ledger) OpenSales(register string) ([]*Sale, error) {
	var ids []string
	err := scan(l.db, pfxOpen+register+"/", func(k, _ []byte) (bool, error) {
		ids = append(ids, string(k[len(pfxOpen)+len(register)+1:]))
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]*Sale, 0, len(ids))
	for _, id := range ids {
		s, err := l.Sale(id)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// Attempt returns a card payment attempt.
func (l *Ledger) Attempt(id string) (*Attempt, error) {
	var at Attempt
	if err := l.get(pfxAttempt+id, &at); err != nil {
		return nil, fmt.Errorf("payment attempt %s: %w", id, err)
	}
	return &at, nil
}

// PendingAttempts lists card payments whose outcome is not booked yet.
func (l *Ledger) PendingAttempts() ([]*Attempt, error) {
	var ids []string
	err := scan(l.db, pfxPending, func(k, _ []byte) (bool, error) {
		ids = append(ids, string(k[len(pfxPending):]))
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	var out []*Attempt
	for _, id := range ids {
		at, err := l.Attempt(id)
		if err != nil {
			return nil, err
		}
		out = append(out, at)
	}
	return out, nil
}

// JournalHead is the sequence number and hash of the last journal entry.
func (l *Ledger) JournalHead() (uint64, string, error) {
	var t tip
	err := l.get(keyTip, &t)
	if errors.Is(err, ErrNotFound) {
		return 0, "", nil
	}
	return t.Seq, t.Hash, err
}

// StateHash is a SHA-256 over every key and value of the ledger. Hubs that
// applied the same log have the same hash.
func (l *Ledger) StateHash() (string, error) {
	h := sha256.New()
	err := scan(l.db, Prefix, func(k, v []byte) (bool, error) {
		fmt.Fprintf(h, "%d:%s%d:%s", len(k), k, len(v), v)
		return true, nil
	})
	return hex.EncodeToString(h.Sum(nil)), err
}

// scan calls fn for each key under prefix in order while it returns true.
func scan(db *badger.DB, prefix string, fn func(k, v []byte) (bool, error)) error {
	return db.View(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.Prefix = []byte(prefix)
		it := txn.NewIterator(opts)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			more, err := fn(it.Item().KeyCopy(nil), v)
			if err != nil || !more {
				return err
			}
		}
		return nil
	})
}

// Registers lists every register of the shop.
func (l *Ledger) Registers() ([]Register, error) {
	var out []Register
	err := scan(l.db, pfxReg, func(_ []byte, v []byte) (bool, error) {
		var r Register
		if err := json.Unmarshal(v, &r); err != nil {
			return false, err
		}
		out = append(out, r)
		return true, nil
	})
	return out, err
}

// PublicKey returns the public half of the shop's signing key version v
// (ErrNotFound if the ledger has none).
func (l *Ledger) PublicKey(v int) (*PublicKey, error) {
	var k PublicKey
	if err := l.get(publicKeyKey(v), &k); err != nil {
		return nil, fmt.Errorf("public key version %d: %w", v, err)
	}
	return &k, nil
}

// PublicKeys lists the public halves of the shop's signing keys.
func (l *Ledger) PublicKeys() ([]PublicKey, error) {
	var out []PublicKey
	err := scan(l.db, pfxPublicKey, func(_ []byte, v []byte) (bool, error) {
		var k PublicKey
		if err := json.Unmarshal(v, &k); err != nil {
			return false, err
		}
		out = append(out, k)
		return true, nil
	})
	return out, err
}
