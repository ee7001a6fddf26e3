package ledger

import (
	"bytes"
	"encoding/json"
	"slices"
	"sync"
)

// decoded remembers how a few hot records (registers, items) last decoded,
// by their bytes: the same bytes decode to the same value, so a hit skips
// JSON with no invalidation to get wrong. Every line a register adds reads
// its register and an item, in the API and again in Apply.
type decoded[T any] struct {
	clone func(T) T // a copy the caller may change

	mu sync.Mutex
	m  map[string]decodedRec[T]
}

type decodedRec[T any] struct {
	raw []byte
	v   T
}

// decodedMax bounds each cache: the hot part of the catalog, not all of it.
const decodedMax = 2048

// decode sets *dst to raw decoded; key names the record.
func (d *decoded[T]) decode(key string, raw []byte, dst *T) error {
	d.mu.Lock()
	r, ok := d.m[key]
	d.mu.Unlock()
	if ok && bytes.Equal(r.raw, raw) {
		*dst = d.clone(r.v)
		return nil
	}
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		return err
	}
	d.mu.Lock()
	if d.m == nil || len(d.m) >= decodedMax {
		d.m = make(map[string]decodedRec[T], decodedMax)
	}
	d.m[key] = decodedRec[T]{raw: bytes.Clone(raw), v: d.clone(v)}
	d.mu.Unlock()
	*dst = v
	return nil
}

func sameRegister(r Register) Register { return r }

func copyItem(it Item) Item {
	it.Barcodes = slices.Clone(it.Barcodes)
	return it
}

// decodeInto decodes raw, a record under key, into v, through the
// ledger's caches for the types that have one.
func (l *Ledger) decodeInto(key string, raw []byte, v any) error {
	switch p := v.(type) {
	case *Register:
		return l.regs.decode(key, raw, p)
	case *Item:
		return l.items.decode(key, raw, p)
	}
	return json.Unmarshal(raw, v)
}
