//! The PMBlueprints server: configuration, start-up and axum wiring around
//! the Leptos app.

pub mod assets;
pub mod cli;
pub mod config;
pub mod function;
pub mod health;
#[cfg(feature = "bench-probe")]
pub mod probe;
pub mod request_log;
pub mod startup;
pub mod telemetry;
