//! Logging: tracing to stderr, filtered by `RUST_LOG` (default `info`), as
//! text or, with `LOG_FORMAT=json`, one JSON object a line.

use tracing_subscriber::{fmt, EnvFilter};

use crate::config::ConfigError;

/// The format of log lines.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

impl LogFormat {
    /// Reads `LOG_FORMAT`: `text` (the default) or `json`.
    ///
    /// # Errors
    ///
    /// Returns a [`ConfigError`] naming `LOG_FORMAT` for any other value.
    pub fn from_env() -> Result<Self, ConfigError> {
        match std::env::var("LOG_FORMAT").ok().as_deref().map(str::trim) {
            None | Some("" | "text") => Ok(Self::Text),
            Some("json") => Ok(Self::Json),
            Some(other) => Err(ConfigError {
                setting: "LOG_FORMAT",
                reason: format!("expected text or json, got {other:?}"),
            }),
        }
    }
}

/// Installs the global subscriber. Call it once, first thing in `main`.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = fmt().with_env_filter(filter).with_writer(std::io::stderr);

    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().flatten_event(true).init(),
    }
}
