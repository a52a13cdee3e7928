//! The site over HTTP on every session backend: login, the pages, logout,
//! remember me and restarts.
//!
//! Each scenario is one async function; `backend_tests!` runs all of them
//! against one backend, so a new backend takes one more line at the bottom.

mod common;

use common::{run, seconds_until, session_cookie, Backend, TestApp, TestStore};
use reqwest::{header, StatusCode};
use tower_sessions::cookie::SameSite;

const WEEK: i64 = 7 * 24 * 3600;
const THIRTY_DAYS: i64 = 30 * 24 * 3600;
/// Slack for the seconds that pass between setting an expiry and reading it.
const SLACK: i64 = 120;

async fn demo_login_sets_cookie_flags(store: TestStore) {
    let app = TestApp::spawn(&store).await;

    let response = app.post_form("/api/demo_login", &[], None).await;

    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(response.headers()[header::LOCATION], "/dashboard");
    let cookie = session_cookie(&response).expect("a pmb_session cookie");
    assert_eq!(cookie.http_only(), Some(true));
    assert_eq!(cookie.secure(), Some(true));
    assert_eq!(cookie.same_site(), Some(SameSite::Lax));
    assert_eq!(cookie.path(), Some("/"));
    let max_age = cookie.max_age().expect("a Max-Age").whole_seconds();
    assert!(
        (WEEK - SLACK..=WEEK).contains(&max_age),
        "Max-Age {max_age}"
    );

    app.stop().await;
    store.cleanup().await;
}

async fn dashboard_shows_demo_user(store: TestStore) {
    let app = TestApp::spawn(&store).await;
    let cookie = app.demo_login(false).await;

    let response = app.get("/dashboard", Some(cookie.value())).await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    let body = response.text().await.unwrap();
    assert!(
        body.contains("Welcome back, Demo."),
        "dashboard body: {body}"
    );

    app.stop().await;
    store.cleanup().await;
}

async fn logged_in_nav_is_server_rendered(store: TestStore) {
    let app = TestApp::spawn(&store).await;
    let cookie = app.demo_login(false).await;

    let body = app
        .get("/", Some(cookie.value()))
        .await
        .text()
        .await
        .unwrap();

    assert!(body.contains(">Dashboard</a>"), "no Dashboard link: {body}");
    assert!(
        body.contains("class=\"nav-user\">Demo</span>"),
        "no user name: {body}"
    );
    assert!(body.contains("Log out"), "no Log out: {body}");
    assert!(
        !body.contains(">Log in</a>"),
        "anonymous link shown: {body}"
    );

    app.stop().await;
    store.cleanup().await;
}

async fn anonymous_nav_has_no_dashboard(store: TestStore) {
    let app = TestApp::spawn(&store).await;

    let response = app.get("/", None).await;

    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        session_cookie(&response).is_none(),
        "an anonymous page set a cookie"
    );
    let body = response.text().await.unwrap();
    assert!(body.contains(">Log in</a>"), "no Log in link: {body}");
    assert!(body.contains("Demo Login"), "no Demo Login button: {body}");
    assert!(
        !body.contains("Dashboard"),
        "Dashboard shown to an anonymous visitor: {body}"
    );

    app.stop().await;
    store.cleanup().await;
}

async fn anonymous_dashboard_redirects_to_login(store: TestStore) {
    let app = TestApp::spawn(&store).await;

    let response = app.get("/dashboard", None).await;

    assert!(
        response.status().is_redirection(),
        "status {}",
        response.status()
    );
    assert_eq!(response.headers()[header::LOCATION], "/login");

    app.stop().await;
    store.cleanup().await;
}

async fn session_record_is_in_store(store: TestStore) {
    let app = TestApp::spawn(&store).await;

    let cookie = app.demo_login(false).await;

    let record = store
        .stored_record(cookie.value())
        .await
        .expect("the record in the store");
    assert_eq!(record.id.to_string(), cookie.value());
    assert_eq!(record.data["user"]["name"], "Demo");
    let remaining = seconds_until(record.expiry_date);
    assert!(
        (WEEK - SLACK..=WEEK).contains(&remaining),
        "expires in {remaining} s"
    );
    if store.backend == Backend::Redis {
        let ttl = store.redis_ttl(cookie.value()).await;
        assert!((WEEK - SLACK..=WEEK).contains(&ttl), "TTL {ttl}");
    }

    app.stop().await;
    store.cleanup().await;
}

