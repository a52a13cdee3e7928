//! The accounts database: one sqlx `Any` pool over SQLite, PostgreSQL or
//! MySQL/MariaDB, migrated by the same migrations as the SQL session store.

use std::{borrow::Cow, time::Duration};

use sqlx::{Any, AnyPool};

use crate::session::{
    redact_url,
    sql::{pool_options, SqlStore},
    StartError,
};

/// A pool on the accounts database. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    numbered_placeholders: bool,
    timeout: Duration,
}

impl Db {
    /// Opens the database at `url` and runs the migrations (now, or in the
    /// background once a PostgreSQL or MySQL server becomes reachable).
    ///
    /// # Errors
    ///
    /// Returns [`StartError`] when the URL is invalid, an SQLite file cannot
    /// be opened or a migration fails.
    pub async fn connect(url: &str, timeout: Duration) -> Result<Self, StartError> {
        // Creates an SQLite file with private permissions and runs (or
        // schedules) the migrations, the same way as for SQL sessions.
        SqlStore::connect(url, timeout).await?;

        sqlx::any::install_default_drivers();
        let any_url = match url.strip_prefix("mariadb://") {
            Some(rest) => Cow::Owned(format!("mysql://{rest}")),
            None => Cow::Borrowed(url),
        };
        let pool = pool_options::<Any>(timeout)
            .max_connections(8)
            .connect_lazy(&any_url)
            .map_err(|err| StartError::InvalidSetting {
                setting: "DATABASE_URL",
                reason: format!("{err} ({})", redact_url(url)),
            })?;

        Ok(Self {
            pool,
            numbered_placeholders: url.starts_with("postgres://")
                || url.starts_with("postgresql://"),
            timeout,
        })
    }

    /// Returns the pool, for queries written with [`Db::sql`].
    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Returns the limit on one query, the same as the session store's.
    pub(crate) fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Rewrites `?` placeholders as `$1`, `$2`... for PostgreSQL; the other
    /// databases take `?` as written.
    pub(crate) fn sql(&self, query: &'static str) -> Cow<'static, str> {
        if !self.numbered_placeholders {
            return Cow::Borrowed(query);
        }
        let mut numbered = String::with_capacity(query.len() + 8);
        let mut next = 1;
        for c in query.chars() {
            if c == '?' {
                numbered.push('$');
                numbered.push_str(&next.to_string());
                next += 1;
            } else {
                numbered.push(c);
            }
        }
        Cow::Owned(numbered)
    }
}
