package replicate

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are a Node's Prometheus collectors, all named kasse_raft_*.
type metrics struct {
	propose   prometheus.Histogram
	storeLogs prometheus.Histogram
	snapshot  prometheus.Histogram
	restore   prometheus.Histogram
	batch     prometheus.Histogram
	apply     prometheus.Histogram
	inFlight  prometheus.Gauge
	all       []prometheus.Collector
}

// latency buckets from 0.25 ms to ~4 s: an fsync on an SD card ranges over
// all of that.
var latency = prometheus.ExponentialBuckets(0.00025, 2, 15)

func newMetrics(n *Node) *metrics {
	m := &metrics{
		propose: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "kasse_raft_propose_seconds", Buckets: latency,
			Help: "Time from Propose to the Machine's result, commit and fsync included.",
		}),
		storeLogs: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "kasse_raft_store_logs_seconds", Buckets: latency,
			Help: "Time to write and fsync a batch of raft log entries.",
		}),
		snapshot: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "kasse_raft_snapshot_seconds", Buckets: prometheus.ExponentialBuckets(0.01, 2, 14),
			Help: "Time to write a state snapshot.",
		}),
		restore: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "kasse_raft_restore_seconds", Buckets: prometheus.ExponentialBuckets(0.01, 2, 14),
			Help: "Time to restore the state from a snapshot.",
		}),
		apply: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "kasse_raft_apply_seconds", Buckets: latency,
			Help: "Time the state machine took to apply one batch of committed commands.",
		}),
		batch: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "kasse_raft_apply_batch_entries", Buckets: prometheus.ExponentialBuckets(1, 2, 11),
			Help: "Commands per Machine.Apply (one Badger transaction).",
		}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "kasse_raft_proposals_in_flight",
			Help: "Proposals waiting for their result: the apply queue as callers see it.",
		}),
	}
	gauge := func(name, help string, f func() float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, f)
	}
	m.all = []prometheus.Collector{
		m.propose, m.storeLogs, m.snapshot, m.restore, m.batch, m.apply, m.inFlight,
		gauge("kasse_raft_state", "Raft state: 0 follower, 1 candidate, 2 leader, 3 shutdown.",
			func() float64 { return float64(n.raft.State()) }),
		gauge("kasse_raft_term", "Current raft term.",
			func() float64 { return float64(n.raft.CurrentTerm()) }),
		gauge("kasse_raft_last_index", "Index of the last entry in the local log.",
			func() float64 { return float64(n.raft.LastIndex()) }),
		gauge("kasse_raft_commit_index", "Highest index known to be committed.",
			func() float64 { return float64(n.raft.CommitIndex()) }),
		gauge("kasse_raft_applied_index", "Highest index the state machine has applied.",
			func() float64 { return float64(n.fsm.Applied()) }),
	}
	return m
}

func seconds(h prometheus.Histogram) func(time.Duration) {
	return func(d time.Duration) { h.Observe(d.Seconds()) }
}

// register adds every collector to reg, undoing on failure.
func (m *metrics) register(reg prometheus.Registerer) error {
	if reg == nil {
		return nil
	}
	for i, c := range m.all {
		if err := reg.Register(c); err != nil {
			for _, d := range m.all[:i] {
				reg.Unregister(d)
			}
			return err
		}
	}
	return nil
}

func (m *metrics) unregister(reg prometheus.Registerer) {
	if reg == nil {
		return
	}
	for _, c := range m.all {
		reg.Unregister(c)
	}
}
