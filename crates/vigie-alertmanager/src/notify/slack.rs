//! The Slack notifier (Alertmanager 0.25 `notify/slack`): a `POST` of one
//! message with one attachment to the incoming-webhook `api_url` (or the
//! URL in `api_url_file`). Every text is a template; the title is cut to
//! 1024 characters. `mrkdwn_in` defaults to `fallback`, `pretext` and
//! `text`; `fields` take `short_fields` unless they set `short`; `actions`
//! (buttons) and their `confirm` are templated too. Only 5xx answers are
//! retried.

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
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<SlackFieldOut>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<SlackActionOut>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub image_url: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub thumb_url: String,
    pub footer: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub color: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mrkdwn_in: Vec<String>,
}

/// A field of the attachment (`short` always written, as Alertmanager's
/// pointer is always set).
#[derive(Debug, Serialize)]
pub struct SlackFieldOut {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub title: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub value: String,
    pub short: bool,
}

/// An action (button) of the attachment.
#[derive(Debug, Serialize)]
pub struct SlackActionOut {
    #[serde(rename = "type", skip_serializing_if = "String::is_empty")]
    pub kind: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub text: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub url: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub style: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirm: Option<SlackConfirmOut>,
}

/// The confirmation of an action.
#[derive(Debug, Serialize)]
pub struct SlackConfirmOut {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub text: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub title: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub ok_text: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub dismiss_text: String,
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
            callback_id: r.text(&s.callback_id),
            fields: Vec::new(),
            actions: Vec::new(),
            image_url: r.text(&s.image_url),
            thumb_url: r.text(&s.thumb_url),
            footer: r.text(&s.footer),
            color: r.text(&s.color),
            mrkdwn_in,
        };
        let mut attachment = attachment;
        for field in &s.fields {
            attachment.fields.push(SlackFieldOut {
                title: r.text(&field.title),
                value: r.text(&field.value),
                short: field.short.unwrap_or(s.short_fields),
            });
        }
        for action in &s.actions {
            let confirm = action.confirm.as_ref().map(|c| SlackConfirmOut {
                title: r.text(&c.title),
                text: r.text(&c.text),
                ok_text: r.text(&c.ok_text),
                dismiss_text: r.text(&c.dismiss_text),
            });
            attachment.actions.push(SlackActionOut {
                kind: r.text(&action.kind),
                text: r.text(&action.text),
                url: r.text(&action.url),
                style: r.text(&action.style),
                name: r.text(&action.name),
                value: r.text(&action.value),
                confirm,
            });
        }
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
