//! The command line and the operations around it: subcommands, settings
//! that stop start-up, graceful shutdown, JSON logs and the serverless
//! warning.

mod common;

use std::{process::Output, time::Duration};

use app::session::{connect_store, RedisSettings, Secret, StoreSettings};
use common::{
    process::{
        binary, collect_lines, demo_login_over_http, http_client, store_env, terminate,
        wait_until_listening,
    },
    proxy::TcpProxy,
    redis_server::free_port,
    Backend, TestApp, TestStore,
};
use reqwest::{header, StatusCode};
use sqlx::Connection;
use time::OffsetDateTime;
use tower_sessions::{
    session::{Id, Record},
    SessionStore,
};

const STORE_TIMEOUT: Duration = Duration::from_secs(5);

fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn run(args: &[&str], envs: &[(&str, String)]) -> Output {
    binary(envs).args(args).output().expect("run the binary")
}

fn record(expires_in: time::Duration) -> Record {
    Record {
        id: Id::default(),
        data: Default::default(),
        expiry_date: OffsetDateTime::now_utc() + expires_in,
    }
}

#[test]
fn bad_settings_stop_start_up() {
    let not_a_folder = tempfile::NamedTempFile::new().unwrap();
    let cases: Vec<(&str, Vec<(&str, String)>)> = vec![
        (
            "SESSION_TYPE",
            vec![("SESSION_TYPE", "memcached".to_owned())],
        ),
        ("DATABASE_URL", vec![("SESSION_TYPE", "sql".to_owned())]),
        (
            "SESSION_FILE_DIR",
            vec![(
                "SESSION_FILE_DIR",
                not_a_folder.path().join("sessions").display().to_string(),
            )],
        ),
        (
            "SESSION_LIFETIME",
            vec![("SESSION_LIFETIME", "7 days".to_owned())],
        ),
        (
            "REMEMBER_ME_LIFETIME",
            vec![("REMEMBER_ME_LIFETIME", "0d".to_owned())],
        ),
        (
            "SESSION_COOKIE_SECURE",
            vec![("SESSION_COOKIE_SECURE", "maybe".to_owned())],
        ),
        ("LOG_FORMAT", vec![("LOG_FORMAT", "xml".to_owned())]),
        (
            "REDIS_URL",
            vec![("REDIS_URL", "http://127.0.0.1:6379".to_owned())],
        ),
    ];

    for (setting, mut envs) in cases {
        envs.push(("LEPTOS_SITE_ADDR", format!("127.0.0.1:{}", free_port())));
        let output = run(&[], &envs);

        let (_, log) = text(&output);
        assert!(
            !output.status.success(),
            "{setting}: started anyway:\n{log}"
        );
        let lines: Vec<&str> = log.lines().filter(|line| !line.trim().is_empty()).collect();
        assert_eq!(lines.len(), 1, "{setting}: expected one line:\n{log}");
        assert!(
            lines[0].contains(setting),
            "{setting}: the line does not name it: {log}"
        );
    }
}

