//go:build !linux

package crashtest

import (
	"errors"
	"os"
	"time"
)

// killOnLogWrite needs inotify; elsewhere it kills at once.
func killOnLogWrite(p *os.Process, _ string, _ time.Duration) (bool, error) {
	return false, errors.Join(errors.New("no inotify on this system: killed at once"), p.Kill())
}
