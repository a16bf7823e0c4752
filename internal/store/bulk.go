package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/schema"
)

// bulkConnKey carries the connection of a bulk transaction.
type bulkConnKey struct{}

// WithBulkTx is WithTx for writing many rows at once, as a contact import or
// the start of a large campaign does. On PostgreSQL the transaction runs on
// a connection held for it, so that the store's bulk inserts
// (CreateContacts, CreatePositions, InsertRecipients) fill their tables with
// COPY, the protocol's bulk path, instead of multi-row INSERTs of thousands
// of bound values each.
func (s *Store) WithBulkTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if _, nested := ctx.Value(txKey{}).(*gorm.DB); nested || s.dialect != Postgres {
		return s.WithTx(ctx, fn)
	}
	conn, err := s.heldConn(ctx)
	if err != nil {
		return fmt.Errorf("bulk transaction: %w", err)
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("bulk transaction: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			_ = tx.Rollback()
		}
	}()
	// The same as gorm's own Begin: a new session whose statements go
	// to the transaction.
	gtx := s.db.Session(&gorm.Session{Context: ctx, NewDB: true})
	gtx.Statement.ConnPool = tx
	if err := fn(context.WithValue(context.WithValue(ctx, txKey{}, gtx), bulkConnKey{}, conn)); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("bulk transaction: %w", err)
	}
	committed = true
	s.contacts.changed() // COPY bypasses gorm's callbacks
	return nil
}

// CommitWithoutFlush lets the transaction in ctx commit without waiting for
// its write-ahead log to reach the disk (PostgreSQL's synchronous_commit off,
// for this transaction only; SQLite has no such switch). Only for writes
// that a crash may lose without harm, which the caller explains.
func (s *Store) CommitWithoutFlush(ctx context.Context) error {
	if _, ok := ctx.Value(txKey{}).(*gorm.DB); !ok || s.dialect != Postgres {
		return nil
	}
	return mapErr(s.conn(ctx).Exec("SET LOCAL synchronous_commit = off").Error, "transaction")
}

// copyRows writes rows, a slice of one model, with COPY on the connection
// of the bulk transaction in ctx. The columns are the model's, as an INSERT
// by gorm would write them; the id goes too when withID (ids taken from the
// sequence beforehand), else the column's default gives it. Outside a bulk
// transaction it writes nothing and reports false.
func (s *Store) copyRows(ctx context.Context, rows any, withID bool) (bool, error) {
	conn, ok := ctx.Value(bulkConnKey{}).(*sql.Conn)
	if !ok {
		return false, nil
	}
	rv := reflect.ValueOf(rows)
	if rv.Kind() != reflect.Slice {
		return true, errors.New("copy: rows must be a slice")
	}
	if rv.Len() == 0 {
		return true, nil
	}
	stmt := &gorm.Statement{DB: s.db}
	if err := stmt.Parse(rv.Index(0).Addr().Interface()); err != nil {
		return true, fmt.Errorf("copy: %w", err)
	}
	var fields []*schema.Field
	var cols []string
	for _, f := range stmt.Schema.Fields {
		if f.DBName == "" || !f.Creatable || (f.DBName == "id" && !withID) {
			continue
		}
		fields = append(fields, f)
		cols = append(cols, f.DBName)
	}
	next := 0
	src := pgx.CopyFromFunc(func() ([]any, error) {
		if next == rv.Len() {
			return nil, nil
		}
		row := rv.Index(next)
		next++
		vals := make([]any, len(fields))
		for i, f := range fields {
			vals[i], _ = f.ValueOf(ctx, row)
		}
		return vals, nil
	})
	err := withPgx(conn, func(pc *pgx.Conn) error {
		_, err := pc.CopyFrom(ctx, pgx.Identifier{stmt.Schema.Table}, cols, src)
		return err
	})
	return true, err
}

// heldConn takes a connection of the pool for the caller alone, until it
// closes it: a bulk transaction's, or the one that listens.
func (s *Store) heldConn(ctx context.Context) (*sql.Conn, error) {
	sqlDB, err := s.db.DB()
	if err != nil {
		return nil, err
	}
	return sqlDB.Conn(ctx)
}

// withPgx runs fn on the pgx connection under conn (PostgreSQL), for what
// database/sql does not offer: COPY, notifications.
func withPgx(conn *sql.Conn, fn func(*pgx.Conn) error) error {
	return conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("a %T is not a pgx connection", dc)
		}
		return fn(c.Conn())
	})
}

// nextIDs takes n values from the sequence of table's id column, for rows
// written by COPY, which returns none.
func (s *Store) nextIDs(ctx context.Context, table string, n int) ([]int64, error) {
	var ids []int64
	err := s.conn(ctx).Raw("SELECT nextval(pg_get_serial_sequence(?, 'id')) FROM generate_series(1, ?) ORDER BY 1", table, n).Scan(&ids).Error
	if err == nil && len(ids) != n {
		err = fmt.Errorf("%d ids from the sequence, not %d", len(ids), n)
	}
	return ids, err
}

// createParents inserts new rows of a model that other rows will point to,
// and sets their ids: in a bulk transaction by COPY, the ids drawn from the
// table's sequence beforehand, as COPY returns none; else by multi-row
// INSERTs that return them (fewer rows each on SQLite: see insertBatch).
// Associations are not written.
func createParents[T any](ctx context.Context, s *Store, rows []T, n int, what string) error {
	if len(rows) == 0 {
		return nil
	}
	if _, bulk := ctx.Value(bulkConnKey{}).(*sql.Conn); !bulk {
		var row T
		return mapErr(s.conn(ctx).Omit(clause.Associations).CreateInBatches(rows, s.insertBatch(n, &row)).Error, what)
	}
	stmt := &gorm.Statement{DB: s.db}
	if err := stmt.Parse(&rows[0]); err != nil || stmt.Schema.PrioritizedPrimaryField == nil {
		return fmt.Errorf("%s: no primary key to draw from a sequence (%v)", what, err)
	}
	ids, err := s.nextIDs(ctx, stmt.Schema.Table, len(rows))
	if err != nil {
		return mapErr(err, what)
	}
	key := stmt.Schema.PrioritizedPrimaryField
	for i := range rows {
		if err := key.Set(ctx, reflect.ValueOf(&rows[i]).Elem(), ids[i]); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
	_, err = s.copyRows(ctx, rows, true)
	return mapErr(err, what)
}

// createMany inserts rows of one model, new ones, without their
// associations: by COPY in a bulk transaction, else in multi-row INSERTs of
// up to n rows (fewer on SQLite: see insertBatch).
func createMany[T any](ctx context.Context, s *Store, rows []T, n int, what string) error {
	if len(rows) == 0 {
		return nil
	}
	if done, err := s.copyRows(ctx, rows, false); done {
		return mapErr(err, what)
	}
	var row T
	return mapErr(s.conn(ctx).Omit(clause.Associations).CreateInBatches(rows, s.insertBatch(n, &row)).Error, what)
}
