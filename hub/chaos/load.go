package chaos

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kasse/kasse/hub/ledger"
)

// Sale is a sale whose cash payment the API acknowledged as completed.
type Sale struct {
	ID       string
	Register string
	Lines    map[string]int64 // SKU → quantity the register added
	Key      string           // the idempotency keys' stem
	PaidVia  string           // the hub that acknowledged the payment
}

// Load is a set of registers selling concurrently through the HTTP API.
// Each register opens a sale, adds one to three lines by SKU and pays
// cash, again and again. A request that gets no answer, or a retryable
// one, is repeated with the same idempotency key — on the register's home
// hub first and then on the next hub, as a tablet would move on — until
// it is answered. Every sale the API acknowledged is recorded; a request
// refused where it should have succeeded is recorded as an error, and its
// sale voided so the register can go on.
type Load struct {
	Hubs      []*Hub
	Registers int      // registers selling, K1…Kn (n ≤ the cluster's registers)
	SKUs      []string // what they sell
	Seed      uint64
	// Home, when set, picks the hub a register writes to first: with
	// forwarding any hub does; without it, the register moves on until it
	// finds the leader.
	Home func(register int) int
	// Trace, when set, gets a line for every request sent and its answer.
	Trace io.Writer

	requests, retries, moves atomic.Int64

	mu     sync.Mutex
	ok     []span // successful writes, in the order they were answered
	acked  []Sale
	errs   []string
	stop   chan struct{}
	wg     sync.WaitGroup
	giveUp context.Context
}

// Start sets the registers selling until Stop. ctx ends every register at
// once, sale finished or not (a test's last resort).
func (l *Load) Start(ctx context.Context) {
	l.stop, l.giveUp = make(chan struct{}), ctx
	for r := 1; r <= l.Registers; r++ {
		home := (r - 1) % len(l.Hubs)
		if l.Home != nil {
			home = l.Home(r)
		}
		reg := &register{l: l, n: r, id: fmt.Sprintf("K%d", r), token: Token(r), hub: home,
			rng: rand.New(rand.NewPCG(l.Seed, uint64(r))), hc: &http.Client{Timeout: 4 * time.Second}}
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			reg.run()
		}()
	}
}

// Stop lets every register finish the sale it is on (retrying until the
// shop answers) and waits for them.
func (l *Load) Stop() {
	close(l.stop)
	l.wg.Wait()
}

// Acked is every sale acknowledged so far.
func (l *Load) Acked() []Sale {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Sale(nil), l.acked...)
}

// span is when a request was sent and when its answer came.
type span struct{ sent, answered time.Time }

// FirstWriteAfter is how long after t the first write sent after t was
// answered with success; ok is false if none was yet.
func (l *Load) FirstWriteAfter(t time.Time) (d time.Duration, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	i := sort.Search(len(l.ok), func(i int) bool { return l.ok[i].answered.After(t) })
	for ; i < len(l.ok); i++ {
		if l.ok[i].sent.After(t) {
			return l.ok[i].answered.Sub(t), true
		}
	}
	return 0, false
}

// Count is how many sales were acknowledged so far.
func (l *Load) Count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.acked)
}

// Errors are answers a register could not accept: a refusal of a request
// that should have succeeded, or a sale left unfinished.
func (l *Load) Errors() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.errs...)
}

// Stats are the requests sent, the retries among them, and how often a
// register moved on to another hub.
func (l *Load) Stats() (requests, retries, moves int64) {
	return l.requests.Load(), l.retries.Load(), l.moves.Load()
}

func (l *Load) fail(format string, a ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errs = append(l.errs, fmt.Sprintf(format, a...))
}

type register struct {
	l     *Load
	n     int
	id    string
	token string
	hub   int // index of the hub it writes to now
	rng   *rand.Rand
	hc    *http.Client
}

func (r *register) stopping() bool {
	select {
	case <-r.l.stop:
		return true
	default:
		return false
	}
}

// run sells until the load stops. A sale refused where it should not have
// been is recorded and voided, and the register goes on with the next.
func (r *register) run() {
	for n := 0; !r.stopping(); n++ {
		key := fmt.Sprintf("%s-s%d", r.id, n)
		id, err := r.sell(key)
		if err == nil {
			continue
		}
		r.l.fail("%s: %v", r.id, err)
		if id == "" {
			return
		}
		if err := r.write("/sales/"+id+"/void", key+"-void", nil, nil); err != nil {
			r.l.fail("%s: void sale %s: %v", r.id, id, err)
			return
		}
	}
}

