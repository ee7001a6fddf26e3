package chaos

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// Dir is one direction of a link.
type Dir int

const (
	// Forward is what the dialling hub sends to the hub it dialled.
	Forward Dir = iota
	// Back is what the dialled hub answers.
	Back
)

func (d Dir) String() string {
	if d == Forward {
		return "forward"
	}
	return "back"
}

// Link is a TCP relay for the connections one hub opens to another: the
// dialling hub connects to Addr and the link connects on to the target.
// A fault set on the link applies at once to its open connections and to
// new ones:
//
//   - Cut closes every connection and closes each new one on accept, as a
//     firewall rejecting the traffic would.
//   - Stall holds the bytes of one direction: they are read and kept, not
//     lost, as TCP keeps retransmitting through a one-way drop; they arrive
//     when the link heals, if the connection is still open by then.
//   - Delay holds every chunk of bytes that long before passing it on, in
//     order.
//
// Heal clears them all.
type Link struct {
	From, To string // hub ids, for messages
	target   string
	ln       net.Listener

	mu      sync.Mutex
	wake    chan struct{} // closed and renewed whenever the faults change
	cut     bool
	stalled [2]bool
	delay   time.Duration
	conns   map[*relay]struct{}
	closed  bool
	wg      sync.WaitGroup
}

// Listen starts a link from hub from to hub to, which listens at target.
// It listens on a free port of 127.0.0.1.
func Listen(from, to, target string) (*Link, error) {
	ln, err := listenFresh()
	if err != nil {
		return nil, fmt.Errorf("chaos: link %s→%s: %w", from, to, err)
	}
	l := &Link{From: from, To: to, target: target, ln: ln, wake: make(chan struct{}), conns: map[*relay]struct{}{}}
	l.wg.Add(1)
	go l.accept()
	return l, nil
}

// Addr is where the dialling hub connects.
func (l *Link) Addr() string { return l.ln.Addr().String() }

func (l *Link) String() string { return l.From + "→" + l.To }

// Cut closes the link both ways until Heal.
func (l *Link) Cut() {
	l.mu.Lock()
	l.cut = true
	conns := l.conns
	l.conns = map[*relay]struct{}{}
	l.changed()
	l.mu.Unlock()
	for r := range conns {
		r.close()
	}
}

// Stall holds the bytes of direction d until Heal.
func (l *Link) Stall(d Dir) {
	l.mu.Lock()
	l.stalled[d] = true
	l.changed()
	l.mu.Unlock()
}

// Delay holds each chunk of bytes d before passing it on (0: none).
func (l *Link) Delay(d time.Duration) {
	l.mu.Lock()
	l.delay = d
	l.changed()
	l.mu.Unlock()
}

// Heal clears every fault; held bytes flow on.
func (l *Link) Heal() {
	l.mu.Lock()
	l.cut, l.stalled, l.delay = false, [2]bool{}, 0
	l.changed()
	l.mu.Unlock()
}

// Faulty says whether any fault is set.
func (l *Link) Faulty() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cut || l.stalled[Forward] || l.stalled[Back] || l.delay > 0
}

// Close stops listening and closes every connection.
func (l *Link) Close() error {
	l.mu.Lock()
	l.closed = true
	conns := l.conns
	l.conns = map[*relay]struct{}{}
	l.changed()
	l.mu.Unlock()
	err := l.ln.Close()
	for r := range conns {
		r.close()
	}
	l.wg.Wait()
	return err
}

// changed wakes the copiers waiting on a fault; l.mu is held.
func (l *Link) changed() {
	close(l.wake)
	l.wake = make(chan struct{})
}

// hold says how long a chunk read at t in direction d must still wait, and
// a channel closed when the faults change; ok is false while it must not
// pass at all.
func (l *Link) hold(d Dir, t time.Time) (wait time.Duration, wake <-chan struct{}, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stalled[d] {
		return 0, l.wake, false
	}
	return time.Until(t.Add(l.delay)), l.wake, true
}

func (l *Link) accept() {
	defer l.wg.Done()
	for {
		c, err := l.ln.Accept()
		if err != nil {
			return
		}
		l.mu.Lock()
		refuse := l.cut || l.closed
		l.mu.Unlock()
		if refuse {
			c.Close()
			continue
		}
		l.wg.Add(1)
		go l.serve(c)
	}
}

// relay is one connection through the link.
type relay struct {
	in, out net.Conn
	once    sync.Once
	done    chan struct{}
}

