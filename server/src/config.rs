//! Settings, read once from the environment at start-up.

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use app::session::{RedisSettings, Secret, SessionSettings, StoreSettings};
use leptos::{config::get_configuration, prelude::LeptosOptions};

/// Maximum time one session store call may take.
pub const STORE_TIMEOUT: Duration = Duration::from_secs(5);

/// A setting that is missing or malformed; the message names it.
#[derive(Debug, thiserror::Error)]
#[error("invalid setting {setting}: {reason}")]
pub struct ConfigError {
    pub setting: &'static str,
    pub reason: String,
}

impl ConfigError {
    fn new(setting: &'static str, reason: impl Into<String>) -> Self {
        Self {
            setting,
            reason: reason.into(),
        }
    }
}

/// The accounts database when `DATABASE_URL` is not set.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/pmblueprints.db";

/// Everything the server reads from the environment.
#[derive(Clone, Debug)]
pub struct Settings {
    pub session: SessionSettings,
    /// The SQL database of accounts, the per-user session list and stars:
    /// `DATABASE_URL`, or an SQLite file under `data/`.
    pub database_url: Secret,
    /// Whether `REDIS_URL` is set, whichever backend was chosen.
    pub redis_configured: bool,
    /// The serverless platform the process runs on, when one is detected.
    pub serverless_platform: Option<&'static str>,
}

impl Settings {
    /// Reads the settings from the process environment.
    ///
    /// # Errors
    ///
    /// Returns a [`ConfigError`] naming the first setting that is invalid.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    /// Reads the settings through `lookup`, which returns a variable's value.
    /// Empty values count as unset.
    ///
    /// # Errors
    ///
    /// Returns a [`ConfigError`] naming the first setting that is invalid.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |key: &str| {
            lookup(key)
                .map(|value| value.trim().to_owned())
                .filter(|value| !value.is_empty())
        };

        let redis_url = get("REDIS_URL");
        let platform = serverless_platform(&get);
        let store = match get("SESSION_TYPE")
            .map(|kind| kind.to_ascii_lowercase())
            .as_deref()
        {
            Some("redis") => redis_settings(&get, redis_url.clone())?,
            Some("sql") => sql_settings(&get)?,
            Some("filesystem") => filesystem_settings(&get),
            Some("memory") => StoreSettings::Memory,
            Some(other) => {
                return Err(ConfigError::new(
                    "SESSION_TYPE",
                    format!("expected redis, sql, filesystem or memory, got {other:?}"),
                ))
            }
            None if redis_url.is_some() => redis_settings(&get, redis_url.clone())?,
            None => filesystem_settings(&get),
        };

        let lifetime = match get("SESSION_LIFETIME") {
            Some(value) => parse_lifetime("SESSION_LIFETIME", &value)?,
            None => time::Duration::days(7),
        };
        let remember_me_lifetime = match get("REMEMBER_ME_LIFETIME") {
            Some(value) => parse_lifetime("REMEMBER_ME_LIFETIME", &value)?,
            None => time::Duration::days(30),
        };
        let purge_interval = match get("SESSION_PURGE_INTERVAL") {
            Some(value) => parse_lifetime("SESSION_PURGE_INTERVAL", &value)?
                .try_into()
                .map_err(|_| ConfigError::new("SESSION_PURGE_INTERVAL", "must be positive"))?,
            None => Duration::from_secs(600),
        };

        let cookie_secure = match get("SESSION_COOKIE_SECURE")
            .map(|value| value.to_ascii_lowercase())
            .as_deref()
        {
            None | Some("true" | "1" | "yes") => true,
            Some("false" | "0" | "no") => false,
            Some(other) => {
                return Err(ConfigError::new(
                    "SESSION_COOKIE_SECURE",
                    format!("expected true or false, got {other:?}"),
                ))
            }
        };

        Ok(Self {
            database_url: Secret::new(
                get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned()),
            ),
            session: SessionSettings {
                store,
                lifetime,
                remember_me_lifetime,
                cookie_secure,
                store_timeout: STORE_TIMEOUT,
                purge_interval,
            },
            redis_configured: redis_url.is_some(),
            serverless_platform: platform,
        })
    }
}

/// Reads the site settings: `Leptos.toml` in the working directory when it
/// exists, overridden by the `LEPTOS_*` variables, or the variables alone.
///
/// cargo-leptos passes the variables to the binaries it starts. A binary
/// started by hand, or in a function, reads the file.
///
/// # Errors
///
/// Fails when the file or a variable is malformed, or when `hash-files` is
/// on and the hash file is missing.
pub fn leptos_options() -> anyhow::Result<LeptosOptions> {
    let leptos_file = Path::new("Leptos.toml").exists().then_some("Leptos.toml");
    let conf = get_configuration(leptos_file).map_err(|err| {
        anyhow::anyhow!("invalid Leptos settings (Leptos.toml or LEPTOS_*): {err}")
    })?;
    let leptos = conf.leptos_options;

    if leptos.hash_files {
        check_hash_file(&leptos)?;
    }
    Ok(leptos)
}

