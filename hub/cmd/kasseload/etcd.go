package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// runEtcd is the reference load: clients putting 256-byte values into an
// etcd cluster through its JSON gateway (POST /v3/kv/put), measured like
// the hub's load, so the two figures stand side by side.
func runEtcd(ctx context.Context, urls []string, clients int, duration time.Duration) (Report, error) {
	ctx, cancel := context.WithTimeout(ctx, duration)
	defer cancel()
	value := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("v"), 256))
	var (
		mu    sync.Mutex
		lat   []time.Duration
		errs  atomic.Int64
		first []string
		wg    sync.WaitGroup
		start = time.Now()
	)
	for w := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			wr, err := newWire(urls[w%len(urls)])
			if err != nil {
				errs.Add(1)
				mu.Lock()
				first = append(first, err.Error())
				mu.Unlock()
				return
			}
			var mine []time.Duration
			defer func() { mu.Lock(); lat = append(lat, mine...); mu.Unlock() }()
			for n := 0; ctx.Err() == nil; n++ {
				key := base64.StdEncoding.EncodeToString(fmt.Appendf(nil, "k-%d-%d", w, n))
				b, _ := json.Marshal(map[string]string{"key": key, "value": value})
				t0 := time.Now()
				status, raw, err := wr.post(ctx, "/v3/kv/put", "", "", b)
				if err == nil && status != 200 {
					err = fmt.Errorf("put: %d %s", status, raw)
				}
				if err != nil {
					if ctx.Err() == nil && errs.Add(1) <= 5 {
						mu.Lock()
						first = append(first, err.Error())
						mu.Unlock()
					}
					continue
				}
				mine = append(mine, time.Since(t0))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(lat)
	rep := Report{Registers: clients, Commands: len(lat), Errors: errs.Load(), Elapsed: elapsed, FirstErrors: first}
	if len(lat) == 0 {
		return rep, fmt.Errorf("no put succeeded: %v", first)
	}
	rep.P50, rep.P99, rep.P999, rep.Max = quantile(lat, 0.50), quantile(lat, 0.99), quantile(lat, 0.999), lat[len(lat)-1]
	rep.PerSecond = float64(len(lat)) / elapsed.Seconds()
	return rep, nil
}
