//! Notifiers: what sends a notification to one integration of a receiver.
//!
//! * [`Notifier`]: one attempt at sending; its error says whether trying
//!   again may help ([`NotifyError::is_retryable`]).
//! * [`send_with_retries`]: Alertmanager's `RetryStage`: exponential
//!   backoff between attempts, no retry after an error that cannot be
//!   retried, everything bounded by a deadline (the group interval, at
//!   least 10 seconds, as Alertmanager bounds a flush).
//! * [`build_notifiers`]: the notifier of every integration of a
//!   configuration: [`webhook`], [`slack`], [`pagerduty`], [`opsgenie`],
//!   [`msteams`] and [`email`], their texts rendered with the
//!   configuration's [`Templates`]; [`http`] holds what the HTTP ones
//!   share (`http_config`, answers, Go's JSON encoding).

pub mod email;
pub mod http;
pub mod msteams;
pub mod opsgenie;
pub mod pagerduty;
pub mod slack;
pub mod webhook;

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;
use vigie_alert::dispatch::Flush;
use vigie_alert::nflog::integrations;
use vigie_alert::template::{TemplateData, TemplateError, Templates, Value};
use vigie_alert::{Alert, Config, IntegrationKey};

/// A boxed future that can be sent between threads.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Alertmanager's `notify.MinTimeout`: the least time a flush may take.
pub const MIN_FLUSH_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a notification attempt failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotifyError {
    /// The receiver answered with an HTTP status (retried on 5xx only).
    #[error("unexpected status code {status}: {body}")]
    Status { status: u16, body: String },
    /// The receiver answered with a status it asks to retry on (PagerDuty
    /// and OpsGenie `429`, PagerDuty v1 `403`): retried.
    #[error("unexpected status code {status}: {body}")]
    Throttled { status: u16, body: String },
    /// The request did not get an answer (retried).
    #[error("request failed: {0}")]
    Transport(String),
    /// The notification could not be built (not retried).
    #[error("build notification: {0}")]
    Build(String),
    /// No notifier exists for this kind of integration yet (not retried).
    #[error("{0} notifications are not implemented yet")]
    Unsupported(String),
    /// Retries ran out of time; the last attempt's error.
    #[error("gave up after {attempts} attempts: {last}")]
    GaveUp {
        attempts: u32,
        last: Box<NotifyError>,
    },
}

impl NotifyError {
    /// Whether trying again may succeed (Alertmanager retries network
    /// errors and 5xx answers, not 4xx).
    pub fn is_retryable(&self) -> bool {
        match self {
            NotifyError::Status { status, .. } => (500..600).contains(status),
            NotifyError::Transport(_) | NotifyError::Throttled { .. } => true,
            NotifyError::Build(_) | NotifyError::Unsupported(_) | NotifyError::GaveUp { .. } => {
                false
            }
        }
    }
}

/// One notification to send: the flush it comes from and the alerts the
/// notification plan chose for this integration.
#[derive(Debug, Clone)]
pub struct Notification<'a> {
    pub flush: &'a Flush,
    pub alerts: &'a [Alert],
    pub integration: &'a IntegrationKey,
}

/// Sends notifications to one integration; one call is one attempt.
pub trait Notifier: Send + Sync {
    /// Makes one attempt; `timeout` is the time left before giving up.
    fn notify<'a>(
        &'a self,
        notification: &'a Notification<'a>,
        timeout: Duration,
    ) -> BoxFuture<'a, Result<(), NotifyError>>;
}

/// A notifier for integrations not implemented yet: always fails, without
/// retry.
#[derive(Debug, Clone)]
pub struct UnsupportedNotifier {
    pub kind: String,
}

impl Notifier for UnsupportedNotifier {
    fn notify<'a>(
        &'a self,
        _notification: &'a Notification<'a>,
        _timeout: Duration,
    ) -> BoxFuture<'a, Result<(), NotifyError>> {
        Box::pin(async move { Err(NotifyError::Unsupported(self.kind.clone())) })
    }
}

/// A notifier whose settings could not be used (a secret file that cannot
/// be read, an unsupported `http_config` option): always fails with that
/// error, without retry.
#[derive(Debug, Clone)]
pub struct FailingNotifier {
    pub error: String,
}

impl Notifier for FailingNotifier {
    fn notify<'a>(
        &'a self,
        _notification: &'a Notification<'a>,
        _timeout: Duration,
    ) -> BoxFuture<'a, Result<(), NotifyError>> {
        Box::pin(async move { Err(NotifyError::Build(self.error.clone())) })
    }
}

