//! Accounts: sign-up and password login, the per-user list of sessions and
//! starred templates, all in one SQL database (SQLite by default).
//!
//! Passwords are hashed with Argon2id ([`password`]). Failed logins are
//! limited per account and per client address ([`FailureLimit`]). The list
//! of a user's sessions is an index beside the session store ([`SessionList`])
//! that the store handle keeps up to date, so it works the same on Redis, SQL
//! and the filesystem.

mod db;
pub mod device;
pub mod password;
mod rate_limit;
mod sessions;

pub use db::Db;
pub use rate_limit::FailureLimit;
pub use sessions::SessionList;

use std::{sync::Arc, time::Duration};

use rand::Rng;
use sqlx::Row;
use time::OffsetDateTime;
use tower_sessions::{session::Id, SessionStore};

use crate::{
    api::{SessionSummary, User},
    forms::FormError,
    session::SessionStoreHandle,
};

/// Failed logins allowed per account within [`FAILURE_WINDOW`].
pub const MAX_FAILURES_PER_ACCOUNT: u32 = 5;
/// Failed logins allowed per client address within [`FAILURE_WINDOW`].
pub const MAX_FAILURES_PER_ADDRESS: u32 = 20;
/// How long failed logins count.
pub const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);

/// Minimum password length, in characters.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Maximum password length, in characters. Long enough for passphrases,
/// short enough that hashing stays cheap.
pub const MAX_PASSWORD_CHARS: usize = 128;

/// An error from an account request.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// Input the user can correct; shown next to the form.
    #[error("{0:?}")]
    Form(FormError),

    #[error("accounts database: {0}")]
    Database(#[from] sqlx::Error),

    #[error("accounts database call timed out after {0:?}")]
    Timeout(Duration),

    #[error("session store: {0}")]
    Store(#[from] tower_sessions::session_store::Error),

    #[error("password hashing failed: {0}")]
    Hashing(String),
}

impl From<FormError> for AccountError {
    fn from(err: FormError) -> Self {
        Self::Form(err)
    }
}

/// Accounts and everything kept per account. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Accounts {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    db: Db,
    store: SessionStoreHandle,
    sessions: Arc<SessionList>,
    per_account: FailureLimit,
    per_address: FailureLimit,
}

impl Accounts {
    /// Accounts on `db`, ending sessions through `store`, whose handle must
    /// report to `sessions`.
    pub fn new(db: Db, store: SessionStoreHandle, sessions: Arc<SessionList>) -> Self {
        Self {
            inner: Arc::new(Inner {
                db,
                store,
                sessions,
                per_account: FailureLimit::new(MAX_FAILURES_PER_ACCOUNT, FAILURE_WINDOW),
                per_address: FailureLimit::new(MAX_FAILURES_PER_ADDRESS, FAILURE_WINDOW),
            }),
        }
    }

    /// Returns the session index, for marking sessions as seen.
    pub fn sessions(&self) -> &SessionList {
        &self.inner.sessions
    }

    fn db(&self) -> &Db {
        &self.inner.db
    }

    async fn bounded<T>(
        &self,
        query: impl std::future::Future<Output = Result<T, sqlx::Error>>,
    ) -> Result<T, AccountError> {
        let timeout = self.db().timeout();
        match tokio::time::timeout(timeout, query).await {
            Ok(result) => Ok(result?),
            Err(_) => Err(AccountError::Timeout(timeout)),
        }
    }

