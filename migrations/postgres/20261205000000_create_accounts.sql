-- Accounts, the per-user index of live sessions, and starred templates.
-- Times are Unix seconds (UTC) in every database, so the same queries work
-- on SQLite, PostgreSQL and MySQL/MariaDB.
CREATE TABLE IF NOT EXISTS users (
    id VARCHAR(40) PRIMARY KEY NOT NULL,
    email VARCHAR(254) NOT NULL UNIQUE,
    name VARCHAR(100) NOT NULL,
    -- NULL for the demo account, which has no password.
    password_hash VARCHAR(255),
    created_at BIGINT NOT NULL
);

-- The demo account behind the Demo Login button.
INSERT INTO users (id, email, name, password_hash, created_at)
VALUES ('demo', 'demo@pmblueprints.invalid', 'Demo', NULL, 0)
ON CONFLICT (id) DO NOTHING;

-- One row per live login. `public_id` names the row in pages and forms, so a
-- session id never leaves the server.
CREATE TABLE IF NOT EXISTS user_sessions (
    session_id VARCHAR(64) PRIMARY KEY NOT NULL,
    public_id VARCHAR(32) NOT NULL UNIQUE,
    user_id VARCHAR(40) NOT NULL,
    device VARCHAR(100) NOT NULL,
    started_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE INDEX IF NOT EXISTS user_sessions_user_id ON user_sessions (user_id);

CREATE TABLE IF NOT EXISTS stars (
    user_id VARCHAR(40) NOT NULL,
    template_slug VARCHAR(100) NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, template_slug)
);