/// Renders a notifier's texts against one notification's data; the first
/// error is kept and the texts after it render empty (Alertmanager's
/// `TmplText`).
pub struct Renderer<'a> {
    templates: &'a Templates,
    /// The data the texts are rendered against.
    pub data: TemplateData,
    /// `data` as a template value, built once.
    value: Value,
    error: Option<TemplateError>,
}

impl<'a> Renderer<'a> {
    /// The renderer for `notification`.
    pub fn new(
        templates: &'a Templates,
        notification: &Notification<'_>,
        external_url: &str,
    ) -> Self {
        let data = TemplateData::new(notification.flush, notification.alerts, external_url);
        Self {
            templates,
            value: data.to_value(),
            data,
            error: None,
        }
    }

    /// `text` rendered as a text template.
    pub fn text(&mut self, text: &str) -> String {
        self.render(text, false)
    }

    /// `text` rendered as an HTML template.
    pub fn html(&mut self, text: &str) -> String {
        self.render(text, true)
    }

    fn render(&mut self, text: &str, html: bool) -> String {
        if self.error.is_some() {
            return String::new();
        }
        let result = self.templates.render(text, &self.value, html);
        result.unwrap_or_else(|e| {
            self.error = Some(e);
            String::new()
        })
    }

    /// The first template error, as a notification error (not retried).
    pub fn check(&mut self) -> Result<(), NotifyError> {
        match self.error.take() {
            Some(e) => Err(NotifyError::Build(e.to_string())),
            None => Ok(()),
        }
    }
}

/// How attempts are spaced (Alertmanager uses an exponential backoff
/// starting at 500ms, growing by 1.5, at most a minute apart).
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    pub initial_backoff: Duration,
    pub multiplier: f64,
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            initial_backoff: Duration::from_millis(500),
            multiplier: 1.5,
            max_backoff: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// The pause after attempt number `attempt` (1-based) failed.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exponent = i32::try_from(attempt.saturating_sub(1)).unwrap_or(i32::MAX);
        let factor = self.multiplier.max(1.0).powi(exponent);
        let seconds = self.initial_backoff.as_secs_f64() * factor;
        if !seconds.is_finite() || seconds >= self.max_backoff.as_secs_f64() {
            self.max_backoff
        } else {
            Duration::from_secs_f64(seconds)
        }
    }
}

/// Tries `notification` until it succeeds, fails without retry, or
/// `deadline` passes (then [`NotifyError::GaveUp`] with the last error).
pub async fn send_with_retries(
    notifier: &dyn Notifier,
    notification: &Notification<'_>,
    policy: &RetryPolicy,
    deadline: Instant,
) -> Result<(), NotifyError> {
    let mut attempts = 0u32;
    loop {
        attempts = attempts.saturating_add(1);
        let left = deadline.saturating_duration_since(Instant::now());
        let error = match notifier.notify(notification, left).await {
            Ok(()) => return Ok(()),
            Err(e) if !e.is_retryable() => return Err(e),
            Err(e) => e,
        };
        let pause = policy.backoff(attempts);
        if Instant::now() + pause >= deadline {
            return Err(NotifyError::GaveUp {
                attempts,
                last: Box::new(error),
            });
        }
        tracing::debug!(
            integration = %notification.integration,
            attempts,
            error = %error,
            "notification failed, retrying"
        );
        tokio::time::sleep(pause).await;
    }
}

/// What every notifier needs besides its own settings.
#[derive(Debug, Clone)]
pub struct NotifierContext {
    pub client: reqwest::Client,
    /// The URL the alert manager is reached at (`externalURL`).
    pub external_url: String,
}

/// The notifier of every integration of every receiver of `config`, with
/// the default templates only.
pub fn build_notifiers(
    config: &Config,
    context: &NotifierContext,
) -> BTreeMap<IntegrationKey, Arc<dyn Notifier>> {
    build_notifiers_with(config, context, &Arc::new(Templates::with_defaults()))
}

/// Time a client of its own (`tls_config`) waits for an answer at most.
const OWN_CLIENT_TIMEOUT: Duration = Duration::from_secs(60);

