//! One session flow, written once and run over any transport: the Lambda
//! handler fed with events, or a binary over HTTP.
//!
//! Demo login sets the session cookie with the site's attributes, the next
//! request that carries it shows "Demo" on the dashboard, logout expires the
//! cookie and deletes the record, and `/health/detailed` answers.

use reqwest::StatusCode;
use tower_sessions::cookie::{Cookie, SameSite};

use super::TestStore;

/// Seconds in the default session lifetime of seven days.
const WEEK: i64 = 7 * 24 * 3600;
/// Slack for the seconds that pass between setting an expiry and reading it.
const SLACK: i64 = 120;

/// A request of the flow, as a browser without JavaScript sends it.
#[derive(Clone, Debug)]
pub struct FlowRequest {
    pub method: &'static str,
    pub path: &'static str,
    /// The `pmb_session` cookie's value, when the browser has one.
    pub session: Option<String>,
    /// An `application/x-www-form-urlencoded` body.
    pub form: Option<&'static str>,
}

impl FlowRequest {
    pub fn get(path: &'static str, session: Option<&str>) -> Self {
        Self {
            method: "GET",
            path,
            session: session.map(str::to_owned),
            form: None,
        }
    }

    pub fn post_form(path: &'static str, form: &'static str, session: Option<&str>) -> Self {
        Self {
            method: "POST",
            path,
            session: session.map(str::to_owned),
            form: Some(form),
        }
    }
}

/// A response of the flow, reduced to what the checks read.
#[derive(Clone, Debug)]
pub struct FlowResponse {
    pub status: StatusCode,
    pub location: Option<String>,
    pub cache_control: Option<String>,
    /// Every `Set-Cookie` value, in order.
    pub set_cookies: Vec<String>,
    pub body: String,
}

impl FlowResponse {
    /// Returns the `pmb_session` cookie the response sets, if any.
    pub fn session_cookie(&self) -> Option<Cookie<'static>> {
        self.set_cookies
            .iter()
            .filter_map(|value| Cookie::parse(value.clone()).ok())
            .find(|cookie| cookie.name() == "pmb_session")
    }
}

/// Something that delivers a [`FlowRequest`] to the app.
pub trait Transport {
    fn send(&self, request: FlowRequest) -> impl std::future::Future<Output = FlowResponse>;
}

/// Runs the whole flow over `transport` against the app on `store`.
///
/// `label` names the transport in failure messages.
pub async fn check_session_flow(label: &str, transport: &impl Transport, store: &TestStore) {
    let login = transport
        .send(FlowRequest::post_form(
            "/api/demo_login",
            "remember=false",
            None,
        ))
        .await;

    assert_eq!(login.status, StatusCode::FOUND, "{label}: login status");
    assert_eq!(
        login.location.as_deref(),
        Some("/dashboard"),
        "{label}: login redirect"
    );
    let cookie = login
        .session_cookie()
        .unwrap_or_else(|| panic!("{label}: login set no session cookie: {login:?}"));
    assert_eq!(cookie.http_only(), Some(true), "{label}: {cookie}");
    assert_eq!(cookie.secure(), Some(true), "{label}: {cookie}");
    assert_eq!(cookie.same_site(), Some(SameSite::Lax), "{label}: {cookie}");
    assert_eq!(cookie.path(), Some("/"), "{label}: {cookie}");
    let max_age = cookie
        .max_age()
        .unwrap_or_else(|| panic!("{label}: no Max-Age on {cookie}"))
        .whole_seconds();
    assert!(
        (WEEK - SLACK..=WEEK).contains(&max_age),
        "{label}: Max-Age {max_age}"
    );
    assert!(
        store.stored_record(cookie.value()).await.is_some(),
        "{label}: the store has no record for the new session"
    );

    let dashboard = transport
        .send(FlowRequest::get("/dashboard", Some(cookie.value())))
        .await;

    assert_eq!(
        dashboard.status,
        StatusCode::OK,
        "{label}: dashboard status"
    );
    assert_eq!(
        dashboard.cache_control.as_deref(),
        Some("no-store"),
        "{label}: dashboard cache header"
    );
    assert!(
        dashboard.body.contains("Welcome back, Demo."),
        "{label}: dashboard body: {}",
        dashboard.body
    );

    let health = transport
        .send(FlowRequest::get("/health/detailed", None))
        .await;

    assert_eq!(health.status, StatusCode::OK, "{label}: {}", health.body);
    let health: serde_json::Value =
        serde_json::from_str(&health.body).expect("/health/detailed returns JSON");
    assert_eq!(health["status"], "ok", "{label}: {health}");
    assert_eq!(
        health["session_store"]["reachable"], true,
        "{label}: {health}"
    );

    let logout = transport
        .send(FlowRequest::post_form(
            "/api/logout",
            "",
            Some(cookie.value()),
        ))
        .await;

    assert!(
        logout.status.is_redirection(),
        "{label}: logout status {}",
        logout.status
    );
    let removal = logout
        .session_cookie()
        .unwrap_or_else(|| panic!("{label}: logout set no removal cookie: {logout:?}"));
    assert_eq!(removal.value(), "", "{label}: {removal}");
    let expired = removal.max_age().is_some_and(|age| age.is_zero())
        || removal
            .expires_datetime()
            .is_some_and(|at| at < time::OffsetDateTime::now_utc());
    assert!(
        expired,
        "{label}: the removal cookie does not expire: {removal}"
    );
    assert_eq!(removal.http_only(), Some(true), "{label}: {removal}");
    assert_eq!(removal.secure(), Some(true), "{label}: {removal}");
    assert_eq!(removal.path(), Some("/"), "{label}: {removal}");
    assert!(
        store.stored_record(cookie.value()).await.is_none(),
        "{label}: the record survived logout"
    );

    let replay = transport
        .send(FlowRequest::get("/dashboard", Some(cookie.value())))
        .await;

    assert_eq!(
        replay.location.as_deref(),
        Some("/login"),
        "{label}: the old cookie still opens the dashboard"
    );
}
