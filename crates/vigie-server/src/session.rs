//! Login sessions of the web UI: random 256-bit identifiers carried in an
//! `HttpOnly`, `SameSite=Strict` cookie, each with its CSRF token, an idle
//! timeout and a maximum age.
//!
//! Sessions live in memory only (a restart logs everyone out) and are keyed
//! by the SHA-256 of their identifier, so even a memory dump does not hand
//! out usable cookies. The number of sessions is capped; the oldest go
//! first.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use crate::auth::digest;
use crate::users::Role;

/// Name of the session cookie.
pub const COOKIE_NAME: &str = "vigie_session";

/// Most sessions held at once.
const MAX_SESSIONS: usize = 10_000;

/// A logged-in user's session.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: String,
    pub role: Role,
    /// Sent back by the UI in `X-CSRF-Token` on every state-changing request.
    pub csrf_token: String,
    created: Instant,
    last_seen: Instant,
    /// Wall-clock end of the session (for the UI).
    pub expires_at: SystemTime,
}

/// Why a presented session is not valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionError {
    /// No such session (never was, logged out, or the server restarted).
    Unknown,
    /// Idle too long or past its maximum age.
    Expired,
}

/// Session lifetimes.
#[derive(Debug, Clone, Copy)]
pub struct SessionLimits {
    /// A session unused this long ends.
    pub idle_timeout: Duration,
    /// A session ends this long after login, used or not.
    pub max_age: Duration,
}

impl Default for SessionLimits {
    fn default() -> Self {
        Self {
            idle_timeout: Duration::from_secs(3600),
            max_age: Duration::from_secs(12 * 3600),
        }
    }
}

#[derive(Debug, Default)]
struct Sessions {
    by_digest: HashMap<[u8; 32], Session>,
    /// Recently expired digests, to say "expired" rather than "unknown".
    expired: HashMap<[u8; 32], Instant>,
}

/// Every open session.
#[derive(Debug, Default)]
pub struct SessionStore {
    inner: Mutex<Sessions>,
    limits: Mutex<SessionLimits>,
}

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    // getrandom only fails without an OS source of randomness; a zeroed
    // identifier would be guessable, so refuse to go on.
    getrandom::getrandom(&mut bytes).expect("the OS random source is unavailable");
    base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, bytes)
}

impl SessionStore {
    pub fn set_limits(&self, limits: SessionLimits) {
        *self.limits.lock().unwrap_or_else(|e| e.into_inner()) = limits;
    }

    pub fn limits(&self) -> SessionLimits {
        *self.limits.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Opens a session for `user`; returns its identifier (the cookie's
    /// value) and the session.
    pub fn create(&self, user: &str, role: Role) -> (String, Session) {
        let limits = self.limits();
        let id = random_token();
        let now = Instant::now();
        let session = Session {
            user: user.to_owned(),
            role,
            csrf_token: random_token(),
            created: now,
            last_seen: now,
            expires_at: SystemTime::now() + limits.max_age,
        };
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if inner.by_digest.len() >= MAX_SESSIONS {
            prune(&mut inner, limits, now);
        }
        if inner.by_digest.len() >= MAX_SESSIONS {
            if let Some(oldest) = inner
                .by_digest
                .iter()
                .min_by_key(|(_, s)| s.created)
                .map(|(k, _)| *k)
            {
                inner.by_digest.remove(&oldest);
            }
        }
        inner.by_digest.insert(digest(&id), session.clone());
        (id, session)
    }

    /// The session `id` names, refreshing its idle timer.
    pub fn touch(&self, id: &str) -> Result<Session, SessionError> {
        let limits = self.limits();
        let key = digest(id);
        let now = Instant::now();
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let Some(s) = inner.by_digest.get_mut(&key) else {
            return Err(if inner.expired.contains_key(&key) {
                SessionError::Expired
            } else {
                SessionError::Unknown
            });
        };
        if is_expired(s, limits, now) {
            inner.by_digest.remove(&key);
            remember_expired(&mut inner, key, now);
            return Err(SessionError::Expired);
        }
        s.last_seen = now;
        Ok(s.clone())
    }

    /// Ends the session `id` (logout).
    pub fn remove(&self, id: &str) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.by_digest.remove(&digest(id));
    }

    /// Ends every session of `user` (password change, user deleted).
    pub fn remove_user(&self, user: &str) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.by_digest.retain(|_, s| s.user != user);
    }

