// Command kasseload puts a running hub under the load of many registers
// adding lines to sales through the API (API → Raft → Badger, fsync on) and
// prints commands per second with latency percentiles.
//
//	kasseload -url http://127.0.0.1:8080 -registers 32 -duration 10s
//
// By default each register sends its next command as soon as the last is
// answered (a closed loop: the rate the hub can take). With -rate the
// registers send on a schedule and a command's latency counts from when it
// was due, so a stall shows in the percentiles instead of slowing the load.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	url := flag.String("url", "http://127.0.0.1:8080", "hub base URL (several, comma-separated, spread the registers)")
	tokens := flag.String("tokens", "demo-token-register-1,demo-token-register-2", "register tokens, comma-separated")
	registers := flag.Int("registers", 32, "concurrent registers")
	duration := flag.Duration("duration", 10*time.Second, "how long to load (bounded: at most 10m)")
	lines := flag.Int("lines", 20, "lines per sale before it is paid and a new one opened")
	skus := flag.String("skus", "1001,1002,1101,1201,1501,1701", "SKUs to add")
	rate := flag.Float64("rate", 0, "offered commands per second over all registers (0: each register sends its next command as soon as the last is answered); latency counts from when a command was due, so a slow answer is not hidden by the sends it delays")
	etcd := flag.String("etcd", "", "instead: put 256-byte values into etcd at these client URLs (comma-separated), -registers clients")
	flag.Parse()
	if *duration > 10*time.Minute || *registers < 1 || *registers > 1024 {
		fmt.Fprintln(os.Stderr, "kasseload: -duration at most 10m, -registers 1–1024")
		os.Exit(2)
	}
	if *etcd != "" {
		r, err := runEtcd(context.Background(), strings.Split(*etcd, ","), *registers, *duration)
		if err != nil {
			fmt.Fprintln(os.Stderr, "kasseload:", err)
			os.Exit(1)
		}
		fmt.Println("etcd", r)
		return
	}
	r, err := run(context.Background(), config{
		urls: strings.Split(*url, ","), tokens: strings.Split(*tokens, ","), registers: *registers,
		duration: *duration, lines: *lines, skus: strings.Split(*skus, ","), rate: *rate,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "kasseload:", err)
		os.Exit(1)
	}
	fmt.Println(r)
}

type config struct {
	urls, tokens, skus []string
	registers, lines   int
	duration           time.Duration
	rate               float64 // offered commands/s; 0: closed loop
}

// Report is what a run measured.
type Report struct {
	Registers   int
	Commands    int
	Errors      int64
	Elapsed     time.Duration
	P50, P99    time.Duration
	P999, Max   time.Duration
	PerSecond   float64
	Rate        float64 // offered, when not closed loop
	Kinds       []Kind  // the same per kind of command
	FirstErrors []string
}

// Kind is the latency of one kind of command: opening a sale, adding a
// line, paying (which signs and completes the sale).
type Kind struct {
	Name     string
	Commands int
	P50, P99 time.Duration
}

func (r Report) String() string {
	s := ""
	if r.Rate > 0 {
		s = fmt.Sprintf("offered=%.0f/s ", r.Rate)
	}
	s += fmt.Sprintf("registers=%d commands=%d errors=%d elapsed=%s rate=%.0f/s p50=%s p99=%s p99.9=%s max=%s",
		r.Registers, r.Commands, r.Errors, r.Elapsed.Round(time.Millisecond), r.PerSecond,
		r.P50.Round(10*time.Microsecond), r.P99.Round(10*time.Microsecond), r.P999.Round(10*time.Microsecond), r.Max.Round(10*time.Microsecond))
	for i, k := range r.Kinds {
		sep := ", "
		if i == 0 {
			sep = " | "
		}
		s += fmt.Sprintf("%s%s n=%d p50=%s p99=%s", sep, k.Name, k.Commands, k.P50.Round(10*time.Microsecond), k.P99.Round(10*time.Microsecond))
	}
	for _, e := range r.FirstErrors {
		s += "\n  error: " + e
	}
	return s
}

