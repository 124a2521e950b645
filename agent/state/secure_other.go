//go:build !windows

package state

import "os"

// securePath narrows an existing folder to its owner, as MkdirAll keeps the mode of folders
// that already exist.
func securePath(dir string) error {
	return os.Chmod(dir, 0o700)
}
