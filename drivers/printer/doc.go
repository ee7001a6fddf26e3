// Package printer drives ESC/POS receipt printers (Epson TM and the many
// printers that copy them): it encodes printouts, reads printer status,
// and prints jobs from a per-printer queue, each job once.
//
// # Encoding
//
// Doc builds the bytes of a printout: text in a code page the printer has
// (CP865 Nordic or WPC1252, so æøåÆØÅ print as such; a character the page
// lacks prints as '?'), bold, underline, sizes, alignment, feeds, rules and
// two-column lines sized in characters, CODE128 and EAN-13 barcodes, QR
// codes, cuts and drawer pulses. The same calls always give the same
// bytes, and text can never form a command. Which sale becomes which
// printout is decided elsewhere.
//
// # Status
//
// Status is parsed from the replies to DLE EOT 1–4 (Status.ParseRealtime)
// and from Automatic Status Back messages (Status.ParseASB), following the
// bit layout of Epson's reference. Bytes that lack the fixed bits of their
// kind are rejected, not guessed at.
//
// # Transports
//
// TCP (raw port 9100), Serial (go.bug.st/serial) and USB (the Linux
// printer class device /dev/usb/lp*, write-only unless the printer is
// known to answer) implement Transport. The Queue reopens a transport
// after any failure, with backoff.
//
// # Queue
//
// A Queue owns one printer. Submit returns at once; a missing printer
// never blocks the caller, and Init reports loaded, skipped or failed the
// way periph drivers do, while a failed Queue keeps trying in the
// background. The Queue promises:
//
//   - Jobs print in the order submitted, one at a time.
//   - A job prints once: an ID printed before (remembered in memory for the
//     last RememberDone IDs, and in the optional DoneStore beyond that and
//     across restarts) or already queued is acknowledged without printing.
//   - A job is done only when the printer confirms it: after the job the
//     Queue sends GS r 1, which a printer answers only after printing what
//     came before. Meanwhile it polls DLE EOT, which a printer answers at
//     once. If the printer stops mid-job (paper out, cover open, error) or
//     goes away, the Queue asks it to drop the rest of the job (DLE DC4 8,
//     see Config.NoBufferClear), keeps the job, and prints it again from
//     the start once the printer is back and ready. What was printed before
//     the interruption stays on the paper: the promise is one complete
//     copy, not one partial copy less.
//   - The window for a duplicate is between the printer confirming a job
//     and DoneStore.MarkDone returning; a crash there prints it again.
//   - Status is polled before and after each job and every PollInterval
//     when idle (and taken from ASB messages when Config.ASB is set), and
//     every change reaches Events, as do pending, printing, retrying and
//     done for each job. Events are dropped, never waited for, when a
//     listener falls behind.
//
// On a write-only transport there is no status: a job is done when it is
// written, and only failures to open or write are seen.
//
// Job data must not contain DLE EOT, DLE ENQ or DLE DC4 byte sequences
// (printers act on them wherever they appear); Doc never produces them.
package printer
