package replicate

import (
	"bytes"
	"fmt"
	"testing"
)

// BenchmarkRestorePrefix restores a ~100 MB state, shaped like a shop's
// (journal entries of ~400 bytes, sale lines, small index keys), into an
// empty laptop-profile database: the restore a catching-up hub does. It
// reports MB/s of snapshot. Nearly all of the time is Badger's write path
// (memtable inserts and their log); its StreamWriter, which builds tables
// directly, is the way to a faster restore.
func BenchmarkRestorePrefix(b *testing.B) {
	src, err := Open(b.TempDir(), Laptop, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	wb := src.NewWriteBatch()
	val := bytes.Repeat([]byte(`{"k":"journal entry or sale line",`), 12)
	for i := range 250_000 {
		for _, k := range []string{"s/j/%09d", "s/sline/S%07d/0001", "s/idemt/%09d"} {
			v := val[:len(val)*(1+i%3)/3]
			if k == "s/idemt/%09d" {
				v = nil
			}
			if err := wb.Set([]byte(fmt.Sprintf(k, i)), v); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := wb.Flush(); err != nil {
		b.Fatal(err)
	}
	snap := snapshot(b, src, "s/")
	b.SetBytes(int64(len(snap)))
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		dst, err := Open(b.TempDir(), Laptop, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := RestorePrefix(dst, []byte("s/"), bytes.NewReader(snap)); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if err := dst.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}
