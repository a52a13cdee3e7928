//! Garbled, forged and hostile session cookies never break a page, on any
//! backend: each gets the anonymous page, the redirect to /login, or a fresh
//! login, never a server error, and never a file outside the session folder.

mod common;

use common::{run, session_cookie, Backend, TestApp, TestStore};
use rand::{rngs::StdRng, Rng, SeedableRng};
use reqwest::{header, StatusCode};
use tower_sessions::session::Id;

/// Values chosen by hand: each is a way a real cookie goes wrong.
fn hostile_values() -> Vec<(&'static str, String)> {
    vec![
        ("empty", String::new()),
        ("not base64", "not-base64!!~~".to_owned()),
        ("8 KB", "A".repeat(8 * 1024)),
        (
            "Flask signed value",
            "eyJ1c2VyIjoiZGVtbyJ9.ZmFrZQ.c2lnbmF0dXJlLXRoYXQtaXMtbm90LXZhbGlk".to_owned(),
        ),
        ("never issued", Id::default().to_string()),
        ("dot dot slash", "../../../../etc/passwd".to_owned()),
        ("encoded dot dot", "..%2F..%2F..%2Fetc%2Fpasswd".to_owned()),
        ("backslash", "..\\..\\windows\\win.ini".to_owned()),
        ("percent zero", "AAAAAAAAAAAAAAAAAAAAAA%00".to_owned()),
        ("id then slash", format!("{}/../x", Id::default())),
        ("slash only", "/".to_owned()),
    ]
}

/// Checks the three pages a cookie can reach with one cookie header value.
async fn assert_pages_survive(app: &TestApp, cookie_header: &str, label: &str) {
    let home = app
        .client
        .get(app.url("/"))
        .header(header::COOKIE, cookie_header)
        .send()
        .await
        .expect("GET /");
    assert_eq!(home.status(), StatusCode::OK, "/ with {label}");
    let body = home.text().await.unwrap();
    assert!(
        body.contains(">Log in</a>"),
        "/ with {label} is not anonymous"
    );

    let dashboard = app
        .client
        .get(app.url("/dashboard"))
        .header(header::COOKIE, cookie_header)
        .send()
        .await
        .expect("GET /dashboard");
    assert!(
        dashboard.status().is_redirection(),
        "/dashboard with {label} answered {}",
        dashboard.status()
    );
    assert_eq!(
        dashboard.headers()[header::LOCATION],
        "/login",
        "/dashboard with {label}"
    );

    let login = app
        .client
        .post(app.url("/api/demo_login"))
        .header(header::ACCEPT, "text/html")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, cookie_header)
        .body("")
        .send()
        .await
        .expect("POST /api/demo_login");
    assert_eq!(
        login.status(),
        StatusCode::FOUND,
        "/api/demo_login with {label}"
    );
    let fresh = session_cookie(&login).expect("a fresh session cookie");
    assert!(
        !cookie_header.contains(fresh.value()),
        "/api/demo_login with {label} kept the client's id"
    );
}

/// Lists every path under the test's temporary root, outside the session
/// folder itself.
fn paths_outside_folder(store: &TestStore) -> Vec<std::path::PathBuf> {
    let Some(folder) = store.folder() else {
        return Vec::new();
    };
    let root = folder.parent().expect("the folder has a parent");
    let mut found = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("read the temporary root") {
            let path = entry.expect("a directory entry").path();
            if path == folder {
                continue;
            }
            if path.is_dir() {
                pending.push(path.clone());
            }
            found.push(path);
        }
    }
    found.sort();
    found
}

async fn hostile_cookies_get_anonymous_pages(store: TestStore) {
    let app = TestApp::spawn(&store).await;
    let before = paths_outside_folder(&store);

    for (label, value) in hostile_values() {
        assert_pages_survive(&app, &format!("pmb_session={value}"), label).await;
    }
    let never_issued = Id::default().to_string();
    let other = Id::default().to_string();
    assert_pages_survive(
        &app,
        &format!("pmb_session={never_issued}; pmb_session={other}"),
        "two session cookies",
    )
    .await;

    assert_eq!(
        paths_outside_folder(&store),
        before,
        "files appeared outside the folder"
    );
    app.stop().await;
    store.cleanup().await;
}

/// Characters a browser may send in a cookie value, plus a few it should not.
const COOKIE_ALPHABET: &[u8] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_./\\%+=!~*'()[]{}:@?#$&|^`\"<>";

fn generated_value(rng: &mut StdRng) -> String {
    match rng.gen_range(0..4) {
        // A real id with one character changed.
        0 => {
            let mut id = Id::default().to_string().into_bytes();
            let at = rng.gen_range(0..id.len());
            id[at] = COOKIE_ALPHABET[rng.gen_range(0..COOKIE_ALPHABET.len())];
            String::from_utf8(id).expect("ASCII")
        }
        // A real id with something appended.
        1 => {
            let tail: String = (0..rng.gen_range(1..8))
                .map(|_| COOKIE_ALPHABET[rng.gen_range(0..COOKIE_ALPHABET.len())] as char)
                .collect();
            format!("{}{tail}", Id::default())
        }
        // Exactly 22 characters from the wider alphabet.
        2 => (0..22)
            .map(|_| COOKIE_ALPHABET[rng.gen_range(0..COOKIE_ALPHABET.len())] as char)
            .collect(),
        // Anything up to 300 characters.
        _ => (0..rng.gen_range(0..300))
            .map(|_| COOKIE_ALPHABET[rng.gen_range(0..COOKIE_ALPHABET.len())] as char)
            .collect(),
    }
}

async fn generated_cookies_never_fail(store: TestStore) {
    let app = TestApp::spawn(&store).await;
    let before = paths_outside_folder(&store);
    let seed: u64 = std::env::var("COOKIE_SEED")
        .ok()
        .and_then(|seed| seed.parse().ok())
        .unwrap_or_else(|| rand::thread_rng().gen());
    let mut rng = StdRng::seed_from_u64(seed);

    for case in 0..1_000 {
        let value = generated_value(&mut rng);
        let label =
            format!("case {case} of seed {seed} (rerun with COOKIE_SEED={seed}): {value:?}");
        assert_pages_survive(&app, &format!("pmb_session={value}"), &label).await;
    }

    assert_eq!(
        paths_outside_folder(&store),
        before,
        "files appeared outside the folder"
    );
    app.stop().await;
    store.cleanup().await;
}

macro_rules! bad_cookie_tests {
    ($module:ident, $backend:expr) => {
        mod $module {
            use super::*;

            #[tokio::test]
            async fn hostile_cookies_get_anonymous_pages() {
                run($backend, super::hostile_cookies_get_anonymous_pages).await;
            }

            #[tokio::test]
            async fn generated_cookies_never_fail() {
                run($backend, super::generated_cookies_never_fail).await;
            }
        }
    };
}

bad_cookie_tests!(redis, Backend::Redis);
bad_cookie_tests!(postgres, Backend::Postgres);
bad_cookie_tests!(sqlite, Backend::Sqlite);
bad_cookie_tests!(mariadb, Backend::MySql);
bad_cookie_tests!(filesystem, Backend::Filesystem);
