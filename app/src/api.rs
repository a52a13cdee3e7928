//! Server functions, at fixed paths under `/api` so scripts and tests can
//! call them too.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A logged-in user as the pages see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// The account's id; `demo` for the demo account.
    #[serde(default)]
    pub id: String,
    pub name: String,
}

impl User {
    /// The account behind the Demo Login button.
    pub fn demo() -> Self {
        Self {
            id: "demo".to_owned(),
            name: "Demo".to_owned(),
        }
    }

    /// Returns whether this is the shared demo account.
    pub fn is_demo(&self) -> bool {
        self.id == "demo"
    }
}

/// One of the user's sessions, as the dashboard lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionSummary {
    /// Names the session in forms; never the session id itself.
    pub id: String,
    /// Browser and system, such as "Firefox on Linux".
    pub device: String,
    pub started: String,
    pub last_seen: String,
    /// Whether this is the session of the request that asked.
    pub current: bool,
}

/// The dashboard's content besides the user, loaded in one call so the page
/// waits for one server function instead of three.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardState {
    pub tip_dismissed: bool,
    /// The user's live sessions, or the message to show in their place.
    /// Empty for the demo account, whose sessions are not listed.
    pub sessions: Result<Vec<SessionSummary>, String>,
    /// Slugs of the starred templates, or none when the database query failed.
    pub starred: Vec<String>,
}

/// The message shown to a visitor when the session store cannot be reached.
pub const SESSIONS_UNAVAILABLE: &str =
    "Sessions are unavailable right now. Please try again in a few seconds.";

/// Logs the demo user in under a fresh session id, then goes to the dashboard.
///
/// `remember` (form field, `true` or `false`) keeps the login for the longer
/// "remember me" lifetime. A plain HTML form post works too: the response
/// redirects to `/dashboard`.
#[server(prefix = "/api", endpoint = "demo_login")]
pub async fn demo_login(remember: Option<bool>) -> Result<(), ServerFnError> {
    let session = request_session()?;

    crate::session::auth::log_in(
        &session,
        &User::demo(),
        remember.unwrap_or(false),
        &device(),
    )
    .await
    .map_err(store_unavailable)?;

    leptos_axum::redirect("/dashboard");
    Ok(())
}

/// Logs out: deletes the server-side session and expires the cookie.
#[server(prefix = "/api", endpoint = "logout")]
pub async fn logout() -> Result<(), ServerFnError> {
    let session = request_session()?;

    crate::session::auth::log_out(&session)
        .await
        .map_err(store_unavailable)?;

    leptos_axum::redirect("/");
    Ok(())
}

/// Hides the dashboard's getting-started tip for the rest of the session.
///
/// Only for logged-in users; an anonymous caller gets an error.
#[server(prefix = "/api", endpoint = "dismiss_tip")]
pub async fn dismiss_tip() -> Result<(), ServerFnError> {
    let session = request_session()?;

    logged_in(&session).await?;

    crate::session::auth::dismiss_tip(&session)
        .await
        .map_err(store_unavailable)?;

    leptos_axum::redirect("/dashboard");
    Ok(())
}

/// Returns whether the logged-in user dismissed the getting-started tip.
#[server(prefix = "/api", endpoint = "tip_dismissed")]
pub async fn tip_dismissed() -> Result<bool, ServerFnError> {
    let session = request_session()?;

    crate::session::auth::tip_dismissed(&session)
        .await
        .map_err(store_unavailable)
}

/// Returns the logged-in user, or `None` for an anonymous visitor.
#[server(prefix = "/api", endpoint = "current_user")]
pub async fn current_user() -> Result<Option<User>, ServerFnError> {
    let session = request_session()?;

    let user = crate::session::auth::current_user(&session)
        .await
        .map_err(store_unavailable)?;
    // The demo account's sessions are not listed, so their "last seen" is
    // never shown.
    let listed = user.as_ref().is_some_and(|user| !user.is_demo());
    if let (true, Some(id), Ok(accounts)) = (listed, session.id(), accounts()) {
        accounts.sessions().seen(&id);
    }
    Ok(user)
}

/// Logs in with an email and password, then goes to the dashboard; a failed
/// login goes back to `/login` with the reason in the URL.
///
/// `remember` (form field, `true` or `false`) keeps the login for the longer
/// "remember me" lifetime.
#[server(prefix = "/api", endpoint = "login")]
pub async fn login(
    email: String,
    password: String,
    remember: Option<bool>,
) -> Result<(), ServerFnError> {
    let session = request_session()?;
    let accounts = accounts()?;

    match accounts.log_in(&email, &password, &client_address()).await {
        Ok(user) => {
            crate::session::auth::log_in(&session, &user, remember.unwrap_or(false), &device())
                .await
                .map_err(store_unavailable)?;
            leptos_axum::redirect("/dashboard");
        }
        Err(err) => redirect_with_error("/login", err),
    }
    Ok(())
}

