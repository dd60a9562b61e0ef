//! The e-mail notifier (placeholder until the SMTP client lands).

use std::time::Duration;

use vigie_alert::config::EmailConfig;

use super::{BoxFuture, Notification, Notifier, NotifyError, Shared};

/// One `email_configs` entry.
#[derive(Debug, Clone)]
pub struct EmailNotifier {
    _settings: EmailConfig,
    _shared: Shared,
}

impl EmailNotifier {
    /// A notifier for `settings`.
    pub fn new(settings: &EmailConfig, shared: Shared) -> Result<Self, String> {
        Ok(Self {
            _settings: settings.clone(),
            _shared: shared,
        })
    }
}

impl Notifier for EmailNotifier {
    fn notify<'a>(
        &'a self,
        _notification: &'a Notification<'a>,
        _timeout: Duration,
    ) -> BoxFuture<'a, Result<(), NotifyError>> {
        Box::pin(async move { Err(NotifyError::Unsupported("email".into())) })
    }
}
