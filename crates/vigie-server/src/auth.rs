//! API tokens: scopes, the token store, bootstrap on first start, and the
//! middleware that guards every route but health.
//!
//! Only SHA-256 digests of tokens are kept in memory and on disk; a
//! presented token is hashed and compared in constant time. Tokens never
//! reach logs: failures are logged with the reason, never the value.

use std::path::Path;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{ApiError, AppState};

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

/// The tokens the server accepts.
#[derive(Debug, Clone, Default)]
pub struct TokenStore {
    entries: Arc<Vec<TokenEntry>>,
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

fn ct_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl TokenStore {
    pub fn new(entries: Vec<TokenEntry>) -> Self {
        Self {
            entries: Arc::new(entries),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn entries(&self) -> &[TokenEntry] {
        &self.entries
    }

    /// The entry whose digest matches `presented`. Every entry is compared
    /// (no early exit), each in constant time.
    pub fn authenticate(&self, presented: &str) -> Option<&TokenEntry> {
        let d = digest(presented);
        let mut found = None;
        for e in self.entries.iter() {
            if ct_eq(&e.sha256, &d) && found.is_none() {
                found = Some(e);
            }
        }
        found
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
            write_private(&path, &serde_json::to_vec_pretty(&stored)?)?;
            secret = Some(token);
        }
        let mut all = configured;
        all.extend(stored);
        Ok((Self::new(all), secret))
    }
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
fn presented_token(req: &Request) -> Option<String> {
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

/// Middleware: refuses the request unless it carries a token with `scope`.
pub async fn require_scope(
    State((state, scope)): State<(Arc<AppState>, Scope)>,
    req: Request,
    next: Next,
) -> Response {
    let fail = |status, reason: &'static str, message: String| {
        state.metrics.auth_failure(reason);
        tracing::debug!(reason, path = %req.uri().path(), "request refused by authentication");
        let mut err = ApiError::new(status, message);
        err.challenge = status == StatusCode::UNAUTHORIZED;
        err.into_response()
    };
    let Some(token) = presented_token(&req) else {
        return fail(
            StatusCode::UNAUTHORIZED,
            "missing_token",
            "missing token: send `Authorization: Bearer <token>`".into(),
        );
    };
    let Some(entry) = state.tokens.authenticate(&token) else {
        return fail(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "invalid token".into(),
        );
    };
    if !entry.grants(scope) {
        return fail(
            StatusCode::FORBIDDEN,
            "insufficient_scope",
            format!(
                "token `{}` lacks the `{}` scope",
                entry.name,
                scope.as_str()
            ),
        );
    }
    next.run(req).await
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
