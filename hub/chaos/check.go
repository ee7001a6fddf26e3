package chaos

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/kasse/kasse/hub/ledger"
)

// Report is what a run proved, in counts, and what it found wrong.
type Report struct {
	Hubs     int
	Faults   []string // faults injected, in order
	Acked    int      // sales the API acknowledged
	Found    map[string]int
	StockOK  int // (hub, SKU) pairs whose stock is the initial minus what was sold
	StockAll int
	Fp       ledger.Fingerprint // the one every hub agrees on
	Verified map[string]string  // hub → kasse verify's verdict
	Requests int64
	Retries  int64
	Moves    int64
	Problems []string // empty when every promise held
	Took     time.Duration
	// FirstWrite is, per fault, how long after it was injected a write
	// first succeeded: for faults of the leader, the failover time as a
	// register sees it (with its retry back-off).
	FirstWrite map[string][]time.Duration
	Registers  int
	Unfinished []string // register errors
}

func (r *Report) problem(format string, a ...any) {
	r.Problems = append(r.Problems, fmt.Sprintf(format, a...))
}

func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d hubs, %d registers, %s: %d faults (%s)\n", r.Hubs, r.Registers, r.Took.Round(time.Second), len(r.Faults), strings.Join(r.Faults, ", "))
	fmt.Fprintf(&b, "requests %d, retried %d, moved to another hub %d\n", r.Requests, r.Retries, r.Moves)
	for _, f := range slices.Sorted(maps.Keys(r.FirstWrite)) {
		ds := slices.Sorted(slices.Values(r.FirstWrite[f]))
		fmt.Fprintf(&b, "first write after %s: median %v, max %v over %d\n", f, ds[len(ds)/2].Round(time.Millisecond), ds[len(ds)-1].Round(time.Millisecond), len(ds))
	}
	fmt.Fprintf(&b, "acknowledged sales: %d; found exactly once with their lines:", r.Acked)
	for _, h := range slices.Sorted(maps.Keys(r.Found)) {
		fmt.Fprintf(&b, " %s %d", h, r.Found[h])
	}
	fmt.Fprintf(&b, "\nstock checks: %d of %d (hub × SKU) equal initial − sold\n", r.StockOK, r.StockAll)
	fmt.Fprintf(&b, "every hub: applied index %d, journal %d entries, head %.16s…, state hash %.16s…\n", r.Fp.Applied, r.Fp.JournalSeq, r.Fp.JournalHash, r.Fp.StateHash)
	for _, h := range slices.Sorted(maps.Keys(r.Verified)) {
		fmt.Fprintf(&b, "%s: %s\n", h, r.Verified[h])
	}
	if len(r.Problems) == 0 {
		b.WriteString("every promise held")
	} else {
		fmt.Fprintf(&b, "%d PROBLEMS:\n  %s", len(r.Problems), strings.Join(r.Problems, "\n  "))
	}
	return b.String()
}

