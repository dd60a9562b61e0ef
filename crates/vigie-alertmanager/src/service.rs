//! [`AlertManager`]: the running alert manager.
//!
//! It owns the state of [`vigie_alert`] (configuration, alert store,
//! silences, inhibitor, marker, dispatcher, notification log and the
//! notifiers built from the configuration) behind one `tokio` mutex, and
//! runs three background tasks:
//!
//! * the dispatch loop ([`pipeline`]) sleeps until the dispatcher's next
//!   deadline (or until new alerts or a reload wake it), takes the due
//!   flushes, plans each integration with the notification log and sends
//!   the notifications, each flush in its own task so that a slow receiver
//!   does not hold the others back;
//! * the persistence loop saves silences, notification log and alerts
//!   ([`crate::state`]) a short while after each change (debounced);
//! * the garbage collector drops resolved alerts, expired silences and
//!   expired log entries periodically.
//!
//! [`AlertManager::reload`] keeps alerts, silences, marker and log and
//! rebuilds the dispatcher (its groups start over, the log prevents
//! notifying again what was already sent), as Alertmanager does.
//! [`AlertManager::shutdown`] stops the tasks and saves the state.

mod observe;
mod persist;
mod pipeline;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{watch, Mutex, Notify};
use tokio::task::JoinHandle;
use vigie_alert::api_v2::filter::{self, AlertsQuery, StatusSources};
use vigie_alert::api_v2::request::{
    accept_alerts, parse_postable_alerts, parse_postable_silence, post_silence, ApiAnswer,
};
use vigie_alert::api_v2::{
    self, AlertGroup, AlertmanagerStatus, GettableAlert, GettableSilence, PostableAlert,
    VersionInfo,
};
use vigie_alert::{
    Alerts, Config, ConfigErrors, DispatchError, Dispatcher, Inhibitor, IntegrationKey, Marker,
    MatcherError, NotificationLog, SilenceState, Silences, Timestamp,
};

pub use observe::{AlertObserver, AlertTransition, Transition};

use crate::notify::{build_notifiers_with, Notifier, NotifierContext, RetryPolicy};
use crate::state::{StateDir, StateError};
use crate::templates::load_templates;
use vigie_alert::template::Templates;

/// Where the configuration comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigSource {
    /// A YAML file, read again by `POST /-/reload`.
    File(PathBuf),
    /// YAML text given by the host (reloaded with [`AlertManager::reload`]).
    Text(String),
}

/// How the alert manager runs.
#[derive(Debug, Clone)]
pub struct AlertManagerOptions {
    pub config: ConfigSource,
    /// Where silences, notification log and alerts are saved.
    pub data_dir: PathBuf,
    /// The URL users reach the alert manager at (`externalURL` of
    /// notifications).
    pub external_url: String,
    /// How long after a change the state is saved.
    pub persist_debounce: Duration,
    /// How long after a change of alerts alone the state is saved. Alerts
    /// come in floods (Prometheus re-sends every firing alert) and saving
    /// copies them all; silences and the notification log still save after
    /// `persist_debounce`. Shutdown saves everything.
    pub alert_persist_interval: Duration,
    /// How often resolved alerts, expired silences and log entries go.
    pub gc_interval: Duration,
    /// Spacing of notification retries.
    pub retry: RetryPolicy,
    /// The least time a flush may take with its retries (Alertmanager: 10s;
    /// otherwise the route's group interval).
    pub min_flush_timeout: Duration,
    /// Time each HTTP notification request may take at most.
    pub http_timeout: Duration,
    /// Largest request body the API accepts (413 beyond).
    pub max_request_body_bytes: usize,
    /// Offset east of UTC of `location: Local` time intervals.
    pub local_offset_secs: i32,
    /// Told of the alerts that start firing or get resolved through the
    /// API.
    pub observer: Option<Arc<dyn AlertObserver>>,
    /// The cluster address an Alertmanager was told to listen on
    /// (`--cluster.listen-address`): there is no clustering, but the status
    /// then reports a ready cluster of one peer at that address, as an
    /// Alertmanager without peers does, instead of `disabled`.
    pub cluster_address: Option<String>,
    /// Where relative `templates:` paths of a [`ConfigSource::Text`]
    /// configuration start (the working directory when `None`).
    pub text_base_dir: Option<PathBuf>,
}

