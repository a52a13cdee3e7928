//! Accounts on every session backend: sign-up, password login with and
//! without "remember me", failed-login limits, the list of a user's sessions
//! with signing out, password changes, stars and the catalogue search.
//!
//! `account_tests!` runs every scenario against one backend, as in `site.rs`.

mod common;

use std::time::Duration;

use common::{run, session_cookie, Backend, TestApp, TestStore};
use reqwest::{header, Response, StatusCode};
use tower_sessions::cookie::Cookie;

const WEEK: i64 = 7 * 24 * 3600;
const THIRTY_DAYS: i64 = 30 * 24 * 3600;
const SLACK: i64 = 120;

const FIREFOX_LINUX: &str =
    "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0";
const CHROME_WINDOWS: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";
const SAFARI_IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";

const PASSWORD: &str = "correct horse battery";

/// Posts a form as a browser without JavaScript, from `user_agent`, coming
/// from a search on the Templates page.
async fn post(
    app: &TestApp,
    path: &str,
    form: &[(&str, &str)],
    cookie: Option<&str>,
    user_agent: &str,
) -> Response {
    app.form_request(path, form, cookie)
        .header(header::USER_AGENT, user_agent)
        .header(header::REFERER, app.url("/templates?q=risk"))
        .send()
        .await
        .expect("send the form")
}

fn location(response: &Response) -> &str {
    response
        .headers()
        .get(header::LOCATION)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("")
}

/// Signs up and returns the session cookie of the new login.
async fn sign_up(app: &TestApp, name: &str, email: &str, user_agent: &str) -> Cookie<'static> {
    let response = post(
        app,
        "/api/signup",
        &[("name", name), ("email", email), ("password", PASSWORD)],
        None,
        user_agent,
    )
    .await;
    assert_eq!(location(&response), "/dashboard", "sign-up of {email}");
    session_cookie(&response).expect("sign-up sets the session cookie")
}

async fn log_in(
    app: &TestApp,
    email: &str,
    password: &str,
    remember: bool,
    user_agent: &str,
) -> Response {
    let remember = if remember { "true" } else { "false" };
    post(
        app,
        "/api/login",
        &[
            ("email", email),
            ("password", password),
            ("remember", remember),
        ],
        None,
        user_agent,
    )
    .await
}

async fn logged_in_cookie(app: &TestApp, email: &str, user_agent: &str) -> Cookie<'static> {
    let response = log_in(app, email, PASSWORD, false, user_agent).await;
    assert_eq!(location(&response), "/dashboard", "login of {email}");
    session_cookie(&response).expect("login sets the session cookie")
}

async fn page(app: &TestApp, path: &str, cookie: &Cookie<'_>) -> (StatusCode, String) {
    let response = app.get(path, Some(cookie.value())).await;
    let status = response.status();
    (status, response.text().await.expect("read the page"))
}

/// Returns whether `cookie` still carries a login: the dashboard returns 200
/// rather than sending the visitor to /login.
async fn is_logged_in(app: &TestApp, cookie: &Cookie<'_>) -> bool {
    let response = app.get("/dashboard", Some(cookie.value())).await;
    match response.status() {
        StatusCode::OK => true,
        StatusCode::SEE_OTHER => false,
        other => panic!("unexpected dashboard status {other}"),
    }
}

/// Returns the `value` of each hidden `id` input: the handles of the
/// sessions listed.
fn listed_session_ids(html: &str) -> Vec<String> {
    html.match_indices("name=\"id\" value=\"")
        .map(|(at, marker)| {
            let rest = &html[at + marker.len()..];
            rest[..rest.find('"').expect("closing quote")].to_owned()
        })
        .collect()
}

fn listed_rows(html: &str) -> usize {
    html.matches("data-current=").count()
}

fn max_age(cookie: &Cookie<'_>) -> i64 {
    cookie.max_age().expect("a Max-Age").whole_seconds()
}

