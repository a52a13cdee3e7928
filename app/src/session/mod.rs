//! The session layer that every page and server function shares.
//!
//! One store is chosen at start-up from [`StoreSettings`] and held behind a
//! [`SessionStoreHandle`], which bounds every call by the store timeout:
//!
//! - **Redis** ([`redis`]): one key per session, `<prefix><id>`, written with
//!   an absolute expiry (`EXAT`) so every key has a TTL. Shared by every
//!   instance that uses the same server; survives restarts of the app.
//! - **SQL** ([`sql`]): SQLite, PostgreSQL or MySQL/MariaDB through
//!   tower-sessions-sqlx-store. The tables come from the sqlx migrations in
//!   `migrations/<database>/`, run at start-up. Expired rows are purged by a
//!   background task.
//! - **Filesystem** ([`file`]): one file per session in one folder. Not shared
//!   between instances, so it suits one process on one machine.
//!
//! The server picks the backend from `SESSION_TYPE` when it is set, otherwise
//! Redis when `REDIS_URL` is set, otherwise the filesystem.
//!
//! # What a request costs
//!
//! A request without a session cookie makes no store call. A request that
//! reads the session makes one load; it writes only when it changed the
//! session. Logging in deletes the previous record and creates a new one
//! under a fresh id, so an id planted before login is never kept.
//!
//! # Concurrent requests on one session
//!
//! Each request loads the whole record once and, if it changed it, writes the
//! whole record back when its response head is sent. Two requests that write
//! the same session at once do not merge: the last write wins. Writes never
//! resurrect a record that was deleted in the meantime (a logout racing an
//! ordinary write stays logged out) on any backend.

pub mod auth;
mod codec;
pub mod counting;
pub mod file;
mod handle;
mod index;
mod layer;
pub mod memory;
pub mod redis;
mod redis_tls;
mod settings;
pub mod sql;

pub use handle::{Backend, BackendKind, SessionCounts, SessionStoreHandle, StoreHealth};
pub use index::SessionIndex;
pub use layer::{
    apply_remember_me, explain_store_failures, harden_removal_cookie, protect_pages, session_layer,
    unavailable_response, SessionLifetimes, COOKIE_NAME, PROTECTED_PATHS,
};
pub use settings::{redact_url, RedisSettings, Secret, SessionSettings, StoreSettings};

use std::time::Duration;

use tower_sessions::session_store;

/// Errors that stop the session layer from starting.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{setting} is invalid: {reason}")]
    InvalidSetting {
        setting: &'static str,
        reason: String,
    },

    #[error("{setting} is invalid: the folder {path} cannot be used")]
    Folder {
        setting: &'static str,
        path: String,
        source: std::io::Error,
    },

    #[error("failed to connect to the session database: {0}")]
    Database(String),

    #[error("failed to run the session database migrations: {0}")]
    Migration(String),
}

/// Builds the store described by `settings` and returns a shared handle to it.
///
/// A Redis server that cannot be reached yet is not an error: the client keeps
/// reconnecting in the background, and `/health/detailed` reports the store as
/// unreachable until it responds.
///
/// # Errors
///
/// Returns [`StartError`] when a setting is invalid, the session folder cannot
/// be created, or the SQL database cannot be reached or migrated.
pub async fn connect_store(
    settings: &StoreSettings,
    timeout: Duration,
) -> Result<SessionStoreHandle, StartError> {
    let backend: std::sync::Arc<dyn Backend> = match settings {
        StoreSettings::Redis(redis) => {
            std::sync::Arc::new(redis::RedisStore::connect(redis, timeout).await?)
        }
        StoreSettings::Sql { url } => {
            std::sync::Arc::new(sql::SqlStore::connect(url.expose(), timeout).await?)
        }
        StoreSettings::Filesystem { dir } => std::sync::Arc::new(file::FileStore::open(dir).await?),
        StoreSettings::Memory => std::sync::Arc::new(memory::MemoryStore::new()),
    };

    Ok(SessionStoreHandle::new(backend, timeout))
}

/// Checks the store settings as start-up does, without connecting to any
/// server. The session folder is created (with private permissions) when
/// missing, as start-up would.
///
/// # Errors
///
/// Returns [`StartError`] naming the setting that is wrong.
pub async fn check_store_settings(
    settings: &StoreSettings,
    timeout: Duration,
) -> Result<(), StartError> {
    match settings {
        StoreSettings::Redis(redis) => redis::check_settings(redis, timeout),
        StoreSettings::Sql { url } => sql::check_url(url.expose()),
        StoreSettings::Filesystem { dir } => file::FileStore::open(dir).await.map(drop),
        StoreSettings::Memory => Ok(()),
    }
}

/// Spawns the task that deletes expired sessions every `interval`.
///
/// A failed pass is logged and the task waits for the next one, so a database
/// that is briefly unreachable does not stop purging for good. Redis expires
/// its keys by itself, so no task runs for it.
pub fn spawn_purge_task(
    store: SessionStoreHandle,
    interval: Duration,
) -> Option<tokio::task::JoinHandle<()>> {
    if store.kind() == BackendKind::Redis {
        return None;
    }

    Some(tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);

        loop {
            ticker.tick().await;
            match store.delete_expired().await {
                Ok(0) => tracing::debug!("no expired sessions to purge"),
                Ok(count) => tracing::info!(count, "purged expired sessions"),
                Err(err) => {
                    tracing::warn!(error = %err, "failed to purge expired sessions; retrying at the next interval")
                }
            }
        }
    }))
}

pub(crate) fn backend_error(context: &str, err: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(format!("{context}: {err}"))
}
