// Package migrations embeds the versioned SQL for each database dialect and
// the reference data that the data migration loads.
package migrations

import (
	"embed"
	"io/fs"
)

//go:embed postgres/*.sql sqlite/*.sql
var sqlFiles embed.FS

// Data holds the reference CSV files (countries and ratification snapshots),
// copied from the coalition's shared data with each row's source.
//
//go:embed data/*.csv
var Data embed.FS

// SQL returns the migration files of one dialect ("postgres" or "sqlite").
func SQL(dialect string) (fs.FS, error) {
	return fs.Sub(sqlFiles, dialect)
}
