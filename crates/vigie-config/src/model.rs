//! The configuration types, their defaults and how each reads from YAML.
//!
//! Every struct denies unknown keys and every key has a default, except the
//! `name` of a token or dataset, so that an empty file gives
//! [`Config::default`].

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use sha2::{Digest, Sha256};

use crate::origin::Origin;
use crate::{ByteSize, HumanDuration, Secret};

/// The whole configuration of `vigie serve`.
#[derive(Debug, Clone, PartialEq, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `server`: where to listen and keep data.
    pub server: ServerConfig,
    /// `log`: vigie's own logs.
    pub log: LogConfig,
    /// `auth`: API tokens.
    pub auth: AuthConfig,
    /// `ingest`: limits of the ingest endpoint and user-defined datasets.
    pub ingest: IngestConfig,
    /// `inputs`: syslog listeners, tailed files and S3 pollers.
    pub inputs: crate::InputsConfig,
    /// `store`: the event store (durability, layout, retention, queries).
    pub store: crate::StoreConfig,
    /// `detection`: Sigma rules evaluated on ingested events, and alerts.
    pub detection: crate::DetectionConfig,
    /// `alerting`: the Alertmanager-compatible alert manager.
    pub alerting: crate::AlertingConfig,
    /// Where each setting came from; used to place validation errors. Not a
    /// setting: ignored by `PartialEq`.
    #[serde(skip)]
    pub origin: Origin,
}

/// The `server` section.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// `server.listen`: address of the HTTP API.
    #[serde(deserialize_with = "socket_addr")]
    pub listen: SocketAddr,
    /// `server.data_dir`: where vigie keeps its data.
    pub data_dir: PathBuf,
    /// `server.shutdown_timeout`: how long a graceful shutdown may take.
    pub shutdown_timeout: HumanDuration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 9190)),
            data_dir: PathBuf::from("./vigie-data"),
            shutdown_timeout: HumanDuration::secs(30),
        }
    }
}

/// Parses a socket address from a string, naming the rejected text.
pub(crate) fn parse_socket_addr(text: &str) -> Result<SocketAddr, String> {
    text.trim().parse().map_err(|_| {
        format!(
            "invalid address \"{text}\": expected IP:PORT such as 127.0.0.1:9190, \
             0.0.0.0:9190 or [::1]:9190"
        )
    })
}

pub(crate) fn socket_addr<'de, D: Deserializer<'de>>(d: D) -> Result<SocketAddr, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = SocketAddr;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an address IP:PORT")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<SocketAddr, E> {
            parse_socket_addr(v).map_err(E::custom)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<SocketAddr, A::Error> {
            // `[::1]:9190` unquoted is a YAML list followed by junk or a list.
            Err(de::Error::custom(
                "expected an address IP:PORT, found a list; quote IPv6 addresses: \"[::1]:9190\"",
            ))
        }
    }
    d.deserialize_any(V)
}

/// The `log` section.
#[derive(Debug, Clone, PartialEq, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// `log.level`: a level or an `EnvFilter` directive string.
    pub level: LogLevel,
    /// `log.format`: `text` or `json`.
    pub format: LogFormat,
}

/// `log.level`: one of `trace`, `debug`, `info`, `warn`, `error`, or a
/// `tracing_subscriber::EnvFilter` directive string such as
/// `info,vigie_ingest=debug`. Checked for shape only; the server hands the
/// text to `EnvFilter`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(try_from = "String")]
pub struct LogLevel(String);

const LEVELS: &[&str] = &["trace", "debug", "info", "warn", "error", "off"];

impl LogLevel {
    /// Checks the shape of a level or directive string.
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        let bad = |why: String| {
            Err(format!(
                "invalid log level \"{text}\": {why}; expected one of trace, debug, info, warn, \
                 error, or directives such as \"info,vigie_ingest=debug\""
            ))
        };
        if t.is_empty() {
            return bad("empty".into());
        }
        for directive in t.split(',').map(str::trim) {
            if directive.is_empty() {
                return bad("empty directive".into());
            }
            if directive.contains(char::is_whitespace) {
                return bad(format!("directive \"{directive}\" contains spaces"));
            }
            // `target=level` or a bare level. (EnvFilter also reads a bare
            // word as a target, but here that is almost always a typo.)
            let level = directive.rsplit_once('=').map_or(directive, |(_, l)| l);
            if !LEVELS.iter().any(|l| l.eq_ignore_ascii_case(level)) {
                return bad(format!("unknown level \"{level}\""));
            }
        }
        Ok(Self(t.to_string()))
    }

    /// The level or directive text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for LogLevel {
    fn default() -> Self {
        Self("info".into())
    }
}

impl TryFrom<String> for LogLevel {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s)
    }
}

