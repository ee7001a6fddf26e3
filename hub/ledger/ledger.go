package ledger

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
	_ "time/tzdata" // a board image may lack zoneinfo; Oslo time must not

	"github.com/dgraph-io/badger/v4"

	"github.com/kasse/kasse/replicate"
)

// Keys. Everything the ledger owns lives under Prefix, in one Badger DB that
// it may share with the Raft log.
const (
	Prefix       = "s/"
	keyApplied   = "s/meta/applied"
	keyTip       = "s/meta/jtip"
	keyShop      = "s/meta/shop"
	keyKeyVer    = "s/meta/keyver"
	pfxItem      = "s/item/"
	pfxBarcode   = "s/bc/"
	pfxStock     = "s/stock/"
	pfxSale      = "s/sale/"  // + id: the sale without its lines
	pfxSaleLine  = "s/sline/" // + id + "/" + line number (4 digits): one line
	pfxOpen      = "s/open/"  // + register + "/" + sale: open and parked sales
	pfxReg       = "s/reg/"
	pfxEmp       = "s/emp/"
	pfxJournal   = "s/j/"
	pfxIdem      = "s/idem/"
	pfxIdemTime  = "s/idemt/" // + unix nanos + key: idempotency records by age
	pfxAttempt   = "s/pay/"
	pfxPending   = "s/paypend/" // + attempt: card payments with no outcome yet
	pfxPublicKey = "s/key/"
)

// publicKeyKey is where the public half of key version v is stored.
func publicKeyKey(v int) string { return pfxPublicKey + fmt.Sprintf("%08d", v) }

// idemTTL is how long an idempotency key is remembered at least. A register
// retries within seconds or, after a hub failure, minutes; two days is
// generous. Records are pruned by Apply itself, by command time, never by
// the wall clock: a hub catching up days later must answer as the others did.
const (
	idemTTL = 48 * time.Hour
	// Every idemEvery-th Raft index prunes up to idemPrune records: more
	// than the commands in between can make, and one iterator instead of
	// one per command. By index, so every hub prunes at the same commands.
	idemEvery = 32
	idemPrune = 8 * idemEvery
)

// Oslo is where receipts, the journal and exports tell time.
var Oslo = mustZone("Europe/Oslo")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err) // time/tzdata is linked in: this cannot fail
	}
	return loc
}

// Signer signs with the shop's private key of a given version. The key
// never enters the ledger; only its public half does.
type Signer interface {
	Sign(version int, msg []byte) ([]byte, error)
}

// Ledger is the shop's replicated state machine. Apply is called by one
// goroutine (Raft's FSM); reads are safe from any goroutine and see the state
// as of the last committed Apply.
type Ledger struct {
	db     *badger.DB
	signer Signer
	log    *slog.Logger

	applied   atomic.Uint64
	salesDone atomic.Uint64 // completed since start, for metrics
	halted    atomic.Pointer[error]
	tip       tip // journal head, touched by Apply only
	// sales holds decoded open and parked sales for Apply (its goroutine
	// only). Readers go to Badger.
	sales map[string]*Sale
	// inflight is closed when the last Apply's commit has reached the disk
	// (Apply's goroutine only); commitErr is that commit's failure.
	inflight  chan struct{}
	commitErr atomic.Pointer[error]
	restoring atomic.Bool // a snapshot is replacing the state: reads are partial

	regs  decoded[Register] // decoded.go
	items decoded[Item]
	lines encodedLines

	mu      sync.Mutex
	waiters []chan struct{} // closed on every Apply
	hooks   []func([]Result)
}

// tip is the head of the journal's hash chain.
type tip struct {
	Seq  uint64 `json:"seq"`
	Hash string `json:"hash"`
}

// Open loads the ledger kept in db. signer may be nil for a ledger that is
// only read (kasse verify, export).
func Open(db *badger.DB, signer Signer, log *slog.Logger) (*Ledger, error) {
	l := &Ledger{db: db, signer: signer, log: log,
		regs: decoded[Register]{clone: sameRegister}, items: decoded[Item]{clone: copyItem}}
	if err := l.load(); err != nil {
		return nil, err
	}
	return l, nil
}

