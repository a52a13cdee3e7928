//! Counting failed logins, per account and per client address.
//!
//! The counts live in the memory of one process: each instance limits on
//! its own, and a restart clears them.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

/// Allows `max_failures` failures per key within `window`; after that, the
/// key is refused until the window that started with its first failure ends.
#[derive(Debug)]
pub struct FailureLimit {
    max_failures: u32,
    window: Duration,
    failures: Mutex<HashMap<String, Failures>>,
}

#[derive(Clone, Copy, Debug)]
struct Failures {
    count: u32,
    since: Instant,
}

/// Past this many keys, expired entries are dropped on the next failure.
const PRUNE_ABOVE: usize = 10_000;

impl FailureLimit {
    pub fn new(max_failures: u32, window: Duration) -> Self {
        Self {
            max_failures,
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// `Err` with the time left when `key` has used up its failures.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let failures = self.lock();
        match failures.get(key) {
            Some(entry) if entry.count >= self.max_failures => {
                let ends = entry.since + self.window;
                if ends > now {
                    Err(ends - now)
                } else {
                    Ok(())
                }
            }
            _ => Ok(()),
        }
    }

    /// Counts one failure for `key`.
    pub fn record_failure(&self, key: &str) {
        let now = Instant::now();
        let window = self.window;
        let mut failures = self.lock();
        if failures.len() > PRUNE_ABOVE {
            failures.retain(|_, entry| now.duration_since(entry.since) < window);
        }
        let entry = failures.entry(key.to_owned()).or_insert(Failures {
            count: 0,
            since: now,
        });
        if now.duration_since(entry.since) >= window {
            *entry = Failures {
                count: 0,
                since: now,
            };
        }
        entry.count += 1;
    }

    /// Forgets the failures of `key`, after a successful login.
    pub fn clear(&self, key: &str) {
        self.lock().remove(key);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Failures>> {
        // A panic while holding the lock leaves plain counters behind, which
        // are still usable.
        self.failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_after_max_failures_until_window_ends() {
        let limit = FailureLimit::new(3, Duration::from_secs(60));
        for _ in 0..3 {
            assert!(limit.check("a").is_ok());
            limit.record_failure("a");
        }
        let left = limit.check("a").expect_err("locked after 3 failures");
        assert!(left <= Duration::from_secs(60), "{left:?}");
        assert!(left > Duration::from_secs(55), "{left:?}");
        assert!(limit.check("b").is_ok(), "other keys are not affected");
        limit.clear("a");
        assert!(limit.check("a").is_ok());
    }

    #[test]
    fn window_expiry_unlocks() {
        let limit = FailureLimit::new(1, Duration::from_millis(20));
        limit.record_failure("a");
        assert!(limit.check("a").is_err());
        std::thread::sleep(Duration::from_millis(30));
        assert!(limit.check("a").is_ok());
    }
}
