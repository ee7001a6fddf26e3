// Package chaos is a fault harness for a shop of several hubs, used by the
// tests: it builds the kasse binary once, runs hub processes on 127.0.0.1
// with their own data directories, puts a TCP link between every pair of
// hubs (cut, one-way drop, delay), sells from concurrent registers through
// the HTTP API, injects faults (SIGKILL, SIGSTOP/SIGCONT, partitions, a hub
// restarted with its data deleted), and after healing checks what a shop
// must be able to rely on:
//
//   - every sale the API acknowledged is in the ledger of every hub exactly
//     once, with exactly the lines the register added;
//   - stock on every hub is the initial stock minus what was sold;
//   - every hub holds the same journal (sequence and head hash), and it
//     verifies (chain and signatures) on every hub;
//   - every hub's state hashes the same.
//
// The short run is part of go test; a soak run takes KASSE_SOAK (a
// duration) and is started by make soak.
package chaos
