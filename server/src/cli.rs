//! The command line: serving the site, and the tools operators run against
//! the session store.

use std::{fmt::Write as _, io::Write as _, path::PathBuf, process::ExitCode};

use app::session::{
    self, redact_url, RedisSettings, Secret, SessionSettings, SessionStoreHandle, StoreSettings,
};
use clap::{Parser, Subcommand};

use crate::config::Settings;

/// The PMBlueprints server. With no command, it serves the site.
///
/// Settings come from the environment and from a `.env` file in the working
/// directory; `check-config` prints them.
#[derive(Debug, Parser)]
#[command(name = "pmblueprints", version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the site (the default).
    Serve,
    /// Run the SQL migrations for DATABASE_URL, then exit.
    Migrate,
    /// Inspect or maintain the configured session store.
    Sessions {
        #[command(subcommand)]
        command: SessionsCommand,
    },
    /// Validate the settings and print them, with secrets masked.
    CheckConfig,
}

#[derive(Debug, Subcommand)]
pub enum SessionsCommand {
    /// Print how many live and expired sessions the store holds.
    Stats,
    /// Delete expired sessions now.
    Purge,
    /// Copy every live session, with its id and expiry, to another store.
    ///
    /// Users stay logged in when the site then switches to the target.
    /// Sessions already in the target with the same id are replaced.
    Copy {
        /// The target: a redis:// or rediss:// URL, an sqlite:, postgres:// or
        /// mysql:// URL, or a folder for filesystem sessions.
        #[arg(long, value_name = "STORE")]
        to: String,
        /// The key prefix in a Redis target.
        #[arg(long, value_name = "PREFIX", default_value = "pmb:")]
        to_key_prefix: String,
        /// A PEM file with an extra CA to trust for a rediss:// target.
        #[arg(long, value_name = "FILE")]
        to_ca_cert: Option<PathBuf>,
    },
}

/// Appends one line to a command's output.
macro_rules! out_line {
    ($out:expr, $($arg:tt)*) => {{
        // `fmt::Write` for `String` always returns `Ok`.
        let _ = writeln!($out, $($arg)*);
    }};
}

