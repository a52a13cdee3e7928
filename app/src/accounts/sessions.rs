//! The per-user list of sessions, kept in the accounts database beside
//! whichever store contains the sessions themselves.
//!
//! The store handle reports every create, save and delete ([`SessionIndex`]),
//! so the list follows logins, writes, logouts and sessions ended from the
//! list. Rows carry the record's expiry and are listed only until then, so
//! a session that expires in the store (a Redis TTL, a purged SQL row or
//! file) drops out of the list at the same moment. Keeping the list costs no
//! store call at all: on Redis, logging in and out sends exactly the commands
//! it sent without it.
//!
//! The demo account is shared by every visitor, so its sessions are not
//! listed: visitors could not tell their own apart, and any one could end the
//! others'.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use async_trait::async_trait;
use sqlx::Row;
use tower_sessions::session::{Id, Record};

use super::{now, random_hex, Db};
use crate::{
    api::User,
    session::{
        auth::{LoginInfo, LOGIN_KEY, USER_KEY},
        SessionIndex,
    },
};

/// The demo account's id; its sessions are never listed.
pub const DEMO_USER_ID: &str = "demo";

/// How often an ordinary page view may update "last seen" for one session.
const SEEN_EVERY: Duration = Duration::from_secs(5 * 60);

/// Past this many sessions, the "last seen" throttle drops old entries.
const SEEN_CAPACITY: usize = 10_000;

/// Maximum number of sessions listed for one user.
const LIST_LIMIT: i64 = 50;

/// One row of the list.
#[derive(Clone, Debug)]
pub struct Entry {
    pub session_id: String,
    pub public_id: String,
    pub device: String,
    pub started_at: i64,
    pub last_seen_at: i64,
}

/// The index of sessions per user.
#[derive(Debug)]
pub struct SessionList {
    db: Db,
    seen: Mutex<HashMap<String, Instant>>,
}

impl SessionList {
    pub fn new(db: Db) -> Self {
        Self {
            db,
            seen: Mutex::new(HashMap::new()),
        }
    }

    pub(crate) async fn entries_of(&self, user_id: &str) -> Result<Vec<Entry>, sqlx::Error> {
        let db = &self.db;
        let now = now();
        // Rows past their expiry are gone from the store already.
        sqlx::query(&db.sql("DELETE FROM user_sessions WHERE user_id = ? AND expires_at <= ?"))
            .bind(user_id)
            .bind(now)
            .execute(db.pool())
            .await?;

        let rows = sqlx::query(&db.sql(
            "SELECT session_id, public_id, device, started_at, last_seen_at \
             FROM user_sessions WHERE user_id = ? AND expires_at > ? \
             ORDER BY last_seen_at DESC, started_at DESC LIMIT ?",
        ))
        .bind(user_id)
        .bind(now)
        .bind(LIST_LIMIT)
        .fetch_all(db.pool())
        .await?;

        rows.iter()
            .map(|row| {
                Ok(Entry {
                    session_id: row.try_get("session_id")?,
                    public_id: row.try_get("public_id")?,
                    device: row.try_get("device")?,
                    started_at: row.try_get("started_at")?,
                    last_seen_at: row.try_get("last_seen_at")?,
                })
            })
            .collect()
    }

    pub(crate) async fn session_id_of(
        &self,
        user_id: &str,
        public_id: &str,
    ) -> Result<Option<String>, sqlx::Error> {
        let db = &self.db;
        let row = sqlx::query(
            &db.sql("SELECT session_id FROM user_sessions WHERE user_id = ? AND public_id = ?"),
        )
        .bind(user_id)
        .bind(public_id)
        .fetch_optional(db.pool())
        .await?;
        row.map(|row| row.try_get("session_id")).transpose()
    }

    pub(crate) async fn session_ids_of(&self, user_id: &str) -> Result<Vec<String>, sqlx::Error> {
        let db = &self.db;
        let rows = sqlx::query(&db.sql("SELECT session_id FROM user_sessions WHERE user_id = ?"))
            .bind(user_id)
            .fetch_all(db.pool())
            .await?;
        rows.iter().map(|row| row.try_get("session_id")).collect()
    }

