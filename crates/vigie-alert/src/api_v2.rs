//! The JSON models of Alertmanager 0.25's API v2, field for field and in
//! the order its go-swagger code writes them, and the logic of its
//! handlers without the HTTP server:
//!
//! * [`request`]: reading `POST /api/v2/alerts` and `POST /api/v2/silences`
//!   bodies, with the answer Alertmanager gives to each kind of problem
//!   (malformed JSON: 400; missing required fields and bad query
//!   parameters, the OpenAPI schema checks: 422; Alertmanager's own checks:
//!   400 with the message as a JSON string).
//! * [`filter`]: what `GET /api/v2/alerts`, `/alerts/groups` and
//!   `/silences` return for their query parameters.
//!
//! Timestamps are written as Go's `strfmt.DateTime` writes them: RFC 3339
//! in UTC with exactly three fraction digits (truncated).

pub mod filter;
pub mod request;

use serde::{Deserialize, Serialize};
use vigie_event::Timestamp;

use crate::alert::Alert;
use crate::labels::LabelSet;
use crate::marker::AlertStatus;
use crate::matcher::{MatchOp, Matcher};
use crate::silence::Silence;

/// Serde for API timestamps: written with milliseconds, read as any
/// RFC 3339 text.
pub mod api_time {
    use serde::{Deserialize, Deserializer, Serializer};
    use vigie_event::Timestamp;

    /// `2024-03-05T12:00:00.123Z` (nanoseconds truncated to milliseconds).
    pub fn format(t: Timestamp) -> String {
        let (y, mo, d, h, mi, s, n) = t.to_civil();
        format!(
            "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{:03}Z",
            n / 1_000_000
        )
    }

    pub fn serialize<S: Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format(*t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        let text = String::deserialize(d)?;
        Timestamp::parse_rfc3339(&text).map_err(serde::de::Error::custom)
    }
}

/// `{"name": ...}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receiver {
    pub name: String,
}

/// An alert's `status` object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiAlertStatus {
    pub inhibited_by: Vec<String>,
    pub silenced_by: Vec<String>,
    pub state: String,
}

impl From<&AlertStatus> for ApiAlertStatus {
    fn from(status: &AlertStatus) -> Self {
        Self {
            inhibited_by: status.inhibited_by.clone(),
            silenced_by: status.silenced_by.clone(),
            state: status.state.as_str().to_string(),
        }
    }
}

/// An alert as `GET /api/v2/alerts` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GettableAlert {
    pub annotations: LabelSet,
    #[serde(with = "api_time")]
    pub ends_at: Timestamp,
    pub fingerprint: String,
    pub receivers: Vec<Receiver>,
    #[serde(with = "api_time")]
    pub starts_at: Timestamp,
    pub status: ApiAlertStatus,
    #[serde(with = "api_time")]
    pub updated_at: Timestamp,
    /// Omitted when empty, as go-swagger does.
    #[serde(
        rename = "generatorURL",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub generator_url: String,
    pub labels: LabelSet,
}

impl GettableAlert {
    /// Alertmanager's `AlertToOpenAPIAlert` (the stored `endsAt`, even a
    /// resolve-timeout one, is shown as is).
    pub fn new(alert: &Alert, status: &AlertStatus, receivers: &[String]) -> Self {
        Self {
            annotations: alert.annotations.clone(),
            ends_at: alert.ends_at,
            fingerprint: alert.fingerprint().to_string(),
            receivers: receivers
                .iter()
                .map(|name| Receiver { name: name.clone() })
                .collect(),
            starts_at: alert.starts_at,
            status: ApiAlertStatus::from(status),
            updated_at: alert.updated_at,
            generator_url: alert.generator_url.clone(),
            labels: alert.labels.clone(),
        }
    }
}

/// An alert as posted; see [`request::parse_postable_alerts`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PostableAlert {
    #[serde(default, skip_serializing_if = "LabelSet::is_empty")]
    pub annotations: LabelSet,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "opt_api_time"
    )]
    pub ends_at: Option<Timestamp>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "opt_api_time"
    )]
    pub starts_at: Option<Timestamp>,
    #[serde(
        rename = "generatorURL",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub generator_url: String,
    pub labels: LabelSet,
}

/// Serde for optional API timestamps.
pub(crate) mod opt_api_time {
    use serde::{Deserialize, Deserializer, Serializer};
    use vigie_event::Timestamp;

    pub fn serialize<S: Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => super::api_time::serialize(t, s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(text) => Timestamp::parse_rfc3339(&text)
                .map(Some)
                .map_err(serde::de::Error::custom),
        }
    }
}

/// Serde for the optional times of a posted alert: like [`opt_api_time`],
/// and Go's zero time (`0001-01-01T00:00:00Z`, which `amtool alert add`
/// sends for times not given) means not given, as Alertmanager reads it
/// (`IsZero`).
pub(crate) mod opt_alert_time {
    use serde::{Deserialize, Deserializer};
    use vigie_event::Timestamp;

    /// Whether `text` is Go's zero time in UTC (any fraction of zeros).
    pub fn is_go_zero_time(text: &str) -> bool {
        let Some(rest) = text.strip_prefix("0001-01-01T00:00:00") else {
            return false;
        };
        let rest = match rest.strip_prefix('.') {
            Some(fraction) => fraction.trim_start_matches('0'),
            None => rest,
        };
        matches!(rest, "Z" | "+00:00" | "-00:00")
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(text) if is_go_zero_time(&text) => Ok(None),
            Some(text) => Timestamp::parse_rfc3339(&text)
                .map(Some)
                .map_err(serde::de::Error::custom),
        }
    }
}