/// Reads the hash file next to the running binary, once, so that pages
/// link the hashed bundle names without touching the disk.
fn check_hash_file(leptos: &LeptosOptions) -> anyhow::Result<()> {
    app::bundle::load_hashes(leptos).map_err(|err| {
        anyhow::anyhow!(
            "invalid setting hash-files: it is on (Leptos.toml or LEPTOS_HASH_FILES), but the \
             hash file cannot be read ({err}). Copy the hash.txt that `cargo leptos build` \
             writes next to the server binary to that folder, or set LEPTOS_HASH_FILES=false \
             for a site built without hashed names"
        )
    })?;
    Ok(())
}

/// Names the serverless platform from the variables each one sets in its
/// functions: Vercel (`VERCEL`), AWS Lambda (`AWS_LAMBDA_FUNCTION_NAME`) and
/// Cloud Run or Knative (`K_SERVICE`).
fn serverless_platform(get: &impl Fn(&str) -> Option<String>) -> Option<&'static str> {
    [
        ("VERCEL", "Vercel"),
        ("AWS_LAMBDA_FUNCTION_NAME", "AWS Lambda"),
        ("K_SERVICE", "Cloud Run"),
    ]
    .into_iter()
    .find(|(variable, _)| get(variable).is_some())
    .map(|(_, platform)| platform)
}

fn redis_settings(
    get: &impl Fn(&str) -> Option<String>,
    url: Option<String>,
) -> Result<StoreSettings, ConfigError> {
    let url =
        url.ok_or_else(|| ConfigError::new("REDIS_URL", "is required when SESSION_TYPE=redis"))?;

    let pool_size = match get("REDIS_POOL_SIZE") {
        Some(value) => value
            .parse::<usize>()
            .ok()
            .filter(|size| *size >= 1)
            .ok_or_else(|| {
                ConfigError::new(
                    "REDIS_POOL_SIZE",
                    format!("expected a whole number of connections, at least 1, got {value:?}"),
                )
            })?,
        None => RedisSettings::DEFAULT_POOL_SIZE,
    };

    Ok(StoreSettings::Redis(RedisSettings {
        url: Secret::new(url),
        key_prefix: get("SESSION_KEY_PREFIX").unwrap_or_else(|| "pmb:".to_owned()),
        ca_cert: get("REDIS_CA_CERT").map(PathBuf::from),
        pool_size,
    }))
}

fn sql_settings(get: &impl Fn(&str) -> Option<String>) -> Result<StoreSettings, ConfigError> {
    let url = get("DATABASE_URL").ok_or_else(|| {
        ConfigError::new(
            "DATABASE_URL",
            "is required when SESSION_TYPE=sql (for example sqlite://data/pmblueprints.db)",
        )
    })?;

    Ok(StoreSettings::Sql {
        url: Secret::new(url),
    })
}