// sell makes one sale; on failure it returns the sale's id if it was opened.
func (r *register) sell(key string) (string, error) {
	var s ledger.Sale
	if err := r.write("/sales", key+"-open", nil, &s); err != nil {
		return "", fmt.Errorf("open sale %s: %w", key, err)
	}
	lines := map[string]int64{}
	for i := range 1 + r.rng.IntN(3) {
		sku, qty := r.l.SKUs[r.rng.IntN(len(r.l.SKUs))], int64(1+r.rng.IntN(2))
		if err := r.write("/sales/"+s.ID+"/lines", fmt.Sprintf("%s-l%d", key, i), map[string]any{"sku": sku, "qty": qty}, nil); err != nil {
			return s.ID, fmt.Errorf("add %s to sale %s: %w", sku, s.ID, err)
		}
		lines[sku] += qty
	}
	var paid ledger.Sale
	via, err := r.writeVia("/sales/"+s.ID+"/payments", key+"-pay", map[string]any{"method": "cash", "amount": 1_000_000}, &paid)
	if err != nil {
		return s.ID, fmt.Errorf("pay sale %s: %w", s.ID, err)
	}
	if paid.Status != ledger.SaleCompleted {
		return "", fmt.Errorf("sale %s is %s after its cash payment was acknowledged", s.ID, paid.Status)
	}
	r.l.mu.Lock()
	r.l.acked = append(r.l.acked, Sale{ID: s.ID, Register: r.id, Lines: lines, Key: key, PaidVia: via})
	r.l.mu.Unlock()
	return s.ID, nil
}

// answer is one HTTP exchange's outcome; code 0 means no answer.
type answer struct {
	code      int
	apiCode   string
	retryable bool
	body      []byte
	err       error
}

// write posts body with idempotency key until an answer is final.
func (r *register) write(path, key string, body, out any) error {
	_, err := r.writeVia(path, key, body, out)
	return err
}

// writeVia is write, also naming the hub that gave the final answer.
func (r *register) writeVia(path, key string, body, out any) (string, error) {
	b, _ := json.Marshal(body)
	if body == nil {
		b = nil
	}
	wait := 20 * time.Millisecond
	for {
		h := r.l.Hubs[r.hub]
		sent := time.Now()
		a := r.post(h, path, key, b)
		r.l.requests.Add(1)
		if r.l.Trace != nil {
			r.l.mu.Lock()
			fmt.Fprintf(r.l.Trace, "%s %s %s POST %s → %s: %d %s %v %.160s\n", sent.Format("15:04:05.000000"), time.Now().Format("15:04:05.000000"), r.id, path, h.ID, a.code, key, a.err, a.body)
			r.l.mu.Unlock()
		}
		if a.code >= 200 && a.code < 300 {
			r.l.mu.Lock()
			r.l.ok = append(r.l.ok, span{sent, time.Now()})
			r.l.mu.Unlock()
			if out != nil {
				if err := json.Unmarshal(a.body, out); err != nil {
					return h.ID, fmt.Errorf("%s answered %s: %w", h.ID, a.body, err)
				}
			}
			return h.ID, nil
		}
		if a.code != 0 && a.code < 500 && !a.retryable {
			return h.ID, fmt.Errorf("%s answered %d %s", h.ID, a.code, a.body)
		}
		// No answer, or "try again": the same key, on the next hub.
		r.l.retries.Add(1)
		if len(r.l.Hubs) > 1 {
			r.hub = (r.hub + 1) % len(r.l.Hubs)
			r.l.moves.Add(1)
		}
		select {
		case <-r.l.giveUp.Done():
			return "", fmt.Errorf("gave up (last: %d %s %v): %w", a.code, a.apiCode, a.err, r.l.giveUp.Err())
		case <-time.After(wait):
		}
		wait = min(2*wait, 400*time.Millisecond)
	}
}

func (r *register) post(h *Hub, path, key string, body []byte) answer {
	req, _ := http.NewRequestWithContext(r.l.giveUp, "POST", "http://"+h.HTTP+"/api/v1"+path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+r.token)
	req.Header.Set("Idempotency-Key", key)
	resp, err := r.hc.Do(req)
	if err != nil {
		return answer{err: err}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return answer{err: err}
	}
	a := answer{code: resp.StatusCode, body: raw}
	if resp.StatusCode >= 300 {
		var e struct {
			Code      string `json:"code"`
			Retryable bool   `json:"retryable"`
		}
		_ = json.Unmarshal(raw, &e)
		a.apiCode, a.retryable = e.Code, e.Retryable
		a.body = []byte(strings.TrimSpace(string(raw)))
	}
	return a
}
