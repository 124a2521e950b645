package state

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// LockFile is the file Lock holds.
const LockFile = "agent.lock"

// ErrLocked means another agent process is using the state directory.
var ErrLocked = errors.New("another steward-agent process is using the state directory")

// Lock is held by the one process that may use a state directory. Two agents sharing one
// would each take the other's unfinished runs for runs cut short by a crash.
type Lock struct {
	f *os.File
}

// Acquire takes the state directory's lock, creating dir if needed. It fails at once with
// ErrLocked when another process holds it. The operating system releases the lock when the
// process ends, so a crashed agent never leaves it behind.
func Acquire(dir string) (*Lock, error) {
	if err := EnsureDir(dir); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock %s: %w", path, err)
	}
	if err := lockFile(f); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("%w (%s): %w", ErrLocked, dir, err)
	}
	return &Lock{f: f}, nil
}

// Release lets another process take the lock.
func (l *Lock) Release() error {
	// Closing the file drops the lock on every platform.
	if err := l.f.Close(); err != nil {
		return fmt.Errorf("release state lock: %w", err)
	}
	return nil
}
