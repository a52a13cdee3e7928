//! The SQL store: SQLite, PostgreSQL or MySQL/MariaDB.
//!
//! Creating, loading and deleting go through tower-sessions-sqlx-store.
//! Saving is an `UPDATE` of an existing row rather than the crate's upsert, so
//! a request that saves after a concurrent logout does not bring the deleted
//! session back. The tables come from the migrations in `migrations/`.

use std::{str::FromStr, time::Duration};

use async_trait::async_trait;
use sqlx::{
    migrate::MigrateError,
    mysql::MySqlConnectOptions,
    pool::PoolOptions,
    postgres::PgConnectOptions,
    sqlite::{SqliteConnectOptions, SqliteJournalMode},
    Connection, MySql, MySqlPool, PgPool, Postgres, Sqlite, SqlitePool,
};
use time::OffsetDateTime;
use tower_sessions::{
    session::{Id, Record},
    session_store, SessionStore,
};
use tower_sessions_sqlx_store::{MySqlStore, PostgresStore, SqliteStore};

use super::{backend_error, codec, redact_url, Backend, BackendKind, SessionCounts, StartError};

const SQLITE_TABLE: &str = "tower_sessions";
/// How long to wait between migration attempts while the server is down.
const MIGRATION_RETRY_DELAY: Duration = Duration::from_secs(2);
const MYSQL_TABLE: &str = "tower_sessions";
/// How long a MySQL migration run waits for one in another process.
const MYSQL_MIGRATION_LOCK_WAIT: Duration = Duration::from_secs(60);

/// How long a pooled connection may sit idle before it is checked with a
/// ping on its next use.
///
/// NOTE: a connection that the server closes less than this long after its
/// last use fails the one query that uses it next, and is then replaced.
pub const PING_AFTER_IDLE: Duration = Duration::from_secs(1);

/// Returns pool options with an acquire timeout of `timeout` and a ping only
/// for connections idle longer than [`PING_AFTER_IDLE`].
///
/// sqlx's default pings every connection it hands out, which is one more
/// round trip to the database on each query. A busy pool's connections were
/// checked when they were returned, moments before (sqlx pings on release
/// too), so only those that sat idle long enough to go stale need a ping.
pub(crate) fn pool_options<DB: sqlx::Database>(timeout: Duration) -> PoolOptions<DB> {
    PoolOptions::new()
        .acquire_timeout(timeout)
        .test_before_acquire(false)
        .before_acquire(|connection: &mut DB::Connection, metadata| {
            Box::pin(async move {
                if metadata.idle_for > PING_AFTER_IDLE {
                    // An error makes the pool close this connection and open
                    // another.
                    connection.ping().await?;
                }
                Ok(true)
            })
        })
}

/// Sessions in one SQL database.
#[derive(Clone, Debug)]
pub enum SqlStore {
    Sqlite {
        pool: SqlitePool,
        store: SqliteStore,
    },
    Postgres {
        pool: PgPool,
        store: PostgresStore,
    },
    MySql {
        pool: MySqlPool,
        store: MySqlStore,
        database: String,
    },
}

/// Checks that `url` names a database this store supports and parses, as
/// start-up does, without connecting or creating a file.
///
/// # Errors
///
/// Returns [`StartError::InvalidSetting`] for `DATABASE_URL`.
pub fn check_url(url: &str) -> Result<(), StartError> {
    let invalid = |reason: String| StartError::InvalidSetting {
        setting: "DATABASE_URL",
        reason: format!("{reason} ({})", redact_url(url)),
    };

    if url.starts_with("sqlite:") {
        SqliteConnectOptions::from_str(url).map_err(|err| invalid(err.to_string()))?;
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        PgConnectOptions::from_str(url).map_err(|err| invalid(err.to_string()))?;
    } else if let Some(rest) = url
        .strip_prefix("mysql://")
        .or_else(|| url.strip_prefix("mariadb://"))
    {
        let options = MySqlConnectOptions::from_str(&format!("mysql://{rest}"))
            .map_err(|err| invalid(err.to_string()))?;
        if options.get_database().is_none() {
            return Err(invalid(
                "a MySQL URL must name a database, as in mysql://user@host/dbname".to_owned(),
            ));
        }
    } else {
        return Err(invalid(
            "expected an sqlite:, postgres:// or mysql:// URL".to_owned(),
        ));
    }
    Ok(())
}