// Check proves, on a healed cluster whose load has stopped, that every
// hub holds every acknowledged sale exactly once with its lines, that
// stock is initial minus sold, that all hubs agree on the applied index,
// the journal and the state hash, and — after stopping every hub — that
// kasse verify passes on each. It fills r.
func Check(ctx context.Context, c *Cluster, acked []Sale, initial map[string]int64, r *Report) {
	r.Hubs, r.Acked = len(c.Hubs), len(acked)
	r.Found, r.Verified = map[string]int{}, map[string]string{}

	fp, err := converge(ctx, c)
	if err != nil {
		r.problem("%v", err)
		return
	}
	r.Fp = fp

	sold := map[string]int64{}
	bySale := map[string]Sale{}
	for _, s := range acked {
		if _, dup := bySale[s.ID]; dup {
			r.problem("sale %s was acknowledged to two registers' sales", s.ID)
		}
		bySale[s.ID] = s
		for sku, q := range s.Lines {
			sold[sku] += q
		}
	}
	for _, h := range c.Hubs {
		completions, err := completed(ctx, h)
		if err != nil {
			r.problem("%v", err)
			continue
		}
		found := 0
		for _, s := range acked {
			n := completions[s.ID]
			if n != 1 {
				var got ledger.Sale
				err := getJSON(ctx, h, "/sales/"+s.ID, &got)
				now := fmt.Sprintf("the hub has it as %s with %d lines", got.Status, len(got.Lines))
				if err != nil {
					now = err.Error()
				}
				r.problem("%s: acknowledged sale %s (%s) is completed %d times in the journal; %s; its payment was acknowledged by %s", h.ID, s.ID, s.Register, n, now, s.PaidVia)
				continue
			}
			var got ledger.Sale
			if err := getJSON(ctx, h, "/sales/"+s.ID, &got); err != nil {
				r.problem("%v", err)
				continue
			}
			lines := map[string]int64{}
			for _, l := range got.Lines {
				if !l.Removed {
					lines[l.SKU] += l.Qty
				}
			}
			if got.Status != ledger.SaleCompleted || !maps.Equal(lines, s.Lines) {
				r.problem("%s: sale %s is %s with %v; the register added %v", h.ID, s.ID, got.Status, lines, s.Lines)
				continue
			}
			found++
		}
		r.Found[h.ID] = found
		for id, n := range completions {
			if _, ok := bySale[id]; !ok {
				r.problem("%s: sale %s is completed %d times in the journal, and no register was told", h.ID, id, n)
			}
		}
		// Registers finish every sale they start: one left open is a sale
		// opened twice by a retry, or a payment lost.
		for n := 1; n <= r.Registers; n++ {
			var open []ledger.Sale
			if err := getJSONAs(ctx, h, n, "/sales", &open); err != nil {
				r.problem("%v", err)
				continue
			}
			for _, s := range open {
				r.problem("%s: register K%d has sale %s still %s", h.ID, n, s.ID, s.Status)
			}
		}
		for _, sku := range slices.Sorted(maps.Keys(initial)) {
			var it struct {
				Stock int64 `json:"stock"`
			}
			r.StockAll++
			if err := getJSON(ctx, h, "/items/"+sku, &it); err != nil {
				r.problem("%v", err)
				continue
			}
			if want := initial[sku] - sold[sku]; it.Stock != want {
				r.problem("%s: stock of %s is %d, want %d − %d sold = %d", h.ID, sku, it.Stock, initial[sku], sold[sku], want)
				continue
			}
			r.StockOK++
		}
	}

	// kasse verify reads a stopped hub's data: stop them all, cleanly.
	for _, h := range c.Hubs {
		if err := h.Stop(); err != nil {
			r.problem("%v", err)
		}
	}
	want := fmt.Sprintf("journal verifies: %d entries,", fp.JournalSeq)
	for _, h := range c.Hubs {
		out, err := h.Verify()
		r.Verified[h.ID] = out
		switch {
		case err != nil:
			r.problem("%v", err)
		case !strings.HasPrefix(out, want):
			r.problem("%s: kasse verify says %q; the hub answered a journal of %d entries", h.ID, out, fp.JournalSeq)
		}
	}
}

// converge waits until every hub has applied the same index and returns
// the fingerprint they share; hubs at one index with different journals or
// states are a problem at once.
func converge(ctx context.Context, c *Cluster) (ledger.Fingerprint, error) {
	var last []string
	for {
		fps := map[string]ledger.Fingerprint{}
		last = last[:0]
		for _, h := range c.Hubs {
			if !h.Running() {
				return ledger.Fingerprint{}, fmt.Errorf("%s exited after healing (%v); its log ends:\n%s", h.ID, h.ExitErr(), h.LogTail(3000))
			}
			fp, err := Fingerprint(ctx, h)
			if err != nil {
				last = append(last, err.Error())
				continue
			}
			fps[h.ID] = fp
			last = append(last, fmt.Sprintf("%s %+v", h.ID, fp))
		}
		if len(fps) == len(c.Hubs) {
			first := fps[c.Hubs[0].ID]
			same, sameIndex := true, true
			for _, fp := range fps {
				same = same && fp == first
				sameIndex = sameIndex && fp.Applied == first.Applied
			}
			if same {
				return first, nil
			}
			if sameIndex {
				return first, fmt.Errorf("hubs at the same applied index disagree:\n  %s", strings.Join(last, "\n  "))
			}
		}
		select {
		case <-ctx.Done():
			return ledger.Fingerprint{}, fmt.Errorf("hubs did not converge after healing (%w):\n  %s\n%s", ctx.Err(), strings.Join(last, "\n  "), c.Describe(context.Background()))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// completed counts the sale.complete entries per sale in hub h's journal.
func completed(ctx context.Context, h *Hub) (map[string]int, error) {
	out := map[string]int{}
	for from := uint64(1); ; {
		var page []ledger.Entry
		if err := getJSON(ctx, h, fmt.Sprintf("/journal?from=%d&limit=1000", from), &page); err != nil {
			return nil, err
		}
		for _, e := range page {
			if e.Type == "sale.complete" {
				out[e.Sale]++
			}
		}
		if len(page) < 1000 {
			return out, nil
		}
		from = page[len(page)-1].Seq + 1
	}
}
