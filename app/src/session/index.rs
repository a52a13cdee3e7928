//! A hook that keeps a per-user list of sessions in step with the store.
//!
//! The handle reports to the index every record it creates, saves or
//! deletes, after the store call succeeded. The index never makes a store
//! call of its own, so it adds nothing to what a request costs the store,
//! and it cannot bring a deleted session back: a save only updates an entry
//! that a create made.

use std::fmt;

use async_trait::async_trait;
use tower_sessions::session::{Id, Record};

/// Follows the records of logged-in users. Failures are the index's own to
/// log, because the session write has already succeeded.
#[async_trait]
pub trait SessionIndex: fmt::Debug + Send + Sync {
    /// Records that a new record was stored.
    async fn created(&self, record: &Record);

    /// Records that an existing record was written again, with a new expiry.
    async fn saved(&self, record: &Record);

    /// Records that the record with this id was deleted.
    async fn deleted(&self, id: &Id);
}