impl SqlStore {
    /// Connects to the database at `url`, runs the migrations and returns the store.
    ///
    /// The URL's scheme picks the database: `sqlite:`, `postgres://` (or
    /// `postgresql://`), `mysql://` (or `mariadb://`). An SQLite file and its
    /// folder are created when missing.
    ///
    /// # Errors
    ///
    /// Returns [`StartError::InvalidSetting`] for an unknown scheme or a URL
    /// that cannot be parsed, [`StartError::Database`] when an SQLite file
    /// cannot be opened, and [`StartError::Migration`] when a migration fails
    /// or the server refuses the login. A PostgreSQL or MySQL server that
    /// cannot be reached is no error: the app starts degraded and the
    /// migrations run once it is reachable.
    pub async fn connect(url: &str, timeout: Duration) -> Result<Self, StartError> {
        let invalid = |reason: String| StartError::InvalidSetting {
            setting: "DATABASE_URL",
            reason,
        };
        let unreachable =
            |err: sqlx::Error| StartError::Database(format!("{} at {}", err, redact_url(url)));

        if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)
                .map_err(|err| invalid(format!("{err} ({})", redact_url(url))))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .busy_timeout(timeout);
            let file = options.get_filename().to_path_buf();
            create_parent_folder(&file)?;

            let pool = pool_options::<Sqlite>(timeout)
                .connect_with(options)
                .await
                .map_err(unreachable)?;
            restrict_to_owner(&file);
            tracing::info!(database = "SQLite", file = %file.display(), "SQL database ready");
            let store = Self::Sqlite {
                store: SqliteStore::new(pool.clone())
                    .with_table_name(SQLITE_TABLE)
                    .map_err(invalid)?,
                pool,
            };
            store
                .migrate()
                .await
                .map_err(|err| StartError::Migration(err.to_string()))?;
            return Ok(store);
        }

        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(url)
                .map_err(|err| invalid(format!("{err} ({})", redact_url(url))))?;
            let pool = pool_options::<Postgres>(timeout).connect_lazy_with(options);
            let store = Self::Postgres {
                store: PostgresStore::new(pool.clone()),
                pool,
            };
            migrate_now_or_later(redact_url(url), timeout, store.clone()).await?;
            tracing::info!(database = "PostgreSQL", server = %redact_url(url), "SQL database ready");
            return Ok(store);
        }

        if let Some(rest) = url
            .strip_prefix("mysql://")
            .or_else(|| url.strip_prefix("mariadb://"))
        {
            let options = MySqlConnectOptions::from_str(&format!("mysql://{rest}"))
                .map_err(|err| invalid(format!("{err} ({})", redact_url(url))))?;
            let Some(database) = options.get_database().map(str::to_owned) else {
                return Err(invalid(format!(
                    "a MySQL URL must name a database, as in mysql://user@host/dbname ({})",
                    redact_url(url)
                )));
            };
            let pool = pool_options::<MySql>(timeout).connect_lazy_with(options);
            let store = Self::MySql {
                store: MySqlStore::new(pool.clone())
                    .with_schema_name(&database)
                    .and_then(|store| store.with_table_name(MYSQL_TABLE))
                    .map_err(invalid)?,
                pool,
                database,
            };
            migrate_now_or_later(redact_url(url), timeout, store.clone()).await?;
            tracing::info!(database = "MySQL", server = %redact_url(url), "SQL database ready");
            return Ok(store);
        }

        Err(invalid(format!(
            "expected a sqlite:, postgres:// or mysql:// URL, got {}",
            redact_url(url)
        )))
    }
}