impl AlertManagerOptions {
    /// Alertmanager's defaults for the configuration `config` and the data
    /// directory `data_dir`.
    pub fn new(config: ConfigSource, data_dir: impl Into<PathBuf>) -> Self {
        Self {
            config,
            data_dir: data_dir.into(),
            external_url: String::new(),
            persist_debounce: Duration::from_secs(1),
            alert_persist_interval: Duration::from_secs(15),
            gc_interval: Duration::from_secs(15 * 60),
            retry: RetryPolicy::default(),
            min_flush_timeout: crate::notify::MIN_FLUSH_TIMEOUT,
            http_timeout: Duration::from_secs(30),
            max_request_body_bytes: 4 * 1024 * 1024,
            local_offset_secs: 0,
            observer: None,
            cluster_address: None,
            text_base_dir: None,
        }
    }
}

/// Why a configuration could not be (re)loaded; the running one stays.
#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    #[error("read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(ConfigErrors),
    #[error("{0}")]
    Routes(#[from] DispatchError),
    #[error("inhibit rules: {0}")]
    Inhibition(#[from] MatcherError),
    #[error("{0}")]
    Templates(String),
    #[error("the configuration was given as text: there is no file to read again")]
    NoFile,
}

/// Why the alert manager could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("configuration: {0}")]
    Config(#[from] ReloadError),
    #[error("state: {0}")]
    State(#[from] StateError),
    #[error("HTTP client: {0}")]
    HttpClient(String),
}

/// Why a silence could not be expired.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExpireError {
    #[error("silence not found")]
    NotFound,
    #[error("silence {0} already expired")]
    AlreadyExpired(String),
}

/// Everything behind the lock.
pub(crate) struct State {
    pub(crate) config: Config,
    pub(crate) alerts: Alerts,
    pub(crate) silences: Silences,
    pub(crate) inhibitor: Inhibitor,
    pub(crate) marker: Marker,
    pub(crate) dispatcher: Dispatcher,
    pub(crate) nflog: NotificationLog,
    pub(crate) notifiers: BTreeMap<IntegrationKey, Arc<dyn Notifier>>,
}

/// The parts of [`State`] that alert listings read, next to the marker
/// they update.
struct Listing<'a> {
    alerts: &'a Alerts,
    dispatcher: &'a Dispatcher,
}

impl State {
    /// Runs `f` with what computes alert statuses now: the silences, the
    /// inhibitor and the labels of the alerts firing now.
    fn with_status_sources<R>(
        &mut self,
        f: impl FnOnce(Listing<'_>, &mut Marker, &StatusSources<'_>, Timestamp) -> R,
    ) -> R {
        let now = Timestamp::now();
        let firing = self.inhibitor.sources(&self.alerts, now);
        let sources = StatusSources {
            silences: &self.silences,
            inhibitor: &self.inhibitor,
            firing: &firing,
        };
        let listing = Listing {
            alerts: &self.alerts,
            dispatcher: &self.dispatcher,
        };
        f(listing, &mut self.marker, &sources, now)
    }
}

/// A configuration with what is built from it.
struct Compiled {
    config: Config,
    dispatcher: Dispatcher,
    inhibitor: Inhibitor,
    templates: Arc<Templates>,
}

/// Where relative `templates:` globs start: the configuration file's
/// directory, or for text the host's [`AlertManagerOptions::text_base_dir`].
fn base_dir(options: &AlertManagerOptions) -> Option<&Path> {
    match &options.config {
        ConfigSource::File(path) => path.parent(),
        ConfigSource::Text(_) => options.text_base_dir.as_deref(),
    }
}

fn compile(
    text: &str,
    local_offset_secs: i32,
    base: Option<&Path>,
) -> Result<Compiled, ReloadError> {
    let config = Config::parse(text).map_err(ReloadError::Invalid)?;
    let templates =
        Arc::new(load_templates(&config.templates, base).map_err(ReloadError::Templates)?);
    let dispatcher = Dispatcher::new(&config)?.with_local_offset(local_offset_secs);
    let inhibitor = Inhibitor::from_config(&config.inhibit_rules)?;
    Ok(Compiled {
        config,
        dispatcher,
        inhibitor,
        templates,
    })
}

