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

/// Installs the global subscriber and the panic hook. Call it once, first
/// thing in `main`.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = fmt().with_env_filter(filter).with_writer(std::io::stderr);

    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().flatten_event(true).init(),
    }
    log_panics();
}

/// Sends panics through tracing, so they reach the log in its format (one
/// JSON object with `LOG_FORMAT=json`) instead of as raw text on stderr.
///
/// The standard hook still runs when `RUST_BACKTRACE` is set and not `0`,
/// because only it prints the backtrace. Printing one loads the symbol data,
/// about 40 MB for this binary, which the process then keeps.
fn log_panics() {
    let standard_hook = std::panic::take_hook();
    let backtraces = std::env::var_os("RUST_BACKTRACE").is_some_and(|value| value != "0");

    std::panic::set_hook(Box::new(move |info| {
        log_panic(info);
        if backtraces {
            standard_hook(info);
        }
    }));
}

fn log_panic(info: &std::panic::PanicHookInfo<'_>) {
    let location = info
        .location()
        .map(|location| format!("{}:{}", location.file(), location.line()));
    let thread = std::thread::current();
    // The panic's text goes into the event's message: a field named
    // `message` would repeat that key in a JSON line.
    let text = info.payload_as_str().unwrap_or("(no message)");
    tracing::error!(
        location = location.as_deref().unwrap_or("unknown"),
        thread = thread.name().unwrap_or("unnamed"),
        "a thread panicked: {text}"
    );
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    /// Collects what the subscriber writes.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn panic_is_logged_with_its_location() {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = fmt()
            .json()
            .flatten_event(true)
            .with_writer(move || writer.clone())
            .finish();

        let standard_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(log_panic));
        let result = tracing::subscriber::with_default(subscriber, || {
            std::panic::catch_unwind(|| panic!("the test panicked on purpose"))
        });
        std::panic::set_hook(standard_hook);

        assert!(result.is_err());
        let output = String::from_utf8_lossy(&captured.0.lock().unwrap()).into_owned();
        assert!(output.contains(r#""level":"ERROR""#), "{output}");
        assert!(
            output.contains(r#""message":"a thread panicked: the test panicked on purpose""#),
            "{output}"
        );
        assert_eq!(output.matches(r#""message":"#).count(), 1, "{output}");
        assert!(output.contains("telemetry.rs"), "{output}");
    }
}
