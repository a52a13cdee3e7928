//! The AWS Lambda entry point: the site as one function behind API Gateway
//! (REST or HTTP API), a Function URL or an Application Load Balancer.
//!
//! Build and deploy it with cargo-lambda, as docs/DEPLOY.md shows:
//! `cargo lambda build --release --features lambda --bin pmblueprints-lambda`.
//! Outside Lambda it needs the variables the Lambda runtime sets
//! (`AWS_LAMBDA_RUNTIME_API` and the function's name, memory and version).

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let Ok(app) = server::function::start().await else {
        return ExitCode::FAILURE;
    };

    // lambda_http turns each event (API Gateway v1 or v2, ALB, Function URL)
    // into an http::Request for the router, and the router's response back
    // into the response format of the event's source.
    match lambda_http::run(server::function::lambda_service(app.router)).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = %err, "the Lambda runtime loop failed");
            ExitCode::FAILURE
        }
    }
}
