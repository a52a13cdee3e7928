//! "Remember me" survives later writes to the session.
//!
//! tower-sessions applies its default expiry on every save, so the app keeps
//! the choice in the session and re-applies it. No page of the site writes
//! to the session after login yet, so these tests mount the real session
//! layer and middleware around two small handlers that do.

use std::time::Duration;

use app::{
    api::User,
    session::{self, auth, BackendKind, SessionLifetimes, SessionSettings, StoreSettings},
};
use axum::{
    body::Body,
    http::{header, Request, StatusCode},
    middleware,
    routing::post,
    Router,
};
use tower::ServiceExt;
use tower_sessions::{cookie::Cookie, Session};

const WEEK: i64 = 7 * 24 * 3600;
const THIRTY_DAYS: i64 = 30 * 24 * 3600;

async fn log_in(session: Session, body: String) -> StatusCode {
    let remember = body == "remember=true";
    match auth::log_in(&session, &User::demo(), remember, "a test client").await {
        Ok(()) => StatusCode::NO_CONTENT,
        Err(_) => StatusCode::SERVICE_UNAVAILABLE,
    }
}

async fn write_something(session: Session) -> StatusCode {
    match session.insert("last_action", "touched").await {
        Ok(()) => StatusCode::NO_CONTENT,
        Err(_) => StatusCode::SERVICE_UNAVAILABLE,
    }
}

async fn router(folder: &std::path::Path) -> Router {
    router_with(folder, time::Duration::days(7), time::Duration::days(30)).await
}

async fn router_with(
    folder: &std::path::Path,
    lifetime: time::Duration,
    remember_me_lifetime: time::Duration,
) -> Router {
    let settings = SessionSettings {
        store: StoreSettings::Filesystem {
            dir: folder.to_path_buf(),
        },
        lifetime,
        remember_me_lifetime,
        cookie_secure: true,
        store_timeout: Duration::from_secs(5),
        purge_interval: Duration::from_secs(600),
    };
    let store = session::connect_store(&settings.store, settings.store_timeout)
        .await
        .expect("open the store");
    assert_eq!(store.kind(), BackendKind::Filesystem);

    Router::new()
        .route("/login", post(log_in))
        .route("/write", post(write_something))
        .layer(middleware::from_fn_with_state(
            SessionLifetimes::from(&settings),
            session::apply_remember_me,
        ))
        .layer(session::session_layer(store, &settings))
}

async fn post_to(router: &Router, path: &str, body: &str, cookie: Option<&str>) -> Cookie<'static> {
    let mut request = Request::post(path);
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, format!("pmb_session={cookie}"));
    }
    let response = router
        .clone()
        .oneshot(request.body(Body::from(body.to_owned())).unwrap())
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let set_cookie = response.headers()[header::SET_COOKIE].to_str().unwrap();
    Cookie::parse(set_cookie.to_owned()).unwrap()
}

/// Seconds until the record stored for session `id` expires.
fn stored_expiry_seconds(folder: &std::path::Path, id: &str) -> i64 {
    let bytes = std::fs::read(folder.join(format!("{id}.session"))).expect("the session file");
    let record: tower_sessions::session::Record = rmp_serde::from_slice(&bytes).expect("a record");
    (record.expiry_date - time::OffsetDateTime::now_utc()).whole_seconds()
}

fn max_age(cookie: &Cookie<'_>) -> i64 {
    cookie.max_age().expect("a Max-Age").whole_seconds()
}

#[tokio::test]
async fn remembered_login_keeps_thirty_days_after_write() {
    let folder = tempfile::tempdir().unwrap();
    let router = router(folder.path()).await;
    let login = post_to(&router, "/login", "remember=true", None).await;

    let after_write = post_to(&router, "/write", "", Some(login.value())).await;

    assert_eq!(max_age(&login), THIRTY_DAYS);
    assert_eq!(max_age(&after_write), THIRTY_DAYS);
    let stored = stored_expiry_seconds(folder.path(), after_write.value());
    assert!(
        stored > THIRTY_DAYS - 60,
        "the stored record expires in {stored} s"
    );
}

#[tokio::test]
async fn ordinary_login_keeps_seven_days_after_write() {
    let folder = tempfile::tempdir().unwrap();
    let router = router(folder.path()).await;
    let login = post_to(&router, "/login", "remember=false", None).await;

    let after_write = post_to(&router, "/write", "", Some(login.value())).await;

    assert_eq!(max_age(&login), WEEK);
    assert_eq!(max_age(&after_write), WEEK);
    let stored = stored_expiry_seconds(folder.path(), after_write.value());
    assert!(
        (WEEK - 60..=WEEK).contains(&stored),
        "the stored record expires in {stored} s"
    );
}

#[tokio::test]
async fn configured_lifetimes_reach_cookie_and_store() {
    let folder = tempfile::tempdir().unwrap();
    let router = router_with(
        folder.path(),
        time::Duration::hours(12),
        time::Duration::days(3),
    )
    .await;

    let ordinary = post_to(&router, "/login", "remember=false", None).await;
    let remembered = post_to(&router, "/login", "remember=true", None).await;

    assert_eq!(max_age(&ordinary), 12 * 3600);
    assert_eq!(max_age(&remembered), 3 * 24 * 3600);
    let stored = stored_expiry_seconds(folder.path(), remembered.value());
    assert!(
        (3 * 24 * 3600 - 60..=3 * 24 * 3600).contains(&stored),
        "expires in {stored} s"
    );
}
