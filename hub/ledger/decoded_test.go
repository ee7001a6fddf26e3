package ledger

import (
	"encoding/json"
	"testing"

	"github.com/kasse/kasse/hub/money"
)

func TestDecodedFollowsTheBytes(t *testing.T) {
	d := decoded[Item]{clone: copyItem}
	raw, _ := json.Marshal(Item{SKU: "MELK", Name: "Lettmelk", Price: 2190, Barcodes: []string{"07038010000010"}})
	var a Item
	if err := d.decode("item/MELK", raw, &a); err != nil || a.Price != 2190 {
		t.Fatalf("first decode: %+v %v", a, err)
	}
	// A caller that changes what it got does not change the next answer.
	a.Name, a.Barcodes[0] = "changed", "changed"
	var b Item
	if err := d.decode("item/MELK", raw, &b); err != nil || b.Name != "Lettmelk" || b.Barcodes[0] != "07038010000010" {
		t.Fatalf("second decode of the same bytes: %+v %v", b, err)
	}
	// New bytes under the same key are decoded anew.
	raw2, _ := json.Marshal(Item{SKU: "MELK", Name: "Lettmelk", Price: 2290})
	if err := d.decode("item/MELK", raw2, &b); err != nil || b.Price != 2290 || b.Barcodes != nil {
		t.Fatalf("decode after a change: %+v %v", b, err)
	}
	if err := d.decode("item/X", []byte("{broken"), &b); err == nil {
		t.Fatal("broken JSON decoded")
	}
}

// FuzzEncodeSale: a sale put together from remembered line JSON is
// json.Marshal's output byte for byte, whatever its strings hold.
func FuzzEncodeSale(f *testing.F) {
	f.Add("Lettmelk", `"lines":null`, "S1", int64(1), uint8(3), true)
	f.Add(`a\"b`, "<&>", `x"lines":null`, int64(-2), uint8(0), false)
	f.Add("", "\u2028ø\\", "", int64(0), uint8(1), true)
	var c encodedLines
	f.Fuzz(func(t *testing.T, name, reason, id string, qty int64, n uint8, lines bool) {
		s := Sale{ID: id, Register: "K1", Employee: name, Status: SaleOpen,
			Returned: map[int]int64{1: qty}, Discount: &Discount{Reason: reason}, Pending: []string{reason}}
		if lines {
			s.Lines = []Line{}
		}
		for i := range int(n % 8) {
			ln := Line{No: i + 1, SKU: id, Name: name, Qty: qty + int64(i), Price: 100, Rate: money.Rate25}
			if i%2 == 1 {
				ln.Override = &Override{Price: 50, Reason: reason}
				ln.Discount = &Discount{Percent: 1000, Reason: name}
			}
			s.Lines = append(s.Lines, ln)
		}
		head := s
		head.Lines = nil
		hb, err := json.Marshal(&head)
		if err != nil {
			t.Fatal(err)
		}
		for range 2 { // cold, then from what it remembers
			got, err := c.encodeSale(&s, hb)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := json.Marshal(&s)
			if string(got) != string(want) {
				t.Fatalf("encodeSale:\n%s\njson.Marshal:\n%s", got, want)
			}
		}
	})
}
