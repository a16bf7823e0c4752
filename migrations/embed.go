// Package migrations embeds the versioned SQL for each database dialect and
// the reference data that the data migrations load.
package migrations

import (
	"embed"
	"io/fs"
)

//go:embed postgres/*.sql sqlite/*.sql
var sqlFiles embed.FS

// SQL returns the migration files of one dialect ("postgres" or "sqlite").
func SQL(dialect string) (fs.FS, error) {
	return fs.Sub(sqlFiles, dialect)
}
