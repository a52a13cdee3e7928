//! The store abstraction: one trait every backend implements, and the shared
//! handle that bounds each call by the store timeout.

use std::{
    fmt,
    sync::Arc,
    time::{Duration, Instant},
};

use async_trait::async_trait;
use serde::Serialize;

use super::SessionIndex;
use tower_sessions::{
    session::{Id, Record},
    session_store, SessionStore,
};

/// The kind of store that keeps the sessions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    Redis,
    Sql,
    Filesystem,
    /// In the server's memory, for benchmarks only.
    Memory,
}

impl BackendKind {
    /// The name used in settings, logs and `/health/detailed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Redis => "redis",
            Self::Sql => "sql",
            Self::Filesystem => "filesystem",
            Self::Memory => "memory",
        }
    }

    /// Whether several instances of the app can see the same sessions.
    pub fn shared_across_instances(self) -> bool {
        !matches!(self, Self::Filesystem | Self::Memory)
    }
}

impl fmt::Display for BackendKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A session store that the app can run on: the tower-sessions contract plus
/// what health checks and the purge task need.
#[async_trait]
pub trait Backend: SessionStore {
    /// The kind of store, for logs and health reports.
    fn kind(&self) -> BackendKind;

    /// Whether instances on other machines can see these sessions.
    fn shared_across_instances(&self) -> bool {
        self.kind().shared_across_instances()
    }

    /// Makes one round trip to the store.
    ///
    /// # Errors
    ///
    /// Returns an error when the store cannot be reached or refuses the call.
    async fn ping(&self) -> session_store::Result<()>;

    /// Deletes expired sessions and returns how many were deleted.
    ///
    /// # Errors
    ///
    /// Returns an error when the store cannot be reached.
    async fn delete_expired(&self) -> session_store::Result<u64>;

    /// Counts the sessions the store holds, live and expired.
    ///
    /// # Errors
    ///
    /// Returns an error when the store cannot be reached.
    async fn count(&self) -> session_store::Result<SessionCounts>;

    /// Returns every live session.
    ///
    /// # Errors
    ///
    /// Returns an error when the store cannot be reached or a listing fails.
    async fn live_records(&self) -> session_store::Result<Vec<Record>>;

    /// Stores `record` under its own id and expiry, replacing any session with
    /// that id. For moving sessions between stores; requests use `save`.
    ///
    /// # Errors
    ///
    /// Returns an error when the store cannot be reached.
    async fn import(&self, record: &Record) -> session_store::Result<()>;
}

/// How many sessions a store holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SessionCounts {
    pub live: u64,
    /// Expired but not yet purged; always 0 for Redis, which drops them itself.
    pub expired: u64,
}

/// The store as the session layer uses it: one shared, cheaply cloned handle
/// whose calls each fail after the store timeout.
#[derive(Clone)]
pub struct SessionStoreHandle {
    backend: Arc<dyn Backend>,
    timeout: Duration,
    index: Option<Arc<dyn SessionIndex>>,
}

impl fmt::Debug for SessionStoreHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionStoreHandle")
            .field("backend", &self.backend.kind())
            .field("timeout", &self.timeout)
            .field("index", &self.index.is_some())
            .finish()
    }
}

/// The result of one health round trip to the store.
#[derive(Clone, Debug, Serialize)]
pub struct StoreHealth {
    pub backend: BackendKind,
    pub reachable: bool,
    pub latency_ms: f64,
    pub shared_across_instances: bool,
}

impl SessionStoreHandle {
    /// Wraps a backend so that each call gives up after `timeout`.
    pub fn new(backend: Arc<dyn Backend>, timeout: Duration) -> Self {
        Self {
            backend,
            timeout,
            index: None,
        }
    }

    /// Keeps `index` informed of every record this handle creates, saves or
    /// deletes.
    #[must_use]
    pub fn with_index(mut self, index: Arc<dyn SessionIndex>) -> Self {
        self.index = Some(index);
        self
    }

    /// The kind of store behind this handle.
    pub fn kind(&self) -> BackendKind {
        self.backend.kind()
    }

    /// Whether instances on other machines can see these sessions.
    pub fn shared_across_instances(&self) -> bool {
        self.backend.shared_across_instances()
    }

    /// The limit on each store call.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Makes one round trip to the store, bounded by the timeout.
    ///
    /// # Errors
    ///
    /// Returns an error when the store fails or times out.
    pub async fn ping(&self) -> session_store::Result<()> {
        self.bounded("ping", self.backend.ping()).await
    }

    /// Pings the store once, bounded by the timeout, and reports the outcome.
    pub async fn health(&self) -> StoreHealth {
        let started = Instant::now();
        let result = self.ping().await;
        let latency_ms = started.elapsed().as_secs_f64() * 1000.0;

        if let Err(err) = &result {
            tracing::warn!(backend = %self.kind(), error = %err, "session store health check failed");
        }

        StoreHealth {
            backend: self.kind(),
            reachable: result.is_ok(),
            latency_ms: (latency_ms * 100.0).round() / 100.0,
            shared_across_instances: self.shared_across_instances(),
        }
    }

    /// Deletes expired sessions, bounded by the timeout.
    ///
    /// # Errors
    ///
    /// Returns an error when the store fails or times out.
    pub async fn delete_expired(&self) -> session_store::Result<u64> {
        self.bounded("purge", self.backend.delete_expired()).await
    }

    /// Counts live and expired sessions, bounded by the timeout.
    ///
    /// # Errors
    ///
    /// Returns an error when the store fails or times out.
    pub async fn count(&self) -> session_store::Result<SessionCounts> {
        self.bounded("count", self.backend.count()).await
    }

    /// Returns every live session. Not bounded by the timeout: a large store
    /// takes as long as it takes, and each round trip has its own limit.
    ///
    /// # Errors
    ///
    /// Returns an error when the store fails.
    pub async fn live_records(&self) -> session_store::Result<Vec<Record>> {
        self.backend.live_records().await
    }

    /// Stores `record` under its own id and expiry, bounded by the timeout.
    ///
    /// # Errors
    ///
    /// Returns an error when the store fails or times out.
    pub async fn import(&self, record: &Record) -> session_store::Result<()> {
        self.bounded("import", self.backend.import(record)).await
    }

    async fn bounded<T>(
        &self,
        operation: &str,
        call: impl std::future::Future<Output = session_store::Result<T>>,
    ) -> session_store::Result<T> {
        match tokio::time::timeout(self.timeout, call).await {
            Ok(result) => result,
            Err(_) => Err(session_store::Error::Backend(format!(
                "{} session store {operation} timed out after {} ms",
                self.kind(),
                self.timeout.as_millis()
            ))),
        }
    }
}

#[async_trait]
impl SessionStore for SessionStoreHandle {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        self.bounded("create", self.backend.create(record)).await?;
        if let Some(index) = &self.index {
            index.created(record).await;
        }
        Ok(())
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        self.bounded("save", self.backend.save(record)).await?;
        if let Some(index) = &self.index {
            index.saved(record).await;
        }
        Ok(())
    }

    async fn load(&self, session_id: &Id) -> session_store::Result<Option<Record>> {
        self.bounded("load", self.backend.load(session_id)).await
    }

    async fn delete(&self, session_id: &Id) -> session_store::Result<()> {
        self.bounded("delete", self.backend.delete(session_id))
            .await?;
        if let Some(index) = &self.index {
            index.deleted(session_id).await;
        }
        Ok(())
    }
}
