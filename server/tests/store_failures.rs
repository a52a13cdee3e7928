//! The site when its session store fails: Redis connections killed, Redis
//! stopped and started again, TLS set up right and wrong, a password with
//! reserved characters, and an SQL database that goes away.
//!
//! Every Redis here is a redis-server the test starts on its own port. The
//! tests run on a multi-threaded runtime, as the server binary does.

mod common;

use std::time::{Duration, Instant};

use app::session::{RedisSettings, Secret, StoreSettings};
use common::{
    proxy::TcpProxy,
    redis_server::{make_certificates, RedisServer},
    Backend, TestApp, TestStore,
};
use reqwest::StatusCode;
use tower_sessions::SessionStore;

/// Slack on top of the 5 s store timeout within which every response must arrive.
const ANSWER_SLACK: Duration = Duration::from_secs(2);
const STORE_TIMEOUT: Duration = Duration::from_secs(5);

fn redis_store(url: String, ca_cert: Option<std::path::PathBuf>) -> TestStore {
    TestStore::custom(
        Backend::Redis,
        StoreSettings::Redis(RedisSettings {
            url: Secret::new(url),
            key_prefix: "pmb:".to_owned(),
            ca_cert,
            pool_size: RedisSettings::DEFAULT_POOL_SIZE,
        }),
    )
}

/// Creates a PostgreSQL database of the test's own and returns it, a proxy
/// in front of its server, and a store that reaches it through the proxy.
async fn postgres_behind_proxy() -> Option<(TestStore, TcpProxy, TestStore)> {
    sql_behind_proxy(Backend::Postgres).await
}

/// Creates a database of the test's own on the `backend` server and returns
/// it, a proxy in front of the server, and a store that reaches it through
/// the proxy.
async fn sql_behind_proxy(backend: Backend) -> Option<(TestStore, TcpProxy, TestStore)> {
    let store = TestStore::new(backend).await?;
    let StoreSettings::Sql { url } = &store.settings else {
        unreachable!("{backend:?} is an SQL store")
    };

    let proxy = TcpProxy::start(url.expose()).await;
    let proxied = TestStore::custom(
        backend,
        StoreSettings::Sql {
            url: Secret::new(proxy.url()),
        },
    );
    Some((store, proxy, proxied))
}

