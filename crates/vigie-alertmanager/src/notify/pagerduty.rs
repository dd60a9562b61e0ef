//! The PagerDuty notifier (Alertmanager 0.25 `notify/pagerduty`).
//!
//! * Events API v2 when `routing_key` is set: a `trigger` event while any
//!   alert fires, `resolve` once all are resolved; `dedup_key` is the
//!   SHA-256 of the group key; the summary (the `description` template) is
//!   cut to 1024 characters; `severity` defaults to `error`, `source` to
//!   the `client` template; `images` without `src` and `links` without
//!   `href` are dropped. `429` answers are retried, like 5xx.
//! * Events API v1 (`generic/2010-04-15/create_event.json`) when
//!   `service_key` is set: `incident_key` instead of `dedup_key`, the
//!   details at the top level, `client` fields on triggers only. `403` is
//!   retried, like 5xx.
//!
//! Events over 512000 bytes have their details replaced by an error note,
//! as Alertmanager does.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;
use vigie_alert::config::PagerdutyConfig;

use super::http::{go_json, group_key_hash, send, truncate_runes, HttpSettings};
use super::{BoxFuture, Notification, Notifier, NotifyError, Renderer, Shared};

/// Alertmanager's fixed v1 endpoint.
pub const PAGERDUTY_V1_URL: &str =
    "https://events.pagerduty.com/generic/2010-04-15/create_event.json";

const MAX_EVENT_SIZE: usize = 512_000;
const MAX_V1_DESCRIPTION_RUNES: usize = 1024;
const MAX_V2_SUMMARY_RUNES: usize = 1024;

/// The event body (v1 and v2 share it; empty fields are left out).
#[derive(Debug, Serialize)]
pub struct PagerdutyMessage {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub routing_key: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub service_key: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub dedup_key: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub incident_key: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub event_type: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    pub event_action: String,
    pub payload: Option<PagerdutyPayload>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub client: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub client_url: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub details: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<PagerdutyImageOut>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<PagerdutyLinkOut>,
}

/// An image of a v2 event (those with an empty `src` are dropped).
#[derive(Debug, Serialize)]
pub struct PagerdutyImageOut {
    pub src: String,
    pub alt: String,
    pub href: String,
}

/// A link of a v2 event (those with an empty `href` are dropped).
#[derive(Debug, Serialize)]
pub struct PagerdutyLinkOut {
    pub href: String,
    pub text: String,
}

/// The v2 `payload`.
#[derive(Debug, Serialize)]
pub struct PagerdutyPayload {
    pub summary: String,
    pub source: String,
    pub severity: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub class: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub component: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub group: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub custom_details: BTreeMap<String, String>,
}

/// One `pagerduty_configs` entry.
#[derive(Debug, Clone)]
pub struct PagerdutyNotifier {
    settings: PagerdutyConfig,
    /// The key (`routing_key` for v2, `service_key` for v1), before
    /// templating.
    key: String,
    /// `Some` for the v1 API: its URL.
    v1_url: Option<String>,
    http: HttpSettings,
    shared: Shared,
}

fn read_key(value: &str, file: &str) -> Result<String, String> {
    if !value.is_empty() || file.is_empty() {
        return Ok(value.to_string());
    }
    std::fs::read_to_string(file)
        .map(|s| s.trim().to_string())
        .map_err(|e| format!("read PagerDuty key file: {e}"))
}

impl PagerdutyNotifier {
    /// A notifier for `settings` (reads the key files now).
    pub fn new(settings: &PagerdutyConfig, shared: Shared) -> Result<Self, String> {
        let v1 = !settings.service_key.is_empty() || !settings.service_key_file.is_empty();
        let key = if v1 {
            read_key(settings.service_key.expose(), &settings.service_key_file)?
        } else {
            read_key(settings.routing_key.expose(), &settings.routing_key_file)?
        };
        Ok(Self {
            settings: settings.clone(),
            key,
            v1_url: v1.then(|| PAGERDUTY_V1_URL.to_string()),
            http: HttpSettings::from_config(
                settings.http_config.as_ref(),
                super::OWN_CLIENT_TIMEOUT,
            )?,
            shared,
        })
    }

    /// Sends v1 events to `url` instead of PagerDuty's (for tests; v1 has
    /// no URL setting in Alertmanager).
    pub fn with_v1_url(mut self, url: impl Into<String>) -> Self {
        if self.v1_url.is_some() {
            self.v1_url = Some(url.into());
        }
        self
    }