/// Runs the migrations now; when the server cannot be reached, logs that and
/// keeps retrying in the background so the app still starts, degraded.
///
/// # Errors
///
/// Returns [`StartError::Migration`] when the server is reachable but a migration
/// fails, or refuses the login: retrying would not help.
async fn migrate_now_or_later(
    server: String,
    timeout: Duration,
    store: SqlStore,
) -> Result<(), StartError> {
    let err = match tokio::time::timeout(timeout, store.migrate()).await {
        Ok(Ok(())) => return Ok(()),
        Ok(Err(err)) if !is_unreachable(&err) => {
            return Err(StartError::Migration(err.to_string()))
        }
        Ok(Err(err)) => err.to_string(),
        Err(_) => format!("no answer within {} ms", timeout.as_millis()),
    };

    tracing::error!(
        %server,
        error = %err,
        "the session database is unreachable at start-up; sessions are unavailable until it responds"
    );
    tokio::spawn(async move {
        let mut attempts: u64 = 0;
        loop {
            tokio::time::sleep(MIGRATION_RETRY_DELAY).await;
            attempts += 1;
            match store.migrate().await {
                Ok(()) => {
                    tracing::info!(%server, attempts, "session database reachable; migrations applied");
                    return;
                }
                Err(err) if attempts.is_multiple_of(30) => {
                    tracing::warn!(%server, attempts, error = %err, "still cannot run the session migrations; retrying");
                }
                Err(_) => {}
            }
        }
    });
    Ok(())
}

/// Whether a migration failed because the server could not be reached,
/// rather than because the server returned an error.
fn is_unreachable(err: &MigrateError) -> bool {
    matches!(
        err,
        MigrateError::Execute(sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::Tls(_))
    )
}

impl SqlStore {
    /// Applies the migrations for this database that have not run yet.
    ///
    /// # Errors
    ///
    /// Returns an error when the database cannot be reached or a migration
    /// fails.
    pub async fn migrate(&self) -> Result<(), MigrateError> {
        match self {
            Self::Sqlite { pool, .. } => {
                // sqlx's migration lock does nothing on SQLite, so two
                // processes starting on one new file would both apply a
                // migration and the second would fail on the duplicate
                // version. One IMMEDIATE transaction around the whole run
                // makes the second wait (up to the busy timeout) and then
                // find the migrations applied.
                let mut connection = pool.acquire().await?;
                let mut transaction = connection.begin_with("BEGIN IMMEDIATE").await?;
                // `run` on a borrowed connection fails to compile here with
                // "implementation of `Acquire` is not general enough", which
                // sqlx's source works around with `run_direct`, the same run
                // without the `Acquire` step.
                sqlx::migrate!("../migrations/sqlite")
                    .run_direct(&mut *transaction)
                    .await?;
                transaction.commit().await?;
                Ok(())
            }
            Self::Postgres { pool, .. } => sqlx::migrate!("../migrations/postgres").run(pool).await,
            Self::MySql { pool, .. } => {
                // sqlx's own lock calls GET_LOCK with a timeout of -1, for
                // which MariaDB 10.11 returns NULL at once instead of
                // waiting, so concurrent start-ups would both migrate. This
                // lock waits with a positive timeout, on the connection that
                // runs the migrations.
                let mut connection = pool.acquire().await?;
                // Closing the connection releases the lock, also when a
                // caller's timeout drops this future while it waits.
                connection.close_on_drop();
                let locked: Option<i64> = sqlx::query_scalar(
                    "SELECT GET_LOCK(CONCAT('pmblueprints-migrate-', MD5(DATABASE())), ?)",
                )
                .bind(MYSQL_MIGRATION_LOCK_WAIT.as_secs())
                .fetch_one(&mut *connection)
                .await?;
                if locked != Some(1) {
                    // An I/O error counts as unreachable, so a server that
                    // is starting retries the migrations in the background.
                    return Err(MigrateError::Execute(sqlx::Error::Io(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        format!(
                            "timed out after {} s waiting for the migration lock held by another process",
                            MYSQL_MIGRATION_LOCK_WAIT.as_secs()
                        ),
                    ))));
                }

                let mut migrator = sqlx::migrate!("../migrations/mysql");
                migrator.set_locking(false);
                migrator.run_direct(&mut *connection).await
            }
        }
    }
}