async fn sign_up_opens_the_dashboard(store: TestStore) {
    let app = TestApp::spawn(&store).await;

    let cookie = sign_up(&app, "Ada", "Ada@Example.com", FIREFOX_LINUX).await;

    assert!((WEEK - SLACK..=WEEK).contains(&max_age(&cookie)));
    let (status, html) = page(&app, "/dashboard", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Welcome back, Ada."), "{html}");
    assert!(html.contains("class=\"nav-user\">Ada</span>"), "{html}");
    assert_eq!(listed_rows(&html), 1, "{html}");
    assert!(html.contains("Firefox on Linux"), "{html}");
    assert!(html.contains("This session"), "{html}");
    // The list never shows session ids, only its own handles.
    assert!(
        !html.contains(cookie.value()),
        "the session id leaked into the page"
    );

    app.stop().await;
    store.cleanup().await;
}

async fn password_login_remembers_thirty_days(store: TestStore) {
    let app = TestApp::spawn(&store).await;
    sign_up(&app, "Ada", "ada@example.com", FIREFOX_LINUX).await;

    let remembered = log_in(&app, "ADA@example.com", PASSWORD, true, FIREFOX_LINUX).await;
    let ordinary = log_in(&app, "ada@example.com", PASSWORD, false, FIREFOX_LINUX).await;

    assert_eq!(location(&remembered), "/dashboard");
    let remembered = session_cookie(&remembered).expect("a session cookie");
    assert!((THIRTY_DAYS - SLACK..=THIRTY_DAYS).contains(&max_age(&remembered)));
    let ordinary = session_cookie(&ordinary).expect("a session cookie");
    assert!((WEEK - SLACK..=WEEK).contains(&max_age(&ordinary)));
    assert!(is_logged_in(&app, &remembered).await);

    app.stop().await;
    store.cleanup().await;
}

async fn wrong_password_and_unknown_email_read_the_same(store: TestStore) {
    let app = TestApp::spawn(&store).await;
    sign_up(&app, "Ada", "ada@example.com", FIREFOX_LINUX).await;

    let wrong_password = log_in(
        &app,
        "ada@example.com",
        "not the password",
        false,
        FIREFOX_LINUX,
    )
    .await;
    let unknown_email = log_in(&app, "bob@example.com", PASSWORD, false, FIREFOX_LINUX).await;

    assert_eq!(location(&wrong_password), "/login?error=credentials");
    assert_eq!(location(&unknown_email), "/login?error=credentials");
    for response in [&wrong_password, &unknown_email] {
        assert!(session_cookie(response).is_none_or(|cookie| cookie.value().is_empty()));
    }
    let html = app
        .get("/login?error=credentials", None)
        .await
        .text()
        .await
        .expect("read the page");
    assert!(
        html.contains("The email or password is not right."),
        "{html}"
    );

    app.stop().await;
    store.cleanup().await;
}

async fn failed_logins_lock_the_account(store: TestStore) {
    let app = TestApp::spawn(&store).await;
    sign_up(&app, "Ada", "ada@example.com", FIREFOX_LINUX).await;
    sign_up(&app, "Bob", "bob@example.com", FIREFOX_LINUX).await;

    for attempt in 1..=5 {
        let response = log_in(
            &app,
            "ada@example.com",
            "wrong password",
            false,
            FIREFOX_LINUX,
        )
        .await;
        assert_eq!(
            location(&response),
            "/login?error=credentials",
            "attempt {attempt}"
        );
    }
    // Even the right password is refused now, with the wait in the message.
    let locked = log_in(&app, "ada@example.com", PASSWORD, false, FIREFOX_LINUX).await;
    let other_account = log_in(&app, "bob@example.com", PASSWORD, false, FIREFOX_LINUX).await;

    assert_eq!(location(&locked), "/login?error=locked&retry=15");
    assert!(session_cookie(&locked).is_none_or(|cookie| cookie.value().is_empty()));
    assert_eq!(
        location(&other_account),
        "/dashboard",
        "only that account is locked"
    );
    let html = app
        .get(location(&locked), None)
        .await
        .text()
        .await
        .expect("read the page");
    assert!(
        html.contains("Too many failed attempts. Try again in 15 minutes."),
        "{html}"
    );

    app.stop().await;
    store.cleanup().await;
}

async fn failed_logins_lock_the_address(store: TestStore) {
    let app = TestApp::spawn(&store).await;
    sign_up(&app, "Ada", "ada@example.com", FIREFOX_LINUX).await;

    for attempt in 0..20 {
        let email = format!("nobody{attempt}@example.com");
        let response = log_in(&app, &email, "wrong password", false, FIREFOX_LINUX).await;
        assert_eq!(
            location(&response),
            "/login?error=credentials",
            "attempt {attempt}"
        );
    }
    let locked = log_in(&app, "ada@example.com", PASSWORD, false, FIREFOX_LINUX).await;

    assert_eq!(location(&locked), "/login?error=locked&retry=15");

    app.stop().await;
    store.cleanup().await;
}

async fn sign_up_checks_its_fields(store: TestStore) {
    let app = TestApp::spawn(&store).await;
    sign_up(&app, "Ada", "ada@example.com", FIREFOX_LINUX).await;

    let cases = [
        (
            ["", "new@example.com", PASSWORD],
            "/signup?error=name",
            "Enter your name",
        ),
        (
            ["Bob", "not-an-email", PASSWORD],
            "/signup?error=email",
            "Enter an email address",
        ),
        (
            ["Bob", "bob@example.com", "short"],
            "/signup?error=password_short",
            "at least 8 characters",
        ),
        (
            ["Bob", "ADA@example.com", PASSWORD],
            "/signup?error=email_taken",
            "log in instead",
        ),
    ];
    for ([name, email, password], expected, message) in cases {
        let response = post(
            &app,
            "/api/signup",
            &[("name", name), ("email", email), ("password", password)],
            None,
            FIREFOX_LINUX,
        )
        .await;
        assert_eq!(location(&response), expected, "{name} {email}");
        let html = app
            .get(expected, None)
            .await
            .text()
            .await
            .expect("read the page");
        assert!(html.contains(message), "{expected}: {html}");
        assert!(
            html.contains("aria-invalid=\"true\""),
            "{expected}: the field is not marked"
        );
    }

    app.stop().await;
    store.cleanup().await;
}

async fn sessions_list_signs_out_one(store: TestStore) {
    let app = TestApp::spawn(&store).await;
    let laptop = sign_up(&app, "Ada", "ada@example.com", FIREFOX_LINUX).await;
    let desktop = logged_in_cookie(&app, "ada@example.com", CHROME_WINDOWS).await;

    let (_, html) = page(&app, "/dashboard", &desktop).await;
    assert_eq!(listed_rows(&html), 2, "{html}");
    assert!(
        html.contains("Firefox on Linux") && html.contains("Chrome on Windows"),
        "{html}"
    );
    let handles = listed_session_ids(&html);
    assert_eq!(
        handles.len(),
        1,
        "only the other session has a Sign out button"
    );

    let ended = post(
        &app,
        "/api/end_session",
        &[("id", &handles[0])],
        Some(desktop.value()),
        CHROME_WINDOWS,
    )
    .await;

    assert_eq!(location(&ended), "/dashboard");
    assert!(
        !is_logged_in(&app, &laptop).await,
        "the laptop is still logged in"
    );
    assert!(
        store.stored_record(laptop.value()).await.is_none(),
        "its record is still stored"
    );
    assert!(is_logged_in(&app, &desktop).await);
    let (_, html) = page(&app, "/dashboard", &desktop).await;
    assert_eq!(listed_rows(&html), 1, "{html}");

    app.stop().await;
    store.cleanup().await;
}

async fn sessions_of_others_cannot_be_ended(store: TestStore) {
    let app = TestApp::spawn(&store).await;
    let ada = sign_up(&app, "Ada", "ada@example.com", FIREFOX_LINUX).await;
    let ada_phone = logged_in_cookie(&app, "ada@example.com", SAFARI_IPHONE).await;
    let bob = sign_up(&app, "Bob", "bob@example.com", CHROME_WINDOWS).await;
    let (_, html) = page(&app, "/dashboard", &ada).await;
    let handles = listed_session_ids(&html);

    // Bob sends Ada's handle: nothing happens to Ada's session.
    post(
        &app,
        "/api/end_session",
        &[("id", &handles[0])],
        Some(bob.value()),
        CHROME_WINDOWS,
    )
    .await;

    assert!(is_logged_in(&app, &ada_phone).await);
    assert!(is_logged_in(&app, &bob).await);

    app.stop().await;
    store.cleanup().await;
}

async fn sign_out_everywhere_else(store: TestStore) {
    let app = TestApp::spawn(&store).await;
    let first = sign_up(&app, "Ada", "ada@example.com", FIREFOX_LINUX).await;
    let second = logged_in_cookie(&app, "ada@example.com", SAFARI_IPHONE).await;
    let current = logged_in_cookie(&app, "ada@example.com", CHROME_WINDOWS).await;

    let response = post(
        &app,
        "/api/end_other_sessions",
        &[],
        Some(current.value()),
        CHROME_WINDOWS,
    )
    .await;

    assert_eq!(location(&response), "/dashboard");
    assert!(!is_logged_in(&app, &first).await);
    assert!(!is_logged_in(&app, &second).await);
    assert!(is_logged_in(&app, &current).await);
    let (_, html) = page(&app, "/dashboard", &current).await;
    assert_eq!(listed_rows(&html), 1, "{html}");
    assert!(!html.contains("Sign out everywhere else"), "{html}");

    app.stop().await;
    store.cleanup().await;
}

async fn password_change_signs_out_other_sessions(store: TestStore) {
    let app = TestApp::spawn(&store).await;
    let other = sign_up(&app, "Ada", "ada@example.com", FIREFOX_LINUX).await;
    let current = logged_in_cookie(&app, "ada@example.com", CHROME_WINDOWS).await;
    let new_password = "a brand new passphrase";

    let wrong = post(
        &app,
        "/api/change_password",
        &[
            ("current_password", "not it at all"),
            ("new_password", new_password),
        ],
        Some(current.value()),
        CHROME_WINDOWS,
    )
    .await;
    assert_eq!(location(&wrong), "/account?error=current_password");
    assert!(
        is_logged_in(&app, &other).await,
        "a refused change signed out a session"
    );

    let changed = post(
        &app,
        "/api/change_password",
        &[
            ("current_password", PASSWORD),
            ("new_password", new_password),
        ],
        Some(current.value()),
        CHROME_WINDOWS,
    )
    .await;

    assert_eq!(location(&changed), "/account?changed=1");
    assert!(
        !is_logged_in(&app, &other).await,
        "the other session survived"
    );
    assert!(
        is_logged_in(&app, &current).await,
        "the changing session was signed out"
    );
    let (_, html) = page(&app, "/account?changed=1", &current).await;
    assert!(
        html.contains("Your other session was signed out."),
        "{html}"
    );
    let old = log_in(&app, "ada@example.com", PASSWORD, false, FIREFOX_LINUX).await;
    assert_eq!(location(&old), "/login?error=credentials");
    let new = log_in(&app, "ada@example.com", new_password, false, FIREFOX_LINUX).await;
    assert_eq!(location(&new), "/dashboard");

    app.stop().await;
    store.cleanup().await;
}

async fn list_follows_logout_and_expiry(store: TestStore) {
    let mut settings = store.session_settings();
    settings.lifetime = time::Duration::seconds(3);
    let app = TestApp::spawn_with(settings).await;
    let short = sign_up(&app, "Ada", "ada@example.com", FIREFOX_LINUX).await;
    let leaving = logged_in_cookie(&app, "ada@example.com", SAFARI_IPHONE).await;
    let remembered = log_in(&app, "ada@example.com", PASSWORD, true, CHROME_WINDOWS).await;
    let remembered = session_cookie(&remembered).expect("a session cookie");
    let (_, html) = page(&app, "/dashboard", &remembered).await;
    assert_eq!(listed_rows(&html), 3, "{html}");

    let logout = post(
        &app,
        "/api/logout",
        &[],
        Some(leaving.value()),
        SAFARI_IPHONE,
    )
    .await;
    assert!(logout.status().is_redirection());
    let (_, html) = page(&app, "/dashboard", &remembered).await;
    assert_eq!(
        listed_rows(&html),
        2,
        "logout left the session listed: {html}"
    );

    // The short session expires in the store after 3 s, and leaves the list.
    tokio::time::sleep(Duration::from_millis(3_500)).await;
    assert!(!is_logged_in(&app, &short).await);
    let (_, html) = page(&app, "/dashboard", &remembered).await;
    assert_eq!(
        listed_rows(&html),
        1,
        "an expired session is still listed: {html}"
    );
    assert!(html.contains("Chrome on Windows"), "{html}");

    app.stop().await;
    store.cleanup().await;
}

async fn stars_show_on_the_dashboard(store: TestStore) {
    let app = TestApp::spawn(&store).await;
    let cookie = sign_up(&app, "Ada", "ada@example.com", FIREFOX_LINUX).await;

    let anonymous = post(
        &app,
        "/api/star",
        &[("slug", "risk-register"), ("starred", "true")],
        None,
        FIREFOX_LINUX,
    )
    .await;
    assert!(!anonymous.status().is_success(), "{}", anonymous.status());
    assert_ne!(location(&anonymous), "/templates?q=risk");
    let unknown = post(
        &app,
        "/api/star",
        &[("slug", "no-such-template"), ("starred", "true")],
        Some(cookie.value()),
        FIREFOX_LINUX,
    )
    .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);

    let starred = post(
        &app,
        "/api/star",
        &[("slug", "risk-register"), ("starred", "true")],
        Some(cookie.value()),
        FIREFOX_LINUX,
    )
    .await;
    // Without JavaScript the browser goes back to the page it came from.
    assert!(
        location(&starred).ends_with("/templates?q=risk"),
        "{}",
        location(&starred)
    );
    let (_, dashboard) = page(&app, "/dashboard", &cookie).await;
    assert!(
        dashboard.contains("/templates#risk-register\">Risk Register</a>"),
        "{dashboard}"
    );
    let (_, templates) = page(&app, "/templates", &cookie).await;
    assert!(
        templates.contains("aria-label=\"Unstar Risk Register\""),
        "{templates}"
    );
    assert!(
        templates.contains("aria-label=\"Star Project Charter\""),
        "{templates}"
    );

    post(
        &app,
        "/api/star",
        &[("slug", "risk-register"), ("starred", "false")],
        Some(cookie.value()),
        FIREFOX_LINUX,
    )
    .await;
    let (_, dashboard) = page(&app, "/dashboard", &cookie).await;
    assert!(dashboard.contains("Nothing starred yet."), "{dashboard}");

    app.stop().await;
    store.cleanup().await;
}

