//! Rate limit on authentication failures, per client address: a wrong
//! password, an invalid or missing token, an expired session or a missing
//! scope each count; past the limit within the window, every login and
//! every refused request from that address gets 429 until the window ends.
//!
//! Successful requests never count, and requests with a valid token or
//! session are never refused by it, so a working client is never slowed.
//! The table of addresses is bounded.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Most addresses tracked at once; past that the stalest windows go.
const MAX_TRACKED: usize = 65_536;

/// Failures allowed per window.
#[derive(Debug, Clone, Copy)]
pub struct FailureLimit {
    pub max_failures: u32,
    pub window: Duration,
}

impl Default for FailureLimit {
    fn default() -> Self {
        Self {
            max_failures: 20,
            window: Duration::from_secs(60),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    failures: u32,
}

/// Failure counts per client address.
#[derive(Debug, Default)]
pub struct AuthLimiter {
    limit: Mutex<FailureLimit>,
    windows: Mutex<HashMap<IpAddr, Window>>,
}

impl AuthLimiter {
    pub fn set_limit(&self, limit: FailureLimit) {
        *self.limit.lock().unwrap_or_else(|e| e.into_inner()) = limit;
    }

    fn limit(&self) -> FailureLimit {
        *self.limit.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `Some(wait)` when `ip` has used up its failures: the time until its
    /// window ends.
    pub fn blocked(&self, ip: IpAddr) -> Option<Duration> {
        let limit = self.limit();
        let now = Instant::now();
        let windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        let w = windows.get(&ip)?;
        let elapsed = now.duration_since(w.started);
        (elapsed < limit.window && w.failures >= limit.max_failures).then(|| limit.window - elapsed)
    }

    /// Counts a failure from `ip`.
    pub fn record_failure(&self, ip: IpAddr) {
        let limit = self.limit();
        let now = Instant::now();
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if windows.len() >= MAX_TRACKED && !windows.contains_key(&ip) {
            windows.retain(|_, w| now.duration_since(w.started) < limit.window);
            if windows.len() >= MAX_TRACKED {
                if let Some(stalest) = windows
                    .iter()
                    .min_by_key(|(_, w)| w.started)
                    .map(|(k, _)| *k)
                {
                    windows.remove(&stalest);
                }
            }
        }
        let w = windows.entry(ip).or_insert(Window {
            started: now,
            failures: 0,
        });
        if now.duration_since(w.started) >= limit.window {
            *w = Window {
                started: now,
                failures: 0,
            };
        }
        w.failures = w.failures.saturating_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_the_limit_and_only_that_address_until_the_window_ends() {
        let l = AuthLimiter::default();
        l.set_limit(FailureLimit {
            max_failures: 3,
            window: Duration::from_millis(80),
        });
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        for _ in 0..2 {
            l.record_failure(a);
        }
        assert!(l.blocked(a).is_none(), "two failures of three allowed");
        l.record_failure(a);
        let wait = l.blocked(a).expect("third failure reaches the limit");
        assert!(wait <= Duration::from_millis(80));
        assert!(l.blocked(b).is_none(), "other addresses are not affected");
        std::thread::sleep(Duration::from_millis(100));
        assert!(l.blocked(a).is_none(), "the window ended");
        l.record_failure(a);
        assert!(l.blocked(a).is_none(), "a new window starts at one failure");
    }
}
