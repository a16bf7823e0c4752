package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"gorm.io/gorm"

	"ratify/internal/search"
)

// contactIndex keeps the in-memory search index (internal/search) in step
// with the contacts table. The first search loads every live contact; each
// later one first reads what was written since the last read, at most every
// syncEvery, or at once after this process wrote a contact. Other processes'
// writes (a second server, `ratify contacts import`) thus show within
// syncEvery, this process's own at the next search.
type contactIndex struct {
	db      *gorm.DB
	dialect string

	mu     sync.Mutex // one load or sync at a time
	ix     atomic.Pointer[search.Index]
	cursor uint64       // PostgreSQL: the snapshot's xmin at the last read; SQLite: the last search_rev read
	last   atomic.Int64 // when the last read began, in Unix nanoseconds
	dirty  atomic.Bool
}

// syncEvery bounds how stale the index may be about other processes' writes.
const syncEvery = 100 * time.Millisecond

func newContactIndex(db *gorm.DB, dialect string) (*contactIndex, error) {
	ci := &contactIndex{db: db, dialect: dialect}
	// Any write to contacts through GORM marks the index for a read before
	// the next search; the bulk COPY path marks it itself.
	mark := func(tx *gorm.DB) {
		if tx.Statement != nil && tx.Statement.Table == "contacts" {
			ci.dirty.Store(true)
		}
	}
	cb := db.Callback()
	for _, err := range []error{
		cb.Create().After("gorm:create").Register("ratify:contacts_index", mark),
		cb.Update().After("gorm:update").Register("ratify:contacts_index", mark),
		cb.Delete().After("gorm:delete").Register("ratify:contacts_index", mark),
	} {
		if err != nil {
			return nil, fmt.Errorf("register the contact index's callback: %w", err)
		}
	}
	return ci, nil
}

// changed tells the index that this process wrote contacts.
func (ci *contactIndex) changed() { ci.dirty.Store(true) }

// index returns the index, loaded and brought up to date as needed. It reads
// through the pool, never the caller's transaction: an index fed rows that
// are not yet committed could keep them after a rollback.
func (ci *contactIndex) index(ctx context.Context) (*search.Index, error) {
	ix := ci.ix.Load()
	if ix == nil {
		ci.mu.Lock()
		defer ci.mu.Unlock()
		if ix = ci.ix.Load(); ix != nil {
			return ix, nil
		}
		return ci.load(ctx)
	}
	if !ci.dirty.Load() && time.Since(time.Unix(0, ci.last.Load())) < syncEvery {
		return ix, nil
	}
	if !ci.mu.TryLock() {
		return ix, nil // another search is reading the changes; use what is there
	}
	defer ci.mu.Unlock()
	if err := ci.sync(ctx, ix); err != nil {
		return nil, err
	}
	return ix, nil
}

// xmin is the oldest transaction still running, on PostgreSQL.
func (ci *contactIndex) xmin(ctx context.Context) (uint64, error) {
	var s string
	if err := ci.db.WithContext(ctx).Raw("SELECT pg_snapshot_xmin(pg_current_snapshot())::text").Scan(&s).Error; err != nil {
		return 0, fmt.Errorf("read the snapshot: %w", err)
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("read the snapshot %q: %w", s, err)
	}
	return v, nil
}

// load reads every live contact.
func (ci *contactIndex) load(ctx context.Context) (*search.Index, error) {
	start := time.Now()
	var cursor uint64
	if ci.dialect == Postgres {
		// Taken before the read: any write the read cannot see belongs to
		// a transaction at least this recent.
		x, err := ci.xmin(ctx)
		if err != nil {
			return nil, err
		}
		cursor = x
	}
	ci.dirty.Store(false)
	docs, rev, err := ci.read(ctx, "deleted_at IS NULL AND erased_at IS NULL")
	if err != nil {
		return nil, err
	}
	if ci.dialect != Postgres {
		cursor = rev
	}
	ix := search.New(docs)
	ci.cursor = cursor
	ci.last.Store(start.UnixNano())
	ci.ix.Store(ix)
	return ix, nil
}

// sync applies what was written since the last read.
func (ci *contactIndex) sync(ctx context.Context, ix *search.Index) error {
	start := time.Now()
	ci.dirty.Store(false)
	var (
		docs   []search.Doc
		rev    uint64
		cursor uint64
		err    error
	)
	if ci.dialect == Postgres {
		if cursor, err = ci.xmin(ctx); err != nil {
			ci.dirty.Store(true)
			return err
		}
		docs, _, err = ci.read(ctx, "search_rev >= ?::text::xid8", strconv.FormatUint(ci.cursor, 10))
	} else {
		docs, rev, err = ci.read(ctx, "search_rev > ?", int64(ci.cursor))
		cursor = max(rev, ci.cursor)
	}
	if err != nil {
		ci.dirty.Store(true)
		return err
	}
	ix.Apply(docs)
	ci.cursor = cursor
	ci.last.Store(start.UnixNano())
	return nil
}

// read returns the contacts matching where, with the highest search_rev
// among them on SQLite.
func (ci *contactIndex) read(ctx context.Context, where string, args ...any) ([]search.Doc, uint64, error) {
	cols := "id, sort_name, search_text, deleted_at IS NOT NULL OR erased_at IS NOT NULL"
	if ci.dialect != Postgres {
		cols += ", search_rev"
	}
	rows, err := ci.db.WithContext(ctx).Table("contacts").Select(cols).Where(where, args...).Rows()
	if err != nil {
		return nil, 0, fmt.Errorf("read contacts for the search index: %w", err)
	}
	defer rows.Close()
	var (
		docs []search.Doc
		top  uint64
	)
	for rows.Next() {
		var (
			d   search.Doc
			rev sql.NullInt64
		)
		dest := []any{&d.ID, &d.SortName, &d.Text, &d.Removed}
		if ci.dialect != Postgres {
			dest = append(dest, &rev)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, 0, fmt.Errorf("read contacts for the search index: %w", err)
		}
		if rev.Valid && uint64(rev.Int64) > top {
			top = uint64(rev.Int64)
		}
		docs = append(docs, d)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("read contacts for the search index: %w", err)
	}
	return docs, top, nil
}