#[test]
fn check_config_masks_secrets() {
    let output = run(
        &["check-config"],
        &[
            (
                "REDIS_URL",
                "rediss://default:hunter2@cache.example.test:6380".to_owned(),
            ),
            ("SESSION_LIFETIME", "12h".to_owned()),
        ],
    );

    let (stdout, log) = text(&output);
    assert!(output.status.success(), "{log}");
    assert!(stdout.contains("SESSION_TYPE: redis"), "{stdout}");
    assert!(
        stdout.contains("rediss://cache.example.test:6380"),
        "{stdout}"
    );
    assert!(stdout.contains("SESSION_LIFETIME: 12h"), "{stdout}");
    assert!(
        stdout.contains("REDIS_POOL_SIZE: 1 connection\n"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("hunter2"),
        "check-config printed the password: {stdout}"
    );
    assert!(
        !log.contains("hunter2"),
        "the log names the password: {log}"
    );
}

#[test]
fn check_config_names_bad_setting() {
    let output = run(
        &["check-config"],
        &[("SESSION_TYPE", "memcached".to_owned())],
    );

    let (_, log) = text(&output);
    assert!(!output.status.success());
    assert!(log.contains("SESSION_TYPE"), "{log}");
}

#[test]
fn check_config_catches_what_start_up_rejects() {
    let not_a_folder = tempfile::NamedTempFile::new().unwrap();
    let cases = [
        (
            "REDIS_URL",
            vec![("REDIS_URL", "http://127.0.0.1:6379".to_owned())],
        ),
        (
            "REDIS_URL",
            vec![("REDIS_URL", "redis://user:p@ss@127.0.0.1:6379".to_owned())],
        ),
        (
            "SESSION_FILE_DIR",
            vec![(
                "SESSION_FILE_DIR",
                not_a_folder.path().join("sessions").display().to_string(),
            )],
        ),
        (
            "DATABASE_URL",
            vec![("DATABASE_URL", "oracle://127.0.0.1/accounts".to_owned())],
        ),
    ];

    for (setting, envs) in cases {
        let output = run(&["check-config"], &envs);

        let (stdout, log) = text(&output);
        assert!(!output.status.success(), "{setting} passed: {stdout}");
        assert!(log.contains(setting), "{setting}: {log}");
        assert!(!stdout.contains("configuration is valid"), "{stdout}");
    }
}

#[test]
fn every_command_has_help() {
    for args in [
        vec!["--help"],
        vec!["migrate", "--help"],
        vec!["sessions", "--help"],
        vec!["sessions", "stats", "--help"],
        vec!["sessions", "purge", "--help"],
        vec!["sessions", "copy", "--help"],
        vec!["check-config", "--help"],
    ] {
        let output = run(&args, &[]);

        let (stdout, _) = text(&output);
        assert!(output.status.success(), "{args:?} failed");
        assert!(stdout.contains("Usage: pmblueprints"), "{args:?}: {stdout}");
    }
}

#[tokio::test]
async fn migrate_creates_tables() {
    for backend in [Backend::Sqlite, Backend::Postgres, Backend::MySql] {
        let Some(store) = TestStore::new(backend).await else {
            continue;
        };
        let StoreSettings::Sql { url } = &store.settings else {
            unreachable!("an SQL backend")
        };

        let output = run(&["migrate"], &[("DATABASE_URL", url.expose().to_owned())]);

        let (stdout, log) = text(&output);
        assert!(output.status.success(), "{backend:?}: {log}");
        assert!(
            stdout.contains("migrations applied"),
            "{backend:?}: {stdout}"
        );
        // A store call works only when the table exists.
        let handle = connect_store(&store.settings, STORE_TIMEOUT).await.unwrap();
        let mut session = record(time::Duration::hours(1));
        handle.create(&mut session).await.expect("the table exists");
        store.cleanup().await;
    }
}

/// Instances that start at the same moment on one fresh database (a
/// deployment that starts two, or `migrate` run beside a starting server)
/// must all come up, with each migration recorded once.
#[tokio::test]
async fn concurrent_migrations_all_succeed() {
    const PROCESSES: usize = 6;
    for backend in [Backend::Sqlite, Backend::Postgres, Backend::MySql] {
        let Some(store) = TestStore::new(backend).await else {
            continue;
        };
        let StoreSettings::Sql { url } = &store.settings else {
            unreachable!("an SQL backend")
        };
        let envs = [("DATABASE_URL", url.expose().to_owned())];

        let children: Vec<_> = (0..PROCESSES)
            .map(|_| {
                binary(&envs)
                    .arg("migrate")
                    .spawn()
                    .expect("start the binary")
            })
            .collect();
        for child in children {
            let output = child.wait_with_output().expect("wait for the binary");
            let (stdout, log) = text(&output);
            assert!(output.status.success(), "{backend:?}: {stdout}{log}");
        }

        sqlx::any::install_default_drivers();
        let mut connection = sqlx::AnyConnection::connect(url.expose())
            .await
            .expect("open the migrated database");
        let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
            .fetch_one(&mut connection)
            .await
            .expect("count the applied migrations");
        let expected = match backend {
            Backend::Sqlite => sqlx::migrate!("../migrations/sqlite").iter().count(),
            Backend::Postgres => sqlx::migrate!("../migrations/postgres").iter().count(),
            _ => sqlx::migrate!("../migrations/mysql").iter().count(),
        };
        assert_eq!(
            usize::try_from(applied).ok(),
            Some(expected),
            "{backend:?}: rows in _sqlx_migrations"
        );
        store.cleanup().await;
    }
}

#[test]
fn migrate_without_database_url_uses_the_default_file() {
    let folder = tempfile::tempdir().unwrap();

    let output = binary(&[])
        .current_dir(folder.path())
        .env_remove("DATABASE_URL")
        .arg("migrate")
        .output()
        .expect("run the binary");

    let (stdout, log) = text(&output);
    assert!(output.status.success(), "{stdout}{log}");
    assert!(stdout.contains("data/pmblueprints.db"), "{stdout}");
    let database = folder.path().join("data/pmblueprints.db");
    let tables: Vec<String> = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let mut connection =
            sqlx::SqliteConnection::connect(&format!("sqlite://{}", database.display()))
                .await
                .expect("open the migrated database");
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
            .fetch_all(&mut connection)
            .await
            .expect("list the tables")
    });
    for table in ["users", "user_sessions", "stars", "tower_sessions"] {
        assert!(
            tables.iter().any(|name| name == table),
            "no {table} in {tables:?}"
        );
    }
}

