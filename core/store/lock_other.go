//go:build !unix

package store

import "context"

// lockFile takes no lock where there is no flock: SQLite's own write lock is then all that
// keeps two processes' first migrations apart.
func lockFile(context.Context, string) (func(), error) { return func() {}, nil }