/// Makes the SQLite file readable by its owner only, as session files are;
/// SQLite gives its -wal and -shm files the same mode. A failure is logged,
/// not fatal: the file may belong to another user on purpose.
fn restrict_to_owner(file: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;

    if let Err(err) = std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600)) {
        tracing::warn!(file = %file.display(), error = %err, "failed to make the SQLite file private");
    }
}

fn create_parent_folder(file: &std::path::Path) -> Result<(), StartError> {
    let Some(parent) = file
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
    else {
        return Ok(());
    };
    std::fs::create_dir_all(parent).map_err(|source| StartError::Folder {
        setting: "DATABASE_URL",
        path: parent.display().to_string(),
        source,
    })
}

#[async_trait]
impl SessionStore for SqlStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match self {
            Self::Sqlite { store, .. } => store.create(record).await,
            Self::Postgres { store, .. } => store.create(record).await,
            Self::MySql { store, .. } => store.create(record).await,
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let data = codec::encode(record)?;
        let id = record.id.to_string();

        let updated = match self {
            Self::Sqlite { pool, .. } => sqlx::query(&format!(
                "UPDATE {SQLITE_TABLE} SET data = ?, expiry_date = ? WHERE id = ?"
            ))
            .bind(data)
            .bind(record.expiry_date)
            .bind(id)
            .execute(pool)
            .await
            .map(|done| done.rows_affected()),
            Self::Postgres { pool, .. } => sqlx::query(
                "UPDATE tower_sessions.session SET data = $1, expiry_date = $2 WHERE id = $3",
            )
            .bind(data)
            .bind(record.expiry_date)
            .bind(id)
            .execute(pool)
            .await
            .map(|done| done.rows_affected()),
            Self::MySql { pool, database, .. } => sqlx::query(&format!(
                "UPDATE `{database}`.`{MYSQL_TABLE}` SET data = ?, expiry_date = ? WHERE id = ?"
            ))
            .bind(data)
            .bind(record.expiry_date)
            .bind(id)
            .execute(pool)
            .await
            .map(|done| done.rows_affected()),
        }
        .map_err(|err| backend_error("failed to save the session", err))?;

        if updated == 0 {
            tracing::debug!(
                "session was deleted or expired before it was saved; not recreating it"
            );
        }
        Ok(())
    }

    async fn load(&self, session_id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            Self::Sqlite { store, .. } => store.load(session_id).await,
            Self::Postgres { store, .. } => store.load(session_id).await,
            Self::MySql { store, .. } => store.load(session_id).await,
        }
    }

    async fn delete(&self, session_id: &Id) -> session_store::Result<()> {
        match self {
            Self::Sqlite { store, .. } => store.delete(session_id).await,
            Self::Postgres { store, .. } => store.delete(session_id).await,
            Self::MySql { store, .. } => store.delete(session_id).await,
        }
    }
}

#[async_trait]
impl Backend for SqlStore {
    fn kind(&self) -> BackendKind {
        BackendKind::Sql
    }

    /// An SQLite file belongs to one machine, like the filesystem store.
    fn shared_across_instances(&self) -> bool {
        !matches!(self, Self::Sqlite { .. })
    }

    async fn ping(&self) -> session_store::Result<()> {
        match self {
            Self::Sqlite { pool, .. } => sqlx::query("SELECT 1").execute(pool).await.map(drop),
            Self::Postgres { pool, .. } => sqlx::query("SELECT 1").execute(pool).await.map(drop),
            Self::MySql { pool, .. } => sqlx::query("SELECT 1").execute(pool).await.map(drop),
        }
        .map_err(|err| backend_error("SQL ping failed", err))
    }

