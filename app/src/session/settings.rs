//! Typed settings of the session layer, filled in by the server at start-up.

use std::{fmt, path::PathBuf, time::Duration};

/// A value that must never be printed, such as a URL with a password in it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// Returns the secret itself. Call it only where the value is used, never to log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Where the sessions live.
#[derive(Clone, Debug)]
pub enum StoreSettings {
    Redis(RedisSettings),
    Sql {
        url: Secret,
    },
    Filesystem {
        dir: PathBuf,
    },
    /// In the server's memory: the benchmarks' ceiling, never for a site.
    Memory,
}

/// How to reach Redis.
#[derive(Clone, Debug)]
pub struct RedisSettings {
    /// A `redis://` or `rediss://` URL; it may hold a password.
    pub url: Secret,
    /// Put before every session id to form the key, `pmb:` by default.
    pub key_prefix: String,
    /// A PEM file with the CA to trust for `rediss://`, in addition to the
    /// system's roots; for servers with a private CA.
    pub ca_cert: Option<PathBuf>,
    /// Connections in the pool. Each one pipelines many requests, and each
    /// one costs the handshake commands when it connects.
    pub pool_size: usize,
}

impl RedisSettings {
    /// Connections kept open unless `REDIS_POOL_SIZE` sets another number.
    ///
    /// One connection carries every concurrent request: fred pipelines
    /// them, so each write and read moves a batch of commands. With 32
    /// concurrent Dashboard views on 2 cores (`bench/run`'s load), one
    /// connection served about a third more views per second than four, and
    /// Redis spent half the CPU per command. It also keeps a serverless cold
    /// start to one handshake.
    // NOTE: measured on 2 cores only. On a host with many cores, the one
    // connection task may become the limit; REDIS_POOL_SIZE raises it.
    pub const DEFAULT_POOL_SIZE: usize = 1;
}

/// Everything the session layer needs at start-up.
#[derive(Clone, Debug)]
pub struct SessionSettings {
    pub store: StoreSettings,
    /// How long a session lives without "remember me".
    pub lifetime: time::Duration,
    /// How long a session lives with "remember me".
    pub remember_me_lifetime: time::Duration,
    /// Whether the cookie carries `Secure`.
    ///
    /// Turning it off lets the cookie travel over plain http, where anyone
    /// on the path can read it and take over the session: do it only for
    /// local work.
    pub cookie_secure: bool,
    /// Maximum time any store call may take before it fails.
    pub store_timeout: Duration,
    /// How often the SQL and filesystem stores delete expired sessions.
    pub purge_interval: Duration,
}

/// Reduces a store URL to its scheme, host and port, for logs and messages.
///
/// The user name, password, path and query are dropped, so the result is safe
/// to print whatever the URL held. A URL that cannot be parsed comes back as
/// its scheme alone.
pub fn redact_url(url: &str) -> String {
    // An SQLite URL names a file, which is no secret and helps the reader more.
    if url.starts_with("sqlite:") {
        return url.split('?').next().unwrap_or_default().to_owned();
    }

    let Some((scheme, rest)) = url.split_once("://") else {
        return "<unparsable URL>".to_owned();
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);

    if host.is_empty() {
        format!("{scheme}://")
    } else {
        format!("{scheme}://{host}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_url_drops_credentials() {
        let redacted = redact_url("rediss://default:p%40ss:w@rd@example.test:6380/0");

        assert_eq!(redacted, "rediss://example.test:6380");
    }

    #[test]
    fn redact_url_keeps_plain_host() {
        assert_eq!(
            redact_url("redis://127.0.0.1:6379"),
            "redis://127.0.0.1:6379"
        );
    }

    #[test]
    fn redact_url_handles_sqlite_paths() {
        assert_eq!(
            redact_url("sqlite://data/app.db?mode=rwc"),
            "sqlite://data/app.db"
        );
    }

    #[test]
    fn redact_url_without_scheme() {
        assert_eq!(redact_url("p@ssword"), "<unparsable URL>");
    }

    #[test]
    fn secret_debug_hides_value() {
        let secret = Secret::new("redis://:hunter2@localhost");

        assert_eq!(format!("{secret:?}"), "[redacted]");
    }
}
