// Package catalog is the global catalog that ships with Steward: example software, tasks and
// scripts as JSON files, embedded in the binary and loaded into the database at every hub
// start (see README.md for the file format). Global items are read-only through the API.
package catalog

import (
	"embed"
	"io/fs"
)

//go:embed scripts/*.json tasks/*.json software/*.json
var files embed.FS

// FS returns the catalog's files: scripts/, tasks/ and software/, one JSON file per item.
func FS() fs.FS { return files }
