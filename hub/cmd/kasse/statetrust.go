package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/kasse/kasse/hub/internal/durable"
)

// The ledger's state is written without fsync (replicate.StateOptions):
// it is rebuilt from raft's synced log. A process crash loses nothing of it
// (the kernel still holds the pages), but after a power cut Badger may come
// back with the state's newest memtable complete and the one before it
// partly missing — a gap no applied index shows. So a hub keeps two small
// files next to its data:
//
//   - state.boot: the kernel's boot id while a hub has the state open;
//   - state.clean: written once the state was closed (and flushed) on a
//     normal stop, removed on the next start.
//
// At start, a state that was neither closed cleanly nor last opened in this
// boot is not trusted: it is set aside and rebuilt from raft's newest
// snapshot and log. A state no hub has opened unsynced (no state.boot: a
// new hub, data from a release that synced its state, a restored backup)
// is trusted.
const (
	stateBoot  = "state.boot"
	stateClean = "state.clean"
)

// bootID names the running kernel's boot; "" where Linux does not say.
var bootID = func() string {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// stateTrusted reports whether the state in data can be used as it is, and
// if not, why.
func stateTrusted(data string) (bool, string, error) {
	if _, err := os.Stat(filepath.Join(data, stateClean)); err == nil {
		return true, "", nil
	}
	rec, err := os.ReadFile(filepath.Join(data, stateBoot))
	if errors.Is(err, fs.ErrNotExist) {
		return true, "", nil
	}
	if err != nil {
		return false, "", fmt.Errorf("read %s: %w", stateBoot, err)
	}
	if id := bootID(); id != "" && id == strings.TrimSpace(string(rec)) {
		return true, "", nil // the process died; the machine did not
	}
	return false, "the hub did not stop cleanly and the machine has restarted since (a power cut?)", nil
}

// openState prepares the state directory of data for a hub to open: it
// sets an untrusted state aside (returning true). Before the hub writes
// anything unsynced it must call recordBoot.
func openState(data string) (rebuilt bool, why string, err error) {
	if err := os.MkdirAll(data, 0o700); err != nil {
		return false, "", err
	}
	ok, why, err := stateTrusted(data)
	if err != nil {
		return false, "", err
	}
	if !ok {
		old := filepath.Join(data, "db.untrusted")
		if err := os.RemoveAll(old); err != nil {
			return false, "", err
		}
		if err := os.Rename(filepath.Join(data, "db"), old); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return false, "", fmt.Errorf("set the untrusted state aside: %w", err)
		}
	}
	return !ok, why, nil
}

// recordBoot marks the state in data as open in this boot, durably: from
// here on a power cut makes it untrusted. It comes after moving an older
// layout's log out of the state's database, so a cut during that move
// finds the state still trusted and the move is simply done again.
func recordBoot(data string) error {
	if err := os.Remove(filepath.Join(data, stateClean)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return durable.WriteFile(filepath.Join(data, stateBoot), []byte(bootID()+"\n"), 0o600)
}

// closedState records that the state in data was closed cleanly.
func closedState(data string) error {
	return durable.WriteFile(filepath.Join(data, stateClean), []byte("closed cleanly\n"), 0o600)
}
