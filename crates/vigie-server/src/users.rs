//! Users who log in to the web UI: names, roles and argon2id password
//! hashes, kept under `<data_dir>/auth/users.json` (mode 0600).
//!
//! The first start creates the user `admin` with a random password that the
//! binary prints once. Only PHC-format argon2id hashes are stored; a
//! password is never logged or written anywhere in clear.

use std::path::{Path, PathBuf};
use std::sync::RwLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use serde::{Deserialize, Serialize};

use crate::auth::Scope;

/// Shortest password accepted when creating a user or changing a password.
pub const MIN_PASSWORD_LEN: usize = 12;

/// What a user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Every scope, including token, user and rule administration.
    Admin,
    /// Read, and write (silences, rule enable/disable).
    Analyst,
    /// Read only.
    Viewer,
}

impl Role {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "admin" => Some(Self::Admin),
            "analyst" => Some(Self::Analyst),
            "viewer" => Some(Self::Viewer),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Analyst => "analyst",
            Self::Viewer => "viewer",
        }
    }

    /// The API scopes the role grants.
    pub fn scopes(self) -> &'static [Scope] {
        match self {
            Self::Admin => &[Scope::Admin],
            Self::Analyst => &[Scope::Read, Scope::Write],
            Self::Viewer => &[Scope::Read],
        }
    }

    pub fn grants(self, scope: Scope) -> bool {
        let s = self.scopes();
        s.contains(&Scope::Admin) || s.contains(&scope)
    }
}

/// One user as stored.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct UserEntry {
    pub name: String,
    pub role: Role,
    /// argon2id in PHC string format.
    pub password_hash: String,
}

/// Why a user change was refused.
#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("user name must be 1 to 64 characters of letters, digits, `.`, `_`, `-` or `@`")]
    BadName,
    #[error("password must be at least {MIN_PASSWORD_LEN} characters")]
    WeakPassword,
    #[error("user `{0}` already exists")]
    Exists(String),
    #[error("no user `{0}`")]
    Unknown(String),
    #[error("the last admin cannot be removed or demoted")]
    LastAdmin,
    #[error("hashing the password failed")]
    Hash,
    #[error("saving {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

#[derive(Debug, Default)]
struct Users {
    entries: Vec<UserEntry>,
    /// Where changes are saved; `None` keeps them in memory (tests).
    path: Option<PathBuf>,
}

/// The users the server knows; cheap to share behind an `Arc`.
#[derive(Debug, Default)]
pub struct UserStore {
    inner: RwLock<Users>,
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
}

/// argon2id with the crate's defaults (19 MiB, 2 passes, 1 lane: OWASP's
/// recommendation).
pub fn hash_password(password: &str) -> Result<String, UserError> {
    let mut salt = [0u8; 16];
    getrandom::getrandom(&mut salt).map_err(|_| UserError::Hash)?;
    let salt = SaltString::encode_b64(&salt).map_err(|_| UserError::Hash)?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| UserError::Hash)
}

fn verify_hash(hash: &str, password: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash of nothing anyone knows, verified for unknown user names so that
/// the answer takes as long as for a known one.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| {
        let mut pw = [0u8; 24];
        let _ = getrandom::getrandom(&mut pw);
        hash_password(&base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            pw,
        ))
        .unwrap_or_default()
    })
}

/// A random password for the first admin: 24 URL-safe characters.
pub fn generate_password() -> Result<String, UserError> {
    let mut bytes = [0u8; 18];
    getrandom::getrandom(&mut bytes).map_err(|_| UserError::Hash)?;
    Ok(base64::Engine::encode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        bytes,
    ))
}

