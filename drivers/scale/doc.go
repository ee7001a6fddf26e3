// Package scale reads checkout scales on a serial line (RS-232, or a USB
// serial adapter) for the hub: what lies on the scale, and whether the
// scale says it is at rest.
//
// # Protocols
//
// Two protocols are spoken, chosen in Config.Protocol:
//
//   - Toledo8217, the Mettler Toledo 8217 ECR protocol of many checkout
//     scales and scanner-scales (Magellan, DIVA, Viva, Ariva), 9600 7E1 by
//     default: W asks for the weight, which comes back as STX, five digits
//     in kilograms with three implied decimals and CR, or as a status byte
//     (STX '?' status CR) when the scale cannot give a weight. The bit
//     layout followed is cited in parse.go.
//   - SICS, the Mettler Toledo Standard Interface Command Set (MT-SICS
//     level 0), 9600 8N1 by default: SI asks for the weight now, answered
//     "S S <weight> <unit>" when stable, "S D …" when dynamic, "S +"/"S -"
//     over and under the range, "ES"/"ET"/"EL" on errors.
//
// Parse8217 and ParseSICS turn one reply into a Reading and are pure
// functions, fuzzed.
//
// # What it promises
//
//   - Weights are whole grams in int64, converted from the scale's digits
//     without floating point.
//   - Stable returns a weight only when the scale itself reports it stable:
//     a weighed item takes the stable weight only. Motion, overload, under
//     zero and errors are never turned into a weight.
//   - A reply is matched to its request: input left over from earlier is
//     discarded before each command, and a reply that breaks the protocol
//     is ErrBadReply, never guessed at.
//   - A missing scale never stops the hub. Open fails only on a bad
//     configuration; Init reports loaded, skipped or failed the way periph
//     drivers do; the port is opened on first use and again after any
//     failure, so a scale unplugged and plugged back (or switched off and
//     on) is used again without a restart.
//
// Exchanges with one scale happen one at a time; a Scale is safe for
// concurrent use.
package scale