func (r *relay) close() {
	r.once.Do(func() {
		close(r.done)
		r.in.Close()
		if r.out != nil {
			r.out.Close()
		}
	})
}

func (l *Link) serve(in net.Conn) {
	defer l.wg.Done()
	out, err := net.Dial("tcp", l.target)
	if err != nil {
		in.Close() // the target is down: the dialler sees the connection drop
		return
	}
	r := &relay{in: in, out: out, done: make(chan struct{})}
	l.mu.Lock()
	if l.cut || l.closed {
		l.mu.Unlock()
		r.close()
		return
	}
	l.conns[r] = struct{}{}
	l.mu.Unlock()

	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); l.pipe(r, Forward, out, in) }()
	go func() { defer wg.Done(); l.pipe(r, Back, in, out) }()
	wg.Wait()
	r.close()
	l.mu.Lock()
	delete(l.conns, r)
	l.mu.Unlock()
}

type chunk struct {
	b  []byte
	at time.Time
}

// pipe copies src to dst through the link's faults. A reader keeps
// reading (up to a bounded backlog) while the writer holds chunks, so a
// delay does not also throttle the bandwidth.
func (l *Link) pipe(r *relay, d Dir, dst, src net.Conn) {
	q := make(chan chunk, 64)
	go func() {
		defer close(q)
		for {
			b := make([]byte, 32<<10)
			n, err := src.Read(b)
			if n > 0 {
				select {
				case q <- chunk{b[:n], time.Now()}:
				case <-r.done:
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	for c := range q {
		for {
			wait, wake, ok := l.hold(d, c.at)
			if ok && wait <= 0 {
				break
			}
			var timer <-chan time.Time
			if ok {
				timer = time.After(wait)
			}
			select {
			case <-timer:
			case <-wake:
			case <-r.done:
				return
			}
		}
		if _, err := dst.Write(c.b); err != nil {
			r.close()
			return
		}
	}
	// src ended: pass the half-close on, as TCP would.
	if tc, ok := dst.(*net.TCPConn); ok {
		if err := tc.CloseWrite(); err != nil && !errors.Is(err, net.ErrClosed) {
			r.close()
		}
	}
}

// Net is a full mesh of links between hubs: every hub dials every other
// through a link of its own, so a partition or a one-way drop can be set
// between any two.
type Net struct {
	links map[[2]string]*Link
}

// NewNet makes a link for each ordered pair of hubs; addrs maps each hub's
// id to the address it listens on for its peers.
func NewNet(addrs map[string]string) (*Net, error) {
	n := &Net{links: map[[2]string]*Link{}}
	for from := range addrs {
		for to, target := range addrs {
			if from == to {
				continue
			}
			l, err := Listen(from, to, target)
			if err != nil {
				n.Close()
				return nil, err
			}
			n.links[[2]string{from, to}] = l
		}
	}
	return n, nil
}

// Link is the link hub from dials hub to through.
func (n *Net) Link(from, to string) *Link { return n.links[[2]string{from, to}] }

// Dial lists, for hub from, the address to dial each peer at.
func (n *Net) Dial(from string) map[string]string {
	out := map[string]string{}
	for k, l := range n.links {
		if k[0] == from {
			out[k[1]] = l.Addr()
		}
	}
	return out
}

// Partition cuts every link between hubs of different groups, both ways.
// Hubs named in no group are left as they are.
func (n *Net) Partition(groups ...[]string) {
	side := map[string]int{}
	for i, g := range groups {
		for _, h := range g {
			side[h] = i + 1
		}
	}
	for k, l := range n.links {
		a, b := side[k[0]], side[k[1]]
		if a != 0 && b != 0 && a != b {
			l.Cut()
		}
	}
}

// Drop loses what hub from sends to hub to, while to still reaches from:
// on from's own connections to to, from's requests are held; on to's
// connections to from, from's answers are.
func (n *Net) Drop(from, to string) {
	n.Link(from, to).Stall(Forward)
	n.Link(to, from).Stall(Back)
}

// Delay slows every link to and from hub by d each way.
func (n *Net) Delay(hub string, d time.Duration) {
	for k, l := range n.links {
		if k[0] == hub || k[1] == hub {
			l.Delay(d)
		}
	}
}

// Heal clears every fault on every link.
func (n *Net) Heal() {
	for _, l := range n.links {
		l.Heal()
	}
}

// Close closes every link.
func (n *Net) Close() error {
	var errs []error
	for _, l := range n.links {
		errs = append(errs, l.Close())
	}
	return errors.Join(errs...)
}

var _ io.Closer = (*Net)(nil)
