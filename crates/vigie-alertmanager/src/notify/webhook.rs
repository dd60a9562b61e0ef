//! The webhook notifier (Alertmanager 0.25 `notify/webhook`): a `POST` of
//! the version 4 JSON payload ([`vigie_alert::webhook`]) with
//! `Content-Type: application/json` and Alertmanager's `User-Agent`. Any
//! 2xx answer is a success; 5xx and network errors may be retried, other
//! answers are final.

use std::time::Duration;

use vigie_alert::config::WebhookConfig;
use vigie_alert::webhook::webhook_message;

use super::http::{send, HttpSettings};
use super::{BoxFuture, Notification, Notifier, NotifyError};

pub use super::http::USER_AGENT;

/// One `webhook_configs` entry.
#[derive(Debug, Clone)]
pub struct WebhookNotifier {
    url: String,
    max_alerts: u64,
    client: reqwest::Client,
    external_url: String,
    http: HttpSettings,
}

impl WebhookNotifier {
    /// A notifier for `settings`, sending with `client`.
    pub fn new(settings: &WebhookConfig, client: reqwest::Client, external_url: String) -> Self {
        Self {
            url: settings.url.as_str().to_string(),
            max_alerts: settings.max_alerts,
            client,
            external_url,
            http: HttpSettings::default(),
        }
    }

    /// The same notifier with `http_config` settings (authentication).
    pub fn with_http(mut self, http: HttpSettings) -> Self {
        self.http = http;
        self
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
        send(
            self.http.post_json(&self.client, &self.url, body),
            timeout,
            &[],
        )
        .await
    }
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