// waitReady waits up to a minute for each hub to answer /readyz.
func waitReady(hc *http.Client, urls []string) error {
	deadline := time.Now().Add(time.Minute)
	for _, u := range urls {
		for {
			resp, err := hc.Get(u + "/readyz")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					break
				}
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("%s is not ready after a minute", u)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return nil
}

func run(ctx context.Context, c config) (Report, error) {
	hc := &http.Client{Timeout: 30 * time.Second}
	if err := waitReady(hc, c.urls); err != nil {
		return Report{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, c.duration)
	defer cancel()
	kinds := []string{"open", "line", "pay"}
	var (
		mu     sync.Mutex
		lat    = make([][]time.Duration, len(kinds)) // per kind
		errs   atomic.Int64
		first  []string
		wg     sync.WaitGroup
		runID  = time.Now().UnixNano()
		starts = time.Now()
	)
	fail := func(err error) {
		if errs.Add(1) <= 5 {
			mu.Lock()
			first = append(first, err.Error())
			mu.Unlock()
		}
	}
	for r := range c.registers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			base, tok := c.urls[r%len(c.urls)], c.tokens[r%len(c.tokens)]
			mine := make([][]time.Duration, len(kinds))
			// With a rate, this register's commands are due every
			// interval, the registers spread evenly over one interval.
			var interval time.Duration
			due := time.Now()
			if c.rate > 0 {
				interval = time.Duration(float64(c.registers) / c.rate * float64(time.Second))
				due = due.Add(interval * time.Duration(r) / time.Duration(c.registers))
			}
			defer func() {
				mu.Lock()
				for k := range mine {
					lat[k] = append(lat[k], mine[k]...)
				}
				mu.Unlock()
			}()
			w, err := newWire(base)
			if err != nil {
				fail(err)
				return
			}
			post := func(kind int, path, key string, body any, out any) error {
				b, _ := json.Marshal(body)
				t0 := time.Now()
				if interval > 0 {
					if wait := time.Until(due); wait > 0 {
						select {
						case <-time.After(wait):
						case <-ctx.Done():
							return ctx.Err()
						}
					}
					t0 = due
					due = due.Add(interval)
				}
				status, raw, err := w.post(ctx, "/api/v1"+path, tok, key, b)
				if err != nil {
					return err
				}
				if status >= 300 {
					return fmt.Errorf("%s: %d %s", path, status, raw)
				}
				mine[kind] = append(mine[kind], time.Since(t0))
				if out != nil {
					return json.Unmarshal(raw, out)
				}
				return nil
			}
			for n := 0; ctx.Err() == nil; n++ {
				key := fmt.Sprintf("load-%d-%d-%d", runID, r, n)
				var sale struct{ ID string }
				if err := post(0, "/sales", key, nil, &sale); err != nil {
					if ctx.Err() == nil {
						fail(err)
					}
					continue
				}
				// The registers' first sales are of different lengths, so
				// they pay at different moments, as in a shop; started in
				// step, all would pay at once, sale after sale.
				lines := c.lines
				if n == 0 {
					lines = 1 + r*c.lines/c.registers
				}
				for i := 0; i < lines && ctx.Err() == nil; i++ {
					if err := post(1, "/sales/"+sale.ID+"/lines", fmt.Sprintf("%s-%d", key, i), map[string]any{"sku": c.skus[(r+i)%len(c.skus)], "qty": 1}, nil); err != nil && ctx.Err() == nil {
						fail(err)
					}
				}
				if ctx.Err() == nil {
					if err := post(2, "/sales/"+sale.ID+"/payments", key+"-pay", map[string]any{"method": "cash", "amount": 10_000_000}, nil); err != nil && ctx.Err() == nil {
						fail(err)
					}
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(starts)
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	rep := Report{Rate: c.rate, Registers: c.registers, Commands: len(all), Errors: errs.Load(), Elapsed: elapsed, FirstErrors: first}
	if len(all) == 0 {
		return rep, fmt.Errorf("no command succeeded: %v", first)
	}
	slices.Sort(all)
	rep.P50, rep.P99, rep.P999, rep.Max = quantile(all, 0.50), quantile(all, 0.99), quantile(all, 0.999), all[len(all)-1]
	rep.PerSecond = float64(len(all)) / elapsed.Seconds()
	for k, l := range lat {
		if len(l) > 0 {
			slices.Sort(l)
			rep.Kinds = append(rep.Kinds, Kind{Name: kinds[k], Commands: len(l), P50: quantile(l, 0.50), P99: quantile(l, 0.99)})
		}
	}
	return rep, nil
}

// quantile is the p-quantile of sorted d.
func quantile(d []time.Duration, p float64) time.Duration {
	return d[min(len(d)-1, int(p*float64(len(d))))]
}