#[tokio::test]
async fn stats_and_purge_count_sessions() {
    for backend in [
        Backend::Filesystem,
        Backend::Sqlite,
        Backend::Postgres,
        Backend::MySql,
        Backend::Redis,
    ] {
        let Some(store) = TestStore::new(backend).await else {
            continue;
        };
        let handle = connect_store(&store.settings, STORE_TIMEOUT).await.unwrap();
        for _ in 0..2 {
            handle
                .create(&mut record(time::Duration::hours(1)))
                .await
                .unwrap();
        }
        let mut expired = record(time::Duration::hours(1));
        handle.create(&mut expired).await.unwrap();
        expired.expiry_date = OffsetDateTime::now_utc() - time::Duration::minutes(1);
        handle.save(&expired).await.unwrap();
        let envs = store_env(&store.settings);
        // Redis drops expired keys itself, so it never counts one.
        let expected_expired = if backend == Backend::Redis { 0 } else { 1 };

        let stats = run(&["sessions", "stats"], &envs);
        let purge = run(&["sessions", "purge"], &envs);
        let after = run(&["sessions", "stats"], &envs);

        let (stats, log) = text(&stats);
        assert!(
            stats.contains("live sessions: 2"),
            "{backend:?}: {stats}{log}"
        );
        assert!(
            stats.contains(&format!("expired sessions: {expected_expired}")),
            "{backend:?}: {stats}"
        );
        let (purge, _) = text(&purge);
        assert!(
            purge.contains(&format!("deleted {expected_expired} expired")),
            "{backend:?}: {purge}"
        );
        let (after, _) = text(&after);
        assert!(after.contains("live sessions: 2"), "{backend:?}: {after}");
        assert!(
            after.contains("expired sessions: 0"),
            "{backend:?}: {after}"
        );
        store.cleanup().await;
    }
}

