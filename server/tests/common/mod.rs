//! Test helpers: one store per test on each backend, and the real app
//! served over HTTP on a loopback port.
//!
//! The servers come from the environment: `TEST_REDIS_URL`,
//! `TEST_POSTGRES_URL` and `TEST_MYSQL_URL`, defaulting to the local
//! services on their standard ports. When one cannot be reached, a test that
//! needs it fails under `CI=true` and is skipped with a message otherwise.

#![allow(dead_code)]

pub mod flow;
pub mod process;
pub mod proxy;
pub mod redis_server;

use std::{net::SocketAddr, path::PathBuf, str::FromStr, time::Duration};

use app::session::{RedisSettings, Secret, SessionSettings, StoreSettings};
use fred::prelude::{ClientLike, KeysInterface};
use leptos::prelude::LeptosOptions;
use rand::Rng;
use reqwest::{header, redirect, Response};
use server::{config::Settings, startup::Application};
use sqlx::Connection;
use tempfile::TempDir;
use time::OffsetDateTime;
use tokio::{sync::oneshot, task::JoinHandle};
use tower_sessions::{cookie::Cookie, session::Record};

pub const REDIS_URL: &str = "redis://127.0.0.1:6379";
pub const POSTGRES_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
pub const MYSQL_ADMIN_URL: &str = "mysql://root@127.0.0.1:3306/test";

/// The backends every behaviour test runs against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Redis,
    Postgres,
    Sqlite,
    MySql,
    Filesystem,
}

/// A store of its own for one test: a fresh key prefix, database or folder.
pub struct TestStore {
    pub backend: Backend,
    pub settings: StoreSettings,
    /// The database the test created, dropped by [`TestStore::cleanup`].
    database: Option<String>,
    _temp: Option<TempDir>,
    /// Holds the accounts database of a store that is not SQL.
    accounts_folder: std::sync::OnceLock<TempDir>,
}

fn env_or(key: &str, default: &str) -> String {
    std::env::var(key).unwrap_or_else(|_| default.to_owned())
}

fn unique_name(prefix: &str) -> String {
    let suffix: u64 = rand::thread_rng().gen();
    format!("{prefix}_{suffix:016x}")
}

/// Skips (outside CI) or fails (in CI) a test whose server is unreachable.
fn unavailable(what: &str, err: impl std::fmt::Display) -> Option<TestStore> {
    if std::env::var("CI").is_ok_and(|value| !value.is_empty() && value != "false") {
        panic!("{what} is required in CI but cannot be reached: {err}");
    }
    eprintln!("SKIPPED: {what} cannot be reached ({err}); set CI=true to make this a failure");
    None
}

impl TestStore {
    /// Creates a store of its own on `backend`, or returns `None` when the
    /// server is unreachable outside CI.
    pub async fn new(backend: Backend) -> Option<Self> {
        match backend {
            Backend::Redis => Self::redis().await,
            Backend::Postgres => Self::postgres().await,
            Backend::MySql => Self::mysql().await,
            Backend::Sqlite => Some(Self::sqlite()),
            Backend::Filesystem => Some(Self::filesystem()),
        }
    }

    /// Wraps settings the test built itself, such as for a server it started.
    /// Nothing is created or dropped for such a store.
    pub fn custom(backend: Backend, settings: StoreSettings) -> Self {
        Self {
            backend,
            settings,
            database: None,
            _temp: None,
            accounts_folder: Default::default(),
        }
    }

    async fn redis() -> Option<Self> {
        let url = env_or("TEST_REDIS_URL", REDIS_URL);
        if let Err(err) = redis_client(&url).await {
            return unavailable("Redis", err);
        }

        Some(Self {
            backend: Backend::Redis,
            settings: StoreSettings::Redis(RedisSettings {
                url: Secret::new(url),
                key_prefix: format!("{}:", unique_name("pmbtest")),
                ca_cert: None,
                pool_size: RedisSettings::DEFAULT_POOL_SIZE,
            }),
            database: None,
            _temp: None,
            accounts_folder: Default::default(),
        })
    }

    async fn postgres() -> Option<Self> {
        let admin_url = env_or("TEST_POSTGRES_URL", POSTGRES_ADMIN_URL);
        let mut admin = match sqlx::PgConnection::connect(&admin_url).await {
            Ok(connection) => connection,
            Err(err) => return unavailable("PostgreSQL", err),
        };

        let database = unique_name("pmb_test");
        sqlx::query(&format!("CREATE DATABASE {database}"))
            .execute(&mut admin)
            .await
            .expect("create the test database");

        let url = replace_database(&admin_url, &database);
        Some(Self {
            backend: Backend::Postgres,
            settings: StoreSettings::Sql {
                url: Secret::new(url),
            },
            database: Some(database),
            _temp: None,
            accounts_folder: Default::default(),
        })
    }