/// An aggregation group as `GET /api/v2/alerts/groups` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertGroup {
    pub alerts: Vec<GettableAlert>,
    pub labels: LabelSet,
    pub receiver: Receiver,
}

/// A silence matcher: `isEqual` is optional and true when absent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiMatcher {
    #[serde(default = "yes")]
    pub is_equal: bool,
    pub is_regex: bool,
    pub name: String,
    pub value: String,
}

fn yes() -> bool {
    true
}

impl From<&Matcher> for ApiMatcher {
    fn from(m: &Matcher) -> Self {
        let (is_equal, is_regex) = match m.op() {
            MatchOp::Equal => (true, false),
            MatchOp::NotEqual => (false, false),
            MatchOp::Regex => (true, true),
            MatchOp::NotRegex => (false, true),
        };
        Self {
            is_equal,
            is_regex,
            name: m.name().to_string(),
            value: m.value().to_string(),
        }
    }
}

impl ApiMatcher {
    /// The matcher's operator (Alertmanager's `PostableSilenceToProto`).
    pub fn op(&self) -> MatchOp {
        match (self.is_equal, self.is_regex) {
            (true, false) => MatchOp::Equal,
            (false, false) => MatchOp::NotEqual,
            (true, true) => MatchOp::Regex,
            (false, true) => MatchOp::NotRegex,
        }
    }
}

/// `{"state": "active"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SilenceStatus {
    pub state: String,
}

/// A silence as `GET /api/v2/silences` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GettableSilence {
    pub id: String,
    pub status: SilenceStatus,
    #[serde(with = "api_time")]
    pub updated_at: Timestamp,
    pub comment: String,
    pub created_by: String,
    #[serde(with = "api_time")]
    pub ends_at: Timestamp,
    pub matchers: Vec<ApiMatcher>,
    #[serde(with = "api_time")]
    pub starts_at: Timestamp,
}

impl GettableSilence {
    /// The silence with its state at `now`.
    pub fn new(silence: &Silence, now: Timestamp) -> Self {
        let state = match silence.state(now) {
            crate::silence::SilenceState::Expired => "expired",
            crate::silence::SilenceState::Active => "active",
            crate::silence::SilenceState::Pending => "pending",
        };
        Self {
            id: silence.id.clone(),
            status: SilenceStatus {
                state: state.to_string(),
            },
            updated_at: silence.updated_at,
            comment: silence.comment.clone(),
            created_by: silence.created_by.clone(),
            ends_at: silence.ends_at,
            matchers: silence.matchers.iter().map(ApiMatcher::from).collect(),
            starts_at: silence.starts_at,
        }
    }
}

/// A silence as posted (an `id` updates that silence).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PostableSilence {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    pub comment: String,
    pub created_by: String,
    #[serde(with = "api_time")]
    pub ends_at: Timestamp,
    pub matchers: Vec<ApiMatcher>,
    #[serde(with = "api_time")]
    pub starts_at: Timestamp,
}

/// `cluster` of the status answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterStatus {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    pub peers: Vec<PeerStatus>,
    /// `ready`, `settling` or `disabled`.
    pub status: String,
}

impl ClusterStatus {
    /// A ready cluster of one peer: this instance at `address`, named by
    /// its start time in Crockford base 32 (Alertmanager names peers with
    /// a ULID, which starts with the time the same way).
    pub fn single_peer(address: &str, started_at: Timestamp) -> Self {
        const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
        let mut n = started_at.as_nanos().unsigned_abs();
        let mut name = [b'0'; 26];
        for c in name.iter_mut().rev() {
            *c = CROCKFORD[(n % 32) as usize];
            n /= 32;
        }
        let name = String::from_utf8_lossy(&name).into_owned();
        Self {
            name: name.clone(),
            peers: vec![PeerStatus {
                address: address.to_string(),
                name,
            }],
            status: "ready".into(),
        }
    }
}

/// One cluster peer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerStatus {
    pub address: String,
    pub name: String,
}

/// `versionInfo` of the status answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionInfo {
    pub branch: String,
    pub build_date: String,
    pub build_user: String,
    pub go_version: String,
    pub revision: String,
    pub version: String,
}

/// `config` of the status answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertmanagerConfig {
    pub original: String,
}

/// `GET /api/v2/status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertmanagerStatus {
    pub cluster: ClusterStatus,
    pub config: AlertmanagerConfig,
    #[serde(with = "api_time")]
    pub uptime: Timestamp,
    pub version_info: VersionInfo,
}

impl AlertmanagerStatus {
    /// A single instance's status (cluster `disabled`, no peers), as
    /// Alertmanager answers without clustering. `uptime` is the start time.
    pub fn standalone(original_config: &str, started_at: Timestamp, version: VersionInfo) -> Self {
        Self {
            cluster: ClusterStatus {
                name: String::new(),
                peers: Vec::new(),
                status: "disabled".into(),
            },
            config: AlertmanagerConfig {
                original: original_config.to_string(),
            },
            uptime: started_at,
            version_info: version,
        }
    }
}

/// `GET /api/v2/receivers`: every receiver of the configuration, in order.
pub fn receivers(config: &crate::config::Config) -> Vec<Receiver> {
    config
        .receivers
        .iter()
        .map(|r| Receiver {
            name: r.name.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests;
