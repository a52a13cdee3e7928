//! The Vercel entry point: the site as one function on Vercel's Rust
//! runtime (`vercel_runtime`).
//!
//! Started by hand, it serves HTTP on `127.0.0.1:$VERCEL_DEV_PORT` (3000 by
//! default), as `vercel dev` starts it:
//! `VERCEL_DEV_PORT=3000 cargo run -p server --features vercel --bin pmblueprints-vercel`.

use std::process::ExitCode;

use tower::Layer;
use vercel_runtime::axum::VercelLayer;

#[tokio::main]
async fn main() -> ExitCode {
    let Ok(app) = server::function::start().await else {
        return ExitCode::FAILURE;
    };

    let service = VercelLayer::new().layer(app.router);
    match vercel_runtime::run(service).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = %err, "the Vercel runtime failed");
            ExitCode::FAILURE
        }
    }
}