    /// The event Alertmanager would send for `notification`.
    pub fn message(
        &self,
        notification: &Notification<'_>,
    ) -> Result<PagerdutyMessage, NotifyError> {
        let s = &self.settings;
        let mut r = Renderer::new(
            &self.shared.templates,
            notification,
            &self.shared.external_url,
        );
        let resolved = r.data.is_resolved();
        let mut details = BTreeMap::new();
        for (name, text) in &s.details {
            details.insert(name.clone(), r.text(text));
        }
        let hash = group_key_hash(&notification.flush.group_key);
        let message = if self.v1_url.is_some() {
            let event_type = if resolved { "resolve" } else { "trigger" };
            let (client, client_url) = if resolved {
                (String::new(), String::new())
            } else {
                (r.text(&s.client), r.text(&s.client_url))
            };
            PagerdutyMessage {
                routing_key: String::new(),
                service_key: r.text(&self.key),
                dedup_key: String::new(),
                incident_key: hash,
                event_type: event_type.into(),
                description: truncate_runes(&r.text(&s.description), MAX_V1_DESCRIPTION_RUNES),
                event_action: String::new(),
                payload: None,
                client,
                client_url,
                details,
                images: Vec::new(),
                links: Vec::new(),
            }
        } else {
            let severity = if s.severity.is_empty() {
                "error"
            } else {
                &s.severity
            };
            let source = if s.source.is_empty() {
                &s.client
            } else {
                &s.source
            };
            PagerdutyMessage {
                routing_key: r.text(&self.key),
                service_key: String::new(),
                dedup_key: hash,
                incident_key: String::new(),
                event_type: String::new(),
                description: String::new(),
                event_action: if resolved { "resolve" } else { "trigger" }.into(),
                payload: Some(PagerdutyPayload {
                    summary: truncate_runes(&r.text(&s.description), MAX_V2_SUMMARY_RUNES),
                    source: r.text(source),
                    severity: r.text(severity),
                    class: r.text(&s.class),
                    component: r.text(&s.component),
                    group: r.text(&s.group),
                    custom_details: details,
                }),
                client: r.text(&s.client),
                client_url: r.text(&s.client_url),
                details: BTreeMap::new(),
                images: s
                    .images
                    .iter()
                    .map(|i| PagerdutyImageOut {
                        src: r.text(&i.src),
                        alt: r.text(&i.alt),
                        href: r.text(&i.href),
                    })
                    .filter(|i| !i.src.is_empty())
                    .collect(),
                links: s
                    .links
                    .iter()
                    .map(|l| PagerdutyLinkOut {
                        href: r.text(&l.href),
                        text: r.text(&l.text),
                    })
                    .filter(|l| !l.href.is_empty())
                    .collect(),
            }
        };
        r.check()?;
        if message.routing_key.is_empty() && message.service_key.is_empty() {
            let which = if self.v1_url.is_some() {
                "service"
            } else {
                "routing"
            };
            return Err(NotifyError::Build(format!("{which} key cannot be empty")));
        }
        Ok(message)
    }

    /// The body: Go's JSON, details dropped when over PagerDuty's limit.
    pub fn body(mut message: PagerdutyMessage) -> Result<Vec<u8>, NotifyError> {
        let body = go_json(&message)?;
        if body.len() <= MAX_EVENT_SIZE {
            return Ok(body);
        }
        let note = BTreeMap::from([(
            "error".to_string(),
            "Custom details have been removed because the original event exceeds the maximum size of 512kB"
                .to_string(),
        )]);
        match message.payload.as_mut() {
            Some(payload) => payload.custom_details = note,
            None => message.details = note,
        }
        go_json(&message)
    }

    async fn send(
        &self,
        notification: &Notification<'_>,
        timeout: Duration,
    ) -> Result<(), NotifyError> {
        let message = self.message(notification)?;
        let body = Self::body(message)?;
        let (url, retry_codes): (&str, &[u16]) = match &self.v1_url {
            Some(url) => (url, &[403]),
            None => (
                self.settings.url.as_ref().map_or("", |u| u.as_str()),
                &[429],
            ),
        };
        send(
            self.http.post_json(&self.shared.client, url, body),
            timeout,
            retry_codes,
        )
        .await
    }
}

impl Notifier for PagerdutyNotifier {
    fn notify<'a>(
        &'a self,
        notification: &'a Notification<'a>,
        timeout: Duration,
    ) -> BoxFuture<'a, Result<(), NotifyError>> {
        Box::pin(self.send(notification, timeout))
    }
}