async fn remember_me_keeps_thirty_days(store: TestStore) {
    let app = TestApp::spawn(&store).await;

    let cookie = app.demo_login(true).await;

    let max_age = cookie.max_age().expect("a Max-Age").whole_seconds();
    assert!(
        (THIRTY_DAYS - SLACK..=THIRTY_DAYS).contains(&max_age),
        "Max-Age {max_age}"
    );
    let record = store
        .stored_record(cookie.value())
        .await
        .expect("the record in the store");
    let remaining = seconds_until(record.expiry_date);
    assert!(
        (THIRTY_DAYS - SLACK..=THIRTY_DAYS).contains(&remaining),
        "expires in {remaining} s"
    );

    let response = app.get("/dashboard", Some(cookie.value())).await;

    assert_eq!(response.status(), StatusCode::OK);
    if let Some(refreshed) = session_cookie(&response) {
        let max_age = refreshed.max_age().expect("a Max-Age").whole_seconds();
        assert!(
            max_age > THIRTY_DAYS - SLACK,
            "a later request cut Max-Age to {max_age}"
        );
    }
    let record = store
        .stored_record(cookie.value())
        .await
        .expect("the record after a request");
    let remaining = seconds_until(record.expiry_date);
    assert!(
        remaining > THIRTY_DAYS - SLACK,
        "a later request cut the expiry to {remaining} s"
    );

    app.stop().await;
    store.cleanup().await;
}

async fn logout_deletes_the_record(store: TestStore) {
    let app = TestApp::spawn(&store).await;
    let cookie = app.demo_login(false).await;

    let response = app
        .post_form("/api/logout", &[], Some(cookie.value()))
        .await;

    assert!(
        response.status().is_redirection(),
        "status {}",
        response.status()
    );
    let removal = session_cookie(&response).expect("a cookie that expires the session");
    assert_eq!(removal.value(), "");
    let expired = removal.max_age().is_some_and(|age| age.is_zero())
        || removal
            .expires_datetime()
            .is_some_and(|at| at < time::OffsetDateTime::now_utc());
    assert!(expired, "the removal cookie does not expire: {removal}");
    assert_eq!(removal.http_only(), Some(true), "{removal}");
    assert_eq!(removal.secure(), Some(true), "{removal}");
    assert_eq!(removal.same_site(), Some(SameSite::Lax), "{removal}");
    assert_eq!(removal.path(), Some("/"), "{removal}");
    assert!(
        store.stored_record(cookie.value()).await.is_none(),
        "the record survived logout"
    );

    let replay = app.get("/dashboard", Some(cookie.value())).await;
    assert_eq!(replay.headers()[header::LOCATION], "/login");

    app.stop().await;
    store.cleanup().await;
}

async fn login_replaces_planted_session_id(store: TestStore) {
    let app = TestApp::spawn(&store).await;
    let first = app.demo_login(false).await;

    let response = app
        .post_form("/api/demo_login", &[], Some(first.value()))
        .await;

    let second = session_cookie(&response).expect("a new session cookie");
    assert_ne!(second.value(), first.value());
    assert!(
        store.stored_record(first.value()).await.is_none(),
        "the old record was kept"
    );
    assert!(
        store.stored_record(second.value()).await.is_some(),
        "the new record is missing"
    );

    app.stop().await;
    store.cleanup().await;
}

async fn restart_keeps_the_login(store: TestStore) {
    let first = TestApp::spawn(&store).await;
    let cookie = first.demo_login(false).await;
    first.stop().await;

    let second = TestApp::spawn(&store).await;
    let response = second.get("/dashboard", Some(cookie.value())).await;

    assert_eq!(response.status(), StatusCode::OK);
    assert!(response
        .text()
        .await
        .unwrap()
        .contains("Welcome back, Demo."));

    second.stop().await;
    store.cleanup().await;
}

async fn detailed_health_reports_store(store: TestStore) {
    let app = TestApp::spawn(&store).await;

    let response = app.get("/health/detailed", None).await;

    assert_eq!(response.status(), StatusCode::OK);
    let body = response.text().await.unwrap();
    let health: serde_json::Value = serde_json::from_str(&body).unwrap();
    let expected_backend = match store.backend {
        Backend::Redis => "redis",
        Backend::Filesystem => "filesystem",
        _ => "sql",
    };
    assert_eq!(health["status"], "ok");
    assert_eq!(health["session_store"]["backend"], expected_backend);
    assert_eq!(health["session_store"]["reachable"], true);
    assert!(health["session_store"]["latency_ms"].is_number());
    // Files, and an SQLite file, belong to one machine.
    let shared = !matches!(store.backend, Backend::Filesystem | Backend::Sqlite);
    assert_eq!(health["session_store"]["shared_across_instances"], shared);
    assert_eq!(
        health["environment"]["redis_configured"],
        store.backend == Backend::Redis
    );
    for secret_marker in ["redis://", "postgres://", "mysql://", "sqlite:", "@"] {
        assert!(
            !body.contains(secret_marker),
            "health names {secret_marker}: {body}"
        );
    }

    app.stop().await;
    store.cleanup().await;
}

