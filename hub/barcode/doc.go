// Package barcode classifies and validates what a barcode scanner sends to
// the till, and extracts what a point of sale needs from it: a catalog key,
// and any price, weight, expiry date, batch or serial number the code
// carries. It is pure Go with no dependencies beyond the standard library.
//
// # What Parse accepts
//
// Surrounding ASCII whitespace (scanners end a read with CR, LF or both) is
// removed first; the rest must be at most 512 bytes. Then:
//
//   - 8 digits: EAN-8. 12 digits: UPC-A. 13 digits: EAN-13. 14 digits: a
//     bare GTIN-14 (ITF-14 on cartons). The GS1 mod-10 check digit is
//     verified. UPC-E must be expanded to UPC-A by the scanner (the usual
//     setting); an 8-digit read is always taken as EAN-8, except after the
//     AIM identifier "]E0", where it is reported as unsupported UPC-E.
//   - EAN-13 and UPC-A whose GTIN-13 form starts with a prefix found in the
//     parser's [Layouts] (restricted circulation numbers, 20–29, and 02/04)
//     are in-store codes: the embedded price or weight is extracted, the
//     inner price check digit verified where the layout has one, and GTIN is
//     set to the article key (below). A 20–29 code whose prefix has no
//     layout is returned as a plain EAN-13.
//   - GS1 element strings, as sent for GS1-128, GS1 DataMatrix, GS1 QR,
//     GS1 DataBar and GS1 DotCode: optionally preceded by the AIM symbology
//     identifier "]C1", "]d2", "]Q3", "]e0" or "]J1", with FNC1 transmitted
//     as ASCII GS (0x1D) after variable-length fields (a leading, doubled or
//     trailing GS is tolerated). Without an identifier, an input is taken as
//     an element string if it contains GS, or if it is longer than 14
//     characters and starts with AI 00, 01 or 02 followed by 18 or 14 digits.
//   - The human-readable form "(01)07038010055690(3103)001250(17)250500":
//     every value runs to the next "(" (so a value containing "(" cannot be
//     written this way); spaces around values are ignored.
//   - The AIM identifiers "]E0", "]E4" (EAN/UPC) and "]I1" (ITF) in front
//     of the digits above. Any other identifier is ErrUnsupported.
//
// # GS1 application identifiers
//
// Interpreted: (01) GTIN, check digit verified; (10) batch/lot; (21) serial;
// (17) expiry and (15) best-before date, YYMMDD with DD=00 meaning the last
// day of the month and the century chosen by the GS1 sliding window
// (General Specifications 7.12) relative to [Parser.Now]; (310n) net weight
// in kg with n=0–5 decimals, converted to grams, rounded half up when n>3;
// (390n) and (392n) amount payable, converted to øre (an amount with a
// fraction of an øre is ErrFormat).
//
// Recognised, validated and returned in [Code.Elements] only: 00, 02, 11,
// 12, 13, 16, 20, 22, 30, 37, 90–99, 240, 241, 242, 250, 251, 400–403,
// 410–417, 420–426, 310n–369n (the measure families, n=0–5), 391n, 393n,
// 394n, 7003, 7006, 8005, 8008, 8020 and 8200. Check digits of 00, 02, 402
// and 410–417 are verified too. Any other AI is [ErrUnknownAI]: without its
// length the rest of the string cannot be delimited, so the package refuses
// rather than guesses. Alphanumeric values must use GS1 character set 82.
// An AI that appears twice must carry the same value both times.
//
// # In-store codes and the article key
//
// A [Layout] describes the 10 digits of an in-store EAN-13 between its
// 2-digit prefix and its check digit: ItemDigits article digits, an
// optional GS1 price check digit (General Specifications 7.9.3/7.9.4, for
// 4- and 5-digit values) and ValueDigits value digits. The value is a price
// in kroner or a weight in kilograms with Decimals implied decimals; Code
// carries it as PriceØre or WeightGram.
//
// [DefaultLayouts] (used by [Parse]):
//
//	prefix  layout                          value
//	20–22   PP AAAAA VVVVV C                price in øre, 00000–99999 (≤ 999,99 kr)
//	23–25   PP AAAAA VVVVV C                weight in grams, 00000–99999 (≤ 99,999 kg)
//
// [NordicLayouts] is the GS1 Sweden scheme (PP AAAAAA VVVV C, the prefix
// choosing the decimals: 20/21/22 price with 2/1/0 decimals, 23/24/25 weight
// with 3/2/1 decimals), which Norwegian store labels are reported to follow
// too; choose it with Parser{Layouts: NordicLayouts()} if your scales print it.
//
// For an in-store code, Code.GTIN is the article key: the GTIN-14 of the same
// code with the value and inner check digit set to zero and the check digit
// recomputed. For "2012345029903" (article 12345, 29,90 kr) it is
// "02012345000001", which is "0" + MakeEAN13("201234500000") and also
// "0" + the result of Layouts.MakeInStore("20", "12345", 0). Seed the catalog
// with that key. Code.Article holds the bare article digits ("12345").
//
// # Keys
//
// Code.GTIN is always empty or 14 digits with a valid check digit: EAN-13 is
// prefixed with "0", UPC-A with "00" and EAN-8 with "000000", so a UPC-A and
// its EAN-13 form "0"+UPC, or a GS1 (01), all give the same catalog key.
//
// # Errors
//
// Parse never panics. Every error it returns is a *[ParseError] that wraps
// exactly one sentinel — [ErrFormat], [ErrCheckDigit], [ErrUnsupported]
// (including [ErrUnknownAI]) or [ErrLayout] — so a till can map it to a
// cashier-facing message with errors.Is, and log Error(), which quotes the
// offending input (trimmed, at most 40 bytes, non-printable bytes escaped).
//
// A Parser is safe for concurrent use as long as its fields are not changed.
package barcode