async fn search_and_category_come_from_the_url(store: TestStore) {
    let app = TestApp::spawn(&store).await;

    let html = app
        .get("/templates?q=risk+register", None)
        .await
        .text()
        .await
        .expect("read");
    assert!(html.contains("id=\"risk-register\""), "{html}");
    assert!(!html.contains("id=\"project-charter\""), "{html}");
    assert!(
        html.contains("value=\"risk register\""),
        "the search box lost the query"
    );

    let html = app
        .get("/templates?category=Agile", None)
        .await
        .text()
        .await
        .expect("read");
    assert_eq!(html.matches("class=\"template-card\"").count(), 2, "{html}");
    assert!(html.contains("<p class=\"category\">Agile</p>"));
    assert!(!html.contains("<p class=\"category\">Planning</p>"));

    let html = app
        .get("/templates?q=nothing+matches+this", None)
        .await
        .text()
        .await
        .expect("read");
    assert!(html.contains("No templates match your search."), "{html}");

    // An unknown category filters nothing, and a very long query is cut, not refused.
    let html = app
        .get("/templates?category=Nope", None)
        .await
        .text()
        .await
        .expect("read");
    assert!(html.contains("15 templates"), "{html}");
    let long_query = format!("/templates?q=risk{}", "+x".repeat(2_000));
    let response = app.get(&long_query, None).await;
    assert_eq!(response.status(), StatusCode::OK);

    // Visitors see how to star.
    let html = app
        .get("/templates", None)
        .await
        .text()
        .await
        .expect("read");
    assert!(html.contains("to star templates"), "{html}");

    app.stop().await;
    store.cleanup().await;
}

