package web

import (
	"encoding/json"
	"testing"

	"github.com/kasse/kasse/hub/ledger"
)

// TestState: the fingerprint follows the journal, and a sale moves it.
func TestState(t *testing.T) {
	s := newStack(t)
	get := func() ledger.Fingerprint {
		t.Helper()
		code, b := s.call(t, tokenK1, "GET", "/api/v1/state", "", "")
		var fp ledger.Fingerprint
		if err := json.Unmarshal(b, &fp); code != 200 || err != nil {
			t.Fatalf("GET /state: %d %s", code, b)
		}
		return fp
	}
	before := get()
	s.openSale(t, tokenK1)
	after := get()
	if after.Applied <= before.Applied || after.JournalSeq <= before.JournalSeq || after.StateHash == before.StateHash {
		t.Fatalf("a new sale did not move the fingerprint: before %+v, after %+v", before, after)
	}
	var page []ledger.Entry
	_, b := s.call(t, tokenK1, "GET", "/api/v1/journal?from=1&limit=1000", "", "")
	_ = json.Unmarshal(b, &page)
	if last := page[len(page)-1]; last.Seq != after.JournalSeq || last.Hash != after.JournalHash {
		t.Fatalf("journal ends at %d %s, state says %d %s", last.Seq, last.Hash, after.JournalSeq, after.JournalHash)
	}
}
