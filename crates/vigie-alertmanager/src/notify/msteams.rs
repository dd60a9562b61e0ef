//! The Microsoft Teams notifier (Alertmanager 0.26 `notify/msteams`; 0.25
//! has none): a `POST` of a legacy `MessageCard` to the incoming-webhook
//! URL with the templated `title`, `summary` and `text`, and a theme colour
//! for the group's status (red while firing, green once resolved). Only
//! 5xx answers are retried.

use std::time::Duration;

use serde::Serialize;
use vigie_alert::config::MsTeamsConfig;

use super::http::{go_json, send, HttpSettings};
use super::{BoxFuture, Notification, Notifier, NotifyError, Renderer, Shared};

const COLOR_RED: &str = "8C1A1A";
const COLOR_GREEN: &str = "2DC72D";

/// The request body.
#[derive(Debug, Serialize)]
pub struct TeamsMessage {
    #[serde(rename = "@context")]
    pub context: &'static str,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: String,
    pub summary: String,
    pub text: String,
    #[serde(rename = "themeColor")]
    pub theme_color: &'static str,
}

/// One `msteams_configs` entry.
#[derive(Debug, Clone)]
pub struct MsTeamsNotifier {
    settings: MsTeamsConfig,
    http: HttpSettings,
    shared: Shared,
}

impl MsTeamsNotifier {
    /// A notifier for `settings`.
    pub fn new(settings: &MsTeamsConfig, shared: Shared) -> Result<Self, String> {
        Ok(Self {
            settings: settings.clone(),
            http: HttpSettings::from_config(
                settings.http_config.as_ref(),
                super::OWN_CLIENT_TIMEOUT,
            )?,
            shared,
        })
    }

    /// The card Alertmanager 0.26 would send for `notification`.
    pub fn message(&self, notification: &Notification<'_>) -> Result<TeamsMessage, NotifyError> {
        let s = &self.settings;
        let mut r = Renderer::new(
            &self.shared.templates,
            notification,
            &self.shared.external_url,
        );
        let message = TeamsMessage {
            context: "http://schema.org/extensions",
            kind: "MessageCard",
            title: r.text(&s.title),
            summary: r.text(&s.summary),
            text: r.text(&s.text),
            theme_color: if r.data.is_resolved() {
                COLOR_GREEN
            } else {
                COLOR_RED
            },
        };
        r.check()?;
        Ok(message)
    }

    async fn send(
        &self,
        notification: &Notification<'_>,
        timeout: Duration,
    ) -> Result<(), NotifyError> {
        let body = go_json(&self.message(notification)?)?;
        let url = self.settings.webhook_url.expose();
        send(
            self.http.post_json(&self.shared.client, url, body),
            timeout,
            &[],
        )
        .await
    }
}

impl Notifier for MsTeamsNotifier {
    fn notify<'a>(
        &'a self,
        notification: &'a Notification<'a>,
        timeout: Duration,
    ) -> BoxFuture<'a, Result<(), NotifyError>> {
        Box::pin(self.send(notification, timeout))
    }
}