async fn demo_sessions_are_not_listed(store: TestStore) {
    let app = TestApp::spawn(&store).await;
    let demo = app.demo_login(false).await;

    let (status, html) = page(&app, "/dashboard", &demo).await;

    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("The demo account is shared by every visitor"),
        "{html}"
    );
    assert_eq!(listed_rows(&html), 0);
    let response = post(
        &app,
        "/api/end_other_sessions",
        &[],
        Some(demo.value()),
        FIREFOX_LINUX,
    )
    .await;
    assert!(!response.status().is_redirection() || location(&response) != "/dashboard");

    app.stop().await;
    store.cleanup().await;
}

macro_rules! account_tests {
    ($name:ident, $backend:expr, [$($scenario:ident),* $(,)?]) => {
        mod $name {
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    run($backend, super::$scenario).await;
                }
            )*
        }
    };
    ($name:ident, $backend:expr) => {
        account_tests!($name, $backend, [
            sign_up_opens_the_dashboard,
            password_login_remembers_thirty_days,
            wrong_password_and_unknown_email_read_the_same,
            failed_logins_lock_the_account,
            failed_logins_lock_the_address,
            sign_up_checks_its_fields,
            sessions_list_signs_out_one,
            sessions_of_others_cannot_be_ended,
            sign_out_everywhere_else,
            password_change_signs_out_other_sessions,
            list_follows_logout_and_expiry,
            stars_show_on_the_dashboard,
            search_and_category_come_from_the_url,
            demo_sessions_are_not_listed,
        ]);
    };
}

account_tests!(redis, Backend::Redis);
account_tests!(postgres, Backend::Postgres);
account_tests!(sqlite, Backend::Sqlite);
account_tests!(mariadb, Backend::MySql);
account_tests!(filesystem, Backend::Filesystem);