/// The running alert manager; see the module documentation.
pub struct AlertManager {
    state: Mutex<State>,
    options: AlertManagerOptions,
    state_dir: StateDir,
    notifier_context: NotifierContext,
    started_at: Timestamp,
    /// New alerts or a new dispatcher: the dispatch loop looks again.
    wake: Notify,
    /// Something persisted changed.
    dirty: Notify,
    /// Alerts changed (saved less eagerly, see
    /// [`AlertManagerOptions::alert_persist_interval`]).
    alerts_dirty: Notify,
    shutdown: watch::Sender<bool>,
    tasks: std::sync::Mutex<Vec<JoinHandle<()>>>,
    deliveries: std::sync::Mutex<Vec<JoinHandle<()>>>,
    /// One save at a time.
    saving: Mutex<()>,
    /// Notifications sent and failed.
    notification_stats: crate::stats::NotificationStats,
    /// `global.resolve_timeout` of the running configuration, in
    /// nanoseconds (read by posts without taking the state lock).
    resolve_timeout_ns: AtomicU64,
    /// The parts of the state changed since they were last saved (bits of
    /// [`persist`]).
    dirty_parts: AtomicU8,
}

fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

impl AlertManager {
    /// Reads the configuration and the saved state, then starts the
    /// background tasks (needs a `tokio` runtime with timers).
    pub async fn start(options: AlertManagerOptions) -> Result<Arc<Self>, StartError> {
        let text = read_source(&options.config)?;
        let compiled = compile(&text, options.local_offset_secs, base_dir(&options))?;
        let state_dir = StateDir::open(&options.data_dir)?;
        let loader = state_dir.clone();
        let persisted = tokio::task::spawn_blocking(move || loader.load())
            .await
            .map_err(|e| StateError::Read {
                path: options.data_dir.clone(),
                source: std::io::Error::other(e.to_string()),
            })??;
        let client = reqwest::Client::builder()
            .timeout(options.http_timeout)
            .build()
            .map_err(|e| StartError::HttpClient(e.to_string()))?;
        let notifier_context = NotifierContext {
            client,
            external_url: options.external_url.clone(),
        };
        let notifiers =
            build_notifiers_with(&compiled.config, &notifier_context, &compiled.templates);
        let now = Timestamp::now();
        let mut dispatcher = compiled.dispatcher;
        for alert in persisted.alerts.iter_shared() {
            dispatcher.ingest(alert.clone(), now);
        }
        let resolve_timeout_ns =
            AtomicU64::new(nanos(compiled.config.global.resolve_timeout.get()));
        let state = State {
            config: compiled.config,
            alerts: persisted.alerts,
            silences: persisted.silences,
            inhibitor: compiled.inhibitor,
            marker: Marker::new(),
            dispatcher,
            nflog: persisted.nflog,
            notifiers,
        };
        let (shutdown, _) = watch::channel(false);
        let service = Arc::new(Self {
            state: Mutex::new(state),
            options,
            state_dir,
            notifier_context,
            started_at: now,
            wake: Notify::new(),
            dirty: Notify::new(),
            alerts_dirty: Notify::new(),
            shutdown,
            tasks: std::sync::Mutex::new(Vec::new()),
            deliveries: std::sync::Mutex::new(Vec::new()),
            saving: Mutex::new(()),
            notification_stats: crate::stats::NotificationStats::default(),
            resolve_timeout_ns,
            dirty_parts: AtomicU8::new(0),
        });
        let tasks = vec![
            tokio::spawn(
                service
                    .clone()
                    .run_dispatch_loop(service.shutdown.subscribe()),
            ),
            tokio::spawn(
                service
                    .clone()
                    .run_persist_loop(service.shutdown.subscribe()),
            ),
            tokio::spawn(service.clone().run_gc_loop(service.shutdown.subscribe())),
        ];
        if let Ok(mut held) = service.tasks.lock() {
            held.extend(tasks);
        }
        Ok(service)
    }

    /// The options it runs with.
    pub fn options(&self) -> &AlertManagerOptions {
        &self.options
    }

