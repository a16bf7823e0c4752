// Package store holds Ratify's database access: opening either dialect,
// migrations, and one file of GORM queries per aggregate. It maps database
// errors to model errors so callers never see a driver error for bad input.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"ratify/internal/model"
)

// Dialects Ratify runs on.
const (
	Postgres = "postgres"
	SQLite   = "sqlite"
)

// Store is the handle every query method hangs off. It carries no request state.
type Store struct {
	db       *gorm.DB
	dialect  string
	contacts *contactIndex // the contact search box's index, kept per process
}

// Dialect names the database in use.
func (s *Store) Dialect() string { return s.dialect }

// SQLDB is the underlying pool, for migrations and health checks.
func (s *Store) SQLDB() (*sql.DB, error) { return s.db.DB() }

// Close releases the pool.
func (s *Store) Close() error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// Target is a parsed database location.
type Target struct {
	Dialect string
	// DSN is the driver's connection string (a file path with options for SQLite).
	DSN string
	// Path is the SQLite file, empty for PostgreSQL.
	Path string
}

// ParseURL turns RATIFY_DATABASE_URL into a Target. An empty URL means the
// SQLite file ratify.db in dataDir.
func ParseURL(raw, dataDir string) (Target, error) {
	switch {
	case raw == "":
		return sqliteTarget(filepath.Join(dataDir, "ratify.db")), nil
	case strings.HasPrefix(raw, "sqlite:"):
		p := strings.TrimPrefix(strings.TrimPrefix(raw, "sqlite:"), "//")
		if p == "" {
			return Target{}, errors.New("sqlite: needs a file path, such as sqlite:/var/lib/ratify/ratify.db")
		}
		return sqliteTarget(p), nil
	case strings.HasPrefix(raw, "postgres://"), strings.HasPrefix(raw, "postgresql://"):
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			return Target{}, errors.New("not a valid postgres:// URL (postgres://user:password@host:5432/dbname)")
		}
		return Target{Dialect: Postgres, DSN: raw}, nil
	default:
		return Target{}, errors.New("must be empty (SQLite in the data folder), sqlite:PATH or postgres://…")
	}
}

func sqliteTarget(path string) Target {
	q := url.Values{}
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	q.Set("_time_format", "sqlite")
	return Target{Dialect: SQLite, DSN: path + "?" + q.Encode(), Path: path}
}

// Open connects to the target and checks the connection.
func Open(ctx context.Context, t Target) (*Store, error) {
	cfg := &gorm.Config{
		TranslateError: true,
		Logger:         logger.Discard,
		NowFunc:        func() time.Time { return time.Now().UTC() },
	}
	var dial gorm.Dialector
	switch t.Dialect {
	case SQLite:
		if dir := filepath.Dir(t.Path); dir != "" {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, fmt.Errorf("create database folder: %w", err)
			}
		}
		dial = sqlite.Open(t.DSN)
	case Postgres:
		dial = postgres.Open(t.DSN)
	default:
		return nil, fmt.Errorf("unknown dialect %q", t.Dialect)
	}
	db, err := gorm.Open(dial, cfg)
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", t.Dialect, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("database handle: %w", err)
	}
	if t.Dialect == SQLite {
		// WAL lets readers run beside the one writer; _txlock=immediate makes
		// writers queue on busy_timeout instead of failing on upgrade.
		sqlDB.SetMaxOpenConns(4)
	} else {
		sqlDB.SetMaxOpenConns(25)
		sqlDB.SetMaxIdleConns(25)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(pctx); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("connect to %s database: %w", t.Dialect, err)
	}
	ci, err := newContactIndex(db, t.Dialect)
	if err != nil {
		_ = sqlDB.Close()
		return nil, err
	}
	return &Store{db: db, dialect: t.Dialect, contacts: ci}, nil
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

type txKey struct{}

// conn returns the transaction carried by ctx, or the pool.
func (s *Store) conn(ctx context.Context) *gorm.DB {
	if tx, ok := ctx.Value(txKey{}).(*gorm.DB); ok {
		return tx.WithContext(ctx)
	}
	return s.db.WithContext(ctx)
}

// WithTx runs fn in one transaction; store calls made with the ctx it passes
// join that transaction. A nested call reuses the outer transaction.
func (s *Store) WithTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if _, ok := ctx.Value(txKey{}).(*gorm.DB); ok {
		return fn(ctx)
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return fn(context.WithValue(ctx, txKey{}, tx))
	})
}

// mapErr turns database errors into model errors where they mean bad input.
func mapErr(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound):
		return model.NotFound(what)
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return &model.Error{Code: model.CodeConflict, Message: what + " already exists", Err: err}
	case errors.Is(err, gorm.ErrForeignKeyViolated):
		return &model.Error{Code: model.CodeInvalid, Message: what + " refers to a record that does not exist", Err: err}
	}
	return fmt.Errorf("%s: %w", what, err)
}

// insertBatch is how many rows of a model go in one multi-row INSERT: n on
// PostgreSQL; on SQLite, about 1,000 bound values' worth. The SQLite driver
// (glebarez/go-sqlite) finds each value for its placeholder by a linear
// search of the arguments, so binding a statement costs the square of its
// values: 500 contacts of 24 columns made 72 million comparisons a
// statement, and most of the time of a large CSV import.
func (s *Store) insertBatch(n int, row any) int {
	if s.dialect != SQLite {
		return n
	}
	stmt := &gorm.Statement{DB: s.db}
	if err := stmt.Parse(row); err != nil || len(stmt.Schema.DBNames) == 0 {
		return min(n, 40)
	}
	return max(1, min(n, 1000/len(stmt.Schema.DBNames)))
}