/// Returns the `--to` arguments that name `store` as a copy target.
fn copy_target(store: &StoreSettings) -> Vec<String> {
    match store {
        StoreSettings::Redis(RedisSettings {
            url, key_prefix, ..
        }) => vec![
            "--to".to_owned(),
            url.expose().to_owned(),
            "--to-key-prefix".to_owned(),
            key_prefix.clone(),
        ],
        StoreSettings::Sql { url } => vec!["--to".to_owned(), url.expose().to_owned()],
        StoreSettings::Filesystem { dir } => vec!["--to".to_owned(), dir.display().to_string()],
        StoreSettings::Memory => panic!("an in-memory store cannot be a copy target"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copy_keeps_logins_between_every_pair() {
    let backends = [
        Backend::Redis,
        Backend::Postgres,
        Backend::Sqlite,
        Backend::MySql,
        Backend::Filesystem,
    ];

    for source_backend in backends {
        for target_backend in backends {
            if source_backend == target_backend {
                continue;
            }
            let Some(source) = TestStore::new(source_backend).await else {
                continue;
            };
            let Some(target) = TestStore::new(target_backend).await else {
                continue;
            };
            let pair = format!("{source_backend:?} to {target_backend:?}");
            let source_app = TestApp::spawn(&source).await;
            let cookie = source_app.demo_login(true).await;
            source_app.stop().await;
            let original = source
                .stored_record(cookie.value())
                .await
                .expect("the source record");

            let mut args = vec!["sessions".to_owned(), "copy".to_owned()];
            args.extend(copy_target(&target.settings));
            let output = binary(&store_env(&source.settings))
                .args(&args)
                .output()
                .expect("run the binary");

            let (stdout, log) = text(&output);
            assert!(output.status.success(), "{pair}: {log}");
            assert!(
                stdout.contains("copied 1 live sessions"),
                "{pair}: {stdout}"
            );
            let copied = target
                .stored_record(cookie.value())
                .await
                .expect("the copied record");
            assert_eq!(
                copied.expiry_date.unix_timestamp(),
                original.expiry_date.unix_timestamp(),
                "{pair}"
            );
            let target_app = TestApp::spawn(&target).await;
            let dashboard = target_app.get("/dashboard", Some(cookie.value())).await;
            assert_eq!(dashboard.status(), StatusCode::OK, "{pair}");
            assert!(
                dashboard
                    .text()
                    .await
                    .unwrap()
                    .contains("Welcome back, Demo."),
                "{pair}"
            );
            target_app.stop().await;
            source.cleanup().await;
            target.cleanup().await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_slow_request() {
    let Some(redis) = TestStore::new(Backend::Redis).await else {
        return;
    };
    let StoreSettings::Redis(settings) = &redis.settings else {
        unreachable!("Redis")
    };
    // Each command to Redis takes 300 ms, so a write is in flight for a while.
    let proxy = TcpProxy::start_with_delay(settings.url.expose(), Duration::from_millis(300)).await;
    let slow = TestStore::custom(
        Backend::Redis,
        StoreSettings::Redis(RedisSettings {
            url: Secret::new(proxy.url()),
            key_prefix: settings.key_prefix.clone(),
            ca_cert: None,
            pool_size: RedisSettings::DEFAULT_POOL_SIZE,
        }),
    );
    let port = free_port();
    let mut envs = store_env(&slow.settings);
    envs.push(("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}")));
    let mut child = binary(&envs).spawn().expect("start the binary");
    let lines = collect_lines(&mut child);
    wait_until_listening(&lines);
    let client = http_client();
    let base = format!("http://127.0.0.1:{port}");
    let cookie = demo_login_over_http(&client, &base, "", None).await;

    let write = tokio::spawn({
        let client = client.clone();
        let cookie = format!("pmb_session={}", cookie.value());
        async move {
            client
                .post(format!("{base}/api/dismiss_tip"))
                .header(header::ACCEPT, "text/html")
                .header(header::COOKIE, cookie)
                .send()
                .await
                .map(|response| response.status())
        }
    });
    // The load alone takes 300 ms, so the request is in flight after 100 ms.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let exited_cleanly = terminate(&mut child);

    let status = write
        .await
        .unwrap()
        .expect("the in-flight request was answered");
    assert_eq!(status, StatusCode::FOUND, "the in-flight write failed");
    assert!(exited_cleanly, "the binary did not exit cleanly on SIGTERM");
    let record = redis
        .stored_record(cookie.value())
        .await
        .expect("the record");
    assert_eq!(
        record.data["tip_dismissed"], true,
        "the in-flight write was lost"
    );
    redis.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_one_line_per_request() {
    let folder = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = binary(&[
        ("SESSION_FILE_DIR", folder.path().display().to_string()),
        ("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}")),
        ("LOG_FORMAT", "json".to_owned()),
        ("RUST_LOG", "info".to_owned()),
    ])
    .spawn()
    .expect("start the binary");
    let lines = collect_lines(&mut child);
    let mut log = wait_until_listening(&lines);
    let client = http_client();

    let cookie = demo_login_over_http(
        &client,
        &format!("http://127.0.0.1:{port}"),
        "",
        Some(("x-request-id", "test-request-42")),
    )
    .await;
    let templates = client
        .get(format!("http://127.0.0.1:{port}/templates?q=secret-query"))
        .header(header::COOKIE, format!("pmb_session={}", cookie.value()))
        .send()
        .await
        .unwrap();
    assert_eq!(templates.status(), StatusCode::OK);
    assert!(templates.headers().contains_key("x-request-id"));
    assert!(terminate(&mut child));
    log.extend(lines.iter());

    let events: Vec<serde_json::Value> = log
        .iter()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .collect();
    let requests: Vec<&serde_json::Value> = events
        .iter()
        .filter(|event| event["message"] == "request")
        .collect();
    assert_eq!(requests.len(), 2, "{log:#?}");
    let login_event = requests[0];
    assert_eq!(login_event["method"], "POST");
    assert_eq!(login_event["path"], "/api/demo_login");
    assert_eq!(login_event["status"], 302);
    assert!(login_event["latency_ms"].is_number());
    assert_eq!(login_event["span"]["request_id"], "test-request-42");
    assert_eq!(requests[1]["path"], "/templates");
    let whole = log.join("\n");
    assert!(
        !whole.contains(cookie.value()),
        "the log names the session id"
    );
    assert!(
        !whole.contains("secret-query"),
        "the log names the query string"
    );
}

#[test]
fn serverless_filesystem_warns() {
    let folder = tempfile::tempdir().unwrap();
    let mut child = binary(&[
        ("SESSION_FILE_DIR", folder.path().display().to_string()),
        ("LEPTOS_SITE_ADDR", format!("127.0.0.1:{}", free_port())),
        ("VERCEL", "1".to_owned()),
        ("RUST_LOG", "info".to_owned()),
    ])
    .spawn()
    .expect("start the binary");
    let lines = collect_lines(&mut child);

    let log = wait_until_listening(&lines).join("\n");
    assert!(terminate(&mut child));

    assert!(
        log.contains("Vercel detected with filesystem sessions"),
        "{log}"
    );
    assert!(log.contains("logged out"), "{log}");
    let line = log
        .lines()
        .find(|line| line.contains("Vercel detected with filesystem sessions"))
        .unwrap_or_default();
    assert!(line.contains("ERROR"), "not at error level: {line}");
}
