//! An in-process store: sessions in a map in the server's memory.
//!
//! Nothing is shared between instances and a restart logs everyone out, so
//! it is no store for a site. It exists as the benchmarks' ceiling: the same
//! pages with the session layer in place but no I/O and no encoding behind
//! it, which shows what the real stores cost.

use std::{
    collections::HashMap,
    sync::{Mutex, MutexGuard, PoisonError},
};

use async_trait::async_trait;
use tower_sessions::{
    session::{Id, Record},
    session_store, SessionStore,
};

use super::{codec, Backend, BackendKind, SessionCounts};

/// Sessions in a map, behind one lock.
#[derive(Debug, Default)]
pub struct MemoryStore {
    records: Mutex<HashMap<Id, Record>>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn records(&self) -> MutexGuard<'_, HashMap<Id, Record>> {
        // The map stays consistent even if a panic poisoned the lock, since
        // every change is a single insert or remove.
        self.records.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl SessionStore for MemoryStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let mut records = self.records();
        while records.contains_key(&record.id) {
            record.id = Id::default();
        }
        records.insert(record.id, record.clone());
        Ok(())
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        // Only an existing session is updated, so a save never brings back
        // one that was deleted.
        if let Some(stored) = self.records().get_mut(&record.id) {
            *stored = record.clone();
        }
        Ok(())
    }

    async fn load(&self, session_id: &Id) -> session_store::Result<Option<Record>> {
        Ok(self
            .records()
            .get(session_id)
            .filter(|record| codec::is_live(record))
            .cloned())
    }

    async fn delete(&self, session_id: &Id) -> session_store::Result<()> {
        self.records().remove(session_id);
        Ok(())
    }
}

#[async_trait]
impl Backend for MemoryStore {
    fn kind(&self) -> BackendKind {
        BackendKind::Memory
    }

    async fn ping(&self) -> session_store::Result<()> {
        Ok(())
    }

    async fn delete_expired(&self) -> session_store::Result<u64> {
        let mut records = self.records();
        let before = records.len();
        records.retain(|_, record| codec::is_live(record));
        Ok((before - records.len()) as u64)
    }

    async fn count(&self) -> session_store::Result<SessionCounts> {
        let records = self.records();
        let live = records
            .values()
            .filter(|record| codec::is_live(record))
            .count() as u64;
        Ok(SessionCounts {
            live,
            expired: records.len() as u64 - live,
        })
    }

    async fn live_records(&self) -> session_store::Result<Vec<Record>> {
        Ok(self
            .records()
            .values()
            .filter(|record| codec::is_live(record))
            .cloned()
            .collect())
    }

    async fn import(&self, record: &Record) -> session_store::Result<()> {
        self.records().insert(record.id, record.clone());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::{Duration, OffsetDateTime};

    fn record(expires_in: Duration) -> Record {
        Record {
            id: Id::default(),
            data: HashMap::from([("user".to_owned(), serde_json::json!("Ada"))]),
            expiry_date: OffsetDateTime::now_utc() + expires_in,
        }
    }

    #[tokio::test]
    async fn create_load_save_delete() {
        let store = MemoryStore::new();
        let mut session = record(Duration::hours(1));

        store.create(&mut session).await.unwrap();
        assert_eq!(
            store.load(&session.id).await.unwrap(),
            Some(session.clone())
        );

        session
            .data
            .insert("tip".to_owned(), serde_json::json!(true));
        store.save(&session).await.unwrap();
        assert_eq!(
            store.load(&session.id).await.unwrap(),
            Some(session.clone())
        );

        store.delete(&session.id).await.unwrap();
        store.save(&session).await.unwrap();
        assert_eq!(
            store.load(&session.id).await.unwrap(),
            None,
            "a save brought it back"
        );
    }

    #[tokio::test]
    async fn expired_sessions_are_not_loaded_and_are_purged() {
        let store = MemoryStore::new();
        let mut expired = record(Duration::seconds(-1));
        let mut live = record(Duration::hours(1));
        store.create(&mut expired).await.unwrap();
        store.create(&mut live).await.unwrap();

        assert_eq!(store.load(&expired.id).await.unwrap(), None);
        assert_eq!(
            store.count().await.unwrap(),
            SessionCounts {
                live: 1,
                expired: 1
            }
        );
        assert_eq!(store.delete_expired().await.unwrap(), 1);
        assert_eq!(store.live_records().await.unwrap(), vec![live]);
    }
}
