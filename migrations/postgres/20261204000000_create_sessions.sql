-- Session records for tower-sessions-sqlx-store's PostgresStore, in its
-- default schema and table.
CREATE SCHEMA IF NOT EXISTS tower_sessions;

CREATE TABLE IF NOT EXISTS tower_sessions.session (
    id TEXT PRIMARY KEY NOT NULL,
    data BYTEA NOT NULL,
    expiry_date TIMESTAMPTZ NOT NULL
);

CREATE INDEX IF NOT EXISTS session_expiry_date ON tower_sessions.session (expiry_date);