fn filesystem_settings(get: &impl Fn(&str) -> Option<String>) -> StoreSettings {
    let dir = get("SESSION_FILE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("pmb_sessions"));

    StoreSettings::Filesystem { dir }
}

/// Parses a duration such as `7d`, `12h`, `30m` or `90s`.
fn parse_lifetime(setting: &'static str, value: &str) -> Result<time::Duration, ConfigError> {
    let invalid = || {
        ConfigError::new(
            setting,
            format!("expected a positive number with a unit of d, h, m or s (such as 7d), got {value:?}"),
        )
    };

    let split = value
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(invalid)?;
    let (number, unit) = value.split_at(split);
    let number: i64 = number.parse().map_err(|_| invalid())?;
    if number <= 0 {
        return Err(invalid());
    }

    match unit {
        "d" => Ok(time::Duration::days(number)),
        "h" => Ok(time::Duration::hours(number)),
        "m" => Ok(time::Duration::minutes(number)),
        "s" => Ok(time::Duration::seconds(number)),
        _ => Err(invalid()),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect();
        Settings::from_lookup(|key| vars.get(key).cloned())
    }

    #[test]
    fn defaults_to_filesystem() {
        let settings = settings(&[]).unwrap();

        assert!(matches!(
            settings.session.store,
            StoreSettings::Filesystem { .. }
        ));
        assert!(!settings.redis_configured);
        assert!(settings.session.cookie_secure);
        assert_eq!(settings.session.lifetime, time::Duration::days(7));
        assert_eq!(
            settings.session.remember_me_lifetime,
            time::Duration::days(30)
        );
    }

    #[test]
    fn redis_url_selects_redis() {
        let settings = settings(&[("REDIS_URL", "redis://127.0.0.1:6379")]).unwrap();

        let StoreSettings::Redis(redis) = settings.session.store else {
            panic!("expected the Redis backend");
        };
        assert_eq!(redis.key_prefix, "pmb:");
        assert!(settings.redis_configured);
    }

    #[test]
    fn session_type_overrides_redis_url() {
        let settings = settings(&[
            ("REDIS_URL", "redis://127.0.0.1:6379"),
            ("SESSION_TYPE", "filesystem"),
        ])
        .unwrap();

        assert!(matches!(
            settings.session.store,
            StoreSettings::Filesystem { .. }
        ));
        assert!(settings.redis_configured);
    }

    #[test]
    fn memory_type_selects_the_memory_store() {
        let settings = settings(&[("SESSION_TYPE", "memory")]).unwrap();
        assert!(matches!(settings.session.store, StoreSettings::Memory));
    }

    #[test]
    fn sql_without_database_url_names_it() {
        let err = settings(&[("SESSION_TYPE", "sql")]).unwrap_err();

        assert_eq!(err.setting, "DATABASE_URL");
    }

    #[test]
    fn unknown_session_type_names_it() {
        let err = settings(&[("SESSION_TYPE", "memcached")]).unwrap_err();

        assert_eq!(err.setting, "SESSION_TYPE");
        assert!(err.to_string().contains("memcached"));
    }

    #[test]
    fn serverless_platform_is_detected() {
        assert_eq!(settings(&[]).unwrap().serverless_platform, None);
        let lambda = settings(&[("AWS_LAMBDA_FUNCTION_NAME", "pmb")]).unwrap();
        assert_eq!(lambda.serverless_platform, Some("AWS Lambda"));
        let vercel = settings(&[("VERCEL", "1")]).unwrap();
        assert_eq!(vercel.serverless_platform, Some("Vercel"));
    }

    #[test]
    fn redis_pool_has_one_connection_by_default() {
        let server = settings(&[("REDIS_URL", "redis://127.0.0.1:6379")]).unwrap();
        let function = settings(&[
            ("REDIS_URL", "redis://127.0.0.1:6379"),
            ("AWS_LAMBDA_FUNCTION_NAME", "pmb"),
        ])
        .unwrap();

        let StoreSettings::Redis(server) = server.session.store else {
            panic!("expected the Redis backend");
        };
        let StoreSettings::Redis(function) = function.session.store else {
            panic!("expected the Redis backend");
        };
        assert_eq!(server.pool_size, 1);
        assert_eq!(function.pool_size, 1);
    }

    #[test]
    fn redis_pool_size_is_validated() {
        let chosen = settings(&[
            ("REDIS_URL", "redis://127.0.0.1:6379"),
            ("REDIS_POOL_SIZE", "2"),
        ])
        .unwrap();
        let StoreSettings::Redis(chosen) = chosen.session.store else {
            panic!("expected the Redis backend");
        };
        assert_eq!(chosen.pool_size, 2);

        for bad in ["0", "-1", "many"] {
            let err = settings(&[
                ("REDIS_URL", "redis://127.0.0.1:6379"),
                ("REDIS_POOL_SIZE", bad),
            ])
            .unwrap_err();
            assert_eq!(err.setting, "REDIS_POOL_SIZE", "value {bad:?}");
        }
    }

    #[test]
    fn cookie_secure_can_be_turned_off() {
        let settings = settings(&[("SESSION_COOKIE_SECURE", "false")]).unwrap();

        assert!(!settings.session.cookie_secure);
    }

    #[test]
    fn malformed_lifetime_names_it() {
        let err = settings(&[("SESSION_LIFETIME", "7 days")]).unwrap_err();

        assert_eq!(err.setting, "SESSION_LIFETIME");
    }

    #[test]
    fn lifetime_units_parse() {
        assert_eq!(
            parse_lifetime("X", "12h").unwrap(),
            time::Duration::hours(12)
        );
        assert_eq!(
            parse_lifetime("X", "30m").unwrap(),
            time::Duration::minutes(30)
        );
        assert_eq!(
            parse_lifetime("X", "90s").unwrap(),
            time::Duration::seconds(90)
        );
        assert!(parse_lifetime("X", "0d").is_err());
        assert!(parse_lifetime("X", "d").is_err());
    }
}
