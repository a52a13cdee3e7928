//! Server functions, at fixed paths under `/api` so scripts and tests can
//! call them too.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A logged-in user as the pages see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub name: String,
}

impl User {
    /// The account behind the Demo Login button.
    pub fn demo() -> Self {
        Self {
            name: "Demo".to_owned(),
        }
    }
}

/// The message shown to a visitor when the session store cannot be reached.
pub const SESSIONS_UNAVAILABLE: &str =
    "Sessions are unavailable right now. Please try again in a few seconds.";

/// Logs the demo user in under a fresh session id, then goes to the dashboard.
///
/// `remember` (form field, `true` or `false`) keeps the login for the longer
/// "remember me" lifetime. A plain HTML form post works too: the response
/// redirects to `/dashboard`.
#[server(prefix = "/api", endpoint = "demo_login")]
pub async fn demo_login(remember: Option<bool>) -> Result<(), ServerFnError> {
    let session = request_session().await?;

    crate::session::auth::log_in(&session, &User::demo(), remember.unwrap_or(false))
        .await
        .map_err(store_unavailable)?;

    leptos_axum::redirect("/dashboard");
    Ok(())
}

/// Logs out: deletes the server-side session and expires the cookie.
#[server(prefix = "/api", endpoint = "logout")]
pub async fn logout() -> Result<(), ServerFnError> {
    let session = request_session().await?;

    crate::session::auth::log_out(&session)
        .await
        .map_err(store_unavailable)?;

    leptos_axum::redirect("/");
    Ok(())
}

/// Hides the dashboard's getting-started tip for the rest of the session.
///
/// Only for logged-in users; an anonymous caller gets an error.
#[server(prefix = "/api", endpoint = "dismiss_tip")]
pub async fn dismiss_tip() -> Result<(), ServerFnError> {
    let session = request_session().await?;

    let user = crate::session::auth::current_user(&session)
        .await
        .map_err(store_unavailable)?;
    if user.is_none() {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(axum::http::StatusCode::UNAUTHORIZED);
        }
        return Err(ServerFnError::new("Log in to change your dashboard."));
    }

    crate::session::auth::dismiss_tip(&session)
        .await
        .map_err(store_unavailable)?;

    leptos_axum::redirect("/dashboard");
    Ok(())
}

/// Returns whether the logged-in user dismissed the getting-started tip.
#[server(prefix = "/api", endpoint = "tip_dismissed")]
pub async fn tip_dismissed() -> Result<bool, ServerFnError> {
    let session = request_session().await?;

    crate::session::auth::tip_dismissed(&session)
        .await
        .map_err(store_unavailable)
}

/// Returns the logged-in user, or `None` for an anonymous visitor.
#[server(prefix = "/api", endpoint = "current_user")]
pub async fn current_user() -> Result<Option<User>, ServerFnError> {
    let session = request_session().await?;

    crate::session::auth::current_user(&session)
        .await
        .map_err(store_unavailable)
}

#[cfg(feature = "ssr")]
async fn request_session() -> Result<tower_sessions::Session, ServerFnError> {
    leptos_axum::extract::<tower_sessions::Session>()
        .await
        .map_err(|err| {
            tracing::error!(error = %err, "the session layer is missing from this route");
            ServerFnError::new(SESSIONS_UNAVAILABLE)
        })
}

/// Logs a store failure once and returns a plain message, never the store's
/// own error text.
///
/// A direct call of a server function gets status 503. A page that calls one
/// while rendering keeps its own status, so public pages still render for
/// visitors while the store is down.
#[cfg(feature = "ssr")]
fn store_unavailable(err: tower_sessions::session::Error) -> ServerFnError {
    tracing::error!(error = %err, "session store call failed");

    let direct_call = use_context::<axum::http::request::Parts>()
        .is_some_and(|parts| parts.uri.path().starts_with("/api/"));
    if direct_call {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(axum::http::StatusCode::SERVICE_UNAVAILABLE);
        }
    }
    ServerFnError::new(SESSIONS_UNAVAILABLE)
}
