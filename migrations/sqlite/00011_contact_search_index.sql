-- +goose Up
-- The contact search box is answered from an index each server process holds
-- in memory (internal/search); see the PostgreSQL migration of the same
-- version. SQLite has one writer at a time, holding the write lock from its
-- first write to its commit, so numbering each write of a search field one
-- above the highest number yet orders the writes as they commit: a reader
-- that has seen revision N reads "search_rev > N" the next time. (Contacts
-- are never deleted, only marked, so the highest number never goes back;
-- max() is read from the index's last entry.)
ALTER TABLE contacts ADD COLUMN search_rev INTEGER NOT NULL DEFAULT 0;
CREATE INDEX contacts_search_rev_idx ON contacts (search_rev);

-- +goose StatementBegin
CREATE TRIGGER contacts_search_rev_insert AFTER INSERT ON contacts
BEGIN
    UPDATE contacts SET search_rev = coalesce((SELECT max(search_rev) FROM contacts), 0) + 1 WHERE id = NEW.id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER contacts_search_rev_update AFTER UPDATE OF search_text, sort_name, deleted_at, erased_at ON contacts
BEGIN
    UPDATE contacts SET search_rev = coalesce((SELECT max(search_rev) FROM contacts), 0) + 1 WHERE id = NEW.id;
END;
-- +goose StatementEnd

-- The search text was matched with LIKE through this index; the search
-- index has taken that over, and this one would only cost every write.
DROP INDEX contacts_search_idx;

-- +goose Down
CREATE INDEX contacts_search_idx ON contacts (search_text);
DROP TRIGGER contacts_search_rev_update;
DROP TRIGGER contacts_search_rev_insert;
DROP INDEX contacts_search_rev_idx;
ALTER TABLE contacts DROP COLUMN search_rev;