    async fn mysql() -> Option<Self> {
        let admin_url = env_or("TEST_MYSQL_URL", MYSQL_ADMIN_URL);
        let mut admin = match sqlx::MySqlConnection::connect(&admin_url).await {
            Ok(connection) => connection,
            Err(err) => return unavailable("MariaDB/MySQL", err),
        };

        let database = unique_name("pmb_test");
        sqlx::query(&format!("CREATE DATABASE {database}"))
            .execute(&mut admin)
            .await
            .expect("create the test database");

        let url = replace_database(&admin_url, &database);
        Some(Self {
            backend: Backend::MySql,
            settings: StoreSettings::Sql {
                url: Secret::new(url),
            },
            database: Some(database),
            _temp: None,
            accounts_folder: Default::default(),
        })
    }

    fn sqlite() -> Self {
        let temp = TempDir::new().expect("create a temporary folder");
        let url = format!("sqlite://{}/sessions.db", temp.path().display());

        Self {
            backend: Backend::Sqlite,
            settings: StoreSettings::Sql {
                url: Secret::new(url),
            },
            database: None,
            _temp: Some(temp),
            accounts_folder: Default::default(),
        }
    }

    fn filesystem() -> Self {
        let temp = TempDir::new().expect("create a temporary folder");
        let dir = temp.path().join("sessions");

        Self {
            backend: Backend::Filesystem,
            settings: StoreSettings::Filesystem { dir },
            database: None,
            _temp: Some(temp),
            accounts_folder: Default::default(),
        }
    }

    /// Session settings with the site's defaults around this store, except
    /// a purge interval of one second so purge tests need not wait.
    pub fn session_settings(&self) -> SessionSettings {
        SessionSettings {
            store: self.settings.clone(),
            lifetime: time::Duration::days(7),
            remember_me_lifetime: time::Duration::days(30),
            cookie_secure: true,
            store_timeout: Duration::from_secs(5),
            purge_interval: Duration::from_secs(1),
        }
    }

    /// Returns the accounts database for an app on this store: the store's own SQL
    /// database, or else an SQLite file in a folder of this test.
    pub fn accounts_url(&self) -> Secret {
        match &self.settings {
            StoreSettings::Sql { url } => url.clone(),
            _ => {
                let folder = self.accounts_folder.get_or_init(|| {
                    TempDir::new().expect("create a folder for the accounts database")
                });
                Secret::new(format!("sqlite://{}/accounts.db", folder.path().display()))
            }
        }
    }

    /// Returns the session folder of the filesystem backend.
    pub fn folder(&self) -> Option<PathBuf> {
        match &self.settings {
            StoreSettings::Filesystem { dir } => Some(dir.clone()),
            _ => None,
        }
    }

    /// Reads session `id` straight from the store, bypassing the app: its
    /// raw bytes decoded as a record, or `None` when nothing is stored.
    pub async fn stored_record(&self, id: &str) -> Option<Record> {
        let bytes: Option<Vec<u8>> = match &self.settings {
            StoreSettings::Redis(redis) => {
                let client = redis_client(redis.url.expose())
                    .await
                    .expect("connect to Redis");
                client
                    .get(format!("{}{id}", redis.key_prefix))
                    .await
                    .expect("GET the session key")
            }
            StoreSettings::Sql { url } => sql_session_data(self.backend, url.expose(), id).await,
            StoreSettings::Filesystem { dir } => {
                std::fs::read(dir.join(format!("{id}.session"))).ok()
            }
            StoreSettings::Memory => panic!("an in-memory store cannot be read from outside"),
        };

        bytes.map(|bytes| rmp_serde::from_slice(&bytes).expect("decode the stored record"))
    }

    /// Seconds until Redis expires the key of session `id`: -1 for no TTL,
    /// -2 for no key.
    pub async fn redis_ttl(&self, id: &str) -> i64 {
        let StoreSettings::Redis(redis) = &self.settings else {
            panic!("redis_ttl needs the Redis backend");
        };
        let client = redis_client(redis.url.expose())
            .await
            .expect("connect to Redis");
        client
            .ttl(format!("{}{id}", redis.key_prefix))
            .await
            .expect("TTL the session key")
    }

