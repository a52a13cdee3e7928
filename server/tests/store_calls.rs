//! How many store calls each kind of request makes, counted exactly on every
//! backend: an anonymous page makes none, a page that only reads the session
//! makes one load, and a login makes at most three calls.

mod common;

use app::session::{
    connect_store,
    counting::{CallCounts, CountingBackend},
    RedisSettings, Secret, StoreSettings,
};
use common::{redis_server::RedisServer, run, session_cookie, Backend, TestApp, TestStore};
use reqwest::StatusCode;

const PASSWORD: &str = "correct horse battery";

fn calls(create: u64, save: u64, load: u64, delete: u64) -> CallCounts {
    CallCounts {
        create,
        save,
        load,
        delete,
    }
}

async fn requests_make_expected_calls(store: TestStore) {
    let settings = store.session_settings();
    let handle = connect_store(&settings.store, settings.store_timeout)
        .await
        .unwrap();
    let (counted, counter) = CountingBackend::wrap(handle);
    let app = TestApp::spawn_with_store(settings, counted).await;
    counter.take();

    for path in ["/", "/templates", "/login", "/health"] {
        assert_eq!(app.get(path, None).await.status(), StatusCode::OK, "{path}");
        assert_eq!(counter.take(), CallCounts::default(), "anonymous {path}");
    }

    let first = app.demo_login(false).await;
    // Rotating the id deletes the old record, even a never-issued one.
    assert_eq!(counter.take(), calls(1, 0, 0, 1), "login without a cookie");

    let response = app
        .post_form("/api/demo_login", &[], Some(first.value()))
        .await;
    let cookie = session_cookie(&response).expect("a new session cookie");
    let login = counter.take();
    assert_eq!(login, calls(1, 0, 1, 1), "login with a cookie");
    assert!(login.total() <= 3);

    for path in ["/dashboard", "/", "/templates"] {
        assert_eq!(
            app.get(path, Some(cookie.value())).await.status(),
            StatusCode::OK,
            "{path}"
        );
        assert_eq!(counter.take(), calls(0, 0, 1, 0), "logged-in {path}");
    }

    app.post_form("/api/dismiss_tip", &[], Some(cookie.value()))
        .await;
    assert_eq!(counter.take(), calls(0, 1, 1, 0), "a write");

    app.post_form("/api/logout", &[], Some(cookie.value()))
        .await;
    // Logging out deletes the record without reading it first.
    assert_eq!(counter.take(), calls(0, 0, 0, 1), "logout");

    // A password account costs the same: the list of its sessions lives
    // beside the store and adds no store call to sign-up, login, the
    // dashboard that shows the list, or logout.
    let signup = app
        .post_form(
            "/api/signup",
            &[
                ("name", "Ada"),
                ("email", "ada@example.com"),
                ("password", PASSWORD),
            ],
            None,
        )
        .await;
    session_cookie(&signup).expect("sign-up sets a session cookie");
    assert_eq!(counter.take(), calls(1, 0, 0, 1), "sign-up");
    let login = app
        .post_form(
            "/api/login",
            &[("email", "ada@example.com"), ("password", PASSWORD)],
            None,
        )
        .await;
    let account = session_cookie(&login).expect("login sets a session cookie");
    assert_eq!(counter.take(), calls(1, 0, 0, 1), "password login");
    let dashboard = app.get("/dashboard", Some(account.value())).await;
    assert_eq!(dashboard.status(), StatusCode::OK);
    assert!(dashboard.text().await.unwrap().contains("This session"));
    assert_eq!(
        counter.take(),
        calls(0, 0, 1, 0),
        "dashboard with its sessions"
    );
    app.post_form("/api/logout", &[], Some(account.value()))
        .await;
    assert_eq!(counter.take(), calls(0, 0, 0, 1), "logout of an account");

    app.stop().await;
    store.cleanup().await;
}

macro_rules! store_call_tests {
    ($module:ident, $backend:expr) => {
        mod $module {
            use super::*;

            #[tokio::test]
            async fn requests_make_expected_calls() {
                run($backend, super::requests_make_expected_calls).await;
            }
        }
    };
}

store_call_tests!(redis, Backend::Redis);
store_call_tests!(postgres, Backend::Postgres);
store_call_tests!(sqlite, Backend::Sqlite);
store_call_tests!(mariadb, Backend::MySql);
store_call_tests!(filesystem, Backend::Filesystem);

/// Calls per command from `INFO commandstats`, such as `("get", 3)`.
fn command_calls(redis: &RedisServer) -> std::collections::BTreeMap<String, u64> {
    common::redis_server::command_stats(&redis.cli(&["INFO", "commandstats"]))
}

/// Returns the commands run between two `INFO commandstats` readings,
/// leaving out the `INFO` calls themselves.
fn commands_between(
    before: &std::collections::BTreeMap<String, u64>,
    after: &std::collections::BTreeMap<String, u64>,
) -> std::collections::BTreeMap<String, u64> {
    after
        .iter()
        .filter(|(name, _)| name.as_str() != "info")
        .filter_map(|(name, calls)| {
            let delta = calls - before.get(name).copied().unwrap_or(0);
            (delta > 0).then(|| (name.clone(), delta))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_commands_per_request() {
    let Some(redis) = RedisServer::start(&[]) else {
        return;
    };
    let store = TestStore::custom(
        Backend::Redis,
        StoreSettings::Redis(RedisSettings {
            url: Secret::new(redis.url()),
            key_prefix: "pmb:".to_owned(),
            ca_cert: None,
            pool_size: RedisSettings::DEFAULT_POOL_SIZE,
        }),
    );
    let app = TestApp::spawn(&store).await;
    let cookie = app.demo_login(false).await;
    let views = 20;

    let before = command_calls(&redis);
    for _ in 0..views {
        assert_eq!(
            app.get("/dashboard", Some(cookie.value())).await.status(),
            StatusCode::OK
        );
    }
    let dashboard = commands_between(&before, &command_calls(&redis));

    let before = command_calls(&redis);
    for _ in 0..views {
        assert_eq!(app.get("/templates", None).await.status(), StatusCode::OK);
    }
    let anonymous = commands_between(&before, &command_calls(&redis));

    let before = command_calls(&redis);
    app.demo_login(false).await;
    let login = commands_between(&before, &command_calls(&redis));

    // A password login and its logout: the per-user list of sessions adds
    // no Redis command to either.
    app.post_form(
        "/api/signup",
        &[
            ("name", "Ada"),
            ("email", "ada@example.com"),
            ("password", PASSWORD),
        ],
        None,
    )
    .await;
    let before = command_calls(&redis);
    let response = app
        .post_form(
            "/api/login",
            &[("email", "ada@example.com"), ("password", PASSWORD)],
            None,
        )
        .await;
    let account = session_cookie(&response).expect("login sets a session cookie");
    let password_login = commands_between(&before, &command_calls(&redis));
    let before = command_calls(&redis);
    app.post_form("/api/logout", &[], Some(account.value()))
        .await;
    let logout = commands_between(&before, &command_calls(&redis));

    assert_eq!(
        dashboard.into_iter().collect::<Vec<_>>(),
        vec![("get".to_owned(), views)]
    );
    assert!(anonymous.is_empty(), "anonymous pages ran {anonymous:?}");
    assert_eq!(login.values().sum::<u64>(), 2, "login ran {login:?}");
    assert_eq!(
        password_login, login,
        "a password login ran {password_login:?}"
    );
    assert_eq!(
        logout.into_iter().collect::<Vec<_>>(),
        vec![("del".to_owned(), 1)],
        "logout"
    );

    app.stop().await;
}
