package scanner

import (
	"bytes"
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ioctl requests of linux/input.h: EVIOCGRAB is _IOW('E', 0x90, int),
// EVIOCGNAME(len) is _IOC(_IOC_READ, 'E', 0x06, len).
const (
	eviocgrab     = 1<<30 | 4<<16 | 'E'<<8 | 0x90
	nameLen       = 256
	eviocgname256 = 2<<30 | nameLen<<16 | 'E'<<8 | 0x06
)

// openEvdev opens an event device without blocking (a FIFO standing in
// for one opens before its writer does), so that the runtime poller
// serves it and Close interrupts a pending Read.
func openEvdev(path string, grab bool) (*conn, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return nil, &os.PathError{Op: "stat", Path: path, Err: err}
	}
	c := &conn{replay: st.Mode&unix.S_IFMT == unix.S_IFREG}
	var name [nameLen]byte
	if _, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), eviocgname256, uintptr(unsafe.Pointer(&name[0]))); errno == 0 {
		if i := bytes.IndexByte(name[:], 0); i >= 0 {
			c.name = string(name[:i])
		}
	}
	if grab {
		if err := unix.IoctlSetInt(fd, eviocgrab, 1); err != nil {
			c.grabErr = fmt.Errorf("grab %s: %w", path, err)
		} else {
			c.grabbed = true
		}
	}
	c.rc = os.NewFile(uintptr(fd), path)
	return c, nil
}
