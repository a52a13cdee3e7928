//! Start-up shared by the serverless entry points (`pmblueprints-lambda` and
//! `pmblueprints-vercel`): logging, settings and the router from the one app
//! factory, [`build_app`].
//!
//! A function instance runs this once, on its cold start, and serves every
//! later invocation with the same router and the same session store
//! connections.

use anyhow::Context;

use crate::{
    config::{self, Settings},
    startup::{build_app, BuiltApp},
    telemetry::{self, LogFormat},
};

/// Installs logging, reads the settings and builds the app.
///
/// Errors are logged here, with their cause chain, so the caller only exits.
///
/// # Errors
///
/// Fails when a setting is invalid or the session store cannot be set up.
pub async fn start() -> anyhow::Result<BuiltApp> {
    let log_format = LogFormat::from_env();
    telemetry::init(*log_format.as_ref().unwrap_or(&LogFormat::Text));

    let built = build_from_env(log_format).await;
    if let Err(err) = &built {
        tracing::error!("failed to start the function: {err:#}");
    }
    built
}

async fn build_from_env(
    log_format: Result<LogFormat, config::ConfigError>,
) -> anyhow::Result<BuiltApp> {
    log_format?;
    let settings = Settings::from_env()?;
    let leptos = config::leptos_options()?;

    let app = build_app(&settings, leptos)
        .await
        .context("failed to build the app")?;
    tracing::info!(
        platform = settings.serverless_platform.unwrap_or("none detected"),
        "function instance ready"
    );
    Ok(app)
}

/// The router as the Lambda entry serves it, with the API Gateway stage
/// removed from each request's path.
#[cfg(feature = "lambda")]
pub type LambdaService =
    tower::util::MapRequest<axum::Router, fn(lambda_http::Request) -> lambda_http::Request>;

/// Wraps the router for `lambda_http::run`.
///
/// lambda_http 1.3 puts the API Gateway stage in front of the path (a
/// request for `/dashboard` on stage `prod` reaches the router as
/// `/prod/dashboard`) unless `AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH` is set.
/// The site's routes and links start at `/`, so the stage is removed here,
/// whether that variable is set or not.
#[cfg(feature = "lambda")]
pub fn lambda_service(router: axum::Router) -> LambdaService {
    use tower::ServiceExt;

    router.map_request(remove_stage_from_path as fn(_) -> _)
}

#[cfg(feature = "lambda")]
fn remove_stage_from_path(mut request: lambda_http::Request) -> lambda_http::Request {
    use lambda_http::{request::RequestContext, RequestExt};

    let stage = match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV1(context)) => context.stage.clone(),
        Some(RequestContext::ApiGatewayV2(context)) => context.stage.clone(),
        _ => None,
    };
    let Some(stage) = stage.filter(|stage| stage != "$default") else {
        return request;
    };

    let prefix = format!("/{stage}");
    let path = request.uri().path();
    let rest = match path.strip_prefix(&prefix) {
        Some("") => "/",
        Some(rest) if rest.starts_with('/') => rest,
        _ => return request,
    };
    let path_and_query = match request.uri().query() {
        Some(query) => format!("{rest}?{query}"),
        None => rest.to_owned(),
    };

    let mut parts = request.uri().clone().into_parts();
    match path_and_query.parse() {
        Ok(parsed) => parts.path_and_query = Some(parsed),
        Err(err) => {
            tracing::warn!(error = %err, "kept the stage in a path that does not parse without it");
            return request;
        }
    }
    if let Ok(uri) = axum::http::Uri::from_parts(parts) {
        *request.uri_mut() = uri;
    }
    request
}
