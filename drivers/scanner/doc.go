// Package scanner reads barcode scanners: USB keyboard-wedge scanners
// through the Linux input event interface (Evdev), and serial or USB
// CDC-ACM scanners (Serial). It turns what they send into Scans and
// leaves what a scan means (which register, which product) to the hub.
//
// # Promises
//
//   - A Scan is a whole code or nothing. A code cut short (the scanner
//     unplugged mid-code, the kernel dropping events, a code longer than
//     MaxLen) is discarded and counted in Status.Discarded, never
//     delivered in part.
//   - Codes hold only printable characters and GS (ASCII 29), which
//     stands for FNC1 between GS1 element strings. Terminators, framing
//     bytes and stray control keys never reach a Scan; empty codes are
//     not delivered.
//   - A code that starts with an AIM symbology identifier ("]E0" EAN-13,
//     "]E4" EAN-8, "]C1" GS1-128, "]d2" GS1 DataMatrix, "]Q3" GS1 QR,
//     "]A0" Code 39, "]I1" ITF, …) has it in Scan.Symbology and the data
//     after it in Scan.Code; Scan.Raw keeps both, for parsers that want
//     the prefixed form. SymbologyName says an identifier in words.
//   - A Reader opens its device again whenever the device goes away,
//     polling its path, so a scanner unplugged and plugged back in works
//     on without a restart. Init reports the driver loaded, skipped (no
//     device configured, or disabled) or failed (configured but not
//     there) the way periph drivers do, so a hub without its scanner
//     starts and says so.
//   - Scans from one Reader arrive in the order scanned, each once. A
//     slow consumer delays them; one that stalls until the kernel's
//     event buffer overflows loses what was typed meanwhile, counted as
//     discarded, never delivered damaged.
//
// # Keyboard-wedge scanners
//
// The Reader grabs the event device (EVIOCGRAB) so that scans do not
// also type into a console; if the grab is refused it reads anyway and
// says so (Status.Grabbed, the log). It translates key presses with the
// layout the scanner is set to: US, or NO for scanners set to the
// Norwegian layout, with Shift, Caps Lock, AltGr, dead keys, keypad
// digits, Ctrl+] and Alt+keypad codes for GS. Releases matter only for
// modifiers, and autorepeats are ignored. Enter or keypad Enter ends a
// code. Evdev is Linux-only; elsewhere opening one fails with
// errors.ErrUnsupported.
//
// # Serial scanners
//
// Codes end with CR, LF or CRLF, or with the configured Suffix. Bytes
// that are not UTF-8 are read as Latin-1.
//
// The scannertest package holds stand-ins for both kinds that the real
// Reader reads in tests: a FIFO carrying input_event records and a
// pseudo-terminal pair.
package scanner
