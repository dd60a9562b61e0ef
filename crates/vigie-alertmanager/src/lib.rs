//! vigie's Alertmanager-compatible alert manager: the I/O runtime around
//! the pure logic of [`vigie_alert`], with an HTTP API that speaks
//! Alertmanager 0.25's API v2 so that `amtool` and Prometheus work against
//! it unchanged.
//!
//! * [`service`]: [`AlertManager`], which owns the configuration, alerts,
//!   silences, inhibition rules, marker, dispatcher and notification log,
//!   runs the dispatcher's timers and the notification pipeline in the
//!   background, collects garbage and reloads its configuration.
//! * [`state`]: silences, notification log and alerts saved as JSON files
//!   under a data directory (atomically), restored at start.
//! * [`notify`]: the [`notify::Notifier`] trait, the retry loop and the
//!   notifiers: webhook, Slack, PagerDuty (Events API v1 and v2), OpsGenie,
//!   Microsoft Teams (0.26's `MessageCard`) and e-mail (SMTP), their texts
//!   rendered with [`vigie_alert::template`]; `http_config` basic auth,
//!   bearer/`authorization` credentials and `insecure_skip_verify`.
//! * [`templates`]: the configuration's `templates:` files, loaded at
//!   start and at each reload.
//! * [`api`]: [`api::router`], the axum router with Alertmanager's paths.
//!
//! Wiring it into a server:
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use vigie_alertmanager::{AlertManager, AlertManagerOptions, ConfigSource};
//! let options = AlertManagerOptions::new(
//!     ConfigSource::File("/etc/vigie/alertmanager.yml".into()),
//!     "/var/lib/vigie/alertmanager",
//! );
//! let service = AlertManager::start(options).await?;
//! let app = vigie_alertmanager::api::router(service.clone());
//! // serve `app` (wrapped in the host's authentication), then:
//! service.shutdown().await?;
//! # Ok(()) }
//! ```
//!
//! `GET /api/v2/status` shows the configuration text with its secrets
//! replaced by `<secret>` ([`vigie_alert::config::mask_secrets`]).
//!
//! Not done yet (Alertmanager has them):
//!
//! * TODO: the other integrations (WeChat, Pushover, VictorOps, SNS,
//!   Telegram, Webex, Discord) are not in the configuration model (their
//!   keys are rejected); e-mail `CRAM-MD5` authentication is not
//!   supported.
//! * TODO: `http_config` `oauth2`, `proxy_url` and custom CA/client
//!   certificates (an integration using them fails clearly); the webhook
//!   `url_file` setting.
//! * TODO: the API's `/api/v2/alerts/groups` `externalURL` links.
//! * TODO: clustering (gossip of silences and the notification log);
//!   `/api/v2/status` reports `cluster.status = "disabled"`, or a ready
//!   cluster of one when `cluster_address` is set.
//! * Metrics: [`stats`] counts notifications by receiver and integration;
//!   hosts expose them (`vigie serve`: `vigie_alerting_notifications_total`;
//!   `vigie alertmanager`: Alertmanager's own names on `/metrics`).

pub mod api;
pub mod notify;
pub mod service;
pub mod state;
pub mod stats;
pub mod templates;

pub use service::{
    AlertManager, AlertManagerOptions, AlertObserver, AlertTransition, ConfigSource, ExpireError,
    ReloadError, StartError, Transition,
};
pub use state::{StateDir, StateError};
