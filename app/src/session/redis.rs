//! The Redis store, built on fred.
//!
//! Keys are `<prefix><id>` and every write sets an absolute expiry (`EXAT`),
//! so Redis removes expired sessions by itself and every key has a TTL.
//! `create` uses `SET … NX` so a colliding id is never overwritten; `save`
//! uses `SET … XX` so a record deleted by a concurrent logout is not brought
//! back. A nil reply to either is an expected outcome, not an error.

use std::time::Duration;

use async_trait::async_trait;
use fred::{
    prelude::{ClientLike, Config, KeysInterface, Pool, ReconnectPolicy, TcpConfig},
    types::{Expiration, SetOptions, Value},
};
use tower_sessions::{
    session::{Id, Record},
    session_store, SessionStore,
};

use super::{
    backend_error, codec, redact_url, Backend, BackendKind, RedisSettings, SessionCounts,
    StartError,
};

/// Reconnect backoff: first retry after 100 ms, doubling up to 2 s, forever.
const RECONNECT_MIN_DELAY_MS: u32 = 100;
const RECONNECT_MAX_DELAY_MS: u32 = 2_000;

/// TCP keepalive: the first probe after 60 s idle, then every 15 s. The
/// probes are TCP packets, not Redis commands, so a hosted Redis that bills
/// per command does not charge them. They keep NAT and load balancer entries
/// alive between requests, and reveal a connection that the other side
/// dropped while a serverless instance was frozen.
const KEEPALIVE_IDLE: Duration = Duration::from_secs(60);
const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(15);

/// Sessions in Redis, one key per session.
#[derive(Clone)]
pub struct RedisStore {
    pool: Pool,
    key_prefix: String,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("key_prefix", &self.key_prefix)
            .finish_non_exhaustive()
    }
}

impl RedisStore {
    /// Connects to the server named by `settings.url`.
    ///
    /// Connect and command timeouts are both `timeout`, and a reconnect policy
    /// with exponential backoff restores the connections after a restart of
    /// Redis without a restart of the app. A server that does not respond at
    /// start-up is logged, and the pool keeps trying in the background.
    ///
    /// # Errors
    ///
    /// Returns [`StartError::InvalidSetting`] when the URL cannot be parsed or
    /// the CA file cannot be read.
    pub async fn connect(settings: &RedisSettings, timeout: Duration) -> Result<Self, StartError> {
        let pool = build_pool(settings, timeout)?;
        let server = redact_url(settings.url.expose());

        tokio::spawn(keep_connecting(pool.clone(), server.clone()));

        match tokio::time::timeout(timeout, pool.wait_for_connect()).await {
            Ok(Ok(())) => tracing::info!(%server, "connected to Redis"),
            Ok(Err(err)) => tracing::error!(
                %server,
                error = %err,
                "Redis is unreachable at start-up; sessions are unavailable until it responds"
            ),
            Err(_) => tracing::error!(
                %server,
                timeout_ms = timeout.as_millis() as u64,
                "Redis did not answer at start-up; sessions are unavailable until it does"
            ),
        }

        Ok(Self {
            pool,
            key_prefix: settings.key_prefix.clone(),
        })
    }

    /// Returns the Redis key that stores the session `id`.
    pub fn key(&self, id: &Id) -> String {
        format!("{}{id}", self.key_prefix)
    }

    async fn set(&self, record: &Record, condition: SetOptions) -> session_store::Result<bool> {
        let bytes = codec::encode(record)?;
        let expires_at = Expiration::EXAT(record.expiry_date.unix_timestamp());

        let reply: Value = self
            .pool
            .set(
                self.key(&record.id),
                bytes,
                Some(expires_at),
                Some(condition),
                false,
            )
            .await
            .map_err(|err| backend_error("Redis SET failed", err))?;

        // SET with NX or XX replies nil when the condition does not hold.
        Ok(!reply.is_null())
    }
}

