// Package scannertest stands in for barcode scanners, for tests and for
// trying a hub without hardware.
//
// Keyboard is a USB keyboard-wedge scanner as Linux shows it: a FIFO
// that the driver opens as if it were /dev/input/eventN, carrying real
// struct input_event records in the platform's layout, the way the kernel
// reports a HID keyboard: for each key an EV_MSC/MSC_SCAN event with the
// HID usage, the EV_KEY press or release, and an EV_SYN/SYN_REPORT, each
// such group written at once. Characters are typed as a person on the
// configured layout (US or Norwegian) would type them: Shift or AltGr
// held around the key, dead keys followed by a space, GS (FNC1) as
// Ctrl+], and Enter at the end. Its tables are written from the keycaps,
// independently of the driver's. Unplug makes the device vanish (the
// reader sees end of file, then no node at the path) and Plug brings it
// back at the same path.
//
// Serial is a serial (CDC-ACM) scanner: the master side of a
// pseudo-terminal pair, reached through a stable symlink as udev makes
// /dev/serial/by-id/…, sending each code followed by its suffix. Unplug
// hangs the line up and removes the link; Plug makes a new pair behind
// the same link.
//
// Keyboard and Serial are Linux-only; Keystrokes and Encode, which build
// event streams, work everywhere.
package scannertest
