//! The tower-sessions layer as this site configures it, and the middleware
//! that sits inside it.

use axum::{
    extract::{Request, State},
    http::{header, HeaderValue, StatusCode},
    middleware::Next,
    response::{Html, IntoResponse, Redirect, Response},
};
use tower_sessions::{
    cookie::{Cookie, SameSite},
    Expiry, Session, SessionManagerLayer,
};

use super::{auth, SessionSettings, SessionStoreHandle};

/// The session cookie's name.
pub const COOKIE_NAME: &str = "pmb_session";

/// Pages only a logged-in user may see; anonymous visitors go to `/login`.
pub const PROTECTED_PATHS: &[&str] = &["/dashboard", "/account"];

/// How long sessions live, with and without "remember me".
#[derive(Clone, Copy, Debug)]
pub struct SessionLifetimes {
    pub default: time::Duration,
    pub remember_me: time::Duration,
}

impl From<&SessionSettings> for SessionLifetimes {
    fn from(settings: &SessionSettings) -> Self {
        Self {
            default: settings.lifetime,
            remember_me: settings.remember_me_lifetime,
        }
    }
}

/// Builds the session layer: cookie `pmb_session`, HttpOnly, SameSite=Lax,
/// Path=/, Secure unless turned off, and an expiry of the default lifetime
/// that both the cookie's Max-Age and the stored record follow.
pub fn session_layer(
    store: SessionStoreHandle,
    settings: &SessionSettings,
) -> SessionManagerLayer<SessionStoreHandle> {
    SessionManagerLayer::new(store)
        .with_name(COOKIE_NAME)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(settings.cookie_secure)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(settings.lifetime))
}

/// Re-applies the "remember me" lifetime to a session that this request
/// changed.
///
/// tower-sessions does not store a per-session expiry: each save uses the
/// layer's default again. The choice is kept in the session instead, and this
/// middleware sets the longer expiry before the layer saves, so a remembered
/// session keeps its lifetime through later writes.
pub async fn apply_remember_me(
    State(lifetimes): State<SessionLifetimes>,
    session: Session,
    request: Request,
    next: Next,
) -> Response {
    let response = next.run(request).await;

    // The record was loaded by whatever modified it, so this reads memory.
    if session.is_modified() && auth::remember_me(&session).await {
        session.set_expiry(Some(Expiry::OnInactivity(lifetimes.remember_me)));
    }

    response
}

/// Sends anonymous visitors of [`PROTECTED_PATHS`] to `/login`, and marks
/// those pages `Cache-Control: no-store` so a shared or back-button cache
/// never shows them to someone else.
pub async fn protect_pages(session: Session, request: Request, next: Next) -> Response {
    if !PROTECTED_PATHS.contains(&request.uri().path()) {
        return next.run(request).await;
    }

    let mut response = match auth::current_user(&session).await {
        Ok(Some(_)) => next.run(request).await,
        Ok(None) => Redirect::to("/login").into_response(),
        Err(err) => {
            tracing::error!(error = %err, "failed to load the session for a protected page");
            unavailable_response()
        }
    };

    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Turns the bare 500 that tower-sessions sends when it cannot save a session
/// into the "sessions are unavailable" page. Goes outside the session layer.
pub async fn explain_store_failures(request: Request, next: Next) -> Response {
    let response = next.run(request).await;

    let bare_server_error = response.status() == StatusCode::INTERNAL_SERVER_ERROR
        && !response.headers().contains_key(header::CONTENT_TYPE);
    if bare_server_error {
        return unavailable_response();
    }
    response
}

/// Gives the cookie that expires a session the same attributes as the
/// session cookie itself. Goes outside the session layer.
///
/// tower-sessions builds that cookie from the one the browser sent, which
/// carries only a name and value, so it would go out without `Secure`,
/// `HttpOnly` or `SameSite`.
pub async fn harden_removal_cookie(
    State(secure): State<bool>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;

    let headers = response.headers_mut();
    let hardened: Vec<HeaderValue> = headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|value| harden_if_removal(value, secure).unwrap_or_else(|| value.clone()))
        .collect();
    if hardened.is_empty() {
        return response;
    }

    headers.remove(header::SET_COOKIE);
    for value in hardened {
        headers.append(header::SET_COOKIE, value);
    }
    response
}

/// Rebuilds a removal cookie for [`COOKIE_NAME`]; `None` leaves the value as it is.
fn harden_if_removal(value: &HeaderValue, secure: bool) -> Option<HeaderValue> {
    let cookie = Cookie::parse(value.to_str().ok()?).ok()?;
    if cookie.name() != COOKIE_NAME || !cookie.value().is_empty() {
        return None;
    }

    let mut removal = cookie.into_owned();
    removal.set_http_only(true);
    removal.set_secure(secure);
    removal.set_same_site(SameSite::Lax);
    removal.set_path("/");
    HeaderValue::from_str(&removal.to_string()).ok()
}

/// Builds the 503 page that explains sessions are unavailable and asks the visitor to retry.
pub fn unavailable_response() -> Response {
    let page = Html(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>Sessions are unavailable - PMBlueprints</title></head>\
         <body><main><h1>Sessions are unavailable</h1>\
         <p>We cannot reach the session store right now, so logging in and \
         the dashboard are unavailable. Please try again in a few seconds.</p>\
         <p><a href=\"/\">Back to the home page</a></p></main></body></html>",
    );

    (
        StatusCode::SERVICE_UNAVAILABLE,
        [
            (header::RETRY_AFTER, "5"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        page,
    )
        .into_response()
}