/// Makes the first connection, retrying with the reconnect backoff until it
/// succeeds.
///
/// fred 10.1 applies its reconnect policy only to connections that were up
/// once: when the first attempt fails, its connection tasks end. Once
/// connected, the policy takes over and this task exits.
async fn keep_connecting(pool: Pool, server: String) {
    let mut delay = Duration::from_millis(RECONNECT_MIN_DELAY_MS.into());
    let mut attempts: u64 = 0;

    loop {
        let tasks = pool.connect();
        match pool.wait_for_connect().await {
            Ok(()) => {
                if attempts > 0 {
                    tracing::info!(%server, attempts, "connected to Redis after retrying");
                }
                return;
            }
            Err(err) => {
                attempts += 1;
                // Start-up already logged the first failure. After that,
                // every 30th only, about one line a minute once the backoff
                // reaches 2 s: a Redis that stays down would otherwise fill
                // the log.
                if attempts.is_multiple_of(30) {
                    tracing::warn!(%server, attempts, error = %err, "still cannot connect to Redis; retrying");
                }
            }
        }

        // The failed connection tasks end on their own; wait for them so two
        // sets never run at once.
        let _ = tasks.await;
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_millis(RECONNECT_MAX_DELAY_MS.into()));
    }
}

/// Checks the Redis settings as start-up does, without connecting.
///
/// # Errors
///
/// Returns [`StartError::InvalidSetting`] naming the setting that is wrong.
pub fn check_settings(settings: &RedisSettings, timeout: Duration) -> Result<(), StartError> {
    build_pool(settings, timeout).map(drop)
}

fn build_pool(settings: &RedisSettings, timeout: Duration) -> Result<Pool, StartError> {
    let invalid = |reason: String| StartError::InvalidSetting {
        setting: "REDIS_URL",
        reason,
    };

    if settings.pool_size == 0 {
        return Err(StartError::InvalidSetting {
            setting: "REDIS_POOL_SIZE",
            reason: "must be at least 1".to_owned(),
        });
    }

    let url = settings.url.expose();
    if !(url.starts_with("redis://") || url.starts_with("rediss://")) {
        return Err(invalid(format!(
            "expected a redis:// or rediss:// URL, got {}",
            redact_url(url)
        )));
    }

    // An unencoded `@` or `#` in the password moves the host into the user
    // info or a fragment, and the client would quietly dial the wrong host.
    let authority_end = url.find("://").map_or(0, |start| start + 3);
    if url.contains('#') || url[authority_end..].matches('@').count() > 1 {
        return Err(invalid(
            "the URL has more than one @ or a #: percent-encode special characters in the \
             password (@ as %40, # as %23, : as %3A, / as %2F, % as %25)"
                .to_owned(),
        ));
    }

    let mut config = Config::from_url(url)
        .map_err(|err| invalid(format!("{} ({})", err.details(), redact_url(url))))?;

    if url.starts_with("rediss://") {
        config.tls = Some(super::redis_tls::connector(settings.ca_cert.as_deref())?.into());
    }

    let policy =
        ReconnectPolicy::new_exponential(0, RECONNECT_MIN_DELAY_MS, RECONNECT_MAX_DELAY_MS, 2);

    fred::types::Builder::from_config(config)
        .with_connection_config(|connection| {
            connection.connection_timeout = timeout;
            connection.internal_command_timeout = timeout;
            connection.max_command_attempts = 2;
            connection.tcp = TcpConfig {
                nodelay: Some(true),
                keepalive: Some(
                    socket2::TcpKeepalive::new()
                        .with_time(KEEPALIVE_IDLE)
                        .with_interval(KEEPALIVE_INTERVAL),
                ),
                ..Default::default()
            };
        })
        .with_performance_config(|performance| {
            performance.default_command_timeout = timeout;
        })
        .set_policy(policy)
        .build_pool(settings.pool_size)
        .map_err(|err| invalid(err.details().to_owned()))
}

