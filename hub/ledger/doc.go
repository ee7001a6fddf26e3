// Package ledger is the shop's replicated state machine: catalog, registers,
// employees, sales, payments, stock and the electronic journal.
//
// It promises:
//   - Determinism. Apply uses only what the command carries (its time, ids,
//     amounts) and the state; every hub that applies the same log holds the
//     same state, byte for byte (StateHash), and the same journal.
//   - Atomicity. A command's state changes, its journal entries, its
//     idempotency record and the applied Raft index are written in one
//     Badger transaction. A refused command changes nothing but leaves its
//     refusal as the answer to its idempotency key.
//   - Exactly-once. A command whose idempotency key was applied before is
//     answered with the first answer and changes nothing; the same key with
//     a different request is refused (idempotency_conflict).
//   - No silent skips. A command type this hub does not know halts the
//     ledger (Halted) instead of being skipped; nothing is applied after it
//     until the hub is upgraded.
//   - An append-only journal. Every registration is an Entry hash-chained
//     to the one before; completed sales and returns and every cash
//     movement (float, cash in and out, the count's difference) are signed
//     per register as the Norwegian cash register regulation asks (RSA-SHA1 over
//     "previous;date;time;nr;amountIn;amountEx", first previous "0"), with
//     the key version recorded. Verify checks all of it. Apply signs only
//     with the private half of the ledger's public key of that version; a
//     hub that lacks it waits for it from a KeySource (keys_fetch.go).
//   - Reports from counters. Every journal entry is tallied, inside Apply,
//     into its register's counters since the last Z report and its grand
//     totals (tally.go), so an X or Z report reads one record however long
//     the day was, and every hub reports the same figures.
//
// Money is integer øre (package money); dates and times in the journal are
// Europe/Oslo local beside the UTC instant.
//
// The ledger knows nothing of Raft: Apply takes entries with their index, so
// a log can be replayed into a fresh ledger without a running cluster.
package ledger
