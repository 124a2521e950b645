//go:build !unix && !windows

package state

import "os"

// TODO(lock): platforms without flock or LockFileEx run unlocked; the agent ships for
// Linux, macOS and Windows only.
func lockFile(*os.File) error { return nil }
