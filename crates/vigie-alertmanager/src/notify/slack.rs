//! The Slack notifier (Alertmanager 0.25 `notify/slack`): a `POST` of one
//! message with one attachment to the incoming-webhook `api_url` (or the
//! URL in `api_url_file`). Every text is a template; the title is cut to
//! 1024 characters. `mrkdwn_in` defaults to `fallback`, `pretext` and
//! `text`. Only 5xx answers are retried.

use std::time::Duration;

use serde::Serialize;
use vigie_alert::config::SlackConfig;

use super::http::{go_json, send, truncate_runes, HttpSettings};
use super::{BoxFuture, Notification, Notifier, NotifyError, Renderer, Shared};

/// Slack's limit on attachment titles, in characters.
const MAX_TITLE_RUNES: usize = 1024;

/// The request body (field order and omissions as Alertmanager's).
#[derive(Debug, Serialize)]
pub struct SlackMessage {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub channel: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub username: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub icon_emoji: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub icon_url: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub link_names: bool,
    pub attachments: Vec<SlackAttachment>,
}

/// The one attachment of a message.
#[derive(Debug, Serialize)]
pub struct SlackAttachment {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub title: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub title_link: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub pretext: String,
    pub text: String,
    pub fallback: String,
    pub callback_id: String,
    pub footer: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub color: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mrkdwn_in: Vec<String>,
}

/// One `slack_configs` entry.
#[derive(Debug, Clone)]
pub struct SlackNotifier {
    settings: SlackConfig,
    url: String,
    http: HttpSettings,
    shared: Shared,
}

impl SlackNotifier {
    /// A notifier for `settings` (reads `api_url_file` now).
    pub fn new(settings: &SlackConfig, shared: Shared) -> Result<Self, String> {
        let url = match &settings.api_url {
            Some(url) => url.expose().to_string(),
            None => std::fs::read_to_string(&settings.api_url_file)
                .map(|s| s.trim().to_string())
                .map_err(|e| format!("read slack api_url_file: {e}"))?,
        };
        Ok(Self {
            settings: settings.clone(),
            url,
            http: HttpSettings::from_config(
                settings.http_config.as_ref(),
                super::OWN_CLIENT_TIMEOUT,
            )?,
            shared,
        })
    }

    /// The message Alertmanager would send for `notification`.
    pub fn message(&self, notification: &Notification<'_>) -> Result<SlackMessage, NotifyError> {
        let s = &self.settings;
        let mut r = Renderer::new(
            &self.shared.templates,
            notification,
            &self.shared.external_url,
        );
        let mrkdwn_in = if s.mrkdwn_in.is_empty() {
            vec!["fallback".into(), "pretext".into(), "text".into()]
        } else {
            s.mrkdwn_in.clone()
        };
        let attachment = SlackAttachment {
            title: truncate_runes(&r.text(&s.title), MAX_TITLE_RUNES),
            title_link: r.text(&s.title_link),
            pretext: r.text(&s.pretext),
            text: r.text(&s.text),
            fallback: r.text(&s.fallback),
            callback_id: r.text(r#"{{ template "slack.default.callbackid" . }}"#),
            footer: r.text(&s.footer),
            color: r.text(&s.color),
            mrkdwn_in,
        };
        let message = SlackMessage {
            channel: r.text(&s.channel),
            username: r.text(&s.username),
            icon_emoji: r.text(&s.icon_emoji),
            icon_url: r.text(&s.icon_url),
            link_names: s.link_names,
            attachments: vec![attachment],
        };
        r.check()?;
        Ok(message)
    }

    async fn send(
        &self,
        notification: &Notification<'_>,
        timeout: Duration,
    ) -> Result<(), NotifyError> {
        let message = self.message(notification)?;
        let body = go_json(&message)?;
        let request = self.http.post_json(&self.shared.client, &self.url, body);
        send(request, timeout, &[]).await.map_err(|e| match e {
            NotifyError::Status { status, body } => NotifyError::Status {
                status,
                body: format!("channel {:?}: {body}", message.channel),
            },
            other => other,
        })
    }
}

impl Notifier for SlackNotifier {
    fn notify<'a>(
        &'a self,
        notification: &'a Notification<'a>,
        timeout: Duration,
    ) -> BoxFuture<'a, Result<(), NotifyError>> {
        Box::pin(self.send(notification, timeout))
    }
}
