//! Benchmark-only routes that split the cost of a Dashboard view into its
//! parts, built only with the `bench-probe` feature.
//!
//! Each route does the Dashboard's data work, or part of it, and returns the
//! same fixed page instead of rendering one with Leptos:
//! - `GET /bench/probe/session`: one session load and the user in it, the
//!   work a Flask-Session page does;
//! - `GET /bench/probe/session-and-stars`: that, plus the query for the
//!   user's starred templates, which the Dashboard also makes.
//!
//! `bench/run` measures them with `BENCH_PROBES=1`. Comparing them with
//! `/dashboard` shows what rendering costs and what the stars query costs.
//! The second route is also as fast as a cache of rendered Dashboard pages
//! could serve, because such a cache would still need the user and the stars
//! to pick a page.

use app::{accounts::Accounts, api::User, session::auth};
use axum::{
    http::StatusCode,
    response::{Html, IntoResponse, Response},
    routing::get,
    Extension, Router,
};
use std::sync::LazyLock;
use tower_sessions::Session;

/// Bytes in the probe page: about the size of the Dashboard's HTML for the
/// demo user, so a probe writes as much per response as the real page.
const PAGE_BYTES: usize = 3_500;

static PAGE: LazyLock<String> = LazyLock::new(|| {
    let head = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
                <title>Dashboard - PMBlueprints</title></head><body><main><h1>Dashboard</h1>";
    let tail = "</main></body></html>";
    let paragraph =
        "<p>A fixed paragraph that pads the probe page to the size of the real one.</p>";

    let mut page = String::from(head);
    while page.len() + paragraph.len() + tail.len() <= PAGE_BYTES {
        page.push_str(paragraph);
    }
    page.push_str(tail);
    page
});

/// Builds the probe routes. Merge them inside the session layer and the
/// `Extension<Accounts>` layer.
pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    Router::new()
        .route("/bench/probe/session", get(session_only))
        .route("/bench/probe/session-and-stars", get(session_and_stars))
}

async fn session_only(session: Session) -> Response {
    match logged_in_user(&session).await {
        Ok(_) => Html(PAGE.as_str()).into_response(),
        Err(response) => response,
    }
}

async fn session_and_stars(session: Session, Extension(accounts): Extension<Accounts>) -> Response {
    let user = match logged_in_user(&session).await {
        Ok(user) => user,
        Err(response) => return response,
    };
    match accounts.starred(&user.id).await {
        // A page cache would pick the page by these slugs. The probe only
        // loads them.
        Ok(_) => Html(PAGE.as_str()).into_response(),
        Err(err) => unavailable("loading the starred templates", &err),
    }
}

/// Loads the session's user, or returns the error response: 401 without a
/// login, 503 when the store fails.
async fn logged_in_user(session: &Session) -> Result<User, Response> {
    match auth::current_user(session).await {
        Ok(Some(user)) => Ok(user),
        Ok(None) => Err(StatusCode::UNAUTHORIZED.into_response()),
        Err(err) => Err(unavailable("loading the session", &err)),
    }
}

fn unavailable(step: &str, err: &dyn std::fmt::Display) -> Response {
    tracing::warn!(error = %err, "bench probe: {step} failed");
    StatusCode::SERVICE_UNAVAILABLE.into_response()
}
