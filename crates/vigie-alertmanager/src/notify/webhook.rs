//! The webhook notifier (Alertmanager 0.25 `notify/webhook`): a `POST` of
//! the version 4 JSON payload ([`vigie_alert::webhook`]) with
//! `Content-Type: application/json` and Alertmanager's `User-Agent`. Any
//! 2xx answer is a success; 5xx and network errors may be retried, other
//! answers are final.

use std::time::Duration;

use vigie_alert::config::WebhookConfig;
use vigie_alert::webhook::webhook_message;

use super::{BoxFuture, Notification, Notifier, NotifyError};

/// The `User-Agent` Alertmanager 0.25 sends (receivers may look for it).
pub const USER_AGENT: &str = "Alertmanager/0.25.0";

/// At most this much of an error answer's body is kept in the error.
const ERROR_BODY_LIMIT: usize = 1024;

/// One `webhook_configs` entry.
#[derive(Debug, Clone)]
pub struct WebhookNotifier {
    url: String,
    max_alerts: u64,
    client: reqwest::Client,
    external_url: String,
}

impl WebhookNotifier {
    /// A notifier for `settings`, sending with `client`.
    pub fn new(settings: &WebhookConfig, client: reqwest::Client, external_url: String) -> Self {
        Self {
            url: settings.url.as_str().to_string(),
            max_alerts: settings.max_alerts,
            client,
            external_url,
        }
    }

    /// The URL notifications are posted to.
    pub fn url(&self) -> &str {
        &self.url
    }

    async fn send(
        &self,
        notification: &Notification<'_>,
        timeout: Duration,
    ) -> Result<(), NotifyError> {
        let message = webhook_message(
            notification.flush,
            notification.alerts,
            &self.external_url,
            self.max_alerts,
        );
        let body = serde_json::to_vec(&message).map_err(|e| NotifyError::Build(e.to_string()))?;
        let mut request = self
            .client
            .post(&self.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(reqwest::header::USER_AGENT, USER_AGENT)
            .body(body);
        if !timeout.is_zero() {
            request = request.timeout(timeout);
        }
        let response = request
            .send()
            .await
            .map_err(|e| NotifyError::Transport(without_url(&e)))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let text = response.text().await.unwrap_or_default();
        let mut body: String = text.chars().take(ERROR_BODY_LIMIT).collect();
        if body.len() < text.len() {
            body.push('…');
        }
        Err(NotifyError::Status {
            status: status.as_u16(),
            body,
        })
    }
}

/// The error without its URL: webhook URLs often carry tokens.
fn without_url(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    if let Some(url) = error.url() {
        text = text.replace(url.as_str(), "<url>");
    }
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

impl Notifier for WebhookNotifier {
    fn notify<'a>(
        &'a self,
        notification: &'a Notification<'a>,
        timeout: Duration,
    ) -> BoxFuture<'a, Result<(), NotifyError>> {
        Box::pin(self.send(notification, timeout))
    }
}
