package replicate

import (
	"bytes"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// TestSmallBoardRSS loads a big shop (50k items, 1M journal entries) into a
// SmallBoard database, reads it back at random, and reports the process RSS.
// It takes half a minute, so it runs only with KASSE_SOAK=1. Measured
// (amd64): ~95-100 MB RSS when idle, of which ~60 MB are mmapped table pages
// the kernel can drop; 230-270 MB at the peak of writing 400 MB in seconds
// (Badger's pool of table-builder buffers, returned one per 2 s when idle).
func TestSmallBoardRSS(t *testing.T) {
	if os.Getenv("KASSE_SOAK") == "" {
		t.Skip("set KASSE_SOAK=1 to run")
	}
	dir := t.TempDir()
	db := openDB(t, dir)
	defer db.Close()
	wb := db.NewWriteBatch()
	item := bytes.Repeat([]byte("i"), 300)
	entry := bytes.Repeat([]byte("j"), 400)
	for i := range 50_000 {
		if err := wb.Set(fmt.Appendf(nil, "ledger/item/%08d", i), item); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 1_000_000 {
		if err := wb.Set(fmt.Appendf(nil, "ledger/journal/%012d", i), entry); err != nil {
			t.Fatal(err)
		}
	}
	if err := wb.Flush(); err != nil {
		t.Fatal(err)
	}
	t.Logf("after load: %s", rss())
	for range 200_000 {
		k := fmt.Appendf(nil, "ledger/journal/%012d", rand.IntN(1_000_000))
		if rand.IntN(4) == 0 {
			k = fmt.Appendf(nil, "ledger/item/%08d", rand.IntN(50_000))
		}
		err := db.View(func(txn *badger.Txn) error {
			it, err := txn.Get(k)
			if err != nil {
				return err
			}
			return it.Value(func([]byte) error { return nil })
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	debug.FreeOSMemory()
	t.Logf("after 200k random reads: %s", rss())
	// Badger's table-builder allocator pool gives back one idle buffer
	// every 2 s: steady state is what a hub sees between bursts.
	time.Sleep(20 * time.Second)
	debug.FreeOSMemory()
	t.Logf("idle 20 s later: %s", rss())
	var size int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, _ error) error {
		if i, err := d.Info(); err == nil && !d.IsDir() {
			size += i.Size()
		}
		return nil
	})
	t.Logf("on disk: %d MB", size>>20)
}

func rss() string {
	b, _ := os.ReadFile("/proc/self/status")
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS") || strings.HasPrefix(l, "RssAnon") || strings.HasPrefix(l, "RssFile") {
			out = append(out, strings.Join(strings.Fields(l), " "))
		}
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return fmt.Sprintf("%s; Go heap in use %d MB", strings.Join(out, ", "), m.HeapInuse>>20)
}
