//! Receivers and the notifier settings this crate knows (webhook, Slack,
//! email, PagerDuty, OpsGenie, Microsoft Teams), with Alertmanager's
//! defaults. Values that need the `global` section (SMTP settings, the
//! Slack URL...) are filled in by the validation pass.
//!
//! `msteams_configs` follows Alertmanager 0.26 (0.25 has no Teams notifier).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::values::{HostPort, HttpConfig, Secret, Url};

fn yes() -> bool {
    true
}

fn template(name: &str) -> String {
    format!("{{{{ template \"{name}\" . }}}}")
}

/// One entry of `receivers`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Receiver {
    pub name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub webhook_configs: Vec<WebhookConfig>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub slack_configs: Vec<SlackConfig>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub email_configs: Vec<EmailConfig>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pagerduty_configs: Vec<PagerdutyConfig>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub opsgenie_configs: Vec<OpsGenieConfig>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub msteams_configs: Vec<MsTeamsConfig>,
}

/// `webhook_configs` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookConfig {
    #[serde(default = "yes")]
    pub send_resolved: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_config: Option<HttpConfig>,
    pub url: Url,
    #[serde(default)]
    pub max_alerts: u64,
}

/// `slack_configs` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlackConfig {
    #[serde(default)]
    pub send_resolved: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_config: Option<HttpConfig>,
    /// Filled from `global.slack_api_url` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_url: Option<Secret>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub api_url_file: String,
    #[serde(default)]
    pub channel: String,
    #[serde(default = "slack_username")]
    pub username: String,
    #[serde(default = "slack_color")]
    pub color: String,
    #[serde(default = "slack_title")]
    pub title: String,
    #[serde(default = "slack_title_link")]
    pub title_link: String,
    #[serde(default = "slack_pretext")]
    pub pretext: String,
    #[serde(default = "slack_text")]
    pub text: String,
    #[serde(default = "slack_footer")]
    pub footer: String,
    #[serde(default = "slack_fallback")]
    pub fallback: String,
    #[serde(default = "slack_icon_emoji")]
    pub icon_emoji: String,
    #[serde(default = "slack_icon_url")]
    pub icon_url: String,
    #[serde(default)]
    pub short_fields: bool,
    #[serde(default)]
    pub link_names: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mrkdwn_in: Vec<String>,
    #[serde(default = "slack_callback_id")]
    pub callback_id: String,
    #[serde(default)]
    pub image_url: String,
    #[serde(default)]
    pub thumb_url: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<SlackField>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<SlackAction>,
}

/// One attachment field of a Slack message (`title` and `value` needed;
/// `short` defaults to the config's `short_fields`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SlackField {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short: Option<bool>,
}

/// One button of a Slack message (`type` and `text` needed, and `url` or
/// `name`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SlackAction {
    #[serde(default, rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub style: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirm: Option<SlackConfirm>,
}

/// The confirmation of a Slack action (`text` needed).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SlackConfirm {
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub ok_text: String,
    #[serde(default)]
    pub dismiss_text: String,
}

fn slack_username() -> String {
    template("slack.default.username")
}
fn slack_color() -> String {
    r#"{{ if eq .Status "firing" }}danger{{ else }}good{{ end }}"#.into()
}
fn slack_title() -> String {
    template("slack.default.title")
}
fn slack_title_link() -> String {
    template("slack.default.titlelink")
}
fn slack_pretext() -> String {
    template("slack.default.pretext")
}
fn slack_text() -> String {
    template("slack.default.text")
}
fn slack_footer() -> String {
    template("slack.default.footer")
}
fn slack_fallback() -> String {
    template("slack.default.fallback")
}
fn slack_icon_emoji() -> String {
    template("slack.default.iconemoji")
}
fn slack_icon_url() -> String {
    template("slack.default.iconurl")
}
fn slack_callback_id() -> String {
    template("slack.default.callbackid")
}

/// `email_configs` entry; empty settings take the `global.smtp_*` ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmailConfig {
    #[serde(default)]
    pub send_resolved: bool,
    pub to: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub hello: String,
    #[serde(default)]
    pub smarthost: HostPort,
    #[serde(default)]
    pub auth_username: String,
    #[serde(default)]
    pub auth_password: Secret,
    #[serde(default)]
    pub auth_password_file: String,
    #[serde(default)]
    pub auth_secret: Secret,
    #[serde(default)]
    pub auth_identity: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    #[serde(default = "email_html")]
    pub html: String,
    #[serde(default)]
    pub text: String,
    /// `global.smtp_require_tls` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require_tls: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_config: Option<TlsConfig>,
}

