package scannertest

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Keyboard is a keyboard-wedge scanner behind a FIFO at Path, which the
// driver opens as an event device. The Keyboard holds the FIFO open for
// writing and reading, so the driver's open never waits and the driver
// sees end of file only when the Keyboard is unplugged.
type Keyboard struct {
	path   string
	layout string

	mu sync.Mutex
	f  *os.File // nil while unplugged
}

// NewKeyboard makes a FIFO at path and plugs a scanner set to layout
// ("us" or "no") into it.
func NewKeyboard(path, layout string) (*Keyboard, error) {
	if _, ok := layouts[layout]; !ok {
		return nil, fmt.Errorf("scannertest: unknown layout %q", layout)
	}
	k := &Keyboard{path: path, layout: layout}
	if err := k.Plug(); err != nil {
		return nil, err
	}
	return k, nil
}

// Path is where the driver opens the scanner, as /dev/input/eventN.
func (k *Keyboard) Path() string { return k.path }

// Scan types code and Enter.
func (k *Keyboard) Scan(code string) error {
	evs, err := Keystrokes(k.layout, code, true, time.Now())
	if err != nil {
		return err
	}
	return k.Send(evs...)
}

// Type types s without Enter.
func (k *Keyboard) Type(s string) error {
	evs, err := Keystrokes(k.layout, s, false, time.Now())
	if err != nil {
		return err
	}
	return k.Send(evs...)
}

// Enter presses and releases Enter.
func (k *Keyboard) Enter() error { return k.Send(Tap(time.Now(), KeyEnter)...) }

// Send writes events, each group up to a SYN_REPORT in one write, as the
// kernel makes a report readable at once. Events after the last report
// go in a last write.
func (k *Keyboard) Send(evs ...Event) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.f == nil {
		return errors.New("scannertest: keyboard unplugged")
	}
	start := 0
	for i, e := range evs {
		if e.Type == EvSyn || i == len(evs)-1 {
			if _, err := k.f.Write(Encode(evs[start : i+1])); err != nil {
				return fmt.Errorf("scannertest: keyboard: %w", err)
			}
			start = i + 1
		}
	}
	return nil
}

// SendBytes writes raw bytes, for streams that are not whole events.
func (k *Keyboard) SendBytes(p []byte) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.f == nil {
		return errors.New("scannertest: keyboard unplugged")
	}
	_, err := k.f.Write(p)
	return err
}

// Unplug pulls the scanner out: the FIFO is closed and its node removed.
func (k *Keyboard) Unplug() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.f == nil {
		return nil
	}
	err := errors.Join(os.Remove(k.path), k.f.Close())
	k.f = nil
	return err
}

// Plug puts the scanner back at the same path.
func (k *Keyboard) Plug() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.f != nil {
		return nil
	}
	if err := unix.Mkfifo(k.path, 0o600); err != nil {
		return fmt.Errorf("scannertest: mkfifo %s: %w", k.path, err)
	}
	// O_RDWR on a FIFO never blocks and keeps a writer present, so the
	// driver reads until Unplug instead of seeing end of file at once.
	fd, err := unix.Open(k.path, unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		os.Remove(k.path)
		return fmt.Errorf("scannertest: open %s: %w", k.path, err)
	}
	k.f = os.NewFile(uintptr(fd), k.path)
	return nil
}

// Close unplugs the scanner for good.
func (k *Keyboard) Close() error { return k.Unplug() }