/// Creates an account and logs it in, then goes to the dashboard; a refused
/// sign-up goes back to `/signup` with the reason in the URL.
#[server(prefix = "/api", endpoint = "signup")]
pub async fn signup(name: String, email: String, password: String) -> Result<(), ServerFnError> {
    let session = request_session()?;
    let accounts = accounts()?;

    match accounts.sign_up(&name, &email, &password).await {
        Ok(user) => {
            crate::session::auth::log_in(&session, &user, false, &device())
                .await
                .map_err(store_unavailable)?;
            leptos_axum::redirect("/dashboard");
        }
        Err(err) => redirect_with_error("/signup", err),
    }
    Ok(())
}

/// Changes the logged-in user's password and signs out their other sessions.
/// Goes back to `/account`, with `changed=N` (sessions ended) or the error.
#[server(prefix = "/api", endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<(), ServerFnError> {
    let session = request_session()?;
    let user = logged_in(&session).await?;
    let accounts = accounts()?;

    match accounts
        .change_password(&user, &current_password, &new_password, session.id())
        .await
    {
        Ok(ended) => leptos_axum::redirect(&format!("/account?changed={ended}")),
        Err(err) => redirect_with_error("/account", err),
    }
    Ok(())
}

/// Lists the logged-in user's live sessions, most recently seen first.
#[server(prefix = "/api", endpoint = "my_sessions")]
pub async fn my_sessions() -> Result<Vec<SessionSummary>, ServerFnError> {
    let session = request_session()?;
    let user = logged_in(&session).await?;
    if user.is_demo() {
        return Ok(Vec::new());
    }
    let accounts = accounts()?;

    accounts
        .list_sessions(&user.id, session.id())
        .await
        .map_err(accounts_unavailable)
}

/// Signs out one of the logged-in user's sessions, named by its
/// [`SessionSummary::id`], then goes back to the dashboard.
#[server(prefix = "/api", endpoint = "end_session")]
pub async fn end_session(id: String) -> Result<(), ServerFnError> {
    let session = request_session()?;
    let user = logged_in(&session).await?;
    let accounts = accounts()?;

    accounts
        .end_session(&user.id, &id)
        .await
        .map_err(accounts_unavailable)?;
    leptos_axum::redirect("/dashboard");
    Ok(())
}

/// Signs out every session of the logged-in user except this one, then goes
/// back to the dashboard.
#[server(prefix = "/api", endpoint = "end_other_sessions")]
pub async fn end_other_sessions() -> Result<(), ServerFnError> {
    let session = request_session()?;
    let user = logged_in(&session).await?;
    if user.is_demo() {
        return Err(ServerFnError::new(
            "The demo account is shared, so its sessions cannot be signed out from here.",
        ));
    }
    let accounts = accounts()?;

    accounts
        .end_other_sessions(&user.id, session.id())
        .await
        .map_err(accounts_unavailable)?;
    leptos_axum::redirect("/dashboard");
    Ok(())
}

/// Returns the logged-in user's dashboard state: the tip, the sessions and
/// the starred templates. A failure of the accounts database leaves the
/// rest of the dashboard working.
#[server(prefix = "/api", endpoint = "dashboard")]
pub async fn dashboard() -> Result<DashboardState, ServerFnError> {
    let session = request_session()?;
    let user = logged_in(&session).await?;
    let tip_dismissed = crate::session::auth::tip_dismissed(&session)
        .await
        .map_err(store_unavailable)?;
    let accounts = accounts()?;

    let sessions = async {
        if user.is_demo() {
            return Ok(Vec::new());
        }
        accounts
            .list_sessions(&user.id, session.id())
            .await
            .map_err(|err| {
                tracing::error!(error = %err, "listing the user's sessions failed");
                SESSIONS_UNAVAILABLE.to_owned()
            })
    };
    let starred = async {
        accounts.starred(&user.id).await.unwrap_or_else(|err| {
            tracing::error!(error = %err, "loading the user's starred templates failed");
            Vec::new()
        })
    };
    let (sessions, starred) = tokio::join!(sessions, starred);

    Ok(DashboardState {
        tip_dismissed,
        sessions,
        starred,
    })
}

/// Returns the slugs of the templates the logged-in user starred, or none
/// for an anonymous visitor.
#[server(prefix = "/api", endpoint = "starred")]
pub async fn starred() -> Result<Vec<String>, ServerFnError> {
    let session = request_session()?;
    let Some(user) = crate::session::auth::current_user(&session)
        .await
        .map_err(store_unavailable)?
    else {
        return Ok(Vec::new());
    };
    let accounts = accounts()?;

    accounts
        .starred(&user.id)
        .await
        .map_err(accounts_unavailable)
}