/// The notifier of every integration of every receiver of `config`, texts
/// rendered with `templates`.
pub fn build_notifiers_with(
    config: &Config,
    context: &NotifierContext,
    templates: &Arc<Templates>,
) -> BTreeMap<IntegrationKey, Arc<dyn Notifier>> {
    let mut notifiers: BTreeMap<IntegrationKey, Arc<dyn Notifier>> = BTreeMap::new();
    for receiver in &config.receivers {
        for integration in integrations(receiver) {
            let key = integration.key;
            let index = usize::try_from(key.index).unwrap_or(usize::MAX);
            let shared = Shared {
                client: context.client.clone(),
                external_url: context.external_url.clone(),
                templates: Arc::clone(templates),
            };
            let built: Option<Result<Arc<dyn Notifier>, String>> = match key.integration.as_str() {
                "webhook" => receiver.webhook_configs.get(index).map(|settings| {
                    let http = http::HttpSettings::from_config(
                        settings.http_config.as_ref(),
                        OWN_CLIENT_TIMEOUT,
                    )?;
                    Ok(Arc::new(
                        webhook::WebhookNotifier::new(
                            settings,
                            context.client.clone(),
                            context.external_url.clone(),
                        )
                        .with_http(http),
                    ) as Arc<dyn Notifier>)
                }),
                "slack" => receiver.slack_configs.get(index).map(|s| {
                    slack::SlackNotifier::new(s, shared).map(|n| Arc::new(n) as Arc<dyn Notifier>)
                }),
                "pagerduty" => receiver.pagerduty_configs.get(index).map(|s| {
                    pagerduty::PagerdutyNotifier::new(s, shared)
                        .map(|n| Arc::new(n) as Arc<dyn Notifier>)
                }),
                "opsgenie" => receiver.opsgenie_configs.get(index).map(|s| {
                    opsgenie::OpsGenieNotifier::new(s, shared)
                        .map(|n| Arc::new(n) as Arc<dyn Notifier>)
                }),
                "msteams" => receiver.msteams_configs.get(index).map(|s| {
                    msteams::MsTeamsNotifier::new(s, shared)
                        .map(|n| Arc::new(n) as Arc<dyn Notifier>)
                }),
                "email" => receiver.email_configs.get(index).map(|s| {
                    email::EmailNotifier::new(s, shared).map(|n| Arc::new(n) as Arc<dyn Notifier>)
                }),
                other => {
                    tracing::warn!(integration = %key, "{other} notifications are not implemented");
                    Some(Ok(Arc::new(UnsupportedNotifier {
                        kind: other.to_string(),
                    }) as Arc<dyn Notifier>))
                }
            };
            let notifier = match built {
                None => continue,
                Some(Ok(notifier)) => notifier,
                Some(Err(error)) => {
                    tracing::warn!(integration = %key, %error, "notifier cannot be built");
                    Arc::new(FailingNotifier { error })
                }
            };
            notifiers.insert(key, notifier);
        }
    }
    notifiers
}

/// What every notifier is built with besides its own settings.
#[derive(Debug, Clone)]
pub struct Shared {
    pub client: reqwest::Client,
    pub external_url: String,
    pub templates: Arc<Templates>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_network_errors_and_5xx_are_retried() {
        let status = |status| NotifyError::Status {
            status,
            body: String::new(),
        };
        assert!(status(500).is_retryable());
        assert!(status(503).is_retryable());
        assert!(!status(400).is_retryable());
        assert!(!status(404).is_retryable());
        assert!(NotifyError::Transport("reset".into()).is_retryable());
        assert!(!NotifyError::Unsupported("slack".into()).is_retryable());
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.backoff(1), Duration::from_millis(500));
        assert_eq!(policy.backoff(2), Duration::from_millis(750));
        assert_eq!(policy.backoff(100), Duration::from_secs(60));
        assert_eq!(policy.backoff(u32::MAX), Duration::from_secs(60));
    }

    #[test]
    fn every_integration_gets_a_notifier() {
        let text = "route:\n  receiver: r\nreceivers:\n  - name: r\n    webhook_configs:\n      - url: http://127.0.0.1:1/\n    slack_configs:\n      - api_url: http://127.0.0.1:1/slack\n        channel: '#x'\n";
        let config = Config::parse(text).unwrap_or_else(|e| panic!("{e}"));
        let context = NotifierContext {
            client: reqwest::Client::new(),
            external_url: String::new(),
        };
        let notifiers = build_notifiers(&config, &context);
        let kinds: Vec<String> = notifiers.keys().map(ToString::to_string).collect();
        assert_eq!(kinds, ["r/slack/0", "r/webhook/0"]);
        assert!(NotifyError::Throttled {
            status: 429,
            body: String::new()
        }
        .is_retryable());
    }
}
