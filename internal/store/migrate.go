package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/pressly/goose/v3"

	"ratify/migrations"
)

// MigrationState is what /readyz and `ratify migrate status` report.
type MigrationState struct {
	Current int64 `json:"current"`
	Latest  int64 `json:"latest"`
	Pending int   `json:"pending"`
}

func (s *Store) provider() (*goose.Provider, error) {
	fsys, err := migrations.SQL(s.dialect)
	if err != nil {
		return nil, err
	}
	sqlDB, err := s.db.DB()
	if err != nil {
		return nil, err
	}
	d := goose.DialectPostgres
	if s.dialect == SQLite {
		d = goose.DialectSQLite3
	}
	p, err := goose.NewProvider(d, sqlDB, fsys, goose.WithGoMigrations(refDataMigration(s.dialect)))
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	return p, nil
}

// MigrateUp applies every pending migration and returns how many ran.
func (s *Store) MigrateUp(ctx context.Context) (int, error) {
	p, err := s.provider()
	if err != nil {
		return 0, err
	}
	res, err := p.Up(ctx)
	if err != nil {
		return len(res), fmt.Errorf("migrate up: %w", err)
	}
	return len(res), nil
}

// MigrateDown rolls back the newest applied migration. It returns the version
// rolled back, or 0 when nothing was applied.
func (s *Store) MigrateDown(ctx context.Context) (int64, error) {
	p, err := s.provider()
	if err != nil {
		return 0, err
	}
	res, err := p.Down(ctx)
	if errors.Is(err, goose.ErrNoNextVersion) {
		return 0, nil // nothing applied: goose reports that as an error
	}
	if err != nil {
		return 0, fmt.Errorf("migrate down: %w", err)
	}
	if res == nil || res.Source == nil {
		return 0, nil
	}
	return res.Source.Version, nil
}

// MigrateReset rolls back every migration (tests use it to prove the downs work).
func (s *Store) MigrateReset(ctx context.Context) error {
	p, err := s.provider()
	if err != nil {
		return err
	}
	if _, err := p.DownTo(ctx, 0); err != nil {
		return fmt.Errorf("migrate down to 0: %w", err)
	}
	return nil
}

// Migrations reports the applied and the known versions. A database newer
// than this binary shows Current > Latest.
func (s *Store) Migrations(ctx context.Context) (MigrationState, error) {
	p, err := s.provider()
	if err != nil {
		return MigrationState{}, err
	}
	cur, err := p.GetDBVersion(ctx)
	if err != nil {
		return MigrationState{}, fmt.Errorf("read schema version: %w", err)
	}
	st := MigrationState{Current: cur}
	for _, src := range p.ListSources() {
		if src.Version > st.Latest {
			st.Latest = src.Version
		}
	}
	pending, err := p.HasPending(ctx)
	if err != nil {
		return st, fmt.Errorf("check pending migrations: %w", err)
	}
	if pending {
		statuses, err := p.Status(ctx)
		if err != nil {
			return st, fmt.Errorf("migration status: %w", err)
		}
		for _, x := range statuses {
			if x.State == goose.StatePending {
				st.Pending++
			}
		}
	}
	return st, nil
}

// MigrationStatus lists each migration with its state for `ratify migrate status`.
func (s *Store) MigrationStatus(ctx context.Context) ([]*goose.MigrationStatus, error) {
	p, err := s.provider()
	if err != nil {
		return nil, err
	}
	return p.Status(ctx)
}
