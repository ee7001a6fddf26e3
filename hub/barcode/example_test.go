package barcode_test

import (
	"errors"
	"fmt"

	"github.com/kasse/kasse/hub/barcode"
)

func ExampleParse() {
	for _, scan := range []string{
		"7038010055690\r\n", // EAN-13 as a scanner sends it
		"036000291452",      // UPC-A: same key as its EAN-13 form
		"2012345029903",     // in-store: article 12345, 29,90 kr
		"2354321012500",     // in-store: article 54321, 1,250 kg
		"]C10107038010055690310300125017250500" + "10LOT42", // GS1-128
	} {
		c, err := barcode.Parse(scan)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%-15s %s", c.Kind, c.GTIN)
		if c.HasPrice {
			fmt.Printf(" %d øre", c.PriceØre)
		}
		if c.HasWeight {
			fmt.Printf(" %d g", c.WeightGram)
		}
		if !c.Expiry.IsZero() {
			fmt.Printf(" expires %s batch %s", c.Expiry, c.Batch)
		}
		fmt.Println()
	}
	// Output:
	// EAN-13          07038010055690
	// UPC-A           00036000291452
	// in-store price  02012345000001 2990 øre
	// in-store weight 02354321000002 1250 g
	// GS1             07038010055690 1250 g expires 2025-05-31 batch LOT42
}

func ExampleParse_errors() {
	for _, scan := range []string{"7038010055691", "70380100556", "]C0HELLO", "(01)07038010055690(7007)250101"} {
		_, err := barcode.Parse(scan)
		switch {
		case errors.Is(err, barcode.ErrCheckDigit):
			fmt.Print("Feillesing, skann på nytt: ")
		case errors.Is(err, barcode.ErrFormat):
			fmt.Print("Ugyldig strekkode: ")
		case errors.Is(err, barcode.ErrUnsupported):
			fmt.Print("Strekkoden støttes ikke: ")
		}
		fmt.Println(err)
	}
	// Output:
	// Feillesing, skann på nytt: barcode: wrong check digit "7038010055691": check digit is 1, want 0
	// Ugyldig strekkode: barcode: malformed code "70380100556": 11 digits; EAN/UPC codes have 8, 12, 13 or 14
	// Strekkoden støttes ikke: barcode: unsupported code "]C0HELLO": symbology identifier "]C0" is neither EAN/UPC nor GS1
	// Strekkoden støttes ikke: barcode: unknown GS1 application identifier "(01)07038010055690(7007)250101": AI (7007)
}

func ExampleParser() {
	p := barcode.Parser{Layouts: barcode.NordicLayouts()}
	c, err := p.Parse("2112345612348") // prefix 21: price with one decimal
	fmt.Println(c.Kind, c.Article, c.PriceØre, err)
	// Output: in-store price 123456 12340 <nil>
}

func ExampleLayouts_MakeInStore() {
	l := barcode.DefaultLayouts()
	code, _ := l.MakeInStore("23", "54321", 1250) // 1,250 kg
	key, _ := l.MakeInStore("23", "54321", 0)     // catalog key, without the leading "0"
	fmt.Println(code, key)
	// Output: 2354321012500 2354321000002
}