impl UserStore {
    /// Reads `<data_dir>/auth/users.json`; when it holds no user, creates
    /// `admin` with a random password, saves it and returns the password so
    /// the caller prints it once.
    pub fn load_or_bootstrap(&self, data_dir: &Path) -> Result<Option<String>, UserError> {
        let path = data_dir.join("auth").join("users.json");
        let io = |source| UserError::Io {
            path: path.display().to_string(),
            source,
        };
        let entries: Vec<UserEntry> = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                io(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    e.to_string(),
                ))
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(io(e)),
        };
        let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
        inner.entries = entries;
        inner.path = Some(path);
        if !inner.entries.is_empty() {
            return Ok(None);
        }
        let password = generate_password()?;
        inner.entries.push(UserEntry {
            name: "admin".into(),
            role: Role::Admin,
            password_hash: hash_password(&password)?,
        });
        save(&inner)?;
        Ok(Some(password))
    }

    /// The user, when `password` is theirs. Slow (argon2): call it from a
    /// blocking task. Unknown names cost the same as wrong passwords.
    pub fn verify(&self, name: &str, password: &str) -> Option<UserEntry> {
        let found = self
            .inner
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .entries
            .iter()
            .find(|u| u.name == name)
            .cloned();
        match found {
            Some(user) if verify_hash(&user.password_hash, password) => Some(user),
            Some(_) => None,
            None => {
                let _ = verify_hash(decoy_hash(), password);
                None
            }
        }
    }

    /// The user named `name`.
    pub fn get(&self, name: &str) -> Option<UserEntry> {
        self.list().into_iter().find(|u| u.name == name)
    }

    /// Every user, without their hashes' secrets mattering to callers.
    pub fn list(&self) -> Vec<UserEntry> {
        self.inner
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .entries
            .clone()
    }

    /// Adds a user (slow: hashes the password).
    pub fn create(&self, name: &str, role: Role, password: &str) -> Result<(), UserError> {
        if !valid_name(name) {
            return Err(UserError::BadName);
        }
        check_password(password)?;
        let hash = hash_password(password)?;
        let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
        if inner.entries.iter().any(|u| u.name == name) {
            return Err(UserError::Exists(name.into()));
        }
        inner.entries.push(UserEntry {
            name: name.into(),
            role,
            password_hash: hash,
        });
        save(&inner)
    }

    /// Removes a user; the last admin stays.
    pub fn delete(&self, name: &str) -> Result<(), UserError> {
        let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
        let Some(pos) = inner.entries.iter().position(|u| u.name == name) else {
            return Err(UserError::Unknown(name.into()));
        };
        let admins = inner
            .entries
            .iter()
            .filter(|u| u.role == Role::Admin)
            .count();
        if inner.entries[pos].role == Role::Admin && admins == 1 {
            return Err(UserError::LastAdmin);
        }
        inner.entries.remove(pos);
        save(&inner)
    }

    /// Sets a new password (slow: hashes it).
    pub fn set_password(&self, name: &str, password: &str) -> Result<(), UserError> {
        check_password(password)?;
        let hash = hash_password(password)?;
        let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
        let Some(user) = inner.entries.iter_mut().find(|u| u.name == name) else {
            return Err(UserError::Unknown(name.into()));
        };
        user.password_hash = hash;
        save(&inner)
    }
}

fn check_password(password: &str) -> Result<(), UserError> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(UserError::WeakPassword);
    }
    Ok(())
}

fn save(users: &Users) -> Result<(), UserError> {
    let Some(path) = &users.path else {
        return Ok(());
    };
    let io = |source| UserError::Io {
        path: path.display().to_string(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let bytes = serde_json::to_vec_pretty(&users.entries)
        .map_err(|e| io(std::io::Error::other(e.to_string())))?;
    crate::auth::write_private_atomic(path, &bytes).map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bootstrap_creates_one_admin_whose_password_verifies_and_is_not_stored() {
        let dir = tempdir("boot");
        let store = UserStore::default();
        let pw = store.load_or_bootstrap(&dir).unwrap().expect("first start");
        assert!(pw.len() >= 24);
        let admin = store
            .verify("admin", &pw)
            .expect("the printed password works");
        assert_eq!(admin.role, Role::Admin);
        assert!(store.verify("admin", "wrong-password-123").is_none());
        assert!(store.verify("nobody", &pw).is_none());
        let on_disk = std::fs::read_to_string(dir.join("auth/users.json")).unwrap();
        assert!(!on_disk.contains(&pw));
        assert!(on_disk.contains("$argon2id$"));
        let again = UserStore::default();
        assert!(again.load_or_bootstrap(&dir).unwrap().is_none());
        assert!(again.verify("admin", &pw).is_some());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn create_delete_and_password_rules() {
        let store = UserStore::default();
        store
            .create("alice", Role::Admin, "correct horse battery")
            .unwrap();
        assert!(matches!(
            store.create("bob", Role::Viewer, "short"),
            Err(UserError::WeakPassword)
        ));
        assert!(matches!(
            store.create("bad name", Role::Viewer, "long enough password"),
            Err(UserError::BadName)
        ));
        assert!(matches!(
            store.create("alice", Role::Viewer, "long enough password"),
            Err(UserError::Exists(_))
        ));
        assert!(matches!(store.delete("alice"), Err(UserError::LastAdmin)));
        store
            .create("bob", Role::Viewer, "long enough password")
            .unwrap();
        store.set_password("bob", "another long password").unwrap();
        assert!(store.verify("bob", "long enough password").is_none());
        assert!(store.verify("bob", "another long password").is_some());
        store.delete("bob").unwrap();
        assert!(store.get("bob").is_none());
    }

    #[test]
    fn roles_grant_their_scopes() {
        assert!(Role::Admin.grants(Scope::Ingest));
        assert!(Role::Analyst.grants(Scope::Write) && !Role::Analyst.grants(Scope::Admin));
        assert!(Role::Viewer.grants(Scope::Read) && !Role::Viewer.grants(Scope::Write));
    }

    fn tempdir(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("vigie-users-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }
}