async fn parallel_requests_keep_the_login(store: TestStore) {
    let app = std::sync::Arc::new(TestApp::spawn(&store).await);
    let cookie = app.demo_login(true).await;
    let value = cookie.value().to_owned();

    let requests: Vec<_> = (0..50)
        .map(|i| {
            let app = std::sync::Arc::clone(&app);
            let value = value.clone();
            tokio::spawn(async move {
                if i % 5 == 0 {
                    app.post_form("/api/dismiss_tip", &[], Some(&value))
                        .await
                        .status()
                } else {
                    app.get("/dashboard", Some(&value)).await.status()
                }
            })
        })
        .collect();
    for request in requests {
        let status = request.await.expect("the request task");
        assert!(
            status == StatusCode::OK || status == StatusCode::FOUND,
            "a parallel request answered {status}"
        );
    }

    let response = app.get("/dashboard", Some(&value)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body = response.text().await.unwrap();
    assert!(body.contains("Welcome back, Demo."), "the login was lost");
    assert!(!body.contains("Dismiss tip"), "the dismissal was lost");
    let record = store.stored_record(&value).await.expect("the record");
    assert_eq!(record.data["user"]["name"], "Demo");
    assert_eq!(record.data["remember_me"], true);
    assert!(seconds_until(record.expiry_date) > THIRTY_DAYS - SLACK);
    if store.backend == Backend::Redis {
        let ttl = store.redis_ttl(&value).await;
        assert!(ttl > THIRTY_DAYS - SLACK, "TTL after the writes: {ttl}");
    }

    match std::sync::Arc::try_unwrap(app) {
        Ok(app) => app.stop().await,
        Err(_) => panic!("a request task still holds the app"),
    }
    store.cleanup().await;
}

async fn dismissing_tip_needs_login(store: TestStore) {
    let app = TestApp::spawn(&store).await;

    let response = app.post_form("/api/dismiss_tip", &[], None).await;

    assert!(
        !response.status().is_server_error(),
        "status {}",
        response.status()
    );
    assert!(
        session_cookie(&response).is_none(),
        "an anonymous write created a session"
    );

    app.stop().await;
    store.cleanup().await;
}

macro_rules! backend_tests {
    ($module:ident, $backend:expr) => {
        mod $module {
            use super::*;

            #[tokio::test]
            async fn demo_login_sets_cookie_flags() {
                run($backend, super::demo_login_sets_cookie_flags).await;
            }

            #[tokio::test]
            async fn dashboard_shows_demo_user() {
                run($backend, super::dashboard_shows_demo_user).await;
            }

            #[tokio::test]
            async fn logged_in_nav_is_server_rendered() {
                run($backend, super::logged_in_nav_is_server_rendered).await;
            }

            #[tokio::test]
            async fn anonymous_nav_has_no_dashboard() {
                run($backend, super::anonymous_nav_has_no_dashboard).await;
            }

            #[tokio::test]
            async fn anonymous_dashboard_redirects_to_login() {
                run($backend, super::anonymous_dashboard_redirects_to_login).await;
            }

            #[tokio::test]
            async fn session_record_is_in_store() {
                run($backend, super::session_record_is_in_store).await;
            }

            #[tokio::test]
            async fn remember_me_keeps_thirty_days() {
                run($backend, super::remember_me_keeps_thirty_days).await;
            }

            #[tokio::test]
            async fn logout_deletes_the_record() {
                run($backend, super::logout_deletes_the_record).await;
            }

            #[tokio::test]
            async fn login_replaces_planted_session_id() {
                run($backend, super::login_replaces_planted_session_id).await;
            }

            #[tokio::test]
            async fn restart_keeps_the_login() {
                run($backend, super::restart_keeps_the_login).await;
            }

            #[tokio::test]
            async fn detailed_health_reports_store() {
                run($backend, super::detailed_health_reports_store).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn parallel_requests_keep_the_login() {
                run($backend, super::parallel_requests_keep_the_login).await;
            }

            #[tokio::test]
            async fn dismissing_tip_needs_login() {
                run($backend, super::dismissing_tip_needs_login).await;
            }
        }
    };
}

backend_tests!(redis, Backend::Redis);
backend_tests!(postgres, Backend::Postgres);
backend_tests!(sqlite, Backend::Sqlite);
backend_tests!(mariadb, Backend::MySql);
backend_tests!(filesystem, Backend::Filesystem);
