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

// encodedLines remembers the JSON of sale lines. A sale's answer is the
// whole sale, and one command changes one line of it, so encoding the
// others again each time made answers O(n²) per sale. A Line is a plain
// comparable value (its pointers are never changed in place, see
// saveSale), so equal lines encode the same and there is nothing to
// invalidate. Used by the apply goroutine only.
type encodedLines struct {
	m map[Line][]byte
}

func (c *encodedLines) get(ln *Line) ([]byte, error) {
	if b, ok := c.m[*ln]; ok {
		return b, nil
	}
	b, err := json.Marshal(ln)
	if err != nil {
		return nil, err
	}
	if c.m == nil || len(c.m) >= decodedMax {
		c.m = make(map[Line][]byte, decodedMax)
	}
	c.m[*ln] = b
	return b, nil
}

// nullLines is how a sale encodes without its lines.
var nullLines = []byte(`"lines":null`)

// encodeSale is json.Marshal(s), byte for byte, from head (s encoded with
// no lines) and each line's remembered JSON. Only the structural key can
// match nullLines: a quote inside an encoded string is escaped.
func (c *encodedLines) encodeSale(s *Sale, head []byte) ([]byte, error) {
	i := bytes.Index(head, nullLines)
	if s.Lines == nil || i < 0 {
		return head, nil
	}
	n := len(head) + 2
	lines := make([][]byte, len(s.Lines))
	for j := range s.Lines {
		b, err := c.get(&s.Lines[j])
		if err != nil {
			return nil, err
		}
		lines[j] = b
		n += len(b) + 1
	}
	out := make([]byte, 0, n)
	out = append(out, head[:i]...)
	out = append(out, `"lines":[`...)
	for j, b := range lines {
		if j > 0 {
			out = append(out, ',')
		}
		out = append(out, b...)
	}
	out = append(out, ']')
	return append(out, head[i+len(nullLines):]...), nil
}
