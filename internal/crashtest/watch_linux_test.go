package crashtest

import (
	"encoding/binary"
	"errors"
	"os"
	"strings"
	"syscall"
	"time"
)

// killOnLogWrite sends SIGKILL to p at the next write to a pebble
// write-ahead log (*.log) in dir, or after timeout if none comes; it
// reports whether a write set it off. The archive's write is followed by
// its fsync and then the latest tree's commit, so a kill at the write
// lands inside the commit, between the two.
func killOnLogWrite(p *os.Process, dir string, timeout time.Duration) (bool, error) {
	fd, err := syscall.InotifyInit1(syscall.IN_CLOEXEC | syscall.IN_NONBLOCK)
	if err != nil {
		p.Signal(syscall.SIGKILL)
		return false, err
	}
	// A non-blocking descriptor goes through the runtime's poller, so the
	// read below can have a deadline.
	f := os.NewFile(uintptr(fd), "inotify")
	defer f.Close()
	if _, err := syscall.InotifyAddWatch(fd, dir, syscall.IN_MODIFY); err != nil {
		p.Signal(syscall.SIGKILL)
		return false, err
	}
	f.SetReadDeadline(time.Now().Add(timeout))
	buf := make([]byte, 64*(syscall.SizeofInotifyEvent+syscall.NAME_MAX+1))
	for {
		n, err := f.Read(buf)
		if err != nil {
			p.Signal(syscall.SIGKILL)
			if errors.Is(err, os.ErrDeadlineExceeded) {
				return false, nil
			}
			return false, err
		}
		// struct inotify_event: wd, mask, cookie, len (4 bytes each), name.
		for off := 0; off+syscall.SizeofInotifyEvent <= n; {
			nameLen := int(binary.NativeEndian.Uint32(buf[off+12:]))
			name := strings.TrimRight(string(buf[off+syscall.SizeofInotifyEvent:off+syscall.SizeofInotifyEvent+nameLen]), "\x00")
			off += syscall.SizeofInotifyEvent + nameLen
			if strings.HasSuffix(name, ".log") {
				p.Signal(syscall.SIGKILL)
				return true, nil
			}
		}
	}
}
