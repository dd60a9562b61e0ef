//! API tokens: scopes, the token store (configured tokens plus those
//! created at bootstrap or through the API), and reading the token a request
//! presents. The middleware that guards routes is in `guard`.
//!
//! Only SHA-256 digests of tokens are kept in memory and on disk; a
//! presented token is hashed and compared in constant time. Tokens never
//! reach logs: failures are logged with the reason, never the value.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use axum::extract::Request;
use axum::http::header;
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What a token may do. `admin` grants every scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    Ingest,
    Read,
    Write,
    Admin,
}

impl Scope {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "ingest" => Some(Self::Ingest),
            "read" => Some(Self::Read),
            "write" => Some(Self::Write),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ingest => "ingest",
            Self::Read => "read",
            Self::Write => "write",
            Self::Admin => "admin",
        }
    }
}

/// One token: its name, the SHA-256 of its secret, its scopes.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TokenEntry {
    pub name: String,
    #[serde(with = "hex_digest")]
    pub sha256: [u8; 32],
    pub scopes: Vec<Scope>,
}

impl TokenEntry {
    pub fn grants(&self, scope: Scope) -> bool {
        self.scopes.contains(&Scope::Admin) || self.scopes.contains(&scope)
    }
}

/// Where a token comes from: the configuration file (read-only through the
/// API) or `<data_dir>/auth/tokens.json` (bootstrap and API-created).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenSource {
    Config,
    Stored,
}

#[derive(Debug, Default)]
struct Tokens {
    configured: Vec<TokenEntry>,
    stored: Vec<TokenEntry>,
    /// Where stored tokens are saved; `None` keeps them in memory.
    path: Option<PathBuf>,
}

/// Why a token change was refused.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("token name must be 1 to 64 characters of letters, digits, `.`, `_` or `-`")]
    BadName,
    #[error("a token needs at least one scope")]
    NoScope,
    #[error("token `{0}` already exists")]
    Exists(String),
    #[error("no token `{0}`")]
    Unknown(String),
    #[error("token `{0}` is set in the configuration file; remove it there")]
    Configured(String),
    #[error("no random source: {0}")]
    Random(String),
    #[error("saving {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

/// The tokens the server accepts; clones share the same set.
#[derive(Debug, Clone, Default)]
pub struct TokenStore {
    inner: Arc<RwLock<Tokens>>,
}

