//! Running the binaries themselves, as an operator or a platform would.

use std::{
    io::{BufRead, BufReader},
    path::PathBuf,
    process::{Child, Command, Stdio},
    sync::mpsc,
    time::Duration,
};

use app::session::StoreSettings;

/// Returns the repository root, where the binary finds `Leptos.toml`.
pub fn repository_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Builds a command for the binary with a clean environment plus `envs`.
pub fn binary(envs: &[(&str, String)]) -> Command {
    command_for(env!("CARGO_BIN_EXE_pmblueprints"), envs)
}

/// Builds a command for the executable at `path`, started in the repository
/// root with a clean environment plus `envs`.
pub fn command_for(path: &str, envs: &[(&str, String)]) -> Command {
    let mut command = Command::new(path);
    command
        .current_dir(repository_root())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RUST_LOG", "debug")
        .env("NO_COLOR", "1")
        // Test builds have no hash.txt beside them, and the tests need no
        // site files, so the hashed names that Leptos.toml turns on are off.
        .env("LEPTOS_HASH_FILES", "false")
        .envs(envs.iter().map(|(key, value)| (*key, value.as_str())))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // Accounts go to a database of this test process, not the repository's
    // data/ folder. A test that names a database, or runs SQL sessions
    // (with a DATABASE_URL or to test its absence), keeps its own.
    let own_database = envs
        .iter()
        .any(|(key, value)| *key == "DATABASE_URL" || (*key == "SESSION_TYPE" && value == "sql"));
    if !own_database {
        command.env("DATABASE_URL", accounts_database_url());
    }
    command
}

/// Returns an SQLite URL in a folder that lives as long as the test process.
fn accounts_database_url() -> String {
    static FOLDER: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    let folder = FOLDER.get_or_init(|| {
        tempfile::TempDir::new().expect("create a folder for the accounts database")
    });
    format!("sqlite://{}/accounts.db", folder.path().display())
}

/// Returns the variables that select `store` for the binary.
pub fn store_env(store: &StoreSettings) -> Vec<(&'static str, String)> {
    match store {
        StoreSettings::Redis(redis) => vec![
            ("SESSION_TYPE", "redis".to_owned()),
            ("REDIS_URL", redis.url.expose().to_owned()),
            ("SESSION_KEY_PREFIX", redis.key_prefix.clone()),
        ],
        StoreSettings::Sql { url } => vec![
            ("SESSION_TYPE", "sql".to_owned()),
            ("DATABASE_URL", url.expose().to_owned()),
        ],
        StoreSettings::Filesystem { dir } => vec![
            ("SESSION_TYPE", "filesystem".to_owned()),
            ("SESSION_FILE_DIR", dir.display().to_string()),
        ],
        StoreSettings::Memory => vec![("SESSION_TYPE", "memory".to_owned())],
    }
}

/// Reads the child's stderr on a thread, forwarding each line.
pub fn collect_lines(child: &mut Child) -> mpsc::Receiver<String> {
    let (sender, receiver) = mpsc::channel();
    let stderr = child.stderr.take().expect("piped stderr");
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if sender.send(line).is_err() {
                return;
            }
        }
    });
    receiver
}

/// Reads lines until one contains "listening on", returning all of them.
///
/// # Panics
///
/// When the binary logs nothing for 20 s or exits first.
pub fn wait_until_listening(lines: &mpsc::Receiver<String>) -> Vec<String> {
    let mut log = Vec::new();
    loop {
        let line = lines
            .recv_timeout(Duration::from_secs(20))
            .unwrap_or_else(|_| {
                panic!(
                    "the server never logged that it listens:\n{}",
                    log.join("\n")
                )
            });
        let listening = line.contains("listening on");
        log.push(line);
        if listening {
            return log;
        }
    }
}

/// Sends SIGTERM to the child, waits for it, and returns whether it exited
/// successfully.
pub fn terminate(child: &mut Child) -> bool {
    let _ = Command::new("kill").arg(child.id().to_string()).status();
    child.wait().is_ok_and(|status| status.success())
}

/// Builds an HTTP client that does not follow redirects, so tests see them.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("build the HTTP client")
}

/// Logs in with Demo Login at `base` as a form post would, sending
/// `extra_header` too, and returns the session cookie.
///
/// # Panics
///
/// When the login does not redirect or sets no session cookie.
pub async fn demo_login_over_http(
    client: &reqwest::Client,
    base: &str,
    body: &'static str,
    extra_header: Option<(&str, &str)>,
) -> tower_sessions::cookie::Cookie<'static> {
    let mut request = client
        .post(format!("{base}/api/demo_login"))
        .header(reqwest::header::ACCEPT, "text/html")
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(body);
    if let Some((name, value)) = extra_header {
        request = request.header(name, value);
    }
    let login = request.send().await.expect("send the login");

    assert_eq!(login.status(), reqwest::StatusCode::FOUND, "demo login");
    super::session_cookie(&login).expect("a session cookie")
}
