//! The PMBlueprints server: configuration, start-up and axum wiring around
//! the Leptos app.

pub mod config;
pub mod health;
pub mod startup;
pub mod telemetry;
