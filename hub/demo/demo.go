// Package demo seeds the demo shop a laptop hub starts with: a few dozen
// items with valid barcodes across the Norwegian VAT rates, weighed items,
// in-store price and weight labels, employees with PINs, and stock.
package demo

import (
	"context"
	"fmt"

	"github.com/kasse/kasse/hub/barcode"
	"github.com/kasse/kasse/hub/ledger"
	"github.com/kasse/kasse/hub/money"
	"github.com/kasse/kasse/hub/till"
)

type item struct {
	sku, name, group string
	price            money.Øre
	rate             money.Rate
	unit             string
}

var items = []item{
	{"1001", "Lettmelk 1 l", "Meieri", 2190, money.Rate15, ledger.UnitPiece},
	{"1002", "Helmelk 1 l", "Meieri", 2390, money.Rate15, ledger.UnitPiece},
	{"1003", "Norvegia 500 g", "Meieri", 8990, money.Rate15, ledger.UnitPiece},
	{"1004", "Brunost 500 g", "Meieri", 9490, money.Rate15, ledger.UnitPiece},
	{"1005", "Smør 250 g", "Meieri", 3490, money.Rate15, ledger.UnitPiece},
	{"1006", "Yoghurt jordbær", "Meieri", 1590, money.Rate15, ledger.UnitPiece},
	{"1101", "Grovbrød", "Bakeri", 4290, money.Rate15, ledger.UnitPiece},
	{"1102", "Kneippbrød", "Bakeri", 3890, money.Rate15, ledger.UnitPiece},
	{"1103", "Skolebolle", "Bakeri", 2490, money.Rate15, ledger.UnitPiece},
	{"1104", "Kanelsnurr", "Bakeri", 2990, money.Rate15, ledger.UnitPiece},
	{"1201", "Kaffe filtermalt 250 g", "Kolonial", 6490, money.Rate15, ledger.UnitPiece},
	{"1202", "Havregryn 1 kg", "Kolonial", 3290, money.Rate15, ledger.UnitPiece},
	{"1203", "Makaroni 500 g", "Kolonial", 2190, money.Rate15, ledger.UnitPiece},
	{"1204", "Tomatsaus", "Kolonial", 2790, money.Rate15, ledger.UnitPiece},
	{"1205", "Kvikk Lunsj", "Kolonial", 2290, money.Rate15, ledger.UnitPiece},
	{"1206", "Farris 1,5 l", "Drikke", 2990, money.Rate15, ledger.UnitPiece},
	{"1207", "Appelsinjuice 1 l", "Drikke", 3490, money.Rate15, ledger.UnitPiece},
	{"1301", "Bananer", "Frukt og grønt", 2490, money.Rate15, ledger.UnitKg},
	{"1302", "Epler røde", "Frukt og grønt", 3490, money.Rate15, ledger.UnitKg},
	{"1303", "Poteter", "Frukt og grønt", 1990, money.Rate15, ledger.UnitKg},
	{"1304", "Agurk", "Frukt og grønt", 1490, money.Rate15, ledger.UnitPiece},
	{"1401", "Laks fersk", "Fisk", 0, money.Rate15, ledger.UnitPiece},   // in-store price label
	{"1402", "Reker kokte", "Fisk", 15990, money.Rate15, ledger.UnitKg}, // in-store weight label
	{"1501", "Oppvaskmiddel", "Husholdning", 3990, money.Rate25, ledger.UnitPiece},
	{"1502", "Tørkerull 4 pk", "Husholdning", 5490, money.Rate25, ledger.UnitPiece},
	{"1503", "Batterier AA 4 pk", "Husholdning", 8990, money.Rate25, ledger.UnitPiece},
	{"1504", "Handlenett", "Husholdning", 1990, money.Rate25, ledger.UnitPiece},
	{"1505", "Bærepose", "Husholdning", 300, money.Rate25, ledger.UnitPiece},
	{"1601", "Tannkrem", "Hygiene", 3490, money.Rate25, ledger.UnitPiece},
	{"1602", "Sjampo", "Hygiene", 5990, money.Rate25, ledger.UnitPiece},
	{"1701", "Avis Aftenposten", "Aviser", 4000, money.Rate0, ledger.UnitPiece},
	{"1702", "Ukeblad", "Aviser", 6900, money.Rate0, ledger.UnitPiece},
	{"1801", "Kinobillett", "Billetter", 15000, money.Rate12, ledger.UnitPiece},
	{"1802", "Bussbillett", "Billetter", 4200, money.Rate12, ledger.UnitPiece},
	{"1901", "Gavekort 500 kr", "Gavekort", 50000, money.Rate0, ledger.UnitPiece},
}

// Employees of the demo shop and their PINs.
var Employees = []struct {
	ledger.Employee
	PIN string
}{
	{ledger.Employee{ID: "1001", Name: "Kari Nordmann", Role: ledger.RoleCashier, Active: true}, "1234"},
	{ledger.Employee{ID: "1002", Name: "Ola Hansen", Role: ledger.RoleSupervisor, Active: true}, "2345"},
	{ledger.Employee{ID: "1003", Name: "Ingrid Berg", Role: ledger.RoleManager, Active: true}, "3456"},
	{ledger.Employee{ID: "1004", Name: "Admin", Role: ledger.RoleAdmin, Active: true}, "9999"},
}

// Barcode is the EAN-13 the demo gives item sku (a Norwegian 70… code).
func Barcode(sku string) string { return barcode.MakeEAN13("7040000" + fmt.Sprintf("%05s", sku)) }

// Items is the demo catalog as the ledger stores it (barcodes as scanned).
func Items() []ledger.Item {
	out := make([]ledger.Item, 0, len(items))
	for _, d := range items {
		it := ledger.Item{SKU: d.sku, Name: d.name, Group: d.group, Price: d.price, Rate: d.rate, Unit: d.unit, Active: true}
		switch d.sku {
		case "1401", "1402":
			// Sold with an in-store label from the deli scale; see package barcode.
		default:
			it.Barcodes = []string{Barcode(d.sku)}
		}
		out = append(out, it)
	}
	return out
}

// Seed proposes the demo shop through svc. Each command has a fixed
// idempotency key, so seeding twice changes nothing.
func Seed(ctx context.Context, svc *till.Service, register string) error {
	r := func(key string) till.Req { return till.Req{Register: register, Key: "demo/" + key, Hash: key} }
	all := Items()
	// In-store labels: the demo prefix 23 weight codes and 20 price codes
	// name the article; see barcode.DefaultLayouts.
	for i := range all {
		switch all[i].SKU {
		case "1401":
			all[i].Barcodes = []string{barcode.MakeEAN13("200140100000")}
		case "1402":
			all[i].Barcodes = []string{barcode.MakeEAN13("230140200000")}
		}
	}
	if _, err := svc.PutItems(ctx, r("items"), all); err != nil {
		return fmt.Errorf("demo items: %w", err)
	}
	for _, e := range Employees {
		if _, err := svc.PutEmployee(ctx, r("employee/"+e.ID), e.Employee, e.PIN); err != nil {
			return fmt.Errorf("demo employee %s: %w", e.ID, err)
		}
	}
	for _, it := range all {
		n := int64(200)
		if it.Unit == ledger.UnitKg {
			n = 50_000 // grams
		}
		if _, err := svc.Do(ctx, r("stock/"+it.SKU), ledger.CmdStockAdjust, map[string]any{"sku": it.SKU, "delta": n, "reason": "demo"}); err != nil {
			return fmt.Errorf("demo stock %s: %w", it.SKU, err)
		}
	}
	return nil
}
