-- Session records for tower-sessions-sqlx-store's MySqlStore. The table lives
-- in the database named by DATABASE_URL, not in a separate schema, so one
-- MySQL or MariaDB user with rights on one database is enough.
CREATE TABLE IF NOT EXISTS tower_sessions (
    id CHAR(22) PRIMARY KEY NOT NULL,
    data BLOB NOT NULL,
    expiry_date TIMESTAMP(6) NOT NULL,
    INDEX tower_sessions_expiry_date (expiry_date)
);