/// Runs `command`, printing results to stdout and errors as one log line.
pub async fn run(command: Command, settings: Settings) -> ExitCode {
    let mut out = String::new();
    let result = match command {
        Command::Serve => Err(anyhow::anyhow!("serve is handled by main")),
        Command::Migrate => migrate(&settings, &mut out).await,
        Command::CheckConfig => check_config(&settings, &mut out).await,
        Command::Sessions { command } => sessions(command, &settings.session, &mut out).await,
    };

    // A reader that closed the pipe early, such as `head`, is no failure.
    if let Err(err) = std::io::stdout().lock().write_all(out.as_bytes()) {
        if err.kind() != std::io::ErrorKind::BrokenPipe {
            tracing::error!(error = %err, "failed to write the output");
            return ExitCode::FAILURE;
        }
    }

    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!("{err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn migrate(settings: &Settings, out: &mut String) -> anyhow::Result<()> {
    // The SQL session store, when chosen, uses DATABASE_URL too, so this one
    // URL covers sessions and accounts alike.
    let url = &settings.database_url;

    let store =
        session::sql::SqlStore::connect(url.expose(), settings.session.store_timeout).await?;
    store.migrate().await.map_err(|err| {
        anyhow::anyhow!(
            "failed to run the migrations on {}: {err}",
            redact_url(url.expose())
        )
    })?;

    out_line!(out, "migrations applied to {}", redact_url(url.expose()));
    Ok(())
}

async fn sessions(
    command: SessionsCommand,
    settings: &SessionSettings,
    out: &mut String,
) -> anyhow::Result<()> {
    let source = connect(&settings.store, settings).await?;

    match command {
        SessionsCommand::Stats => {
            let counts = source.count().await?;
            out_line!(out, "backend: {}", source.kind());
            out_line!(out, "live sessions: {}", counts.live);
            out_line!(out, "expired sessions: {}", counts.expired);
        }
        SessionsCommand::Purge => {
            let deleted = source.delete_expired().await?;
            out_line!(
                out,
                "deleted {deleted} expired sessions from the {} store",
                source.kind()
            );
        }
        SessionsCommand::Copy {
            to,
            to_key_prefix,
            to_ca_cert,
        } => {
            let target_settings = target_store(&to, to_key_prefix, to_ca_cert);
            let target = connect(&target_settings, settings).await?;
            let records = source.live_records().await?;
            for record in &records {
                target.import(record).await?;
            }
            out_line!(
                out,
                "copied {} live sessions from the {} store to {}",
                records.len(),
                source.kind(),
                describe(&target_settings)
            );
        }
    }
    Ok(())
}

/// Connects a store and checks that it is reachable, so a command fails at once
/// rather than on its first call.
async fn connect(
    store: &StoreSettings,
    settings: &SessionSettings,
) -> anyhow::Result<SessionStoreHandle> {
    let handle = session::connect_store(store, settings.store_timeout).await?;
    if !handle.health().await.reachable {
        anyhow::bail!(
            "the {} store at {} is unreachable",
            handle.kind(),
            describe(store)
        );
    }
    Ok(handle)
}

fn target_store(to: &str, key_prefix: String, ca_cert: Option<PathBuf>) -> StoreSettings {
    if to.starts_with("redis://") || to.starts_with("rediss://") {
        StoreSettings::Redis(RedisSettings {
            url: Secret::new(to),
            key_prefix,
            ca_cert,
            pool_size: RedisSettings::DEFAULT_POOL_SIZE,
        })
    } else if [
        "sqlite:",
        "postgres://",
        "postgresql://",
        "mysql://",
        "mariadb://",
    ]
    .iter()
    .any(|scheme| to.starts_with(scheme))
    {
        StoreSettings::Sql {
            url: Secret::new(to),
        }
    } else {
        StoreSettings::Filesystem {
            dir: PathBuf::from(to),
        }
    }
}

/// Names a store for messages, without credentials.
fn describe(store: &StoreSettings) -> String {
    match store {
        StoreSettings::Redis(redis) => format!(
            "{} (prefix {})",
            redact_url(redis.url.expose()),
            redis.key_prefix
        ),
        StoreSettings::Sql { url } => redact_url(url.expose()),
        StoreSettings::Filesystem { dir } => dir.display().to_string(),
        StoreSettings::Memory => "memory".to_owned(),
    }
}

/// Checks every setting as start-up would, without connecting to a server,
/// then prints them with secrets masked.
async fn check_config(settings: &Settings, out: &mut String) -> anyhow::Result<()> {
    let session = &settings.session;
    session::check_store_settings(&session.store, session.store_timeout).await?;
    session::sql::check_url(settings.database_url.expose())?;
    print_settings(settings, out);
    Ok(())
}

/// Returns `url` as `check-config` prints it: an SQLite URL's file path, or
/// a server URL's scheme, host and port, labelled as such so that the
/// missing user, password and database name do not look like a mistake.
fn printable_url(url: &str) -> String {
    let redacted = redact_url(url);
    if url.starts_with("sqlite:") {
        redacted
    } else {
        format!("{redacted} (scheme, host and port only)")
    }
}

fn print_settings(settings: &Settings, out: &mut String) {
    let session = &settings.session;
    out_line!(out, "configuration is valid");
    match &session.store {
        StoreSettings::Redis(redis) => {
            out_line!(out, "SESSION_TYPE: redis");
            out_line!(out, "REDIS_URL: {}", printable_url(redis.url.expose()));
            out_line!(out, "SESSION_KEY_PREFIX: {}", redis.key_prefix);
            match &redis.ca_cert {
                Some(path) => out_line!(out, "REDIS_CA_CERT: {}", path.display()),
                None => out_line!(out, "REDIS_CA_CERT: not set"),
            }
            let unit = if redis.pool_size == 1 {
                "connection"
            } else {
                "connections"
            };
            out_line!(out, "REDIS_POOL_SIZE: {} {unit}", redis.pool_size);
        }
        StoreSettings::Sql { url } => {
            out_line!(out, "SESSION_TYPE: sql");
            out_line!(out, "DATABASE_URL: {}", printable_url(url.expose()));
        }
        StoreSettings::Memory => out_line!(out, "SESSION_TYPE: memory (benchmarks only)"),
        StoreSettings::Filesystem { dir } => {
            out_line!(out, "SESSION_TYPE: filesystem");
            out_line!(out, "SESSION_FILE_DIR: {}", dir.display());
        }
    }
    out_line!(
        out,
        "accounts database: {}",
        printable_url(settings.database_url.expose())
    );
    out_line!(out, "SESSION_LIFETIME: {}", session.lifetime);
    out_line!(
        out,
        "REMEMBER_ME_LIFETIME: {}",
        session.remember_me_lifetime
    );
    out_line!(
        out,
        "SESSION_PURGE_INTERVAL: {} s",
        session.purge_interval.as_secs()
    );
    out_line!(out, "SESSION_COOKIE_SECURE: {}", session.cookie_secure);
    out_line!(out, "store timeout: {} s", session.store_timeout.as_secs());
    out_line!(out, "REDIS_URL set: {}", settings.redis_configured);
    match settings.serverless_platform {
        Some(platform) => out_line!(out, "serverless platform: {platform}"),
        None => out_line!(out, "serverless platform: none detected"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_url_labels_server_urls() {
        assert_eq!(
            printable_url("postgres://app:secret@db.example.test:5432/pmb"),
            "postgres://db.example.test:5432 (scheme, host and port only)"
        );
    }

    #[test]
    fn printable_url_keeps_sqlite_path() {
        assert_eq!(
            printable_url("sqlite://data/pmb.db"),
            "sqlite://data/pmb.db"
        );
    }
}