    /// Creates an account and returns its user.
    ///
    /// # Errors
    ///
    /// [`FormError`]s for a bad name, email or password, or an email that
    /// already has an account; other errors when the database fails.
    pub async fn sign_up(
        &self,
        name: &str,
        email: &str,
        password: &str,
    ) -> Result<User, AccountError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(FormError::Name.into());
        }
        let email = normalize_email(email).ok_or(FormError::Email)?;
        check_new_password(password)?;

        let db = self.db();
        let existing = self
            .bounded(
                sqlx::query(&db.sql("SELECT id FROM users WHERE email = ?"))
                    .bind(&email)
                    .fetch_optional(db.pool()),
            )
            .await?;
        if existing.is_some() {
            return Err(FormError::EmailTaken.into());
        }

        let hash = hash_password(password).await?;
        let id = random_hex(16);
        let inserted = self
            .bounded(
                sqlx::query(&db.sql(
                    "INSERT INTO users (id, email, name, password_hash, created_at) \
                     VALUES (?, ?, ?, ?, ?)",
                ))
                .bind(&id)
                .bind(&email)
                .bind(name)
                .bind(&hash)
                .bind(now())
                .execute(db.pool()),
            )
            .await;
        match inserted {
            Ok(_) => Ok(User {
                id,
                name: name.to_owned(),
            }),
            // Someone took the email between the check and the insert.
            Err(AccountError::Database(err))
                if err
                    .as_database_error()
                    .is_some_and(|db_err| db_err.is_unique_violation()) =>
            {
                Err(FormError::EmailTaken.into())
            }
            Err(err) => Err(err),
        }
    }

    /// Checks an email and password, counting failures per account and per
    /// client `address`.
    ///
    /// # Errors
    ///
    /// [`FormError::WrongCredentials`] for an unknown email or a wrong
    /// password alike, [`FormError::TooManyFailures`] once either limit is
    /// reached, other errors when the database fails.
    pub async fn log_in(
        &self,
        email: &str,
        password: &str,
        address: &str,
    ) -> Result<User, AccountError> {
        let account_key = email.trim().to_lowercase();
        let address_key = address.to_owned();
        let locked = [
            self.inner.per_account.check(&account_key),
            self.inner.per_address.check(&address_key),
        ]
        .into_iter()
        .filter_map(Result::err)
        .max();
        if let Some(left) = locked {
            return Err(FormError::TooManyFailures {
                retry_minutes: left.as_secs().div_ceil(60).max(1),
            }
            .into());
        }

        let db = self.db();
        let row = match normalize_email(email) {
            Some(email) => {
                self.bounded(
                    sqlx::query(
                        &db.sql("SELECT id, name, password_hash FROM users WHERE email = ?"),
                    )
                    .bind(email)
                    .fetch_optional(db.pool()),
                )
                .await?
            }
            None => None,
        };
        let account = match row {
            Some(row) => Some((
                row.try_get::<String, _>("id")?,
                row.try_get::<String, _>("name")?,
                row.try_get::<Option<String>, _>("password_hash")?,
            )),
            None => None,
        };

        let password = password.to_owned();
        let stored = account.as_ref().and_then(|(_, _, hash)| hash.clone());
        let matches = tokio::task::spawn_blocking(move || match stored {
            Some(stored) => password::verify(&password, &stored),
            None => {
                password::verify_nothing(&password);
                false
            }
        })
        .await
        .map_err(|err| AccountError::Hashing(err.to_string()))?;

        match account {
            Some((id, name, _)) if matches => {
                self.inner.per_account.clear(&account_key);
                Ok(User { id, name })
            }
            _ => {
                self.inner.per_account.record_failure(&account_key);
                self.inner.per_address.record_failure(&address_key);
                Err(FormError::WrongCredentials.into())
            }
        }
    }

    /// Changes the password of `user` after checking the current one, then
    /// ends every other session of that user. Returns how many were ended.
    ///
    /// # Errors
    ///
    /// [`FormError`]s for a wrong current password or a bad new one; other
    /// errors when the database or the store fails.
    pub async fn change_password(
        &self,
        user: &User,
        current_password: &str,
        new_password: &str,
        current_session: Option<Id>,
    ) -> Result<usize, AccountError> {
        let db = self.db();
        let stored: Option<String> = self
            .bounded(
                sqlx::query(&db.sql("SELECT password_hash FROM users WHERE id = ?"))
                    .bind(&user.id)
                    .fetch_optional(db.pool()),
            )
            .await?
            .map(|row| row.try_get::<Option<String>, _>("password_hash"))
            .transpose()?
            .flatten();
        let Some(stored) = stored else {
            return Err(FormError::NoPassword.into());
        };

        let current = current_password.to_owned();
        let matches = tokio::task::spawn_blocking(move || password::verify(&current, &stored))
            .await
            .map_err(|err| AccountError::Hashing(err.to_string()))?;
        if !matches {
            return Err(FormError::WrongCurrentPassword.into());
        }
        check_new_password(new_password)?;

        let hash = hash_password(new_password).await?;
        self.bounded(
            sqlx::query(&db.sql("UPDATE users SET password_hash = ? WHERE id = ?"))
                .bind(&hash)
                .bind(&user.id)
                .execute(db.pool()),
        )
        .await?;

        self.end_other_sessions(&user.id, current_session).await
    }

    /// Lists the live sessions of `user_id`, most recently seen first, with
    /// `current` marked.
    ///
    /// # Errors
    ///
    /// Returns an error when the database fails.
    pub async fn list_sessions(
        &self,
        user_id: &str,
        current: Option<Id>,
    ) -> Result<Vec<SessionSummary>, AccountError> {
        let entries = self
            .bounded(self.inner.sessions.entries_of(user_id))
            .await?;
        let current = current.map(|id| id.to_string());
        let now = now();
        Ok(entries
            .into_iter()
            .map(|entry| SessionSummary {
                current: current.as_deref() == Some(entry.session_id.as_str()),
                id: entry.public_id,
                device: entry.device,
                started: format_time(entry.started_at),
                last_seen: if now - entry.last_seen_at < 5 * 60 {
                    "Active now".to_owned()
                } else {
                    format_time(entry.last_seen_at)
                },
            })
            .collect())
    }

    /// Ends the session of `user_id` named by `public_id` in the list.
    /// Returns whether there was such a session.
    ///
    /// # Errors
    ///
    /// Returns an error when the database or the store fails.
    pub async fn end_session(&self, user_id: &str, public_id: &str) -> Result<bool, AccountError> {
        let session_id = self
            .bounded(self.inner.sessions.session_id_of(user_id, public_id))
            .await?;
        match session_id {
            Some(session_id) => {
                self.delete_session(&session_id).await?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Ends every session of `user_id` but `current`. Returns how many.
    ///
    /// # Errors
    ///
    /// Returns an error when the database or the store fails.
    pub async fn end_other_sessions(
        &self,
        user_id: &str,
        current: Option<Id>,
    ) -> Result<usize, AccountError> {
        let current = current.map(|id| id.to_string());
        let ids = self
            .bounded(self.inner.sessions.session_ids_of(user_id))
            .await?;
        let mut ended = 0;
        for session_id in ids {
            if current.as_deref() == Some(session_id.as_str()) {
                continue;
            }
            self.delete_session(&session_id).await?;
            ended += 1;
        }
        Ok(ended)
    }

    async fn delete_session(&self, session_id: &str) -> Result<(), AccountError> {
        match session_id.parse::<Id>() {
            // The handle removes the index entry once the record is gone.
            Ok(id) => self.inner.store.delete(&id).await?,
            // The stored value is not a valid session id, so only the entry goes.
            Err(_) => self.bounded(self.inner.sessions.forget(session_id)).await?,
        }
        Ok(())
    }

    /// Returns the slugs of the templates `user_id` starred, newest first.
    ///
    /// # Errors
    ///
    /// Returns an error when the database fails.
    pub async fn starred(&self, user_id: &str) -> Result<Vec<String>, AccountError> {
        let db = self.db();
        let rows = self
            .bounded(
                sqlx::query(&db.sql(
                    "SELECT template_slug FROM stars WHERE user_id = ? \
                     ORDER BY created_at DESC, template_slug",
                ))
                .bind(user_id)
                .fetch_all(db.pool()),
            )
            .await?;
        rows.iter()
            .map(|row| {
                row.try_get::<String, _>("template_slug")
                    .map_err(Into::into)
            })
            .collect()
    }

    /// Stars (`starred`) or unstars template `slug` for `user_id`. Doing
    /// either twice is the same as once.
    ///
    /// # Errors
    ///
    /// Returns an error when the database fails.
    pub async fn set_star(
        &self,
        user_id: &str,
        slug: &str,
        starred: bool,
    ) -> Result<(), AccountError> {
        let db = self.db();
        // Deleting first makes starring twice harmless on every database
        // without a dialect-specific upsert.
        self.bounded(
            sqlx::query(&db.sql("DELETE FROM stars WHERE user_id = ? AND template_slug = ?"))
                .bind(user_id)
                .bind(slug)
                .execute(db.pool()),
        )
        .await?;
        if starred {
            self.bounded(
                sqlx::query(&db.sql(
                    "INSERT INTO stars (user_id, template_slug, created_at) VALUES (?, ?, ?)",
                ))
                .bind(user_id)
                .bind(slug)
                .bind(now())
                .execute(db.pool()),
            )
            .await?;
        }
        Ok(())
    }
}

/// Lowercases and checks an email address: one `@` with text on both sides,
/// a dot in the domain, no spaces, at most 254 characters.
pub fn normalize_email(email: &str) -> Option<String> {
    let email = email.trim().to_lowercase();
    let (local, domain) = email.split_once('@')?;
    let valid = email.len() <= 254
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !email.chars().any(char::is_whitespace);
    valid.then_some(email)
}

fn check_new_password(password: &str) -> Result<(), FormError> {
    let length = password.chars().count();
    if length < MIN_PASSWORD_CHARS {
        Err(FormError::PasswordTooShort)
    } else if length > MAX_PASSWORD_CHARS {
        Err(FormError::PasswordTooLong)
    } else {
        Ok(())
    }
}

async fn hash_password(password: &str) -> Result<String, AccountError> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || password::hash(&password))
        .await
        .map_err(|err| AccountError::Hashing(err.to_string()))?
        .map_err(|err| AccountError::Hashing(err.to_string()))
}

