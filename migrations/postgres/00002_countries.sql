-- +goose Up
CREATE TABLE campaign_stages (
    id          BIGSERIAL PRIMARY KEY,
    position    INTEGER NOT NULL,
    name        TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX campaign_stages_name_key ON campaign_stages (lower(name));

CREATE TABLE instruments (
    code          TEXT PRIMARY KEY,
    title         TEXT NOT NULL,
    short_title   TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('un_treaty','ilo_convention')),
    adopted_date  DATE,
    position      INTEGER NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE countries (
    iso3                   TEXT PRIMARY KEY,
    iso2                   TEXT NOT NULL,
    m49                    TEXT NOT NULL,
    name                   TEXT NOT NULL,
    un_status              TEXT NOT NULL,
    region                 TEXT NOT NULL,
    subregion              TEXT NOT NULL,
    intermediate_region    TEXT NOT NULL,
    source                 TEXT NOT NULL,
    priority               TEXT NOT NULL DEFAULT 'none' CHECK (priority IN ('high','medium','low','none')),
    stage_id               BIGINT REFERENCES campaign_stages(id),
    focal_organisation_id  BIGINT REFERENCES organisations(id),
    focal_user_id          BIGINT REFERENCES users(id),
    next_step              TEXT NOT NULL DEFAULT '',
    next_step_date         DATE,
    notes                  TEXT NOT NULL DEFAULT '',
    updated_by_id          BIGINT REFERENCES users(id),
    updated_at             TIMESTAMPTZ
);
CREATE UNIQUE INDEX countries_iso2_key ON countries (iso2);
CREATE UNIQUE INDEX countries_m49_key ON countries (m49);
CREATE INDEX countries_stage_id_idx ON countries (stage_id);

CREATE TABLE ratifications (
    id                        BIGSERIAL PRIMARY KEY,
    country_iso3              TEXT NOT NULL REFERENCES countries(iso3),
    instrument_code           TEXT NOT NULL REFERENCES instruments(code),
    status                    TEXT NOT NULL CHECK (status IN ('none','signed','ratified','acceded','succeeded','denounced')),
    signature_date            DATE,
    signature_precision       TEXT NOT NULL DEFAULT '',
    ratification_date         DATE,
    ratification_precision    TEXT NOT NULL DEFAULT '',
    entry_into_force          DATE,
    entry_into_force_precision TEXT NOT NULL DEFAULT '',
    notes                     TEXT NOT NULL DEFAULT '',
    source                    TEXT NOT NULL,
    as_of                     DATE,
    updated_by_id             BIGINT REFERENCES users(id),
    updated_at                TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX ratifications_country_instrument_key ON ratifications (country_iso3, instrument_code);
CREATE INDEX ratifications_instrument_status_idx ON ratifications (instrument_code, status);

CREATE TABLE ratification_events (
    id                      BIGSERIAL PRIMARY KEY,
    country_iso3            TEXT NOT NULL REFERENCES countries(iso3),
    instrument_code         TEXT NOT NULL REFERENCES instruments(code),
    at                      TIMESTAMPTZ NOT NULL,
    actor_id                BIGINT REFERENCES users(id),
    from_status             TEXT NOT NULL,
    to_status               TEXT NOT NULL,
    changes                 TEXT NOT NULL,
    source                  TEXT NOT NULL,
    note                    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX ratification_events_country_idx ON ratification_events (country_iso3, instrument_code, at);
CREATE INDEX ratification_events_at_idx ON ratification_events (at);

-- Events are the record of what happened; a correction is a new event.
-- +goose StatementBegin
CREATE FUNCTION ratification_events_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ratification events are never changed or deleted';
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
CREATE TRIGGER ratification_events_no_update BEFORE UPDATE OR DELETE ON ratification_events
    FOR EACH ROW EXECUTE FUNCTION ratification_events_immutable();

-- +goose Down
DROP TABLE ratification_events;
DROP FUNCTION ratification_events_immutable();
DROP TABLE ratifications;
DROP TABLE countries;
DROP TABLE instruments;
DROP TABLE campaign_stages;
