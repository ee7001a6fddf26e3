package main

import (
	"os"
	"path/filepath"
	"testing"
)

// Which states a hub trusts at start, by what its data directory says.
func TestStateTrusted(t *testing.T) {
	defer func(f func() string) { bootID = f }(bootID)
	bootID = func() string { return "boot-B" }
	for _, tc := range []struct {
		name        string
		boot, clean string // file contents; "" = no file
		bootNow     string
		want        bool
	}{
		{"new hub, old layout or restored backup: no boot recorded", "", "", "boot-B", true},
		{"process killed, same boot", "boot-B", "", "boot-B", true},
		{"machine restarted after an unclean stop", "boot-A", "", "boot-B", false},
		{"machine restarted after a clean stop", "boot-A", "closed cleanly", "boot-B", true},
		{"no boot id on this system, unclean stop", "", "", "", true},
		{"no boot id on this system now, one recorded, unclean stop", "boot-A", "", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := t.TempDir()
			bootID = func() string { return tc.bootNow }
			if tc.boot != "" {
				os.WriteFile(filepath.Join(data, stateBoot), []byte(tc.boot+"\n"), 0o600)
			}
			if tc.clean != "" {
				os.WriteFile(filepath.Join(data, stateClean), []byte(tc.clean), 0o600)
			}
			os.MkdirAll(filepath.Join(data, "db"), 0o700)
			os.WriteFile(filepath.Join(data, "db", "MANIFEST"), []byte("x"), 0o600)
			got, why, err := stateTrusted(data)
			if err != nil || got != tc.want || (!got && why == "") {
				t.Fatalf("trusted = %v (%q, %v), want %v", got, why, err, tc.want)
			}
			rebuilt, _, err := openState(data)
			if err != nil || rebuilt == tc.want {
				t.Fatalf("openState rebuilt = %v (%v), want %v", rebuilt, err, !tc.want)
			}
			_, errDB := os.Stat(filepath.Join(data, "db", "MANIFEST"))
			_, errAside := os.Stat(filepath.Join(data, "db.untrusted", "MANIFEST"))
			if tc.want && (errDB != nil || errAside == nil) || !tc.want && (errDB == nil || errAside != nil) {
				t.Fatalf("after openState: db %v, db.untrusted %v", errDB, errAside)
			}
			// Once the hub records this boot, a kill is trusted again, a
			// clean-stop marker is gone.
			if err := recordBoot(data); err != nil {
				t.Fatal(err)
			}
			if ok, _, _ := stateTrusted(data); tc.bootNow != "" && !ok {
				t.Fatal("a state opened in this boot is not trusted")
			}
			if _, err := os.Stat(filepath.Join(data, stateClean)); err == nil {
				t.Fatal("state.clean outlived the start")
			}
		})
	}
}
