//! The OpsGenie notifier (Alertmanager 0.25 `notify/opsgenie`).
//!
//! While any alert fires: `POST {api_url}v2/alerts` creates the alert,
//! aliased by the SHA-256 of the group key (the message cut to 130
//! characters; details are the common labels overlaid with the templated
//! `details`; `tags` and `actions` split on commas; `teams` responders
//! split into one `team` responder per name); with `update_alerts`, two
//! `PUT`s then update the message and the description. Once all alerts
//! are resolved: `POST {api_url}v2/alerts/{alias}/close?identifierType=alias`.
//! Requests carry `Authorization: GenieKey {api_key}`; `429` is retried,
//! like 5xx.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;
use vigie_alert::config::OpsGenieConfig;

use super::http::{go_json, group_key_hash, send, truncate_runes, HttpSettings};
use super::{BoxFuture, Notification, Notifier, NotifyError, Renderer, Shared};

const MAX_MESSAGE_RUNES: usize = 130;

/// The create request.
#[derive(Debug, Serialize)]
pub struct OpsGenieCreate {
    pub alias: String,
    pub message: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    pub details: BTreeMap<String, String>,
    pub source: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub responders: Vec<OpsGenieResponder>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub note: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub priority: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub entity: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<String>,
}

/// One responder of a create request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpsGenieResponder {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub id: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub username: String,
    #[serde(rename = "type")]
    pub kind: String,
}

/// One HTTP request of a notification.
#[derive(Debug)]
pub struct OpsGenieRequest {
    pub method: reqwest::Method,
    pub url: String,
    pub body: Vec<u8>,
}

/// One `opsgenie_configs` entry.
#[derive(Debug, Clone)]
pub struct OpsGenieNotifier {
    settings: OpsGenieConfig,
    api_key: String,
    http: HttpSettings,
    shared: Shared,
}

/// Go's `safeSplit`: split on `sep`, trimmed, empty parts dropped.
fn safe_split(text: &str, sep: char) -> Vec<String> {
    text.trim()
        .split(sep)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

#[derive(Serialize)]
struct Close {
    source: String,
}

#[derive(Serialize)]
struct UpdateMessage {
    #[serde(skip_serializing_if = "String::is_empty")]
    message: String,
}

#[derive(Serialize)]
struct UpdateDescription {
    #[serde(skip_serializing_if = "String::is_empty")]
    description: String,
}

impl OpsGenieNotifier {
    /// A notifier for `settings` (reads `api_key_file` now).
    pub fn new(settings: &OpsGenieConfig, shared: Shared) -> Result<Self, String> {
        let api_key = if settings.api_key.is_empty() && !settings.api_key_file.is_empty() {
            std::fs::read_to_string(&settings.api_key_file)
                .map_err(|e| format!("read key_file error: {e}"))?
        } else {
            settings.api_key.expose().to_string()
        };
        Ok(Self {
            settings: settings.clone(),
            api_key,
            http: HttpSettings::from_config(
                settings.http_config.as_ref(),
                super::OWN_CLIENT_TIMEOUT,
            )?,
            shared,
        })
    }

    /// The requests Alertmanager would send for `notification`, and the
    /// API key (templated).
    pub fn requests(
        &self,
        notification: &Notification<'_>,
    ) -> Result<(Vec<OpsGenieRequest>, String), NotifyError> {
        let s = &self.settings;
        let mut r = Renderer::new(
            &self.shared.templates,
            notification,
            &self.shared.external_url,
        );
        let mut base = s.api_url.as_ref().map_or("", |u| u.as_str()).to_string();
        if !base.ends_with('/') {
            // Go joins the path to the URL's: `https://host` + `v2/alerts`.
            base.push('/');
        }
        let alias = group_key_hash(&notification.flush.group_key);
        let mut requests = Vec::new();
        let mut details = r.data.common_labels.clone();
        for (name, text) in &s.details {
            details.insert(name.clone(), r.text(text));
        }
        if r.data.is_resolved() {
            let close = Close {
                source: r.text(&s.source),
            };
            requests.push(OpsGenieRequest {
                method: reqwest::Method::POST,
                url: format!("{base}v2/alerts/{alias}/close?identifierType=alias"),
                body: go_json(&close)?,
            });
        } else {
            let message = truncate_runes(&r.text(&s.message), MAX_MESSAGE_RUNES);
            let mut responders = Vec::new();
            for responder in &s.responders {
                let rendered = OpsGenieResponder {
                    id: r.text(&responder.id),
                    name: r.text(&responder.name),
                    username: r.text(&responder.username),
                    kind: r.text(&responder.kind),
                };
                if rendered.id.is_empty()
                    && rendered.name.is_empty()
                    && rendered.username.is_empty()
                    && rendered.kind.is_empty()
                {
                    continue;
                }
                if rendered.kind == "teams" {
                    for team in safe_split(&rendered.name, ',') {
                        responders.push(OpsGenieResponder {
                            id: String::new(),
                            name: r.text(&team),
                            username: String::new(),
                            kind: "team".into(),
                        });
                    }
                    continue;
                }
                responders.push(rendered);
            }
            let create = OpsGenieCreate {
                alias: alias.clone(),
                message,
                description: r.text(&s.description),
                details,
                source: r.text(&s.source),
                responders,
                tags: safe_split(&r.text(&s.tags), ','),
                note: r.text(&s.note),
                priority: r.text(&s.priority),
                entity: r.text(&s.entity),
                actions: safe_split(&r.text(&s.actions), ','),
            };
            requests.push(OpsGenieRequest {
                method: reqwest::Method::POST,
                url: format!("{base}v2/alerts"),
                body: go_json(&create)?,
            });
            if s.update_alerts {
                requests.push(OpsGenieRequest {
                    method: reqwest::Method::PUT,
                    url: format!("{base}v2/alerts/{alias}/message?identifierType=alias"),
                    body: go_json(&UpdateMessage {
                        message: create.message.clone(),
                    })?,
                });
                requests.push(OpsGenieRequest {
                    method: reqwest::Method::PUT,
                    url: format!("{base}v2/alerts/{alias}/description?identifierType=alias"),
                    body: go_json(&UpdateDescription {
                        description: create.description.clone(),
                    })?,
                });
            }
        }
        let api_key = r.text(&self.api_key);
        r.check()?;
        Ok((requests, api_key))
    }

    async fn send(
        &self,
        notification: &Notification<'_>,
        timeout: Duration,
    ) -> Result<(), NotifyError> {
        let (requests, api_key) = self.requests(notification)?;
        for request in requests {
            let builder = self
                .http
                .request(
                    &self.shared.client,
                    request.method,
                    &request.url,
                    request.body,
                )
                .header(
                    reqwest::header::AUTHORIZATION,
                    format!("GenieKey {api_key}"),
                );
            send(builder, timeout, &[429]).await?;
        }
        Ok(())
    }
}

impl Notifier for OpsGenieNotifier {
    fn notify<'a>(
        &'a self,
        notification: &'a Notification<'a>,
        timeout: Duration,
    ) -> BoxFuture<'a, Result<(), NotifyError>> {
        Box::pin(self.send(notification, timeout))
    }
}
