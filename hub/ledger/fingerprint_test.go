package ledger

import "testing"

// TestFingerprint: the fingerprint names the applied index and journal head
// the ledger has, hashes the state as StateHash does, and moves with every
// command — also a refused one, whose answer is recorded.
func TestFingerprint(t *testing.T) {
	f := newFixture(t)
	id := f.open()
	f.ok(CmdSaleAdd, "", SaleAdd{Sale: id, SKU: "MELK", Qty: 2})
	f.ok(CmdPayCash, "", PayCash{Sale: id, Tendered: 10000})
	fp, err := f.l.Fingerprint()
	if err != nil {
		t.Fatal(err)
	}
	seq, hash, _ := f.l.JournalHead()
	state, _ := f.l.StateHash()
	if fp.Applied != f.l.Applied() || fp.JournalSeq != seq || fp.JournalHash != hash || fp.StateHash != state {
		t.Fatalf("fingerprint %+v; ledger at %d, journal %d %s, state %s", fp, f.l.Applied(), seq, hash, state)
	}
	if fp.JournalSeq == 0 || len(fp.StateHash) != 64 {
		t.Fatalf("fingerprint of a ledger with a paid sale: %+v", fp)
	}
	f.rejected("sale_closed", CmdSaleAdd, SaleAdd{Sale: id, SKU: "MELK", Qty: 1})
	fp2, _ := f.l.Fingerprint()
	if fp2.Applied != fp.Applied+1 || fp2.StateHash == fp.StateHash {
		t.Fatalf("after a refused command: %+v, before %+v", fp2, fp)
	}
}
