package receipt

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kasse/kasse/drivers/printer"
	"github.com/kasse/kasse/drivers/printer/printertest"
	"github.com/kasse/kasse/hub/ledger"
	"github.com/kasse/kasse/hub/ledger/ledgertest"
	"github.com/kasse/kasse/hub/money"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// shop is a real ledger (see ledgertest) with the receipts' shop set up.
type shop struct{ *ledgertest.Shop }

func newShop(t *testing.T) *shop {
	s := &shop{ledgertest.New(t, time.Date(2026, 11, 27, 14, 5, 0, 0, time.UTC))}
	s.Register = "K1"
	s.do(ledger.CmdShopSetup, ledger.Shop{Name: "Bakeriet på hjørnet", Address: "Storgata 12, 0155 Oslo", OrgNr: "912345678", VAT: true})
	s.do(ledger.CmdRegisterPut, ledger.Register{ID: "K1", Name: "Disk"})
	s.do(ledger.CmdItemPut, map[string]any{"items": []ledger.Item{
		{SKU: "MELK", Name: "Lettmelk 1 l", Price: 2190, Rate: money.Rate15, Unit: ledger.UnitPiece, Active: true},
		{SKU: "SÅPE", Name: "Grønnsåpe", Price: 4990, Rate: money.Rate25, Unit: ledger.UnitPiece, Active: true},
		{SKU: "EPLE", Name: "Epler røde", Price: 3490, Rate: money.Rate15, Unit: ledger.UnitKg, Active: true},
		{SKU: "AVIS", Name: "Avis", Price: 4000, Rate: money.Rate0, Unit: ledger.UnitPiece, Active: true},
	}})
	return s
}

func (s *shop) do(typ string, body any) json.RawMessage { return s.Do(typ, body) }

func (s *shop) sale(id string, cmds func()) *ledger.Sale {
	s.do(ledger.CmdSaleOpen, map[string]string{"sale": id})
	cmds()
	sl, err := s.L.Sale(id)
	if err != nil {
		s.T.Fatal(err)
	}
	return sl
}

func (s *shop) data(sl *ledger.Sale, copy bool) Data {
	shop, _ := s.L.Shop()
	reg, _ := s.L.Register("K1")
	return Data{Shop: *shop, Register: *reg, Sale: sl, Seller: "Kari Nordmann", Copy: copy}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from the golden file (run with -update if the change is right):\n%s", name, got)
	}
}

// printed is what a printer shows for the bytes.
func printed(b []byte) string {
	dev := printertest.NewDevice(printertest.Config{Columns: 48})
	dev.Write(b)
	return dev.Text()
}