/// SHA-256 of a token's secret.
pub fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// A fresh random token: `vigie_` and 43 URL-safe characters (256 bits).
pub fn generate_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes)?;
    Ok(format!(
        "vigie_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    ))
}

/// Constant-time comparison of two digests.
pub fn ct_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl TokenStore {
    /// A store of `entries` (as configured), kept in memory.
    pub fn new(entries: Vec<TokenEntry>) -> Self {
        Self {
            inner: Arc::new(RwLock::new(Tokens {
                configured: entries,
                ..Tokens::default()
            })),
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Tokens> {
        self.inner.read().unwrap_or_else(|e| e.into_inner())
    }

    pub fn is_empty(&self) -> bool {
        let t = self.read();
        t.configured.is_empty() && t.stored.is_empty()
    }

    /// Every token, configured ones first.
    pub fn entries(&self) -> Vec<TokenEntry> {
        self.list().into_iter().map(|(e, _)| e).collect()
    }

    /// Every token with where it comes from.
    pub fn list(&self) -> Vec<(TokenEntry, TokenSource)> {
        let t = self.read();
        t.configured
            .iter()
            .map(|e| (e.clone(), TokenSource::Config))
            .chain(t.stored.iter().map(|e| (e.clone(), TokenSource::Stored)))
            .collect()
    }

    /// The entry whose digest matches `presented`. Every entry is compared
    /// (no early exit), each in constant time.
    pub fn authenticate(&self, presented: &str) -> Option<TokenEntry> {
        let d = digest(presented);
        let t = self.read();
        let mut found = None;
        for e in t.configured.iter().chain(t.stored.iter()) {
            if ct_eq(&e.sha256, &d) && found.is_none() {
                found = Some(e.clone());
            }
        }
        found
    }

    /// Creates a stored token and returns its secret, shown only once.
    pub fn create(&self, name: &str, scopes: Vec<Scope>) -> Result<String, TokenError> {
        let valid = !name.is_empty()
            && name.len() <= 64
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if !valid {
            return Err(TokenError::BadName);
        }
        if scopes.is_empty() {
            return Err(TokenError::NoScope);
        }
        let secret = generate_token().map_err(|e| TokenError::Random(e.to_string()))?;
        let mut t = self.inner.write().unwrap_or_else(|e| e.into_inner());
        if t.configured
            .iter()
            .chain(t.stored.iter())
            .any(|e| e.name == name)
        {
            return Err(TokenError::Exists(name.into()));
        }
        t.stored.push(TokenEntry {
            name: name.into(),
            sha256: digest(&secret),
            scopes,
        });
        save_tokens(&t)?;
        Ok(secret)
    }

    /// Deletes a stored token (configured ones stay: they are in the file).
    pub fn delete(&self, name: &str) -> Result<(), TokenError> {
        let mut t = self.inner.write().unwrap_or_else(|e| e.into_inner());
        if t.configured.iter().any(|e| e.name == name) {
            return Err(TokenError::Configured(name.into()));
        }
        let Some(pos) = t.stored.iter().position(|e| e.name == name) else {
            return Err(TokenError::Unknown(name.into()));
        };
        t.stored.remove(pos);
        save_tokens(&t)
    }

    /// Builds the store from the configured tokens plus the ones stored
    /// under `<data_dir>/auth/tokens.json`. When both are empty (a first
    /// start with zero configuration) it generates an admin token, stores
    /// its digest (file mode 0600) and returns the secret so the caller can
    /// print it once.
    pub fn load_or_bootstrap(
        data_dir: &Path,
        configured: Vec<TokenEntry>,
    ) -> std::io::Result<(Self, Option<String>)> {
        let dir = data_dir.join("auth");
        let path = dir.join("tokens.json");
        let mut stored: Vec<TokenEntry> = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("{}: {e}", path.display()),
                )
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(e),
        };
        let mut secret = None;
        if configured.is_empty() && stored.is_empty() {
            let token = generate_token().map_err(|e| std::io::Error::other(e.to_string()))?;
            stored.push(TokenEntry {
                name: "bootstrap-admin".into(),
                sha256: digest(&token),
                scopes: vec![Scope::Admin],
            });
            std::fs::create_dir_all(&dir)?;
            write_private_atomic(&path, &serde_json::to_vec_pretty(&stored)?)?;
            secret = Some(token);
        }
        let store = Self {
            inner: Arc::new(RwLock::new(Tokens {
                configured,
                stored,
                path: Some(path),
            })),
        };
        Ok((store, secret))
    }
}

fn save_tokens(t: &Tokens) -> Result<(), TokenError> {
    let Some(path) = &t.path else {
        return Ok(());
    };
    let io = |source| TokenError::Io {
        path: path.display().to_string(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let bytes = serde_json::to_vec_pretty(&t.stored)
        .map_err(|e| io(std::io::Error::other(e.to_string())))?;
    write_private_atomic(path, &bytes).map_err(io)
}

/// Writes `bytes` to a private (0600) temporary file beside `path`, syncs
/// it and renames it over `path`: readers see the old or the new file.
pub(crate) fn write_private_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    write_private(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// The secret a request presents: `Authorization: Bearer <token>`, HTTP
/// Basic with the token as password (for clients such as Falco's
/// `http_output` that can only put credentials in the URL), or
/// Elasticsearch's `ApiKey` scheme with the token as the key.
pub(crate) fn presented_token(req: &Request) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = value.trim().split_once(' ')?;
    if scheme.eq_ignore_ascii_case("bearer") {
        return Some(rest.trim().to_owned());
    }
    if scheme.eq_ignore_ascii_case("apikey") {
        // Elasticsearch clients send base64("id:key"); accept the token as
        // the key, or the token itself.
        let rest = rest.trim();
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(rest)
            .ok()
            .and_then(|d| String::from_utf8(d).ok());
        return Some(match decoded.as_deref().and_then(|t| t.split_once(':')) {
            Some((_, key)) => key.to_owned(),
            None => rest.to_owned(),
        });
    }
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(rest.trim())
            .ok()?;
        let text = String::from_utf8(decoded).ok()?;
        return text.split_once(':').map(|(_, pw)| pw.to_owned());
    }
    None
}

mod hex_digest {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        let hex: String = d.iter().map(|b| format!("{b:02x}")).collect();
        s.serialize_str(&hex)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        let s = String::deserialize(d)?;
        super::parse_hex_digest(&s)
            .ok_or_else(|| serde::de::Error::custom("expected 64 hex digits"))
    }
}

/// Parses a SHA-256 digest written as 64 hex digits.
pub fn parse_hex_digest(s: &str) -> Option<[u8; 32]> {
    let s = s.trim();
    if s.len() != 64 || !s.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, chunk) in s.as_bytes().chunks(2).enumerate() {
        let hi = (chunk[0] as char).to_digit(16)?;
        let lo = (chunk[1] as char).to_digit(16)?;
        out[i] = (hi * 16 + lo) as u8;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authenticate_by_digest_and_scope_rules() {
        let store = TokenStore::new(vec![
            TokenEntry {
                name: "shipper".into(),
                sha256: digest("s3cret-token-value"),
                scopes: vec![Scope::Ingest],
            },
            TokenEntry {
                name: "root".into(),
                sha256: digest("admin-token-value"),
                scopes: vec![Scope::Admin],
            },
        ]);
        let shipper = store.authenticate("s3cret-token-value").unwrap();
        assert_eq!(shipper.name, "shipper");
        assert!(shipper.grants(Scope::Ingest) && !shipper.grants(Scope::Read));
        assert!(store
            .authenticate("admin-token-value")
            .unwrap()
            .grants(Scope::Read));
        assert!(store.authenticate("nope").is_none());
    }

    #[test]
    fn bootstrap_generates_once_and_stores_only_the_digest() {
        let dir = std::env::temp_dir().join(format!("vigie-auth-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let (store, secret) = TokenStore::load_or_bootstrap(&dir, vec![]).unwrap();
        let secret = secret.expect("a first start generates a token");
        assert!(secret.starts_with("vigie_") && secret.len() > 40);
        assert!(store.authenticate(&secret).unwrap().grants(Scope::Admin));
        let on_disk = std::fs::read_to_string(dir.join("auth/tokens.json")).unwrap();
        assert!(
            !on_disk.contains(&secret),
            "the secret itself is never stored"
        );
        let (again, second) = TokenStore::load_or_bootstrap(&dir, vec![]).unwrap();
        assert!(second.is_none(), "the second start prints nothing");
        assert!(again.authenticate(&secret).is_some());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn hex_digest_parsing() {
        let d = digest("x");
        let hex: String = d.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(parse_hex_digest(&hex), Some(d));
        assert_eq!(parse_hex_digest("zz"), None);
    }
}
