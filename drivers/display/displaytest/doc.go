// Package displaytest is a stand-in for a 2×20 customer pole display
// that speaks the Epson ESC/POS customer display command set, for tests
// and for trying a hub without hardware.
//
// It follows the command set (Epson DM-D110 specification, section 5.4,
// and the Epson-mode command lists pole display makers print), not this
// repository's driver: it decodes the byte stream command by command into
// its screen, two lines of 20 characters, so a test asserts what a
// customer would see (Lines, Screen, WaitLines).
//
// Decoded: characters through the selected code table (ESC t n: PC437,
// PC850, PC860, PC863, PC865, WPC1252, PC866, PC852, PC858) and
// international set (ESC R n: USA, Germany, UK, Denmark I and II, Sweden,
// Norway); ESC @ (power-on settings, screen cleared, cursor home); CLR,
// CAN, HOM, CR, LF, BS, HT, US LF, US CR, US B; cursor moves US $ x y and
// ESC l x y (the CD5220 form); US MD1/MD2/MD3 with what each mode does at
// the edges of the screen (overwrite wraps, vertical scroll scrolls the
// lines up, horizontal scroll scrolls the line left); US C cursor, US X
// brightness, US E blink, US r reverse; ESC = n, after which a
// deselected display ignores all but ESC = n. Commands it knows but does
// not simulate (ESC W windows, ESC & user characters, macros, the clock)
// are skipped with their full length; anything it cannot decode is listed
// by Unknown, so a test can insist on a clean stream.
//
// Config is the power-on state that DIP or memory switches give a real
// display (code table, international set, mode, cursor), and PowerCycle
// returns to it with a blank screen, as switching the display off and on
// does while the serial line notices nothing.
//
// Serial (Linux) puts the display behind a pseudo-terminal pair, reached
// by a symbolic link that Unplug removes and Plug points at a fresh pair,
// so the real serial driver is tested end to end, including a display
// that is unplugged and plugged back.
package displaytest