func TestReceipts(t *testing.T) {
	s := newShop(t)
	cash := s.sale("S-CASH", func() {
		s.do(ledger.CmdSaleAdd, ledger.SaleAdd{Sale: "S-CASH", SKU: "MELK", Qty: 3})
		s.do(ledger.CmdSaleAdd, ledger.SaleAdd{Sale: "S-CASH", SKU: "SÅPE", Qty: 1})
		s.do(ledger.CmdSaleAdd, ledger.SaleAdd{Sale: "S-CASH", SKU: "EPLE", Qty: 1234})
		s.do(ledger.CmdSaleAdd, ledger.SaleAdd{Sale: "S-CASH", SKU: "AVIS", Qty: 1})
		s.do(ledger.CmdSaleDisc, ledger.SaleDiscount{Sale: "S-CASH", Line: 2, Discount: ledger.Discount{Percent: 2000, Reason: "tilbud"}})
		s.do(ledger.CmdPayCash, ledger.PayCash{Sale: "S-CASH", Tendered: 30000})
	})
	card := s.sale("S-CARD", func() {
		s.do(ledger.CmdSaleAdd, ledger.SaleAdd{Sale: "S-CARD", SKU: "MELK", Qty: 2})
		s.do(ledger.CmdPayStart, ledger.PayStart{Sale: "S-CARD", Attempt: "P1", Method: "card", Amount: 4380})
		s.do(ledger.CmdPayResult, ledger.PayResult{Attempt: "P1", Outcome: ledger.Outcome{Status: ledger.AttemptApproved, Authorized: 4380,
			Card: &ledger.CardInfo{TerminalTx: "KST20261127140533.000002", Approval: "112648", Brand: "VISA", Masked: "411111******1111"}}})
	})
	s.do(ledger.CmdReturnOpen, ledger.ReturnOpen{Return: "R-1", Original: "S-CASH"})
	s.do(ledger.CmdReturnAdd, ledger.ReturnAdd{Return: "R-1", Line: 1, Qty: 2})
	s.do(ledger.CmdReturnRefund, ledger.ReturnRefund{Return: "R-1", Method: "cash"})
	ret, err := s.L.Sale("R-1")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		sale *ledger.Sale
		copy bool
		kick bool
		want []string
	}{
		{"cash", cash, false, true, []string{"Salgskvittering", "Bakeriet på hjørnet", "Storgata 12, 0155 Oslo", "Org.nr. 912 345 678 MVA",
			"Kvittering nr. 1", "Kasse K1", "Dato 27.11.2026", "kl. 15:06:10", "Selger: Kari Nordmann", "Lettmelk 1 l", "3 x 21,90", "Epler røde",
			"1,234 kg x 34,90/kg", "Rabatt 20 % (tilbud)", "TOTAL", "Øreavrunding", "Kontant", "300,00", "Vekslepenger",
			"MVA 25 %", "MVA 15 %", "grunnlag", "Fritatt for MVA", "40,00", "[CUT"}},
		{"card", card, false, false, []string{"Salgskvittering", "Kvittering nr. 2", "VISA", "411111******1111", "Terminal-ref. KST20261127140533.000002", "Autorisasjon 112648", "TOTAL", "kr 43,80"}},
		{"copy", card, true, false, []string{"KOPI", "Salgskvittering", "Kvittering nr. 2"}},
		{"return", ret, false, true, []string{"Returkvittering", "Org.nr. 912 345 678 MVA", "Kvittering nr. 3", "Retur av kvittering nr. 1",
			"Lettmelk 1 l", "-43,80", "2 stk returnert", "TOTAL", "kr -43,80", "Tilbakebetalt kontant", "44,00", "MVA 15 %", "-5,71"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := s.data(c.sale, c.copy)
			if c.sale.Kind == ledger.KindReturn {
				d.OriginalReceipt = 1
			}
			l, err := Build(d)
			if err != nil {
				t.Fatal(err)
			}
			b, err := l.ESCPOS(Print{CodePage: printer.CP865, Columns: 48, Kick: c.kick})
			if err != nil {
				t.Fatal(err)
			}
			golden(t, c.name+".escpos", b)
			text := printed(b)
			golden(t, c.name+".txt", []byte(text))
			for _, w := range c.want {
				if !strings.Contains(text, w) {
					t.Errorf("printed receipt lacks %q:\n%s", w, text)
				}
			}
			if c.copy && strings.Count(text, "KOPI") != 2 {
				t.Errorf("a copy says KOPI top and bottom:\n%s", text)
			}
			if !c.copy && strings.Contains(text, "KOPI") {
				t.Error("an original says KOPI")
			}
			h, err := l.HTML()
			if err != nil {
				t.Fatal(err)
			}
			golden(t, c.name+".html", []byte(h))
		})
	}
	// The cash sale in numbers (worked by hand): 3 × 21,90 = 65,70 and 1,234 kg × 34,90 = 43,07 at 15 %;
	// 49,90 − 20 % (9,98) = 39,92 at 25 %; 40,00 at 0 %. Total 188,69 → cash 189,00 (+0,31), change 111,00.
	if t0 := cash.Totals; t0.Total != 18869 || t0.Rounding != 31 || t0.Change != 11100 {
		t.Errorf("cash totals %+v", t0)
	}
}

func TestHTMLEscapes(t *testing.T) {
	l := &Layout{Rows: []Row{{Left: `<script>alert("x")</script>`, Right: "1,00"}}, Code: `S"1`}
	h, err := l.HTML()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(h, "<script>") || !strings.Contains(h, "&lt;script&gt;") {
		t.Errorf("item names are not escaped: %s", h)
	}
}
