//! Who is logged in: the session keys behind login, logout and the nav.

use serde::{Deserialize, Serialize};
use tower_sessions::{session, Session};

use crate::api::User;

/// The logged-in user, as a [`User`].
pub const USER_KEY: &str = "user";

/// When and where the login happened, as a [`LoginInfo`].
pub const LOGIN_KEY: &str = "login";

/// Whether the user asked to be remembered, as a `bool`.
pub const REMEMBER_ME_KEY: &str = "remember_me";

/// Whether the dashboard's getting-started tip was dismissed, as a `bool`.
pub const TIP_DISMISSED_KEY: &str = "tip_dismissed";

/// The facts about a login that the list of a user's sessions shows.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct LoginInfo {
    /// Unix seconds.
    pub started_at: i64,
    /// "Browser on OS", from the User-Agent at login.
    pub device: String,
}

/// Returns the logged-in user, or `None` for an anonymous visitor.
///
/// # Errors
///
/// Returns an error when the store cannot be reached.
pub async fn current_user(session: &Session) -> Result<Option<User>, session::Error> {
    session.get::<User>(USER_KEY).await
}

/// Whether the session asked for the longer "remember me" lifetime. A store
/// failure counts as no, because the session will not be saved anyway.
pub async fn remember_me(session: &Session) -> bool {
    matches!(session.get::<bool>(REMEMBER_ME_KEY).await, Ok(Some(true)))
}

/// Logs `user` in under a fresh session id, noting when and on what device.
///
/// The old id, whether planted by someone else or left from an anonymous
/// visit, is deleted from the store so it can never carry the login.
///
/// # Errors
///
/// Returns an error when the store cannot be reached.
pub async fn log_in(
    session: &Session,
    user: &User,
    remember_me: bool,
    device: &str,
) -> Result<(), session::Error> {
    session.cycle_id().await?;
    // A login replaces whatever the session held before, such as another
    // user's dashboard settings.
    session.clear().await;
    session.insert(USER_KEY, user).await?;
    session
        .insert(
            LOGIN_KEY,
            LoginInfo {
                started_at: time::OffsetDateTime::now_utc().unix_timestamp(),
                device: device.to_owned(),
            },
        )
        .await?;
    session.insert(REMEMBER_ME_KEY, remember_me).await?;
    Ok(())
}

/// Logs out: deletes the record from the store and empties the session, so
/// the layer expires the cookie.
///
/// # Errors
///
/// Returns an error when the store cannot be reached.
pub async fn log_out(session: &Session) -> Result<(), session::Error> {
    session.flush().await
}

/// Records that the user dismissed the dashboard's getting-started tip.
///
/// # Errors
///
/// Returns an error when the store cannot be reached.
pub async fn dismiss_tip(session: &Session) -> Result<(), session::Error> {
    session.insert(TIP_DISMISSED_KEY, true).await
}

/// Returns whether the getting-started tip was dismissed in this session.
///
/// # Errors
///
/// Returns an error when the store cannot be reached.
pub async fn tip_dismissed(session: &Session) -> Result<bool, session::Error> {
    Ok(session
        .get::<bool>(TIP_DISMISSED_KEY)
        .await?
        .unwrap_or(false))
}
