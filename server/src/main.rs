//! The `pmblueprints` server binary.
//!
//! Run it from the repository root after `cargo leptos build --release`:
//! `./target/release/pmblueprints` serves the site, and
//! `./target/release/pmblueprints --help` lists the maintenance commands.
//! Settings come from the environment and from a `.env` file in the working
//! directory.

use std::process::ExitCode;

use clap::Parser;
use server::{
    cli::{self, Cli, Command},
    config::{self, Settings},
    startup::Application,
    telemetry::{self, LogFormat},
};

/// mimalloc rather than the system allocator: rendering a page allocates many
/// small strings and nodes, and under callgrind glibc's malloc and free were
/// about 45% of the instructions of a Dashboard request.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Threads for blocking work: session files and password hashing. Tokio's
/// default of 512 let a burst of file-store requests grow peak memory past
/// 70 MB, and each Argon2 hash uses 19 MiB while it runs.
const MAX_BLOCKING_THREADS: usize = 16;

fn main() -> ExitCode {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(MAX_BLOCKING_THREADS)
        .build();
    match runtime {
        Ok(runtime) => runtime.block_on(run()),
        Err(err) => {
            eprintln!("failed to start the async runtime: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> ExitCode {
    let cli = Cli::parse();
    let dotenv = dotenvy::dotenv();

    let log_format = LogFormat::from_env();
    telemetry::init(*log_format.as_ref().unwrap_or(&LogFormat::Text));
    if let Err(err) = log_format {
        tracing::error!("{err}");
        return ExitCode::FAILURE;
    }
    if let Err(err) = dotenv {
        if !err.not_found() {
            tracing::error!(error = %err, "failed to read .env");
            return ExitCode::FAILURE;
        }
    }

    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(err) => {
            tracing::error!("{err}");
            return ExitCode::FAILURE;
        }
    };

    match cli.command {
        None | Some(Command::Serve) => serve(settings).await,
        Some(command) => cli::run(command, settings).await,
    }
}

async fn serve(settings: Settings) -> ExitCode {
    let leptos = match config::leptos_options() {
        Ok(leptos) => leptos,
        Err(err) => {
            tracing::error!("{err:#}");
            return ExitCode::FAILURE;
        }
    };

    let app = match Application::build(settings, leptos).await {
        Ok(app) => app,
        Err(err) => {
            tracing::error!("{err:#}");
            return ExitCode::FAILURE;
        }
    };

    match app.run_until_stopped().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = %err, "server failed");
            ExitCode::FAILURE
        }
    }
}