    /// Stops the background tasks and in-flight notifications (those not
    /// finished will be sent again after a restart), then saves the state.
    pub async fn shutdown(&self) -> Result<(), StateError> {
        self.shutdown.send_replace(true);
        let tasks: Vec<JoinHandle<()>> = match self.tasks.lock() {
            Ok(mut held) => held.drain(..).collect(),
            Err(_) => Vec::new(),
        };
        for task in tasks {
            let _ = task.await;
        }
        let deliveries: Vec<JoinHandle<()>> = match self.deliveries.lock() {
            Ok(mut held) => held.drain(..).collect(),
            Err(_) => Vec::new(),
        };
        for delivery in deliveries {
            delivery.abort();
        }
        self.save_now().await
    }

    /// Reads the configuration source again and applies it
    /// (`POST /-/reload`).
    pub async fn reload_from_source(&self) -> Result<(), ReloadError> {
        match &self.options.config {
            ConfigSource::File(_) => {
                let text = read_source(&self.options.config)?;
                self.reload(&text).await
            }
            ConfigSource::Text(_) => Err(ReloadError::NoFile),
        }
    }

    /// Applies a new configuration: alerts, silences, marker and
    /// notification log stay; groups are rebuilt from the stored alerts.
    /// An invalid configuration changes nothing.
    pub async fn reload(&self, text: &str) -> Result<(), ReloadError> {
        let compiled = compile(
            text,
            self.options.local_offset_secs,
            base_dir(&self.options),
        )?;
        let notifiers = build_notifiers_with(
            &compiled.config,
            &self.notifier_context,
            &compiled.templates,
        );
        let mut state = self.state.lock().await;
        let now = Timestamp::now();
        let mut dispatcher = compiled.dispatcher;
        for alert in state.alerts.iter_shared() {
            dispatcher.ingest(alert.clone(), now);
        }
        self.resolve_timeout_ns.store(
            nanos(compiled.config.global.resolve_timeout.get()),
            Ordering::Relaxed,
        );
        state.config = compiled.config;
        state.dispatcher = dispatcher;
        state.inhibitor = compiled.inhibitor;
        state.notifiers = notifiers;
        drop(state);
        self.wake.notify_one();
        tracing::info!("alert manager configuration reloaded");
        Ok(())
    }

    /// `POST /api/v2/alerts` with a raw JSON body.
    pub async fn post_alerts_body(&self, body: &[u8]) -> ApiAnswer {
        match parse_postable_alerts(body) {
            Ok(posted) => {
                let observer = self.options.observer.as_deref();
                self.accept(posted, observer).await
            }
            Err(answer) => answer,
        }
    }

    /// Stores alerts (what a host producing alerts itself calls): the valid
    /// ones are kept even when others are refused (answer 400). The
    /// [`AlertManagerOptions::observer`] is not told.
    pub async fn post_alerts(&self, posted: Vec<PostableAlert>) -> ApiAnswer {
        self.accept(posted, None).await
    }

    async fn accept(
        &self,
        posted: Vec<PostableAlert>,
        observer: Option<&dyn AlertObserver>,
    ) -> ApiAnswer {
        // Defaults and checks need no lock: posts prepare their alerts in
        // parallel and hold the lock only to store them.
        let now = Timestamp::now();
        let resolve_timeout = Duration::from_nanos(self.resolve_timeout_ns.load(Ordering::Relaxed));
        let (valid, answer) = accept_alerts(posted, now, resolve_timeout);
        let stored_any = !valid.is_empty();
        let mut state = self.state.lock().await;
        let mut changes = Vec::new();
        let mut sooner = false;
        for alert in valid {
            let before = observer.and_then(|_| state.alerts.get(alert.fingerprint()).cloned());
            let stored = state.alerts.put(alert, now);
            if observer.is_some() {
                if let Some(transition) = observe::transition(before.as_ref(), &stored, now) {
                    changes.push(AlertTransition {
                        transition,
                        alert: (*stored).clone(),
                    });
                }
            }
            sooner |= state.dispatcher.ingest(stored, now);
        }
        drop(state);
        if sooner {
            self.wake.notify_one();
        }
        if stored_any {
            self.mark_changed(persist::ALERTS);
        }
        if let (Some(observer), false) = (observer, changes.is_empty()) {
            observer.alerts_changed(&changes);
        }
        answer
    }

