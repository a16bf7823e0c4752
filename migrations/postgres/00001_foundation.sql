-- +goose Up
CREATE TABLE organisations (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT NOT NULL,
    short_name  TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('ngo','trade_union','faith_based','un_agency','io')),
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX organisations_short_name_key ON organisations (lower(short_name));

CREATE TABLE users (
    id               BIGSERIAL PRIMARY KEY,
    email            TEXT NOT NULL,
    name             TEXT NOT NULL,
    password_hash    TEXT NOT NULL,
    role             TEXT NOT NULL CHECK (role IN ('viewer','member','coordinator','admin')),
    organisation_id  BIGINT NOT NULL REFERENCES organisations(id),
    active           BOOLEAN NOT NULL DEFAULT TRUE,
    token_version    BIGINT NOT NULL DEFAULT 1,
    failed_logins    INTEGER NOT NULL DEFAULT 0,
    last_failed_at   TIMESTAMPTZ,
    locked_until     TIMESTAMPTZ,
    last_login_at    TIMESTAMPTZ,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE INDEX users_organisation_id_idx ON users (organisation_id);

CREATE TABLE audit_log (
    id         BIGSERIAL PRIMARY KEY,
    actor_id   BIGINT REFERENCES users(id),
    action     TEXT NOT NULL,
    entity     TEXT NOT NULL,
    entity_id  TEXT NOT NULL,
    summary    TEXT NOT NULL,
    ip         TEXT NOT NULL,
    at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX audit_log_at_idx ON audit_log (at);
CREATE INDEX audit_log_actor_id_idx ON audit_log (actor_id, at);
CREATE INDEX audit_log_action_idx ON audit_log (action, at);

-- +goose Down
DROP TABLE audit_log;
DROP TABLE users;
DROP TABLE organisations;
