package chaos

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"
)

// Fault is something that goes wrong in a shop. Inject makes it happen,
// marks the moment in Cluster.hitAt, and returns whom it hit and what
// undoes it.
type Fault struct {
	Name   string
	Inject func(ctx context.Context, c *Cluster) (on string, heal func() error, err error)
}

// Run sells from Load while Faults happen one after the other: each is
// held for Hold, healed, and then the shop must acknowledge Progress more
// sales before the next one. With Duration the faults are drawn at random
// (from Seed) until it has passed; without, each runs once in order. Then
// everything is healed, the registers finish their sales, and Check runs.
type Run struct {
	Cluster  *Cluster
	Load     *Load
	Faults   []Fault
	Hold     time.Duration
	Progress int
	Duration time.Duration
	Seed     uint64
	Logf     func(format string, a ...any)
}

// Do runs it and reports; ctx bounds the whole run (a last resort: the
// report then says what was still waiting).
func (r *Run) Do(ctx context.Context) Report {
	start := time.Now()
	rep := Report{Registers: r.Load.Registers, FirstWrite: map[string][]time.Duration{}}
	c := r.Cluster
	initial, err := stock(ctx, c, r.Load.SKUs)
	if err != nil {
		rep.problem("initial stock: %v", err)
		return rep
	}
	r.Load.Start(ctx)
	stopped := false
	stopLoad := func() {
		if !stopped {
			r.Load.Stop()
			stopped = true
		}
	}
	defer stopLoad()

	rng := rand.New(rand.NewPCG(r.Seed, 99))
	if err := r.progress(ctx, "the start"); err != nil {
		rep.problem("%v", err)
		return rep
	}
	for i := 0; ; i++ {
		var f Fault
		if r.Duration > 0 {
			if time.Since(start) >= r.Duration {
				break
			}
			f = r.Faults[rng.IntN(len(r.Faults))]
		} else {
			if i == len(r.Faults) {
				break
			}
			f = r.Faults[i]
		}
		on, heal, err := f.Inject(ctx, c)
		at := c.hitAt
		if err != nil {
			rep.problem("inject %s: %v", f.Name, err)
			break
		}
		rep.Faults = append(rep.Faults, f.Name)
		r.Logf("fault %d: %s on %s (%d sales so far)", len(rep.Faults), f.Name, on, r.Load.Count())
		select {
		case <-time.After(r.Hold):
		case <-ctx.Done():
		}
		if err := c.crashed(); err != nil {
			rep.problem("during %s: %v", f.Name, err)
			break
		}
		if err := heal(); err != nil {
			rep.problem("heal %s: %v", f.Name, err)
			break
		}
		if err := r.progress(ctx, f.Name); err != nil {
			rep.problem("%v", err)
			break
		}
		// The next fault meets a whole shop: a hub that joined again is a
		// voter once it has caught up (with two voters, one more fault
		// would leave no quorum).
		if len(c.Hubs) > 1 {
			if err := c.WaitVoters(ctx); err != nil {
				rep.problem("after %s: %v", f.Name, err)
				break
			}
		}
		if d, ok := r.Load.FirstWriteAfter(at); ok {
			rep.FirstWrite[f.Name] = append(rep.FirstWrite[f.Name], d)
		}
		if l := c.Leader(ctx); l != nil {
			r.Logf("healed; %s leads (%d sales so far)", l.ID, r.Load.Count())
		}
	}
	if err := healAll(c); err != nil {
		rep.problem("heal: %v", err)
	}
	stopLoad()
	rep.Unfinished = r.Load.Errors()
	for _, e := range rep.Unfinished {
		rep.problem("register: %s", e)
	}
	rep.Requests, rep.Retries, rep.Moves = r.Load.Stats()
	Check(ctx, c, r.Load.Acked(), initial, &rep)
	rep.Took = time.Since(start)
	return rep
}

// progress waits until the shop has acknowledged r.Progress more sales.
func (r *Run) progress(ctx context.Context, after string) error {
	want := r.Load.Count() + r.Progress
	for r.Load.Count() < want {
		if err := r.Cluster.crashed(); err != nil {
			return fmt.Errorf("after %s: %w", after, err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("no progress after %s: %d sales, waiting for %d (%w):\n%s", after, r.Load.Count(), want, ctx.Err(), r.Cluster.Describe(context.Background()))
		case <-time.After(50 * time.Millisecond):
		}
	}
	return nil
}

// healAll clears every link and resumes or restarts every hub.
func healAll(c *Cluster) error {
	c.Net.Heal()
	for _, h := range c.Hubs {
		switch {
		case h.Paused():
			if err := h.Resume(); err != nil {
				return err
			}
		case !h.Running():
			if err := h.Start(); err != nil {
				return err
			}
		}
	}
	return nil
}

// stock reads the stock of each SKU from the leader.
func stock(ctx context.Context, c *Cluster, skus []string) (map[string]int64, error) {
	l, err := c.WaitLeader(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for _, sku := range skus {
		var it struct {
			Stock int64 `json:"stock"`
		}
		if err := getJSON(ctx, l, "/items/"+sku, &it); err != nil {
			return nil, err
		}
		out[sku] = it.Stock
	}
	return out, nil
}
