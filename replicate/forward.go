package replicate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"
)

// Codec turns a Machine's result into bytes and back, so the answer the
// leader computed reaches the hub that forwarded the command.
type Codec interface {
	EncodeResult(v any) ([]byte, error)
	DecodeResult(b []byte) (any, error)
}

// ForwardPath is where a leader takes forwarded commands on the peer API.
const ForwardPath = "/peer/v1/propose"

// Forwarder proposes from any hub: on the leader it proposes directly; on a
// follower it sends the command to the leader over the hubs' mutual TLS,
// and answers only once this hub has applied the command's index itself,
// so whoever reads here next sees the write (read-your-writes).
//
// It retries only where the command surely was not proposed (this hub or
// the one asked is not the leader, the leader could not be dialled), so a
// command without an idempotency key is never applied twice by a retry of
// its own. Where the outcome is unknown (the leader died mid-call) it fails
// with ErrLeadershipLost or ErrTimeout, and the register retries with the
// same idempotency key. With no leader it waits up to WaitLeader, then
// fails with ErrNoLeader: nothing was booked.
type Forwarder struct {
	Node   *Node
	Codec  Codec
	Client *http.Client // the peer API client (mutual TLS); URLs are https://<raft address>
	// WaitLeader is how long a write waits for a leader to appear.
	WaitLeader time.Duration
	Log        *slog.Logger
}

// Propose commits data through the leader and returns once this hub has
// applied it. Same contract as Node.Propose, from any hub.
func (f *Forwarder) Propose(ctx context.Context, data []byte) (Result, error) {
	var until time.Time
	for {
		var err error
		if f.Node.IsLeader() {
			var r Result
			if r, err = f.Node.Propose(ctx, data); err == nil || !errors.Is(err, ErrNotLeader) {
				return r, err
			}
		} else if _, addr := f.Node.Leader(); addr == "" {
			err = ErrNoLeader
		} else {
			var r Result
			if r, err = f.forward(ctx, addr, data); err == nil {
				if err := f.Node.WaitApplied(ctx, r.Index); err != nil {
					return Result{}, fmt.Errorf("replicate: committed at %d but not yet applied on this hub: %w", r.Index, err)
				}
				return r, nil
			}
			if !errors.Is(err, ErrNotLeader) && !errors.Is(err, ErrNoLeader) && !errors.Is(err, errNotSent) {
				return Result{}, err
			}
		}
		// Not proposed anywhere: wait for a (new) leader, briefly.
		if until.IsZero() {
			until = time.Now().Add(f.WaitLeader)
		}
		if time.Now().After(until) {
			return Result{}, fmt.Errorf("%w after waiting %s: %w", ErrNoLeader, f.WaitLeader, err)
		}
		select {
		case <-ctx.Done():
			return Result{}, fmt.Errorf("%w: waiting for a leader: %w", ErrTimeout, ctx.Err())
		case <-f.Node.Done():
			return Result{}, ErrShutdown
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// errNotSent: the leader could not be reached at all; nothing was proposed.
var errNotSent = errors.New("replicate: leader not reached")

// forward sends data to the leader at addr and returns its result.
func (f *Forwarder) forward(ctx context.Context, addr string, data []byte) (Result, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "https://"+addr+ForwardPath, bytes.NewReader(data))
	if err != nil {
		return Result{}, err
	}
	if dl, ok := ctx.Deadline(); ok {
		req.Header.Set("X-Kasse-Timeout-Ms", strconv.FormatInt(time.Until(dl).Milliseconds(), 10))
	}
	resp, err := f.Client.Do(req)
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			return Result{}, fmt.Errorf("%w: %s: %w", errNotSent, addr, err)
		}
		if ctx.Err() != nil {
			return Result{}, fmt.Errorf("%w: forwarding to %s: %w", ErrTimeout, addr, err)
		}
		return Result{}, fmt.Errorf("%w: forwarding to %s: %w", ErrLeadershipLost, addr, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return Result{}, fmt.Errorf("%w: reading the leader's answer: %w", ErrLeadershipLost, err)
	}
	if resp.StatusCode != http.StatusOK {
		return Result{}, peerError(resp.StatusCode, body)
	}
	idx, err := strconv.ParseUint(resp.Header.Get("X-Kasse-Index"), 10, 64)
	if err != nil {
		return Result{}, fmt.Errorf("replicate: the leader's answer has no index: %w", err)
	}
	v, err := f.Codec.DecodeResult(body)
	if err != nil {
		return Result{}, fmt.Errorf("replicate: decode the leader's answer: %w", err)
	}
	return Result{Index: idx, Value: v}, nil
}

// wireError is how the peer API reports a failed proposal.
type wireError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

var wireCodes = []struct {
	code string
	err  error
}{
	{"not_leader", ErrNotLeader}, {"no_leader", ErrNoLeader}, {"leadership_lost", ErrLeadershipLost},
	{"timeout", ErrTimeout}, {"shutdown", ErrShutdown},
}

func peerError(status int, body []byte) error {
	var we wireError
	if json.Unmarshal(body, &we) == nil {
		for _, c := range wireCodes {
			if c.code == we.Code {
				return fmt.Errorf("%w (at the leader: %s)", c.err, we.Message)
			}
		}
	}
	return fmt.Errorf("replicate: the leader answered %d: %s", status, bytes.TrimSpace(body))
}

// Handler takes forwarded commands on the leader. Serve it on the peer API
// behind a check that the caller is a hub of the shop.
func (f *Forwarder) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		data, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
		if err != nil {
			http.Error(w, "read body: "+err.Error(), http.StatusBadRequest)
			return
		}
		ctx := r.Context()
		d := 10 * time.Second
		if ms, err := strconv.ParseInt(r.Header.Get("X-Kasse-Timeout-Ms"), 10, 64); err == nil && ms > 0 {
			d = min(d, time.Duration(ms)*time.Millisecond)
		}
		ctx, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		if err := f.Node.leading(); err != nil {
			// Not proposed here: the caller may safely try the next leader.
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusServiceUnavailable)
			_ = json.NewEncoder(w).Encode(wireError{Code: "not_leader", Message: err.Error()})
			return
		}
		res, err := f.Node.Propose(ctx, data)
		if err == nil {
			var b []byte
			if b, err = f.Codec.EncodeResult(res.Value); err == nil {
				w.Header().Set("X-Kasse-Index", strconv.FormatUint(res.Index, 10))
				w.Header().Set("Content-Type", "application/octet-stream")
				_, _ = w.Write(b)
				return
			}
		}
		we := wireError{Code: "internal", Message: err.Error()}
		status := http.StatusInternalServerError
		for _, c := range wireCodes {
			if errors.Is(err, c.err) {
				we.Code, status = c.code, http.StatusServiceUnavailable
				break
			}
		}
		if f.Log != nil && status == http.StatusInternalServerError {
			f.Log.Error("forwarded proposal failed", "err", err)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(we)
	})
}