    async fn delete_expired(&self) -> session_store::Result<u64> {
        let now = OffsetDateTime::now_utc();

        match self {
            Self::Sqlite { pool, .. } => {
                sqlx::query(&format!("DELETE FROM {SQLITE_TABLE} WHERE expiry_date < ?"))
                    .bind(now)
                    .execute(pool)
                    .await
                    .map(|done| done.rows_affected())
            }
            Self::Postgres { pool, .. } => {
                sqlx::query("DELETE FROM tower_sessions.session WHERE expiry_date < $1")
                    .bind(now)
                    .execute(pool)
                    .await
                    .map(|done| done.rows_affected())
            }
            Self::MySql { pool, database, .. } => sqlx::query(&format!(
                "DELETE FROM `{database}`.`{MYSQL_TABLE}` WHERE expiry_date < ?"
            ))
            .bind(now)
            .execute(pool)
            .await
            .map(|done| done.rows_affected()),
        }
        .map_err(|err| backend_error("failed to delete expired sessions", err))
    }

    async fn count(&self) -> session_store::Result<SessionCounts> {
        let now = OffsetDateTime::now_utc();
        let (live, expired): (i64, i64) = match self {
            Self::Sqlite { pool, .. } => sqlx::query_as(&format!(
                "SELECT COALESCE(SUM(expiry_date > ?), 0), COALESCE(SUM(expiry_date <= ?), 0) FROM {SQLITE_TABLE}"
            ))
            .bind(now)
            .bind(now)
            .fetch_one(pool)
            .await,
            Self::Postgres { pool, .. } => sqlx::query_as(
                "SELECT COUNT(*) FILTER (WHERE expiry_date > $1), COUNT(*) FILTER (WHERE expiry_date <= $1) \
                 FROM tower_sessions.session",
            )
            .bind(now)
            .fetch_one(pool)
            .await,
            Self::MySql { pool, database, .. } => sqlx::query_as(&format!(
                "SELECT CAST(COALESCE(SUM(expiry_date > ?), 0) AS SIGNED), \
                 CAST(COALESCE(SUM(expiry_date <= ?), 0) AS SIGNED) FROM `{database}`.`{MYSQL_TABLE}`"
            ))
            .bind(now)
            .bind(now)
            .fetch_one(pool)
            .await,
        }
        .map_err(|err| backend_error("failed to count sessions", err))?;

        Ok(SessionCounts {
            live: live.try_into().unwrap_or_default(),
            expired: expired.try_into().unwrap_or_default(),
        })
    }

    async fn live_records(&self) -> session_store::Result<Vec<Record>> {
        let now = OffsetDateTime::now_utc();
        let rows: Vec<Vec<u8>> = match self {
            Self::Sqlite { pool, .. } => {
                sqlx::query_scalar(&format!(
                    "SELECT data FROM {SQLITE_TABLE} WHERE expiry_date > ?"
                ))
                .bind(now)
                .fetch_all(pool)
                .await
            }
            Self::Postgres { pool, .. } => {
                sqlx::query_scalar("SELECT data FROM tower_sessions.session WHERE expiry_date > $1")
                    .bind(now)
                    .fetch_all(pool)
                    .await
            }
            Self::MySql { pool, database, .. } => {
                sqlx::query_scalar(&format!(
                    "SELECT data FROM `{database}`.`{MYSQL_TABLE}` WHERE expiry_date > ?"
                ))
                .bind(now)
                .fetch_all(pool)
                .await
            }
        }
        .map_err(|err| backend_error("failed to list sessions", err))?;

        let mut records = Vec::with_capacity(rows.len());
        for bytes in rows {
            match codec::decode(&bytes) {
                Ok(record) => records.push(record),
                Err(err) => {
                    tracing::warn!(error = %err, "skipping a session row that cannot be decoded")
                }
            }
        }
        Ok(records)
    }

    async fn import(&self, record: &Record) -> session_store::Result<()> {
        // The crate's save is an upsert that keeps the id and expiry given.
        match self {
            Self::Sqlite { store, .. } => store.save(record).await,
            Self::Postgres { store, .. } => store.save(record).await,
            Self::MySql { store, .. } => store.save(record).await,
        }
    }
}