    /// `GET /api/v2/alerts`.
    pub async fn list_alerts(&self, query: &AlertsQuery) -> Vec<GettableAlert> {
        let mut guard = self.state.lock().await;
        guard.with_status_sources(|state, marker, sources, now| {
            filter::list_alerts(state.alerts, state.dispatcher, marker, sources, query, now)
        })
    }

    /// `GET /api/v2/alerts/groups`.
    pub async fn list_alert_groups(&self, query: &AlertsQuery) -> Vec<AlertGroup> {
        let mut guard = self.state.lock().await;
        guard.with_status_sources(|state, marker, sources, now| {
            filter::list_alert_groups(state.dispatcher, marker, sources, query, now)
        })
    }

    /// `GET /api/v2/silences?filter=...`.
    pub async fn list_silences(
        &self,
        matchers: &[&str],
    ) -> Result<Vec<GettableSilence>, ApiAnswer> {
        let state = self.state.lock().await;
        filter::list_silences(&state.silences, matchers, Timestamp::now())
    }

    /// `POST /api/v2/silences` with a raw JSON body.
    pub async fn post_silence_body(&self, body: &[u8]) -> ApiAnswer {
        let posted = match parse_postable_silence(body) {
            Ok(posted) => posted,
            Err(answer) => return answer,
        };
        let mut state = self.state.lock().await;
        let answer = post_silence(&mut state.silences, posted, Timestamp::now());
        drop(state);
        if answer.status == 200 {
            self.mark_changed(persist::SILENCES);
        }
        answer
    }

    /// `GET /api/v2/silence/{id}`.
    pub async fn get_silence(&self, id: &str) -> Option<GettableSilence> {
        let state = self.state.lock().await;
        let now = Timestamp::now();
        state
            .silences
            .get(id)
            .map(|silence| GettableSilence::new(silence, now))
    }

    /// `DELETE /api/v2/silence/{id}`: ends the silence now.
    pub async fn expire_silence(&self, id: &str) -> Result<(), ExpireError> {
        let mut state = self.state.lock().await;
        let now = Timestamp::now();
        let silence = state.silences.get(id).ok_or(ExpireError::NotFound)?;
        if silence.state(now) == SilenceState::Expired {
            return Err(ExpireError::AlreadyExpired(id.to_string()));
        }
        state
            .silences
            .expire(id, now)
            .map_err(|_| ExpireError::NotFound)?;
        drop(state);
        self.mark_changed(persist::SILENCES);
        Ok(())
    }

    /// `GET /api/v2/status`: `config.original` is the loaded YAML text with
    /// its secrets shown as `<secret>` (as Alertmanager shows them).
    pub async fn status(&self) -> AlertmanagerStatus {
        let state = self.state.lock().await;
        let masked = vigie_alert::config::mask_secrets(&state.config.original);
        let mut status = AlertmanagerStatus::standalone(&masked, self.started_at, version_info());
        if let Some(address) = &self.options.cluster_address {
            status.cluster = api_v2::ClusterStatus::single_peer(address, self.started_at);
        }
        status
    }

    /// Notifications sent and failed so far, by receiver and integration
    /// kind.
    pub fn notification_stats(&self) -> &crate::stats::NotificationStats {
        &self.notification_stats
    }

    /// `GET /api/v2/receivers`.
    pub async fn receivers(&self) -> Vec<api_v2::Receiver> {
        let state = self.state.lock().await;
        api_v2::receivers(&state.config)
    }

    /// The number of aggregation groups (for health checks and tests).
    pub async fn group_count(&self) -> usize {
        self.state.lock().await.dispatcher.group_count()
    }
}

/// What `/api/v2/status` reports as `versionInfo`: the Alertmanager
/// version whose API is spoken, and this crate's version as revision.
pub fn version_info() -> VersionInfo {
    VersionInfo {
        branch: "vigie".into(),
        build_date: String::new(),
        build_user: String::new(),
        go_version: "none (Rust)".into(),
        revision: concat!("vigie-alertmanager ", env!("CARGO_PKG_VERSION")).into(),
        version: "0.25.0".into(),
    }
}

fn read_source(source: &ConfigSource) -> Result<String, ReloadError> {
    match source {
        ConfigSource::Text(text) => Ok(text.clone()),
        ConfigSource::File(path) => {
            std::fs::read_to_string(path).map_err(|source| ReloadError::Read {
                path: path.clone(),
                source,
            })
        }
    }
}
