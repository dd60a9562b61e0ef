//! The configuration file's sections other than receivers: the top level,
//! `global`, `route` and `inhibit_rules`, with Alertmanager's defaults.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::receivers::Receiver;
use super::values::{HostPort, HttpConfig, MatcherLine, RegexText, Secret, Url};
use crate::duration::PromDuration;
use crate::matcher::{MatchOp, Matcher, MatcherError, Matchers};
use crate::time_interval::NamedTimeInterval;

/// The whole file, as read (before the checks of `validate.rs`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FileConfig {
    #[serde(default)]
    pub global: Option<GlobalConfig>,
    #[serde(default)]
    pub route: Option<RouteConfig>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inhibit_rules: Vec<InhibitRuleConfig>,
    #[serde(default)]
    pub receivers: Vec<Receiver>,
    #[serde(default)]
    pub templates: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mute_time_intervals: Vec<NamedTimeInterval>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub time_intervals: Vec<NamedTimeInterval>,
}

/// Default PagerDuty events endpoint.
pub const DEFAULT_PAGERDUTY_URL: &str = "https://events.pagerduty.com/v2/enqueue";
/// Default OpsGenie API endpoint.
pub const DEFAULT_OPSGENIE_API_URL: &str = "https://api.opsgenie.com/";

fn default_resolve_timeout() -> PromDuration {
    PromDuration::secs(5 * 60)
}

fn default_smtp_hello() -> String {
    "localhost".into()
}

fn default_true() -> bool {
    true
}

fn builtin_url(text: &str) -> Option<Url> {
    Url::parse(text).ok()
}

fn default_pagerduty_url() -> Option<Url> {
    builtin_url(DEFAULT_PAGERDUTY_URL)
}

fn default_opsgenie_api_url() -> Option<Url> {
    builtin_url(DEFAULT_OPSGENIE_API_URL)
}

/// The `global` section: defaults for the other sections.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GlobalConfig {
    #[serde(default = "default_resolve_timeout")]
    pub resolve_timeout: PromDuration,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_config: Option<HttpConfig>,
    #[serde(default)]
    pub smtp_from: String,
    #[serde(default = "default_smtp_hello")]
    pub smtp_hello: String,
    #[serde(default)]
    pub smtp_smarthost: HostPort,
    #[serde(default)]
    pub smtp_auth_username: String,
    #[serde(default)]
    pub smtp_auth_password: Secret,
    #[serde(default)]
    pub smtp_auth_password_file: String,
    #[serde(default)]
    pub smtp_auth_secret: Secret,
    #[serde(default)]
    pub smtp_auth_identity: String,
    #[serde(default = "default_true")]
    pub smtp_require_tls: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slack_api_url: Option<Secret>,
    #[serde(default)]
    pub slack_api_url_file: String,
    #[serde(default = "default_pagerduty_url")]
    pub pagerduty_url: Option<Url>,
    #[serde(default = "default_opsgenie_api_url")]
    pub opsgenie_api_url: Option<Url>,
    #[serde(default)]
    pub opsgenie_api_key: Secret,
    #[serde(default)]
    pub opsgenie_api_key_file: String,
}

impl Default for GlobalConfig {
    fn default() -> Self {
        Self {
            resolve_timeout: default_resolve_timeout(),
            http_config: None,
            smtp_from: String::new(),
            smtp_hello: default_smtp_hello(),
            smtp_smarthost: HostPort::default(),
            smtp_auth_username: String::new(),
            smtp_auth_password: Secret::default(),
            smtp_auth_password_file: String::new(),
            smtp_auth_secret: Secret::default(),
            smtp_auth_identity: String::new(),
            smtp_require_tls: true,
            slack_api_url: None,
            slack_api_url_file: String::new(),
            pagerduty_url: default_pagerduty_url(),
            opsgenie_api_url: default_opsgenie_api_url(),
            opsgenie_api_key: Secret::default(),
            opsgenie_api_key_file: String::new(),
        }
    }
}

/// One node of the `route` tree, as written (inheritance is resolved by
/// [`crate::route::Route`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RouteConfig {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub receiver: String,
    /// As written; `...` means "group by all labels" and must be alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_by: Option<Vec<String>>,
    #[serde(default, rename = "continue")]
    pub continue_matching: bool,
    #[serde(default, rename = "match", skip_serializing_if = "BTreeMap::is_empty")]
    pub match_equal: BTreeMap<String, String>,
    #[serde(
        default,
        rename = "match_re",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub match_regex: BTreeMap<String, RegexText>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub matchers: Vec<MatcherLine>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_wait: Option<PromDuration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_interval: Option<PromDuration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeat_interval: Option<PromDuration>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mute_time_intervals: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub active_time_intervals: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub routes: Vec<RouteConfig>,
}

impl RouteConfig {
    /// `match`, `match_re` and `matchers` together, sorted in
    /// Alertmanager's order.
    pub fn all_matchers(&self) -> Result<Matchers, MatcherError> {
        combined_matchers(&self.match_equal, &self.match_regex, &self.matchers)
    }

    /// Whether the route has any matcher of any kind.
    pub fn has_matchers(&self) -> bool {
        !self.match_equal.is_empty() || !self.match_regex.is_empty() || !self.matchers.is_empty()
    }

    /// Whether `group_by` holds `...`.
    pub fn groups_by_all(&self) -> bool {
        self.group_by
            .as_ref()
            .is_some_and(|g| g.iter().any(|n| n == "..."))
    }
}

/// Legacy `match`/`match_re` maps and `matchers` lines as one sorted list,
/// as Alertmanager converts them (`match_re` values anchored).
pub fn combined_matchers(
    equal: &BTreeMap<String, String>,
    regex: &BTreeMap<String, RegexText>,
    lines: &[MatcherLine],
) -> Result<Matchers, MatcherError> {
    let mut all = Vec::new();
    for (name, value) in equal {
        all.push(Matcher::new(MatchOp::Equal, name, value)?);
    }
    for (name, value) in regex {
        // Alertmanager builds these from the compiled regex, whose text is
        // the anchored form: keys show `owner=~"^(?:team-(B|C))$"`.
        let anchored = format!("^(?:{})$", value.as_str());
        all.push(Matcher::new(MatchOp::Regex, name, anchored)?);
    }
    all.extend(lines.iter().flat_map(|line| line.0.iter().cloned()));
    let mut matchers = Matchers(all);
    matchers.sort();
    Ok(matchers)
}

/// One entry of `inhibit_rules`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InhibitRuleConfig {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub source_match: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub source_match_re: BTreeMap<String, RegexText>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub source_matchers: Vec<MatcherLine>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub target_match: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub target_match_re: BTreeMap<String, RegexText>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub target_matchers: Vec<MatcherLine>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub equal: Vec<String>,
}
