package saft

import (
	"bufio"
	"bytes"
	"strings"
	"testing"
)

// TestUnspill: copy marks are replaced by the sale's copies wherever they
// fall, across the reader's 64 KiB buffer too; text between is kept.
func TestUnspill(t *testing.T) {
	copies := map[string]int{"S-1": 1, "S/æ": 1500}
	for _, gap := range []int{0, 1, 100, 64<<10 - 5, 64 << 10, 64<<10 + 3, 200 << 10} {
		var spill, want bytes.Buffer
		bw := bufio.NewWriter(&spill)
		x := newXW(bw, registerDepth)
		text := strings.Repeat("x", gap)
		for _, sale := range []string{"S-1", "S/æ", "S-0"} {
			x.raw(text + "<receiptCopyNum>")
			markCopies(x, sale)
			x.raw("</receiptCopyNum>")
		}
		x.raw(text)
		bw.Flush()
		for _, n := range []string{"1", "999", "0"} {
			want.WriteString(text + "<receiptCopyNum>" + n + "</receiptCopyNum>")
		}
		want.WriteString(text)
		var got bytes.Buffer
		out := bufio.NewWriter(&got)
		if err := unspill(out, &spill, copies); err != nil {
			t.Fatalf("gap %d: %v", gap, err)
		}
		out.Flush()
		if got.String() != want.String() {
			t.Errorf("gap %d: unspilled %d bytes, want %d", gap, got.Len(), want.Len())
		}
	}
	if err := unspill(bufio.NewWriter(&bytes.Buffer{}), strings.NewReader("a\x00414"), nil); err == nil {
		t.Error("an unterminated mark passed")
	}
}