    pub(crate) async fn forget(&self, session_id: &str) -> Result<(), sqlx::Error> {
        let db = &self.db;
        sqlx::query(&db.sql("DELETE FROM user_sessions WHERE session_id = ?"))
            .bind(session_id)
            .execute(db.pool())
            .await?;
        Ok(())
    }

    /// Notes that session `id` was just used. Each instance writes at most
    /// once per [`SEEN_EVERY`] per session, in a background task, so a page
    /// view does not wait for the write.
    pub fn seen(&self, id: &Id) {
        let key = id.to_string();
        let now = Instant::now();
        {
            let mut seen = self
                .seen
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if seen
                .get(&key)
                .is_some_and(|last| now.duration_since(*last) < SEEN_EVERY)
            {
                return;
            }
            if seen.len() >= SEEN_CAPACITY {
                seen.retain(|_, last| now.duration_since(*last) < SEEN_EVERY);
            }
            seen.insert(key.clone(), now);
        }

        let db = self.db.clone();
        tokio::spawn(async move {
            let sql = db.sql("UPDATE user_sessions SET last_seen_at = ? WHERE session_id = ?");
            let updated = sqlx::query(&sql)
                .bind(super::now())
                .bind(&key)
                .execute(db.pool());
            match tokio::time::timeout(db.timeout(), updated).await {
                Ok(Ok(_)) => {}
                Ok(Err(err)) => {
                    tracing::warn!(error = %err, "failed to update a session's last-seen time")
                }
                Err(_) => tracing::warn!("updating a session's last-seen time timed out"),
            }
        });
    }

    async fn bounded(
        &self,
        action: &str,
        query: impl std::future::Future<Output = Result<(), sqlx::Error>>,
    ) {
        match tokio::time::timeout(self.db.timeout(), query).await {
            Ok(Ok(())) => {}
            Ok(Err(err)) => tracing::warn!(error = %err, "failed to {action} in the session list"),
            Err(_) => tracing::warn!("timed out trying to {action} in the session list"),
        }
    }
}

/// Returns the logged-in user of a record, unless it is the demo account.
fn listed_user(record: &Record) -> Option<User> {
    let user: User = serde_json::from_value(record.data.get(USER_KEY)?.clone()).ok()?;
    (user.id != DEMO_USER_ID).then_some(user)
}

#[async_trait]
impl SessionIndex for SessionList {
    async fn created(&self, record: &Record) {
        let Some(user) = listed_user(record) else {
            return;
        };
        let login: LoginInfo = record
            .data
            .get(LOGIN_KEY)
            .and_then(|value| serde_json::from_value(value.clone()).ok())
            .unwrap_or_default();
        let now = now();
        let db = &self.db;
        self.bounded("add a login", async {
            sqlx::query(&db.sql(
                "INSERT INTO user_sessions \
                 (session_id, public_id, user_id, device, started_at, last_seen_at, expires_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?)",
            ))
            .bind(record.id.to_string())
            .bind(random_hex(16))
            .bind(&user.id)
            .bind(&login.device)
            .bind(if login.started_at > 0 {
                login.started_at
            } else {
                now
            })
            .bind(now)
            .bind(record.expiry_date.unix_timestamp())
            .execute(db.pool())
            .await
            .map(drop)
        })
        .await;
    }

    async fn saved(&self, record: &Record) {
        if listed_user(record).is_none() {
            return;
        }
        let db = &self.db;
        // An UPDATE only: a save racing a logout must not list the session
        // again.
        self.bounded("update a session", async {
            sqlx::query(&db.sql(
                "UPDATE user_sessions SET expires_at = ?, last_seen_at = ? WHERE session_id = ?",
            ))
            .bind(record.expiry_date.unix_timestamp())
            .bind(now())
            .bind(record.id.to_string())
            .execute(db.pool())
            .await
            .map(drop)
        })
        .await;
    }

    async fn deleted(&self, id: &Id) {
        let id = id.to_string();
        self.bounded("remove a session", self.forget(&id)).await;
    }
}