impl fmt::Display for LogLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `log.format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

impl LogFormat {
    /// The name as written in the file.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Json => "json",
        }
    }
}

/// The `auth` section.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// `auth.tokens`: the API tokens accepted by the server.
    pub tokens: Vec<TokenConfig>,
    /// `auth.session_idle_timeout`: a web UI session unused this long ends.
    pub session_idle_timeout: HumanDuration,
    /// `auth.session_max_age`: a web UI session ends this long after login.
    pub session_max_age: HumanDuration,
    /// `auth.failure_limit`: authentication failures one client address may
    /// make per `failure_window` before it gets 429.
    pub failure_limit: u32,
    /// `auth.failure_window`: the window of `failure_limit`.
    pub failure_window: HumanDuration,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            tokens: Vec::new(),
            session_idle_timeout: HumanDuration::secs(3600),
            session_max_age: HumanDuration::secs(12 * 3600),
            failure_limit: 20,
            failure_window: HumanDuration::secs(60),
        }
    }
}

/// One entry of `auth.tokens`.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenConfig {
    /// Unique name, used in logs and audit records (required).
    pub name: String,
    /// The token itself (at least 16 characters). Exactly one of `token` and
    /// `token_sha256` is set.
    #[serde(default)]
    pub token: Option<Secret>,
    /// The SHA-256 of the token, 64 hex digits.
    #[serde(default)]
    pub token_sha256: Option<String>,
    /// What the token may do; not empty.
    #[serde(default)]
    pub scopes: Vec<Scope>,
}

impl TokenConfig {
    /// The SHA-256 digest a presented token must hash to: computed from
    /// `token`, or decoded from `token_sha256`. `None` when neither is set
    /// or the hex is malformed (validation reports both).
    pub fn sha256(&self) -> Option<[u8; 32]> {
        if let Some(secret) = &self.token {
            return Some(Sha256::digest(secret.expose().as_bytes()).into());
        }
        decode_hex32(self.token_sha256.as_deref()?)
    }

    /// Whether the token grants `scope`.
    pub fn has_scope(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
    }
}

/// Decodes exactly 64 hex digits (either case).
pub(crate) fn decode_hex32(hex: &str) -> Option<[u8; 32]> {
    let bytes = hex.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (o, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
        let hi = char::from(pair[0]).to_digit(16)?;
        let lo = char::from(pair[1]).to_digit(16)?;
        *o = u8::try_from(hi * 16 + lo).ok()?;
    }
    Some(out)
}

/// A permission granted by a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Send events to the ingest endpoint.
    Ingest,
    /// Read events and status.
    Read,
    /// Change rules and other state.
    Write,
    /// Administrative operations.
    Admin,
}

impl Scope {
    /// Every scope, in the documented order.
    pub const ALL: [Scope; 4] = [Scope::Ingest, Scope::Read, Scope::Write, Scope::Admin];

    /// The name as written in the file.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ingest => "ingest",
            Self::Read => "read",
            Self::Write => "write",
            Self::Admin => "admin",
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The `ingest` section.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IngestConfig {
    /// `ingest.max_body_bytes`: largest request body, as sent.
    pub max_body_bytes: ByteSize,
    /// `ingest.max_decompressed_bytes`: largest body after decompression.
    pub max_decompressed_bytes: ByteSize,
    /// `ingest.max_record_bytes`: largest single record.
    pub max_record_bytes: ByteSize,
    /// `ingest.max_depth`: deepest JSON nesting accepted, 1..=128.
    pub max_depth: u32,
    /// `ingest.queue_capacity`: events buffered between ingest and the
    /// pipeline, at least 1.
    pub queue_capacity: usize,
    /// `ingest.datasets`: generic JSON datasets defined by the user.
    pub datasets: Vec<DatasetConfig>,
}

impl Default for IngestConfig {
    fn default() -> Self {
        Self {
            max_body_bytes: ByteSize::mib(16),
            max_decompressed_bytes: ByteSize::mib(128),
            max_record_bytes: ByteSize::mib(32),
            max_depth: 64,
            queue_capacity: 50_000,
            datasets: Vec::new(),
        }
    }
}

/// One entry of `ingest.datasets`.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetConfig {
    /// Dataset name, `[a-z0-9_.-]+`, not a built-in dataset (required).
    pub name: String,
    /// Dotted paths of the fields that may hold the event time, tried in
    /// order; empty means "time of ingestion". A single string is accepted.
    #[serde(default, deserialize_with = "one_or_many")]
    pub timestamp_field: Vec<String>,
}

fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a dotted field path or a list of them")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(vec![v.to_string()])
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(s) = seq.next_element::<String>()? {
                out.push(s);
            }
            Ok(out)
        }
    }
    d.deserialize_any(V)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_documentation() {
        let c = Config::default();
        assert_eq!(c.server.listen.to_string(), "127.0.0.1:9190");
        assert_eq!(c.server.data_dir, PathBuf::from("./vigie-data"));
        assert_eq!(c.server.shutdown_timeout.to_string(), "30s");
        assert_eq!(c.log.level.as_str(), "info");
        assert_eq!(c.log.format, LogFormat::Text);
        assert!(c.auth.tokens.is_empty());
        assert_eq!(c.ingest.max_body_bytes.to_string(), "16MiB");
        assert_eq!(c.ingest.max_decompressed_bytes.to_string(), "128MiB");
        assert_eq!(c.ingest.max_record_bytes.to_string(), "32MiB");
        assert_eq!(c.ingest.max_depth, 64);
        assert_eq!(c.ingest.queue_capacity, 50_000);
        assert!(c.ingest.datasets.is_empty());
    }

    #[test]
    fn log_level_shapes() {
        for ok in [
            "info",
            "DEBUG",
            "info,vigie_ingest=debug",
            "vigie=trace",
            "warn, a::b=off",
            "off",
        ] {
            assert!(LogLevel::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["", "info,", "a=loud", "info debug", "loud", "inf", "vigie"] {
            assert!(LogLevel::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn token_digest_from_secret_or_hex() {
        let hex = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
        let from_secret = TokenConfig {
            name: "t".into(),
            token: Some(Secret::new("test")),
            token_sha256: None,
            scopes: vec![Scope::Read],
        };
        let from_hex = TokenConfig {
            token: None,
            token_sha256: Some(hex.to_uppercase()),
            ..from_secret.clone()
        };
        assert_eq!(from_secret.sha256(), from_hex.sha256());
        assert!(from_secret.sha256().is_some());
        assert!(from_secret.has_scope(Scope::Read) && !from_secret.has_scope(Scope::Admin));
        assert_eq!(decode_hex32("zz"), None);
        assert_eq!(decode_hex32(&"g".repeat(64)), None);
    }
}