/// Stars (`starred=true`) or unstars template `slug`. Without JavaScript, the
/// browser goes back to the page it came from, because leptos_axum redirects
/// a plain form post to its Referer. With JavaScript the page stays put.
#[server(prefix = "/api", endpoint = "star")]
pub async fn star(slug: String, starred: bool) -> Result<(), ServerFnError> {
    let session = request_session()?;
    let user = logged_in(&session).await?;
    if crate::catalogue::find(&slug).is_none() {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(axum::http::StatusCode::NOT_FOUND);
        }
        return Err(ServerFnError::new("There is no such template."));
    }
    let accounts = accounts()?;

    accounts
        .set_star(&user.id, &slug, starred)
        .await
        .map_err(accounts_unavailable)?;
    Ok(())
}

/// Returns a copy of the request extension `T`, such as the session that
/// the session layer put there.
///
/// Reads the request's parts in place: `leptos_axum::extract` would clone
/// all of them, headers included, on every call.
#[cfg(feature = "ssr")]
fn request_extension<T: Clone + Send + Sync + 'static>() -> Option<T> {
    with_context::<axum::http::request::Parts, _>(|parts| parts.extensions.get::<T>().cloned())
        .flatten()
}

#[cfg(feature = "ssr")]
fn request_session() -> Result<tower_sessions::Session, ServerFnError> {
    request_extension::<tower_sessions::Session>().ok_or_else(|| {
        tracing::error!("the session layer is missing from this route");
        ServerFnError::new(SESSIONS_UNAVAILABLE)
    })
}

/// Returns the logged-in user, or an error with status 401 for an anonymous
/// caller.
#[cfg(feature = "ssr")]
async fn logged_in(session: &tower_sessions::Session) -> Result<User, ServerFnError> {
    match crate::session::auth::current_user(session)
        .await
        .map_err(store_unavailable)?
    {
        Some(user) => Ok(user),
        None => {
            if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                response.set_status(axum::http::StatusCode::UNAUTHORIZED);
            }
            Err(ServerFnError::new("Log in first."))
        }
    }
}

#[cfg(feature = "ssr")]
fn accounts() -> Result<crate::accounts::Accounts, ServerFnError> {
    request_extension::<crate::accounts::Accounts>().ok_or_else(|| {
        tracing::error!("the accounts service is missing from this route");
        ServerFnError::new(SESSIONS_UNAVAILABLE)
    })
}

/// Returns the client's address for counting failed logins: the peer of the TCP
/// connection, or `unknown` where there is none (as in a serverless
/// function).
#[cfg(feature = "ssr")]
fn client_address() -> String {
    request_extension::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map_or_else(|| "unknown".to_owned(), |info| info.0.ip().to_string())
}

/// "Browser on OS" from the request's User-Agent.
#[cfg(feature = "ssr")]
fn device() -> String {
    let user_agent = with_context::<axum::http::request::Parts, _>(|parts| {
        parts
            .headers
            .get(axum::http::header::USER_AGENT)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    })
    .flatten()
    .unwrap_or_default();
    crate::accounts::device::describe(&user_agent)
}

/// Sends the browser back to `page` with a form error in the URL, or logs a
/// failure of the database or store and shows the "unavailable" message.
#[cfg(feature = "ssr")]
fn redirect_with_error(page: &str, err: crate::accounts::AccountError) {
    let form_error = match err {
        crate::accounts::AccountError::Form(form_error) => form_error,
        other => {
            tracing::error!(error = %other, "account request failed");
            crate::forms::FormError::Unavailable
        }
    };
    leptos_axum::redirect(&format!("{page}?{}", form_error.query()));
}

/// Logs a failure of the accounts database and returns a plain message.
#[cfg(feature = "ssr")]
fn accounts_unavailable(err: crate::accounts::AccountError) -> ServerFnError {
    tracing::error!(error = %err, "accounts request failed");
    set_unavailable_status_for_direct_calls();
    ServerFnError::new(SESSIONS_UNAVAILABLE)
}

/// Logs a store failure once and returns a plain message, never the store's
/// own error text.
///
/// A direct call of a server function gets status 503. A page that calls one
/// while rendering keeps its own status, so public pages still render for
/// visitors while the store is down.
#[cfg(feature = "ssr")]
fn store_unavailable(err: tower_sessions::session::Error) -> ServerFnError {
    tracing::error!(error = %err, "session store call failed");
    set_unavailable_status_for_direct_calls();
    ServerFnError::new(SESSIONS_UNAVAILABLE)
}

/// Status 503 for a direct call of a server function; a page that calls one
/// while rendering keeps its own status.
#[cfg(feature = "ssr")]
fn set_unavailable_status_for_direct_calls() {
    let direct_call = with_context::<axum::http::request::Parts, _>(|parts| {
        parts.uri.path().starts_with("/api/")
    })
    .unwrap_or(false);
    if direct_call {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(axum::http::StatusCode::SERVICE_UNAVAILABLE);
        }
    }
}