#[async_trait]
impl SessionStore for RedisStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // A collision of 128-bit random ids is all but impossible, but a
        // clobbered session would leak one user's login to another.
        while !self.set(record, SetOptions::NX).await? {
            record.id = Id::default();
        }
        Ok(())
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        if !self.set(record, SetOptions::XX).await? {
            tracing::debug!(
                "session was deleted or expired before it was saved; not recreating it"
            );
        }
        Ok(())
    }

    async fn load(&self, session_id: &Id) -> session_store::Result<Option<Record>> {
        let bytes: Option<Vec<u8>> = self
            .pool
            .get(self.key(session_id))
            .await
            .map_err(|err| backend_error("Redis GET failed", err))?;

        let Some(bytes) = bytes else {
            return Ok(None);
        };

        match codec::decode(&bytes) {
            Ok(record) if codec::is_live(&record) => Ok(Some(record)),
            Ok(_) => Ok(None),
            Err(err) => {
                tracing::warn!(error = %err, "ignoring a session record that cannot be decoded");
                Ok(None)
            }
        }
    }

    async fn delete(&self, session_id: &Id) -> session_store::Result<()> {
        self.pool
            .del::<i64, _>(self.key(session_id))
            .await
            .map_err(|err| backend_error("Redis DEL failed", err))?;
        Ok(())
    }
}

#[async_trait]
impl Backend for RedisStore {
    fn kind(&self) -> BackendKind {
        BackendKind::Redis
    }

    async fn ping(&self) -> session_store::Result<()> {
        self.pool
            .ping::<String>(None)
            .await
            .map_err(|err| backend_error("Redis PING failed", err))?;
        Ok(())
    }

    async fn delete_expired(&self) -> session_store::Result<u64> {
        // Every key carries its own expiry, so Redis has nothing left over.
        Ok(0)
    }

    async fn count(&self) -> session_store::Result<SessionCounts> {
        Ok(SessionCounts {
            live: self.keys().await?.len() as u64,
            expired: 0,
        })
    }

    async fn live_records(&self) -> session_store::Result<Vec<Record>> {
        let mut records = Vec::new();
        for key in self.keys().await? {
            let bytes: Option<Vec<u8>> = self
                .pool
                .get(&key)
                .await
                .map_err(|err| backend_error("Redis GET failed", err))?;
            // A key that expired since the scan is simply gone.
            let Some(bytes) = bytes else { continue };
            match codec::decode(&bytes) {
                Ok(record) if codec::is_live(&record) => records.push(record),
                Ok(_) => {}
                Err(err) => {
                    tracing::warn!(error = %err, "skipping a session record that cannot be decoded")
                }
            }
        }
        Ok(records)
    }

    async fn import(&self, record: &Record) -> session_store::Result<()> {
        let bytes = codec::encode(record)?;
        let expires_at = Expiration::EXAT(record.expiry_date.unix_timestamp());
        self.pool
            .set::<Value, _, _>(self.key(&record.id), bytes, Some(expires_at), None, false)
            .await
            .map_err(|err| backend_error("Redis SET failed", err))?;
        Ok(())
    }
}

impl RedisStore {
    /// Lists the keys under this store's prefix with `SCAN`, which walks the
    /// keyspace in small pages instead of blocking the server as `KEYS` does.
    async fn keys(&self) -> session_store::Result<Vec<String>> {
        let pattern = format!("{}*", escape_glob(&self.key_prefix));
        let mut cursor = "0".to_owned();
        let mut keys = Vec::new();

        loop {
            let (next, page): (String, Vec<String>) = self
                .pool
                .scan_page(cursor, pattern.clone(), Some(500), None)
                .await
                .map_err(|err| backend_error("Redis SCAN failed", err))?;
            keys.extend(page);
            if next == "0" {
                return Ok(keys);
            }
            cursor = next;
        }
    }
}

/// Escapes the characters that `SCAN … MATCH` treats as a pattern.
fn escape_glob(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}