    /// Drops the database this test created, or deletes the Redis keys
    /// under this test's prefix.
    pub async fn cleanup(self) {
        if let StoreSettings::Redis(redis) = &self.settings {
            if let Err(err) = delete_keys(redis).await {
                eprintln!(
                    "failed to delete the test's Redis keys under {}: {err}",
                    redis.key_prefix
                );
            }
            return;
        }
        let Some(database) = &self.database else {
            return;
        };
        let result = match self.backend {
            Backend::Postgres => {
                let admin_url = env_or("TEST_POSTGRES_URL", POSTGRES_ADMIN_URL);
                match sqlx::PgConnection::connect(&admin_url).await {
                    Ok(mut admin) => {
                        sqlx::query(&format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)"))
                            .execute(&mut admin)
                            .await
                            .map(drop)
                    }
                    Err(err) => Err(err),
                }
            }
            Backend::MySql => {
                let admin_url = env_or("TEST_MYSQL_URL", MYSQL_ADMIN_URL);
                match sqlx::MySqlConnection::connect(&admin_url).await {
                    Ok(mut admin) => sqlx::query(&format!("DROP DATABASE IF EXISTS {database}"))
                        .execute(&mut admin)
                        .await
                        .map(drop),
                    Err(err) => Err(err),
                }
            }
            _ => Ok(()),
        };
        if let Err(err) = result {
            eprintln!("failed to drop test database {database}: {err}");
        }
    }
}

/// Runs `scenario` on a fresh store of `backend`, or skips it (outside CI)
/// when that backend's server is unreachable.
pub async fn run<F, Fut>(backend: Backend, scenario: F)
where
    F: FnOnce(TestStore) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    if let Some(store) = TestStore::new(backend).await {
        scenario(store).await;
    }
}

fn replace_database(url: &str, database: &str) -> String {
    let (base, _) = url.rsplit_once('/').expect("a database URL with a path");
    format!("{base}/{database}")
}

/// Deletes every key under the prefix of `redis`, a page of `SCAN` at a time.
async fn delete_keys(redis: &RedisSettings) -> Result<(), fred::error::Error> {
    let client = redis_client(redis.url.expose()).await?;
    let pattern = format!("{}*", redis.key_prefix);
    let mut cursor = "0".to_owned();
    loop {
        let (next, keys): (String, Vec<String>) = client
            .scan_page(cursor, pattern.clone(), Some(500), None)
            .await?;
        if !keys.is_empty() {
            let _: i64 = client.unlink(keys).await?;
        }
        if next == "0" {
            return Ok(());
        }
        cursor = next;
    }
}

async fn redis_client(url: &str) -> Result<fred::prelude::Client, fred::error::Error> {
    let config = fred::prelude::Config::from_url(url)?;
    let client = fred::types::Builder::from_config(config)
        .with_connection_config(|connection| connection.connection_timeout = Duration::from_secs(2))
        .build()?;
    client.init().await?;
    Ok(client)
}

async fn sql_session_data(backend: Backend, url: &str, id: &str) -> Option<Vec<u8>> {
    match backend {
        Backend::Postgres => {
            let mut connection = sqlx::PgConnection::connect(url)
                .await
                .expect("connect to PostgreSQL");
            sqlx::query_scalar("SELECT data FROM tower_sessions.session WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut connection)
                .await
                .expect("select the session row")
        }
        Backend::MySql => {
            let mut connection = sqlx::MySqlConnection::connect(url)
                .await
                .expect("connect to MySQL");
            sqlx::query_scalar("SELECT data FROM tower_sessions WHERE id = ?")
                .bind(id)
                .fetch_optional(&mut connection)
                .await
                .expect("select the session row")
        }
        Backend::Sqlite => {
            let options =
                sqlx::sqlite::SqliteConnectOptions::from_str(url).expect("parse the SQLite URL");
            let mut connection = sqlx::SqliteConnection::connect_with(&options)
                .await
                .expect("open the SQLite file");
            sqlx::query_scalar("SELECT data FROM tower_sessions WHERE id = ?")
                .bind(id)
                .fetch_optional(&mut connection)
                .await
                .expect("select the session row")
        }
        _ => unreachable!("not an SQL backend"),
    }
}

/// The app, served on a loopback port for one test.
pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
    /// Holds the accounts database of a store that is not SQL.
    _accounts_folder: Option<TempDir>,
}

impl TestApp {
    /// Builds the real app on `store` and serves it on a free loopback port.
    pub async fn spawn(store: &TestStore) -> Self {
        Self::spawn_with(store.session_settings()).await
    }

