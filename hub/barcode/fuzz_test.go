package barcode

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// fuzzParsers covers the default, Nordic, price-check and empty layouts.
var fuzzParsers = []*Parser{
	&defaultParser,
	{Layouts: NordicLayouts()},
	{Layouts: Layouts{
		"28": {ItemDigits: 4, Value: PriceØre, ValueDigits: 5, Decimals: 2, PriceCheck: true},
		"29": {ItemDigits: 5, Value: WeightGram, ValueDigits: 4, Decimals: 1, PriceCheck: true},
		"02": {ItemDigits: 5, Value: PriceØre, ValueDigits: 4, Decimals: 2, PriceCheck: true},
	}},
	{},
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"7038010055690", "7038010055690\r\n", "96385074", "036000291452", "0036000291452",
		"10012345678902", "7038010055691", "70380100556", "70380100S5690", "", " \r\n",
		"]E07038010055690", "]E496385074", "]E001234565", "]I110012345678902", "]C0ABC",
		"2012345029903", "2354321012500", "2512345612346", "2812346146854", "2912345928751",
		"212345928752", "2200001000018",
		"(01)07038010055690(3103)001250(17)250500(10)ABC123(21)SN-42",
		"(01) 07038010055690 (3103) 001250 (17) 250500",
		"]C10107038010055690310300125017250500" + "10ABC123\x1d21SN-42",
		"]d2\x1d0107038010055690\x1d15250600\x1d10LOT",
		"]Q30107038010055690392229902199",
		"\x1d0107038010055690\x1d",
		"010703801005569017250531",
		"00376104250021234569",
		"(3105)001234", "(3923)29905", "(17)240200", "(17)250230",
		"(10)A(10)B", "(05)1", "(7007)250101", "(01", "]C1", "\x1d",
		"]C1003761042500212345690207038010055690371\x1d41470380100000031125010120012" +
			"40ART-9\x1d70032501011230\x1d99internal",
		"https://kasse.example/p/1", "ÆØÅ", "\xff\xfe",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, p := range fuzzParsers {
			c, err := p.Parse(s)
			if err != nil {
				checkErr(t, s, c, err)
				continue
			}
			checkCode(t, p, s, c)
		}
	})
}

func checkErr(t *testing.T, s string, c Code, err error) {
	t.Helper()
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("Parse(%q): %T is not a *ParseError", s, err)
	}
	n := 0
	for _, e := range []error{ErrFormat, ErrCheckDigit, ErrUnsupported, ErrLayout} {
		if errors.Is(err, e) {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("Parse(%q) = %v: wraps %d sentinels", s, err, n)
	}
	if !reflect.DeepEqual(c, Code{}) {
		t.Fatalf("Parse(%q) returned %+v with error %v", s, c, err)
	}
	msg := err.Error()
	if !utf8.ValidString(msg) || len(msg) > 400 || len(pe.Input) > maxQuoted {
		t.Fatalf("Parse(%q): bad message %q", s, msg)
	}
	for _, r := range msg {
		if !unicode.IsPrint(r) {
			t.Fatalf("Parse(%q): message %q has non-printable %U", s, msg, r)
		}
	}
}

// checkCode re-validates a successful parse.
func checkCode(t *testing.T, p *Parser, s string, c Code) {
	t.Helper()
	fail := func(why string) { t.Fatalf("Parse(%q) = %+v: %s", s, c, why) }
	if c.Raw != strings.Trim(s, " \t\r\n\v\f") {
		fail("Raw is not the trimmed input")
	}
	if c.GTIN != "" && (len(c.GTIN) != 14 || !Valid(c.GTIN)) {
		fail("GTIN is not a valid GTIN-14")
	}
	if c.PriceØre < 0 || c.WeightGram < 0 || !c.HasPrice && c.PriceØre != 0 || !c.HasWeight && c.WeightGram != 0 {
		fail("bad price or weight")
	}
	for _, d := range []Date{c.Expiry, c.BestBefore} {
		if !d.IsZero() && (d.Month < 1 || d.Month > 12 || d.Day < 1 || d.Day > daysIn(d.Year, d.Month)) {
			fail("impossible date")
		}
	}
	for _, v := range []string{c.Batch, c.Serial} {
		if len(v) > 20 || strings.IndexFunc(v, func(r rune) bool { return r > 0x7f || !cset82(byte(r)) }) >= 0 {
			fail("bad batch or serial")
		}
	}

	body := c.Raw
	if strings.HasPrefix(body, "]") {
		body = body[3:]
	}
	switch c.Kind {
	case EAN13, EAN8, UPCA, GTIN14:
		if c.GTIN != strings.Repeat("0", 14-len(body))+body || c.Elements != nil || c.HasPrice || c.HasWeight {
			fail("linear code does not match its GTIN")
		}
		if (c.Kind == EAN13 || c.Kind == UPCA) && validPrefix(c.GTIN[1:3]) {
			if _, ok := p.Layouts[c.GTIN[1:3]]; ok {
				fail("in-store prefix not decoded")
			}
		}
	case InStorePrice, InStoreWeight:
		g13 := strings.Repeat("0", 13-len(body)) + body
		v := c.PriceØre
		if c.Kind == InStoreWeight {
			v = c.WeightGram
		}
		if c.HasPrice == c.HasWeight || c.HasPrice != (c.Kind == InStorePrice) {
			fail("in-store flags")
		}
		again, err := p.Layouts.MakeInStore(g13[:2], c.Article, v)
		if err != nil || again != g13 {
			fail("MakeInStore gives " + again)
		}
		key, err := p.Layouts.MakeInStore(g13[:2], c.Article, 0)
		if err != nil || "0"+key != c.GTIN {
			fail("key is not MakeInStore(…, 0)")
		}
	case GS1:
		if len(c.Elements) == 0 {
			fail("GS1 without elements")
		}
		// Re-serialise in both forms and parse again: same result.
		var hri, es strings.Builder
		paren := false
		for i, e := range c.Elements {
			paren = paren || strings.Contains(e.Value, "(")
			hri.WriteString("(" + e.AI + ")" + e.Value)
			es.WriteString(e.AI + e.Value)
			if i < len(c.Elements)-1 && !predefined(e.AI[0], e.AI[1]) {
				es.WriteByte(gs)
			}
		}
		forms := []string{"]C1" + es.String()}
		if !paren {
			forms = append(forms, hri.String())
		}
		for _, f := range forms {
			d, err := p.Parse(f)
			if err != nil {
				fail("re-serialised " + f + ": " + err.Error())
			}
			d.Raw = c.Raw
			if !reflect.DeepEqual(c, d) {
				t.Fatalf("Parse(%q) = %+v\nbut Parse(%q) = %+v", s, c, f, d)
			}
		}
	default:
		fail("bad kind")
	}
}

func BenchmarkParse(b *testing.B) {
	for _, bc := range []struct{ name, in string }{
		{"EAN13", "7038010055690\r\n"},
		{"EAN8", "96385074"},
		{"InStore", "2012345029903"},
		{"GS1-128", "]C10107038010055690310300125017250500" + "10ABC123\x1d21SN-42"},
		{"HRI", "(01)07038010055690(3103)001250(17)250500(10)ABC123"},
		{"BadCheck", "7038010055691"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = Parse(bc.in)
			}
		})
	}
}