/// `tls_config` of an e-mail config (Prometheus' common TLS settings).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TlsConfig {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub ca_file: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub cert_file: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub key_file: String,
    /// The name the server's certificate must have (default: the
    /// smarthost's host).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub server_name: String,
    #[serde(default)]
    pub insecure_skip_verify: bool,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub min_version: String,
}

fn email_html() -> String {
    template("email.default.html")
}

/// `pagerduty_configs` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PagerdutyConfig {
    #[serde(default = "yes")]
    pub send_resolved: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_config: Option<HttpConfig>,
    #[serde(default)]
    pub routing_key: Secret,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub routing_key_file: String,
    #[serde(default)]
    pub service_key: Secret,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub service_key_file: String,
    /// `global.pagerduty_url` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<Url>,
    #[serde(default = "pagerduty_client")]
    pub client: String,
    #[serde(default = "pagerduty_client_url")]
    pub client_url: String,
    #[serde(default = "pagerduty_description")]
    pub description: String,
    /// The four default details are added unless set.
    #[serde(default)]
    pub details: BTreeMap<String, String>,
    #[serde(default)]
    pub severity: String,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub class: String,
    #[serde(default)]
    pub component: String,
    #[serde(default)]
    pub group: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<PagerdutyImage>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<PagerdutyLink>,
}

/// An image of a PagerDuty v2 event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PagerdutyImage {
    #[serde(default)]
    pub src: String,
    #[serde(default)]
    pub alt: String,
    #[serde(default)]
    pub href: String,
}

/// A link of a PagerDuty v2 event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PagerdutyLink {
    #[serde(default)]
    pub href: String,
    #[serde(default)]
    pub text: String,
}

fn pagerduty_client() -> String {
    template("pagerduty.default.client")
}
fn pagerduty_client_url() -> String {
    template("pagerduty.default.clientURL")
}
fn pagerduty_description() -> String {
    // Alertmanager writes this one without the space before `}}`.
    r#"{{ template "pagerduty.default.description" .}}"#.into()
}

/// The details every PagerDuty event carries unless the configuration
/// overrides them.
pub fn default_pagerduty_details() -> [(&'static str, &'static str); 4] {
    [
        (
            "firing",
            r#"{{ template "pagerduty.default.instances" .Alerts.Firing }}"#,
        ),
        (
            "resolved",
            r#"{{ template "pagerduty.default.instances" .Alerts.Resolved }}"#,
        ),
        ("num_firing", "{{ .Alerts.Firing | len }}"),
        ("num_resolved", "{{ .Alerts.Resolved | len }}"),
    ]
}

/// `opsgenie_configs` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpsGenieConfig {
    #[serde(default = "yes")]
    pub send_resolved: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_config: Option<HttpConfig>,
    /// `global.opsgenie_api_key` when empty.
    #[serde(default)]
    pub api_key: Secret,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub api_key_file: String,
    /// `global.opsgenie_api_url` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_url: Option<Url>,
    #[serde(default = "opsgenie_message")]
    pub message: String,
    #[serde(default = "opsgenie_description")]
    pub description: String,
    #[serde(default = "opsgenie_source")]
    pub source: String,
    #[serde(default)]
    pub details: BTreeMap<String, String>,
    #[serde(default)]
    pub entity: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub responders: Vec<OpsGenieResponder>,
    #[serde(default)]
    pub actions: String,
    #[serde(default)]
    pub tags: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub priority: String,
    #[serde(default)]
    pub update_alerts: bool,
}

fn opsgenie_message() -> String {
    template("opsgenie.default.message")
}
fn opsgenie_description() -> String {
    template("opsgenie.default.description")
}
fn opsgenie_source() -> String {
    template("opsgenie.default.source")
}

/// One OpsGenie responder: `id`, `name` or `username`, and a `type`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OpsGenieResponder {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub username: String,
    #[serde(default, rename = "type")]
    pub kind: String,
}

/// `msteams_configs` entry (Alertmanager 0.26 fields).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MsTeamsConfig {
    #[serde(default = "yes")]
    pub send_resolved: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_config: Option<HttpConfig>,
    pub webhook_url: Secret,
    #[serde(default = "msteams_title")]
    pub title: String,
    #[serde(default = "msteams_summary")]
    pub summary: String,
    #[serde(default = "msteams_text")]
    pub text: String,
}

fn msteams_title() -> String {
    template("msteams.default.title")
}
fn msteams_summary() -> String {
    template("msteams.default.summary")
}
fn msteams_text() -> String {
    template("msteams.default.text")
}
