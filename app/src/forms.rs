//! Errors a user can correct, carried in the URL of the page that shows the
//! form (`?error=...`), so they reach the page with or without JavaScript.

/// Something wrong with what a form sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormError {
    Name,
    Email,
    PasswordTooShort,
    PasswordTooLong,
    EmailTaken,
    /// An unknown email and a wrong password read the same.
    WrongCredentials,
    TooManyFailures {
        retry_minutes: u64,
    },
    WrongCurrentPassword,
    /// The account has no password to change (the demo account).
    NoPassword,
    /// The accounts database or the session store cannot be reached.
    Unavailable,
}

/// The form field an error belongs to, for `aria-describedby`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Name,
    Email,
    Password,
    CurrentPassword,
    Form,
}

impl FormError {
    /// Returns the value of `error=` in the URL.
    pub fn code(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Email => "email",
            Self::PasswordTooShort => "password_short",
            Self::PasswordTooLong => "password_long",
            Self::EmailTaken => "email_taken",
            Self::WrongCredentials => "credentials",
            Self::TooManyFailures { .. } => "locked",
            Self::WrongCurrentPassword => "current_password",
            Self::NoPassword => "no_password",
            Self::Unavailable => "unavailable",
        }
    }

    /// Returns the query string that carries this error: `error=...`, plus
    /// `retry=...` (minutes) for [`FormError::TooManyFailures`].
    pub fn query(self) -> String {
        match self {
            Self::TooManyFailures { retry_minutes } => {
                format!("error=locked&retry={retry_minutes}")
            }
            other => format!("error={}", other.code()),
        }
    }

    /// Reads an error back from the URL's `error` and `retry` values.
    pub fn from_query(error: &str, retry: Option<&str>) -> Option<Self> {
        Some(match error {
            "name" => Self::Name,
            "email" => Self::Email,
            "password_short" => Self::PasswordTooShort,
            "password_long" => Self::PasswordTooLong,
            "email_taken" => Self::EmailTaken,
            "credentials" => Self::WrongCredentials,
            "locked" => Self::TooManyFailures {
                retry_minutes: retry
                    .and_then(|minutes| minutes.parse().ok())
                    .unwrap_or(15)
                    .clamp(1, 24 * 60),
            },
            "current_password" => Self::WrongCurrentPassword,
            "no_password" => Self::NoPassword,
            "unavailable" => Self::Unavailable,
            _ => return None,
        })
    }

    /// Returns the message the page shows.
    pub fn message(self) -> String {
        match self {
            Self::Name => "Enter your name (up to 100 characters).".to_owned(),
            Self::Email => "Enter an email address such as ada@example.com.".to_owned(),
            Self::PasswordTooShort => "Use a password of at least 8 characters.".to_owned(),
            Self::PasswordTooLong => "Use a password of at most 128 characters.".to_owned(),
            Self::EmailTaken => {
                "An account cannot be created with this email. If you signed up before, log in instead."
                    .to_owned()
            }
            Self::WrongCredentials => "The email or password is not right. Please try again.".to_owned(),
            Self::TooManyFailures { retry_minutes } => format!(
                "Too many failed attempts. Try again in {retry_minutes} minute{}.",
                if retry_minutes == 1 { "" } else { "s" }
            ),
            Self::WrongCurrentPassword => "Your current password is not right.".to_owned(),
            Self::NoPassword => "The demo account has no password to change.".to_owned(),
            Self::Unavailable => crate::api::SESSIONS_UNAVAILABLE.to_owned(),
        }
    }

    /// Returns the field the message belongs beside.
    pub fn field(self) -> Field {
        match self {
            Self::Name => Field::Name,
            Self::Email | Self::EmailTaken => Field::Email,
            Self::PasswordTooShort | Self::PasswordTooLong => Field::Password,
            Self::WrongCurrentPassword => Field::CurrentPassword,
            Self::WrongCredentials
            | Self::TooManyFailures { .. }
            | Self::NoPassword
            | Self::Unavailable => Field::Form,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_survives_the_url() {
        let all = [
            FormError::Name,
            FormError::Email,
            FormError::PasswordTooShort,
            FormError::PasswordTooLong,
            FormError::EmailTaken,
            FormError::WrongCredentials,
            FormError::TooManyFailures { retry_minutes: 7 },
            FormError::WrongCurrentPassword,
            FormError::NoPassword,
            FormError::Unavailable,
        ];
        for error in all {
            let query = error.query();
            let mut values = query
                .split('&')
                .map(|pair| pair.split_once('=').map(|(_, v)| v));
            let code = values.next().flatten().unwrap_or_default();
            let retry = values.next().flatten();
            assert_eq!(FormError::from_query(code, retry), Some(error), "{query}");
        }
        assert_eq!(FormError::from_query("nonsense", None), None);
    }

    #[test]
    fn lockout_message_names_the_wait() {
        let message = FormError::TooManyFailures { retry_minutes: 15 }.message();
        assert_eq!(
            message,
            "Too many failed attempts. Try again in 15 minutes."
        );
    }
}
