// Package printertest is a stand-in for an Epson-style ESC/POS receipt
// printer, for tests and for trying a hub without hardware.
//
// It follows the ESC/POS command reference, not this repository's
// encoder: it parses the byte stream command by command (with the lengths
// the reference gives, including commands the encoder never sends),
// renders what would come out on paper as lines of UTF-8 text decoded
// from the selected code page (PC437, PC850, PC852, PC858, PC865, PC866,
// WPC1252, and the Danish/Norwegian international sets), with markers
// for styles, symbols, cuts and drawer pulses (see Device.Lines), and
// wraps lines that are too long for the paper.
//
// As a printer does, it answers real-time requests (DLE EOT 1–4, DLE ENQ,
// DLE DC4 1 pulse, DLE DC4 8 clear buffers) the moment their bytes
// arrive, wherever they are in the stream, and everything else in turn:
// GS r 1/2, GS ( H, ESC v, GS I, and Automatic Status Back (GS a) when
// enabled and an enabled item changes. ESC @ resets modes and the ASB
// setting to the power-on values of Config, GS V and ESC a are obeyed
// only at the beginning of a line.
//
// Tests drive it like a person would: SetPaperOut, PaperLeft (a roll that
// runs out mid-job), SetCoverOpen, SetDrawerOpen, SetCutterError, Unplug
// and Plug (a silent cable), and for Server PowerOff, PowerOffAfter and
// PowerOn (connections dropped, listener closed, unprinted data lost).
// Without paper or with the cover open it goes offline and holds what it
// receives until it can print it, or a buffer clear drops it. It records
// every byte received (Received), counts cuts and drawer pulses, and Wait
// blocks until a condition on its state holds.
//
// Server listens on TCP; Serial (Linux) is reached through a
// pseudo-terminal pair, so a serial transport is tested for real.
package printertest