pub(crate) fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

pub(crate) fn random_hex(bytes: usize) -> String {
    let mut rng = rand::thread_rng();
    (0..bytes)
        .map(|_| format!("{:02x}", rng.gen::<u8>()))
        .collect()
}

/// Formats Unix seconds as "4 December 2026, 23:50 UTC".
fn format_time(seconds: i64) -> String {
    match OffsetDateTime::from_unix_timestamp(seconds) {
        Ok(time) => format!(
            "{} {} {}, {:02}:{:02} UTC",
            time.day(),
            time.month(),
            time.year(),
            time.hour(),
            time.minute()
        ),
        Err(_) => "unknown".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_lowercased_and_checked() {
        assert_eq!(
            normalize_email(" Ada@Example.COM ").as_deref(),
            Some("ada@example.com")
        );
        for bad in [
            "",
            "ada",
            "@example.com",
            "ada@",
            "ada@example",
            "a da@example.com",
            "a@b@c.com",
            "ada@.com",
        ] {
            assert_eq!(normalize_email(bad), None, "{bad}");
        }
    }

    #[test]
    fn password_length_limits() {
        assert_eq!(
            check_new_password("short"),
            Err(FormError::PasswordTooShort)
        );
        assert_eq!(check_new_password("long enough"), Ok(()));
        assert_eq!(
            check_new_password(&"x".repeat(129)),
            Err(FormError::PasswordTooLong)
        );
    }

    #[test]
    fn times_read_as_dates() {
        assert_eq!(format_time(1_796_428_200), "4 December 2026, 23:50 UTC");
    }
}
