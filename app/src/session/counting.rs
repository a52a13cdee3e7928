//! A store wrapper that counts calls by kind, for benchmarks and for tests
//! of how many store round trips a request costs.

use std::sync::{
    atomic::{AtomicU64, Ordering},
    Arc,
};

use async_trait::async_trait;
use serde::Serialize;
use tower_sessions::{
    session::{Id, Record},
    session_store, SessionStore,
};

use super::{Backend, BackendKind, SessionCounts, SessionStoreHandle};

/// Calls made through a [`CountingBackend`], by kind.
#[derive(Debug, Default)]
pub struct StoreCalls {
    create: AtomicU64,
    save: AtomicU64,
    load: AtomicU64,
    delete: AtomicU64,
}

/// A snapshot of [`StoreCalls`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CallCounts {
    pub create: u64,
    pub save: u64,
    pub load: u64,
    pub delete: u64,
}

impl CallCounts {
    /// Returns the number of calls of every kind together.
    pub fn total(&self) -> u64 {
        self.create + self.save + self.load + self.delete
    }
}

impl StoreCalls {
    /// Returns the counts so far.
    pub fn snapshot(&self) -> CallCounts {
        CallCounts {
            create: self.create.load(Ordering::Relaxed),
            save: self.save.load(Ordering::Relaxed),
            load: self.load.load(Ordering::Relaxed),
            delete: self.delete.load(Ordering::Relaxed),
        }
    }

    /// Returns the counts so far and starts again from zero.
    pub fn take(&self) -> CallCounts {
        CallCounts {
            create: self.create.swap(0, Ordering::Relaxed),
            save: self.save.swap(0, Ordering::Relaxed),
            load: self.load.swap(0, Ordering::Relaxed),
            delete: self.delete.swap(0, Ordering::Relaxed),
        }
    }
}

/// A store that passes every call to another and counts the session calls
/// (create, save, load, delete) on the way.
#[derive(Clone, Debug)]
pub struct CountingBackend {
    inner: SessionStoreHandle,
    calls: Arc<StoreCalls>,
}

impl CountingBackend {
    /// Wraps `inner` and returns the counting handle and its counters.
    pub fn wrap(inner: SessionStoreHandle) -> (SessionStoreHandle, Arc<StoreCalls>) {
        let calls = Arc::new(StoreCalls::default());
        let timeout = inner.timeout();
        let counting = Self {
            inner,
            calls: Arc::clone(&calls),
        };
        (SessionStoreHandle::new(Arc::new(counting), timeout), calls)
    }
}

#[async_trait]
impl SessionStore for CountingBackend {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        self.calls.create.fetch_add(1, Ordering::Relaxed);
        self.inner.create(record).await
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        self.calls.save.fetch_add(1, Ordering::Relaxed);
        self.inner.save(record).await
    }

    async fn load(&self, session_id: &Id) -> session_store::Result<Option<Record>> {
        self.calls.load.fetch_add(1, Ordering::Relaxed);
        self.inner.load(session_id).await
    }

    async fn delete(&self, session_id: &Id) -> session_store::Result<()> {
        self.calls.delete.fetch_add(1, Ordering::Relaxed);
        self.inner.delete(session_id).await
    }
}

#[async_trait]
impl Backend for CountingBackend {
    fn kind(&self) -> BackendKind {
        self.inner.kind()
    }

    fn shared_across_instances(&self) -> bool {
        self.inner.shared_across_instances()
    }

    async fn ping(&self) -> session_store::Result<()> {
        self.inner.ping().await
    }

    async fn delete_expired(&self) -> session_store::Result<u64> {
        self.inner.delete_expired().await
    }

    async fn count(&self) -> session_store::Result<SessionCounts> {
        self.inner.count().await
    }

    async fn live_records(&self) -> session_store::Result<Vec<Record>> {
        self.inner.live_records().await
    }

    async fn import(&self, record: &Record) -> session_store::Result<()> {
        self.inner.import(record).await
    }
}
