package main

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// releaseMapped tells the kernel this process is done, for now, with the
// pages it has read of files under dir that are mapped read-only and
// shared (Badger's tables and value logs). A walk of a whole journal
// touches every page once; without this they stay in the process's
// resident set until the walk ends. The pages stay in the page cache and
// come back on the next read: only read-only shared mappings are
// released, so no data can be lost.
//
// Call it only while the database in dir is open read-only: a database
// open for writing unmaps tables as it compacts, and the address range of
// an unmapped table may be reused by memory of another kind before the
// release reaches it.
func releaseMapped(dir string) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return
	}
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real // the kernel lists mapped files by their real path
	}
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// 7f3c2a000000-7f3c2e000000 r--s 00000000 fd:01 1234 /data/db/000001.vlog
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 || fields[1] != "r--s" || !strings.HasPrefix(fields[5], dir+string(filepath.Separator)) {
			continue
		}
		lo, hi, ok := strings.Cut(fields[0], "-")
		if !ok {
			continue
		}
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 != nil || err2 != nil || end <= start {
			continue
		}
		_, _, _ = unix.Syscall(unix.SYS_MADVISE, uintptr(start), uintptr(end-start), unix.MADV_DONTNEED)
	}
}
