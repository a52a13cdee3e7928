-- Session records for tower-sessions-sqlx-store's SqliteStore.
-- `data` is the MessagePack-encoded record; `expiry_date` is written by sqlx
-- as UTC text, so comparing it with another UTC timestamp orders correctly.
CREATE TABLE IF NOT EXISTS tower_sessions (
    id TEXT PRIMARY KEY NOT NULL,
    data BLOB NOT NULL,
    expiry_date INTEGER NOT NULL
);

CREATE INDEX IF NOT EXISTS tower_sessions_expiry_date ON tower_sessions (expiry_date);
