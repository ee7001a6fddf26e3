// Package scaletest is a stand-in for a serial checkout scale, for tests
// and for trying a hub without hardware.
//
// It answers as the protocol documents describe, not as this
// repository's driver expects:
//
//   - Toledo 8217 (Mettler Toledo DIVA / PSC Magellan 8500 service manual,
//     6.1.4): W is answered with STX, five weight digits in kilograms with
//     three implied decimals (or "WW.WWW" with Config.DecimalPoint), 'N'
//     when net, and CR; or, when the scale is in motion, under zero, over
//     capacity or in zero error, with STX '?' status byte CR. Z, T<CR>,
//     TWWWWW<CR> (digital tare) and C (clear tare) act and answer with
//     the status byte. Other bytes are ignored.
//   - MT-SICS level 0: S, SI, Z, ZI, T, TA, TAC, @ and I4, each a line
//     ending in CR LF; a weight reply is "S S", "S D" (dynamic, SI only),
//     "S I", "S +" or "S -"; an unknown command is answered "ES", a
//     broken line "ET". S in motion gives up at once with "S I" where a
//     balance would first wait for stability.
//
// Tests set what lies on the platter and what the scale makes of it:
// SetWeight, Settle (in motion for exactly the next n weight requests, so
// a test knows when a stable weight may appear without any clock),
// SetMotion, SetOverload, SetUnderZero, SetZeroError, SetSilent, and
// FailNext for a SICS error reply. More than Capacity is overload, and a
// weight below zero (gross, or net of the tare) is under zero, as on a
// real scale. Requests counts what was asked and WaitRequests waits for
// it.
//
// Serial (Linux) puts the scale behind a pseudo-terminal pair, reached by
// a symbolic link that Unplug removes and Plug points at a fresh pair, so
// the real serial driver is tested end to end, including a scale that is
// unplugged and plugged back.
package scaletest
