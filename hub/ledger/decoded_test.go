package ledger

import (
	"encoding/json"
	"testing"
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
