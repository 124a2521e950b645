// Package migrations holds the versioned schema changes of the hub, one folder per database
// dialect. Files are applied in order at start-up and by `steward migrate`; each file runs in
// its own transaction, so a failing file leaves the database as it was before that file.
package migrations

import (
	"embed"
	"io/fs"
)

//go:embed postgres/*.sql sqlite/*.sql
var files embed.FS

// FS returns the migration files for a dialect: "postgres" or "sqlite".
func FS(dialect string) (fs.FS, error) {
	return fs.Sub(files, dialect)
}
