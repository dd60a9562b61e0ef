//! Notifiers: what sends a notification to one integration of a receiver.
//!
//! * [`Notifier`]: one attempt at sending; its error says whether trying
//!   again may help ([`NotifyError::is_retryable`]).
//! * [`send_with_retries`]: Alertmanager's `RetryStage`: exponential
//!   backoff between attempts, no retry after an error that cannot be
//!   retried, everything bounded by a deadline (the group interval, at
//!   least 10 seconds, as Alertmanager bounds a flush).
//! * [`build_notifiers`]: the notifier of every integration of a
//!   configuration; only webhooks are implemented ([`webhook`]), the
//!   others answer [`NotifyError::Unsupported`].

pub mod webhook;

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;
use vigie_alert::dispatch::Flush;
use vigie_alert::nflog::integrations;
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
            NotifyError::Transport(_) => true,
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

/// The notifier of every integration of every receiver of `config`.
pub fn build_notifiers(
    config: &Config,
    context: &NotifierContext,
) -> BTreeMap<IntegrationKey, Arc<dyn Notifier>> {
    let mut notifiers: BTreeMap<IntegrationKey, Arc<dyn Notifier>> = BTreeMap::new();
    for receiver in &config.receivers {
        for integration in integrations(receiver) {
            let key = integration.key;
            let index = usize::try_from(key.index).unwrap_or(usize::MAX);
            let notifier: Arc<dyn Notifier> = match key.integration.as_str() {
                "webhook" => match receiver.webhook_configs.get(index) {
                    Some(settings) => Arc::new(webhook::WebhookNotifier::new(
                        settings,
                        context.client.clone(),
                        context.external_url.clone(),
                    )),
                    None => continue,
                },
                other => {
                    tracing::warn!(integration = %key, "{other} notifications are not implemented yet");
                    Arc::new(UnsupportedNotifier {
                        kind: other.to_string(),
                    })
                }
            };
            notifiers.insert(key, notifier);
        }
    }
    notifiers
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
    fn every_integration_gets_a_notifier_and_webhooks_are_real() {
        let text = "route:\n  receiver: r\nreceivers:\n  - name: r\n    webhook_configs:\n      - url: http://127.0.0.1:1/\n    slack_configs:\n      - api_url: http://127.0.0.1:1/slack\n        channel: '#x'\n";
        let config = Config::parse(text).unwrap_or_else(|e| panic!("{e}"));
        let context = NotifierContext {
            client: reqwest::Client::new(),
            external_url: String::new(),
        };
        let notifiers = build_notifiers(&config, &context);
        let kinds: Vec<String> = notifiers.keys().map(ToString::to_string).collect();
        assert_eq!(kinds, ["r/slack/0", "r/webhook/0"]);
    }
}