    /// Open sessions (expired ones are dropped first).
    pub fn count(&self) -> usize {
        let limits = self.limits();
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        prune(&mut inner, limits, Instant::now());
        inner.by_digest.len()
    }
}

fn is_expired(s: &Session, limits: SessionLimits, now: Instant) -> bool {
    now.duration_since(s.last_seen) >= limits.idle_timeout
        || now.duration_since(s.created) >= limits.max_age
}

fn remember_expired(inner: &mut Sessions, key: [u8; 32], now: Instant) {
    if inner.expired.len() >= MAX_SESSIONS {
        inner.expired.clear();
    }
    inner.expired.insert(key, now);
}

fn prune(inner: &mut Sessions, limits: SessionLimits, now: Instant) {
    let gone: Vec<[u8; 32]> = inner
        .by_digest
        .iter()
        .filter(|(_, s)| is_expired(s, limits, now))
        .map(|(k, _)| *k)
        .collect();
    for k in gone {
        inner.by_digest.remove(&k);
        remember_expired(inner, k, now);
    }
    inner
        .expired
        .retain(|_, at| now.duration_since(*at) < limits.max_age);
}

/// The session cookie's value in a `Cookie` header, if any.
pub fn cookie_value(header: &str) -> Option<&str> {
    header.split(';').find_map(|pair| {
        let (name, value) = pair.trim().split_once('=')?;
        (name == COOKIE_NAME && !value.is_empty()).then_some(value)
    })
}

/// `Set-Cookie` for a new session.
pub fn set_cookie(id: &str, secure: bool, max_age: Duration) -> String {
    format!(
        "{COOKIE_NAME}={id}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        max_age.as_secs(),
        if secure { "; Secure" } else { "" }
    )
}

/// `Set-Cookie` that deletes the session cookie.
pub fn clear_cookie(secure: bool) -> String {
    format!(
        "{COOKIE_NAME}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}",
        if secure { "; Secure" } else { "" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_is_found_by_its_id_and_ends_at_logout() {
        let store = SessionStore::default();
        let (id, s) = store.create("alice", Role::Viewer);
        assert_eq!(store.touch(&id).unwrap().user, "alice");
        assert_eq!(store.touch(&id).unwrap().csrf_token, s.csrf_token);
        assert_ne!(id, s.csrf_token);
        assert_eq!(
            store.touch("not-a-session").unwrap_err(),
            SessionError::Unknown
        );
        store.remove(&id);
        assert_eq!(store.touch(&id).unwrap_err(), SessionError::Unknown);
    }

    #[test]
    fn idle_sessions_expire_and_say_so() {
        let store = SessionStore::default();
        store.set_limits(SessionLimits {
            idle_timeout: Duration::from_millis(30),
            max_age: Duration::from_secs(60),
        });
        let (id, _) = store.create("bob", Role::Admin);
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(store.touch(&id).unwrap_err(), SessionError::Expired);
        assert_eq!(store.touch(&id).unwrap_err(), SessionError::Expired);
        assert_eq!(store.count(), 0);
    }

    #[test]
    fn remove_user_ends_all_their_sessions() {
        let store = SessionStore::default();
        let (a, _) = store.create("carol", Role::Viewer);
        let (b, _) = store.create("carol", Role::Viewer);
        let (c, _) = store.create("dave", Role::Viewer);
        store.remove_user("carol");
        assert!(store.touch(&a).is_err() && store.touch(&b).is_err());
        assert!(store.touch(&c).is_ok());
    }

    #[test]
    fn cookie_parsing_and_attributes() {
        assert_eq!(cookie_value("a=1; vigie_session=xyz; b=2"), Some("xyz"));
        assert_eq!(cookie_value("vigie_session_other=1"), None);
        assert_eq!(cookie_value("vigie_session="), None);
        let c = set_cookie("abc", true, Duration::from_secs(60));
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Strict") && c.ends_with("Secure"));
        assert!(!set_cookie("abc", false, Duration::from_secs(60)).contains("Secure"));
        assert!(clear_cookie(false).contains("Max-Age=0"));
    }
}