func (l *Ledger) load() error {
	l.sales = map[string]*Sale{}
	return l.db.View(func(txn *badger.Txn) error {
		var applied uint64
		if v, err := getTxn(txn, keyApplied); err == nil {
			applied = binary.BigEndian.Uint64(v)
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		l.applied.Store(applied)
		l.tip = tip{}
		if v, err := getTxn(txn, keyTip); err == nil {
			if err := json.Unmarshal(v, &l.tip); err != nil {
				return fmt.Errorf("journal head: %w", err)
			}
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		return nil
	})
}

// Applied is the Raft index of the last command applied, durable on disk.
func (l *Ledger) Applied() uint64 { return l.applied.Load() }

// SalesCompleted counts the sales this process saw completed.
func (l *Ledger) SalesCompleted() uint64 { return l.salesDone.Load() }

// Halted is non-nil when the ledger stopped applying: it met a command it
// does not know (written by a newer hub) or storage failed. The operator
// must upgrade or repair; the hub reports not ready until then.
func (l *Ledger) Halted() error {
	if p := l.halted.Load(); p != nil {
		return *p
	}
	return nil
}

func (l *Ledger) halt(err error) {
	err = fmt.Errorf("%w: %w", ErrHalted, err)
	if l.halted.CompareAndSwap(nil, &err) {
		l.log.Error("ledger halted: no further commands are applied until this is fixed", "err", err)
	}
}

// OnApply registers fn to be called after each committed Apply with its
// results, in order, on the applying goroutine: keep it quick.
func (l *Ledger) OnApply(fn func([]Result)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.hooks = append(l.hooks, fn)
}

// Changed returns a channel closed at the next committed Apply.
func (l *Ledger) Changed() <-chan struct{} {
	ch := make(chan struct{})
	l.mu.Lock()
	l.waiters = append(l.waiters, ch)
	l.mu.Unlock()
	return ch
}

// Apply applies committed entries in order in one Badger transaction (or a
// few, each holding whole commands) and returns a Result per entry.
func (l *Ledger) Apply(entries []replicate.Entry) []any {
	out := make([]any, len(entries))
	results := make([]Result, len(entries))
	fail := func(from int, err error) []any {
		for i := from; i < len(entries); i++ {
			out[i] = Result{Index: entries[i].Index, Err: err}
		}
		return out
	}
	if err := l.settle(); err != nil {
		return fail(0, err)
	}
	if err := l.Halted(); err != nil {
		return fail(0, err)
	}
	b := newBatch(l.db)
	defer b.txn.Discard()
	t := l.tip
	b.journal = t.Seq
	for i, e := range entries {
		if e.Index <= l.applied.Load() {
			results[i] = Result{Index: e.Index, Err: fmt.Errorf("entry %d applied before", e.Index)}
			out[i] = results[i]
			continue
		}
		res, err := l.applyOne(b, &t, e)
		if err != nil {
			l.halt(fmt.Errorf("entry %d: %w", e.Index, err))
			// What was committed mid-batch stays; the rest is replayed
			// from the Raft log once the cause is fixed.
			_ = l.load()
			return fail(i, l.Halted())
		}
		results[i] = res
		out[i] = res
	}
	if b.count > 0 {
		// The answers go out while the commit is on its way to the disk: the
		// commands are already durable in the Raft log, a crash before this
		// commit lands replays them, and any read waits for it (Badger's
		// read timestamps). The next Apply waits for it before it starts.
		done := make(chan struct{})
		l.inflight = done
		b.txn.CommitWith(func(err error) {
			if err != nil {
				err = fmt.Errorf("commit applied state: %w", err)
				l.commitErr.Store(&err)
			}
			close(done)
		})
	}
	l.tip = t
	for id, sl := range b.flushed {
		if sl == nil {
			delete(l.sales, id)
		} else {
			l.sales[id] = sl
		}
	}
	l.salesDone.Add(b.completed)
	if b.applied > 0 {
		l.applied.Store(b.applied)
	}
	l.notify(results)
	return out
}

func (l *Ledger) notify(results []Result) {
	l.mu.Lock()
	ws, hooks := l.waiters, l.hooks
	l.waiters = nil
	l.mu.Unlock()
	for _, ch := range ws {
		close(ch)
	}
	for _, fn := range hooks {
		fn(results)
	}
}

type idemRecord struct {
	ReqHash string          `json:"rh"`
	Time    time.Time       `json:"time"`
	Index   uint64          `json:"index"`
	Value   json.RawMessage `json:"value,omitempty"`
	Sale    string          `json:"sale,omitempty"` // the answer was this sale: a retry gets it as it is now
	Reject  *Rejection      `json:"reject,omitempty"`
}

// applyOne applies one entry into b. An error means the ledger cannot go on
// (unknown command, storage); a refused command is a Result with Reject set.
func (l *Ledger) applyOne(b *batch, t *tip, e replicate.Entry) (Result, error) {
	res := Result{Index: e.Index}
	env, err := Decode(e.Data)
	if err != nil {
		return res, err
	}
	res.Type, res.Register = env.Type, env.Register
	h, ok := handlers[env.Type]
	if !ok || env.V > Version {
		return res, fmt.Errorf("unknown command %q (envelope v%d; this hub knows v%d): upgrade this hub", env.Type, env.V, Version)
	}
	if env.Key != "" {
		raw, err := b.get(pfxIdem + env.Key)
		switch {
		case err == nil:
			var rec idemRecord
			if err := json.Unmarshal(raw, &rec); err != nil {
				return res, fmt.Errorf("idempotency record %q: %w", env.Key, err)
			}
			if rec.ReqHash != env.ReqHash {
				res.Reject = reject("idempotency_conflict", "this request id was already used for a different request")
			} else {
				res.Value, res.Reject, res.Replay = rec.Value, rec.Reject, true
				if rec.Sale != "" {
					a := &applyCtx{b: b, l: l, env: env, index: e.Index, tip: t}
					s, err := a.sale(rec.Sale)
					if err != nil {
						return res, fmt.Errorf("idempotency record %q names sale %s: %w", env.Key, rec.Sale, err)
					}
					res.answer(a, s, e.Follower)
				}
			}
			return res, b.flush(e.Index)
		case !errors.Is(err, ErrNotFound):
			return res, err
		}
	}
	saved := *t
	a := &applyCtx{b: b, l: l, env: env, index: e.Index, tip: t}
	val, err := a.checked(h)
	var rej *Rejection
	switch {
	case errors.As(err, &rej):
		b.discard()
		*t = saved
		res.Reject = rej
	case err != nil:
		return res, fmt.Errorf("%s: %w", env.Type, err)
	default:
		switch v := val.(type) {
		case nil:
		case *Sale:
			res.answer(a, v, e.Follower)
		default:
			if res.Value, err = json.Marshal(val); err != nil {
				return res, fmt.Errorf("%s: encode result: %w", env.Type, err)
			}
		}
	}
	if env.Key != "" {
		ir := idemRecord{ReqHash: env.ReqHash, Time: env.Time, Index: e.Index, Value: res.Value, Reject: res.Reject}
		if s, ok := val.(*Sale); ok && res.Reject == nil {
			// A sale is big and changes with every line; the record points
			// at it instead of keeping a copy.
			ir.Value, ir.Sale = nil, s.ID
		}
		rec, err := json.Marshal(ir)
		if err != nil {
			return res, err
		}
		b.set(pfxIdem+env.Key, rec)
		b.set(idemTimeKey(env.Time, env.Key), nil)
	}
	if e.Index%idemEvery == 0 {
		if err := pruneIdem(b, env.Time.Add(-idemTTL)); err != nil {
			return res, err
		}
	}
	if err := t.save(b); err != nil {
		return res, err
	}
	return res, b.flush(e.Index)
}

// answer makes sale s the command's answer: encoded, or on a follower named
// and left for Result.Answer.
func (r *Result) answer(a *applyCtx, s *Sale, follower bool) {
	if follower {
		r.Sale, r.sale = s.ID, s
		return
	}
	r.Value = a.encoded(s)
}

func idemTimeKey(at time.Time, key string) string {
	return pfxIdemTime + string(u64(uint64(at.UnixNano()))) + key
}

// pruneIdem forgets a few idempotency records made before cutoff.
func pruneIdem(b *batch, cutoff time.Time) error {
	opts := badger.DefaultIteratorOptions
	opts.Prefix, opts.PrefetchValues = []byte(pfxIdemTime), false
	it := b.txn.NewIterator(opts)
	defer it.Close()
	end := idemTimeKey(cutoff, "")
	n := 0
	for it.Rewind(); it.Valid() && n < idemPrune; it.Next() {
		k := string(it.Item().Key())
		if k >= end {
			break
		}
		if _, staged := b.pending[k]; staged {
			continue
		}
		b.del(k)
		b.del(pfxIdem + k[len(pfxIdemTime)+8:])
		n++
	}
	return nil
}

func (t *tip) save(b *batch) error {
	v, err := json.Marshal(t)
	if err != nil {
		return err
	}
	b.set(keyTip, v)
	return nil
}

// Snapshot captures the whole state as of now; it is written while Apply
// goes on.
func (l *Ledger) Snapshot() (replicate.Snapshot, error) {
	if err := l.settle(); err != nil {
		return nil, err
	}
	if err := l.Halted(); err != nil {
		// A halted ledger is behind its log: a snapshot now would let Raft
		// compact away the entries it still has to apply.
		return nil, err
	}
	return replicate.PrefixSnapshot(l.db, []byte(Prefix))
}

// Restore replaces the state with a snapshot's.
func (l *Ledger) Restore(r io.Reader) error {
	_ = l.settle() // a failed commit is moot: the snapshot replaces the state
	l.commitErr.Store(nil)
	l.restoring.Store(true)
	defer l.restoring.Store(false)
	if err := replicate.RestorePrefix(l.db, []byte(Prefix), r); err != nil {
		return fmt.Errorf("restore ledger: %w", err)
	}
	if err := l.load(); err != nil {
		return fmt.Errorf("restore ledger: %w", err)
	}
	l.notify(nil)
	return nil
}

// Restoring says whether a snapshot is replacing the state right now; the
// state read meanwhile is partial.
func (l *Ledger) Restoring() bool { return l.restoring.Load() }

// settle waits for the last Apply's commit. If it failed, the ledger halts
// and reloads what is on disk: the Raft log still holds the commands, and
// they are applied again once the cause is fixed and the hub restarts.
func (l *Ledger) settle() error {
	if l.inflight == nil {
		return nil
	}
	<-l.inflight
	l.inflight = nil
	if p := l.commitErr.Load(); p != nil {
		if l.Halted() == nil {
			l.halt(*p)
			_ = l.load()
		}
		return l.Halted()
	}
	return nil
}

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

func getTxn(txn *badger.Txn, key string) ([]byte, error) {
	it, err := txn.Get([]byte(key))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return it.ValueCopy(nil)
}