/// Polls `probe` every 100 ms until it returns true or `limit` passes.
async fn eventually<F, Fut>(limit: Duration, mut probe: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if probe().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

async fn dashboard_status(app: &TestApp, cookie: &str) -> StatusCode {
    app.get("/dashboard", Some(cookie)).await.status()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_connections_reconnect() {
    let Some(redis) = RedisServer::start(&[]) else {
        return;
    };
    let store = redis_store(redis.url(), None);
    let app = TestApp::spawn(&store).await;
    let cookie = app.demo_login(false).await;

    let killed = redis.cli(&["CLIENT", "KILL", "TYPE", "normal"]);

    assert!(
        killed.trim().parse::<u32>().is_ok_and(|count| count > 0),
        "CLIENT KILL: {killed}"
    );
    let recovered = eventually(Duration::from_secs(10), || async {
        dashboard_status(&app, cookie.value()).await == StatusCode::OK
    })
    .await;
    assert!(
        recovered,
        "the dashboard did not come back after CLIENT KILL"
    );
    let again = app.demo_login(false).await;
    assert_eq!(dashboard_status(&app, again.value()).await, StatusCode::OK);

    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopped_redis_degrades_then_recovers() {
    let Some(mut redis) = RedisServer::start(&[]) else {
        return;
    };
    let store = redis_store(redis.url(), None);
    let app = TestApp::spawn(&store).await;
    let cookie = app.demo_login(false).await;

    redis.stop();

    let started = Instant::now();
    let home = app.get("/", None).await;
    assert_eq!(home.status(), StatusCode::OK, "anonymous home page");
    assert!(
        started.elapsed() < ANSWER_SLACK,
        "anonymous home took {:?}",
        started.elapsed()
    );

    let started = Instant::now();
    let home = app.get("/", Some(cookie.value())).await;
    assert_eq!(home.status(), StatusCode::OK, "home page with a cookie");
    assert!(
        started.elapsed() < STORE_TIMEOUT + ANSWER_SLACK,
        "home took {:?}",
        started.elapsed()
    );

    let started = Instant::now();
    let dashboard = app.get("/dashboard", Some(cookie.value())).await;
    assert_eq!(dashboard.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        started.elapsed() < STORE_TIMEOUT + ANSWER_SLACK,
        "dashboard took {:?}",
        started.elapsed()
    );
    assert!(dashboard
        .text()
        .await
        .unwrap()
        .contains("Sessions are unavailable"));

    let started = Instant::now();
    let login = app.post_form("/api/demo_login", &[], None).await;
    assert!(
        login.status().is_server_error(),
        "login answered {}",
        login.status()
    );
    assert_ne!(
        login.status(),
        StatusCode::INTERNAL_SERVER_ERROR,
        "a bare 500 for login"
    );
    assert!(
        started.elapsed() < STORE_TIMEOUT + ANSWER_SLACK,
        "login took {:?}",
        started.elapsed()
    );

    let health = app.get("/health/detailed", None).await;
    assert_eq!(health.status(), StatusCode::SERVICE_UNAVAILABLE);
    let health: serde_json::Value = serde_json::from_str(&health.text().await.unwrap()).unwrap();
    assert_eq!(health["status"], "degraded");
    assert_eq!(health["session_store"]["reachable"], false);

    redis.resume();

    let healthy = eventually(Duration::from_secs(15), || async {
        app.get("/health/detailed", None).await.status() == StatusCode::OK
    })
    .await;
    assert!(healthy, "health did not recover after Redis came back");
    let fresh = app.demo_login(false).await;
    assert_eq!(dashboard_status(&app, fresh.value()).await, StatusCode::OK);

    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_redis_at_start_up_still_starts() {
    let Some(mut redis) = RedisServer::start(&[]) else {
        return;
    };
    redis.stop();
    let store = redis_store(redis.url(), None);

    let app = TestApp::spawn(&store).await;

    assert_eq!(app.get("/", None).await.status(), StatusCode::OK);
    assert_eq!(
        app.get("/health/detailed", None).await.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    redis.resume();
    let healthy = eventually(Duration::from_secs(15), || async {
        app.get("/health/detailed", None).await.status() == StatusCode::OK
    })
    .await;
    assert!(healthy, "health did not recover once Redis started");
    let cookie = app.demo_login(false).await;
    assert_eq!(dashboard_status(&app, cookie.value()).await, StatusCode::OK);

    app.stop().await;
}

fn tls_server(certificates: &std::path::Path) -> Option<RedisServer> {
    let path = |name: &str| certificates.join(name).display().to_string();
    RedisServer::start(&[
        "--tls-cert-file".to_owned(),
        path("server.pem"),
        "--tls-key-file".to_owned(),
        path("server.key"),
        "--tls-ca-cert-file".to_owned(),
        path("ca.pem"),
        "--tls-auth-clients".to_owned(),
        "no".to_owned(),
    ])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rediss_with_trusted_ca_works() {
    let certificates = tempfile::tempdir().unwrap();
    make_certificates(certificates.path());
    let Some(redis) = tls_server(certificates.path()) else {
        return;
    };
    let url = format!("rediss://127.0.0.1:{}", redis.port);
    let store = redis_store(url, Some(certificates.path().join("ca.pem")));

    let app = TestApp::spawn(&store).await;
    let cookie = app.demo_login(false).await;

    assert_eq!(dashboard_status(&app, cookie.value()).await, StatusCode::OK);
    assert_eq!(
        app.get("/health/detailed", None).await.status(),
        StatusCode::OK
    );

    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rediss_with_untrusted_ca_fails_fast() {
    let certificates = tempfile::tempdir().unwrap();
    make_certificates(certificates.path());
    let Some(redis) = tls_server(certificates.path()) else {
        return;
    };
    let store = redis_store(format!("rediss://127.0.0.1:{}", redis.port), None);

    let app = TestApp::spawn(&store).await;
    let started = Instant::now();
    let health = app.get("/health/detailed", None).await;

    assert_eq!(health.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        started.elapsed() < STORE_TIMEOUT + ANSWER_SLACK,
        "took {:?}",
        started.elapsed()
    );

    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_redis_on_tls_port_fails_fast() {
    let certificates = tempfile::tempdir().unwrap();
    make_certificates(certificates.path());
    let Some(redis) = tls_server(certificates.path()) else {
        return;
    };
    let store = redis_store(format!("redis://127.0.0.1:{}", redis.port), None);

    let app = TestApp::spawn(&store).await;
    let started = Instant::now();
    let login = app.post_form("/api/demo_login", &[], None).await;

    assert!(
        login.status().is_server_error(),
        "login answered {}",
        login.status()
    );
    assert!(
        started.elapsed() < STORE_TIMEOUT + ANSWER_SLACK,
        "took {:?}",
        started.elapsed()
    );

    app.stop().await;
}

/// A password with every character that must be percent-encoded in a URL.
const AWKWARD_PASSWORD: &str = "p@ss#w:rd/50%";
const AWKWARD_PASSWORD_ENCODED: &str = "p%40ss%23w%3Ard%2F50%25";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn percent_encoded_password_works() {
    let Some(redis) =
        RedisServer::start(&["--requirepass".to_owned(), AWKWARD_PASSWORD.to_owned()])
    else {
        return;
    };

    for user in ["", "default"] {
        let url = format!(
            "redis://{user}:{AWKWARD_PASSWORD_ENCODED}@127.0.0.1:{}",
            redis.port
        );
        let store = redis_store(url, None);
        let app = TestApp::spawn(&store).await;

        let cookie = app.demo_login(false).await;

        assert_eq!(
            dashboard_status(&app, cookie.value()).await,
            StatusCode::OK,
            "user {user:?}"
        );
        let health = app
            .get("/health/detailed", None)
            .await
            .text()
            .await
            .unwrap();
        assert!(
            !health.contains(AWKWARD_PASSWORD),
            "health names the password"
        );
        assert!(
            !health.contains(AWKWARD_PASSWORD_ENCODED),
            "health names the password"
        );
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sql_database_going_away_degrades_then_recovers() {
    let Some((store, mut proxy, proxied)) = postgres_behind_proxy().await else {
        return;
    };
    let app = TestApp::spawn(&proxied).await;
    let cookie = app.demo_login(false).await;

    proxy.stop().await;

    let started = Instant::now();
    let dashboard = app.get("/dashboard", Some(cookie.value())).await;
    assert_eq!(dashboard.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        started.elapsed() < STORE_TIMEOUT + ANSWER_SLACK,
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(app.get("/", None).await.status(), StatusCode::OK);
    assert_eq!(
        app.get("/health/detailed", None).await.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );

    proxy.resume().await;

    let recovered = eventually(Duration::from_secs(15), || async {
        dashboard_status(&app, cookie.value()).await == StatusCode::OK
    })
    .await;
    assert!(
        recovered,
        "the dashboard did not come back with the database"
    );
    let fresh = app.demo_login(false).await;
    assert_eq!(dashboard_status(&app, fresh.value()).await, StatusCode::OK);

    app.stop().await;
    store.cleanup().await;
}

/// Once a database is back from an outage longer than a second (a
/// restart), the first view works: the pool checks connections that sat idle
/// before it hands them out, and replaces those the outage closed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_view_after_sql_outage_works() {
    for backend in [Backend::Postgres, Backend::MySql] {
        let Some((store, mut proxy, proxied)) = sql_behind_proxy(backend).await else {
            continue;
        };
        let app = TestApp::spawn(&proxied).await;
        let cookie = app.demo_login(false).await;
        assert_eq!(
            dashboard_status(&app, cookie.value()).await,
            StatusCode::OK,
            "{backend:?}: before the outage"
        );

        proxy.stop().await;
        tokio::time::sleep(app::session::sql::PING_AFTER_IDLE + Duration::from_millis(500)).await;
        proxy.resume().await;

        assert_eq!(
            dashboard_status(&app, cookie.value()).await,
            StatusCode::OK,
            "{backend:?}: the first view after the outage"
        );
        app.stop().await;
        store.cleanup().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_sql_at_start_up_still_starts() {
    let Some((store, mut proxy, proxied)) = postgres_behind_proxy().await else {
        return;
    };
    proxy.stop().await;

    let app = TestApp::spawn(&proxied).await;

    assert_eq!(app.get("/", None).await.status(), StatusCode::OK);
    assert_eq!(
        app.get("/health/detailed", None).await.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    proxy.resume().await;
    let logged_in = eventually(Duration::from_secs(20), || async {
        let response = app.post_form("/api/demo_login", &[], None).await;
        response.status() == StatusCode::FOUND
    })
    .await;
    assert!(logged_in, "login never worked once the database answered");

    app.stop().await;
    store.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn purge_task_survives_database_outage() {
    let Some((store, mut proxy, proxied)) = postgres_behind_proxy().await else {
        return;
    };
    // The purge interval of test stores is one second.
    let app = TestApp::spawn(&proxied).await;
    proxy.stop().await;
    let outage = Duration::from_secs(3);
    tokio::time::sleep(outage).await;
    proxy.resume().await;

    let handle = app::session::connect_store(&store.settings, STORE_TIMEOUT)
        .await
        .expect("connect directly");
    let mut expired = tower_sessions::session::Record {
        id: tower_sessions::session::Id::default(),
        data: Default::default(),
        expiry_date: time::OffsetDateTime::now_utc() + time::Duration::hours(1),
    };
    handle.create(&mut expired).await.expect("create");
    expired.expiry_date = time::OffsetDateTime::now_utc() - time::Duration::minutes(1);
    handle.save(&expired).await.expect("expire it");

    let purged = eventually(Duration::from_secs(10), || async {
        store.stored_record(&expired.id.to_string()).await.is_none()
    })
    .await;
    assert!(purged, "the purge task stopped after the outage");

    app.stop().await;
    store.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn purge_task_survives_damaged_files() {
    let Some(store) = TestStore::new(Backend::Filesystem).await else {
        return;
    };
    let app = TestApp::spawn(&store).await;
    let folder = store.folder().expect("the session folder");
    let damaged = folder.join(format!(
        "{}.session",
        tower_sessions::session::Id::default()
    ));
    std::fs::write(&damaged, b"not a record").unwrap();

    let handle = app::session::connect_store(&store.settings, STORE_TIMEOUT)
        .await
        .expect("open the folder");
    let mut expired = tower_sessions::session::Record {
        id: tower_sessions::session::Id::default(),
        data: Default::default(),
        expiry_date: time::OffsetDateTime::now_utc() + time::Duration::hours(1),
    };
    handle.create(&mut expired).await.expect("create");
    expired.expiry_date = time::OffsetDateTime::now_utc() - time::Duration::minutes(1);
    handle.save(&expired).await.expect("expire it");
    let expired_path = folder.join(format!("{}.session", expired.id));

    let purged = eventually(Duration::from_secs(10), || async {
        !expired_path.exists() && !damaged.exists()
    })
    .await;
    assert!(purged, "the purge task left an expired or damaged file");

    app.stop().await;
}
