// Package display drives a customer-facing pole display: a 2×20
// character VFD on a serial line (RS-232, or a USB serial adapter) that
// speaks the Epson ESC/POS customer display command set (Epson DM-D, and
// the many displays with an "Epson mode").
//
// # What it shows
//
// Show puts two lines on the screen, each cut or padded to 20 characters
// (Fit). ShowItem, ShowTotal and ShowChange lay out what a shop shows:
//
//	Lettmelk 1 l   21,90      TOTAL       kr 83,70
//	TOTAL       kr 83,70      VEKSEL      kr 16,30
//
// Money is int64 øre, written as Norwegians write kroner (Amount: comma
// before the øre, space between thousands, "-" for minus), never through
// floating point. Text is composed (NFC) and encoded in the configured
// code page, PC865 Nordic by default, so æøåÆØÅ show as such; a
// character the page lacks shows as '?', and text can never form a
// command.
//
// # On the wire
//
// When the port opens the driver sends ESC @ (initialize). Each screen is
// then written whole, with the setup in front, so a display that lost
// power in between is right again with the next screen: ESC R 0 (USA
// international set, so the lower half is plain ASCII whatever the DIP
// switches say), ESC t n (the code page: 5 for PC865), US MD1 (overwrite
// mode), US C 0 (no cursor), then US $ 1 1 and 20 characters, US $ 1 2
// and 20 characters. Nothing is ever read from the display.
//
// # What it promises
//
//   - The display shows the lines of the last Show. A goroutine owns the
//     port; Show returns once its lines are written (or a later Show's
//     are), or with ErrUnreachable when the display cannot be written.
//   - A missing display never stops the hub. Open fails only on a bad
//     configuration; Init reports loaded, skipped or failed the way periph
//     drivers do. After any failure the port is reopened with backoff, and
//     a display that comes back (unplugged and plugged in, or a USB
//     adapter that re-enumerated) is initialized again and shows the
//     latest lines, without a restart.
//   - The screen is rewritten every Config.Refresh even when nothing
//     changed: a display switched off and on blanks itself without the
//     port noticing, and this brings the text back.
package display