    /// Like [`TestApp::spawn`], with session settings of the test's choosing.
    pub async fn spawn_with(session: SessionSettings) -> Self {
        let store = app::session::connect_store(&session.store, session.store_timeout)
            .await
            .expect("connect the store");
        Self::spawn_with_store(session, store).await
    }

    /// Like [`TestApp::spawn_with`], on a store handle the test built, such
    /// as one that counts its calls.
    pub async fn spawn_with_store(
        session: SessionSettings,
        store: app::session::SessionStoreHandle,
    ) -> Self {
        if std::env::var("TEST_LOG").is_ok() {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::from_env("TEST_LOG"))
                .with_test_writer()
                .try_init();
        }
        // Accounts share the test's SQL database; other stores get an SQLite
        // file of their own.
        let (database_url, accounts_folder) = match &session.store {
            StoreSettings::Sql { url } => (url.clone(), None),
            _ => {
                let folder = TempDir::new().expect("create a folder for the accounts database");
                let url = format!("sqlite://{}/accounts.db", folder.path().display());
                (Secret::new(url), Some(folder))
            }
        };
        let settings = Settings {
            redis_configured: matches!(session.store, StoreSettings::Redis(_)),
            serverless_platform: None,
            database_url,
            session,
        };
        let leptos = LeptosOptions::builder()
            .output_name("pmblueprints")
            .site_addr(SocketAddr::from(([127, 0, 0, 1], 0)))
            .build();

        let app = Application::build_with_store(settings, leptos, store)
            .await
            .expect("build the app");
        let addr = app.local_addr().expect("read the bound address");

        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(app.run_until(async {
            let _ = stopped.await;
        }));

        let client = reqwest::Client::builder()
            .redirect(redirect::Policy::none())
            .timeout(Duration::from_secs(20))
            .build()
            .expect("build the HTTP client");

        Self {
            addr,
            client,
            stop: Some(stop),
            task,
            _accounts_folder: accounts_folder,
        }
    }

    /// Stops the server and waits until it has finished.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// GET `path`, sending `cookie` as the session cookie when given.
    pub async fn get(&self, path: &str, cookie: Option<&str>) -> Response {
        let mut request = self
            .client
            .get(self.url(path))
            .header(header::ACCEPT, "text/html");
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, format!("pmb_session={cookie}"));
        }
        request.send().await.expect("send the GET request")
    }

    /// POST a form to `path` as a browser without JavaScript would.
    pub async fn post_form(
        &self,
        path: &str,
        form: &[(&str, &str)],
        cookie: Option<&str>,
    ) -> Response {
        self.form_request(path, form, cookie)
            .send()
            .await
            .expect("send the POST request")
    }

    /// Builds the request [`TestApp::post_form`] sends, for a test that adds
    /// headers of its own.
    pub fn form_request(
        &self,
        path: &str,
        form: &[(&str, &str)],
        cookie: Option<&str>,
    ) -> reqwest::RequestBuilder {
        let mut request = self
            .client
            .post(self.url(path))
            .header(header::ACCEPT, "text/html")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(serde_urlencoded(form));
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, format!("pmb_session={cookie}"));
        }
        request
    }

    /// Logs in with Demo Login and returns the session cookie it set.
    pub async fn demo_login(&self, remember: bool) -> Cookie<'static> {
        let remember = if remember { "true" } else { "false" };
        let response = self
            .post_form("/api/demo_login", &[("remember", remember)], None)
            .await;
        assert!(
            response.status().is_redirection(),
            "demo login answered {}",
            response.status()
        );
        session_cookie(&response).expect("demo login sets the session cookie")
    }
}

fn serde_urlencoded(form: &[(&str, &str)]) -> String {
    fn encode(text: &str) -> String {
        text.bytes()
            .map(|byte| match byte {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (byte as char).to_string()
                }
                b' ' => "+".to_owned(),
                other => format!("%{other:02X}"),
            })
            .collect()
    }
    form.iter()
        .map(|(key, value)| format!("{}={}", encode(key), encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Returns the `pmb_session` cookie a response sets, if any.
pub fn session_cookie(response: &Response) -> Option<Cookie<'static>> {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .filter_map(|value| Cookie::parse(value.to_owned()).ok())
        .find(|cookie| cookie.name() == "pmb_session")
}

/// Seconds from now until `expiry`.
pub fn seconds_until(expiry: OffsetDateTime) -> i64 {
    (expiry - OffsetDateTime::now_utc()).whole_seconds()
}
