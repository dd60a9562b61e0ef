//! Wiring of the alert manager for `vigie serve`: its Alertmanager
//! configuration (a file, inline in vigie's, or the embedded default), its
//! API v2 behind tokens, vigie's detections posted as alerts, alerts posted
//! by other tools stored as events, and reloads.
//!
//! Scopes: reading the API needs `read`; `POST /api/v2/alerts` needs
//! `ingest` (what Prometheus is given); creating and expiring silences
//! needs `write`; `POST /-/reload` needs `admin`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use serde_json::{json, Map, Value};
use tokio::sync::mpsc;
use vigie_alert::api_v2::filter::AlertsQuery;
use vigie_alert::api_v2::PostableAlert;
use vigie_alert::{LabelSet, Timestamp};
use vigie_alertmanager::stats::NotificationCounts;
use vigie_alertmanager::{
    AlertManager, AlertManagerOptions, AlertObserver, AlertTransition, ConfigSource, Transition,
};
use vigie_config::{process_env, Config, EmbeddedYaml};
use vigie_detect::{Alert, AlertOutput, LogAndStore, ALERT_DATASET};
use vigie_event::Event;
use vigie_metrics::{AlertStateLabels, Metrics, ReceiverLabels};
use vigie_pipeline::{IngestQueue, Sink, SinkError};
use vigie_server::{AppState, Scope};

/// The Alertmanager configuration vigie runs when none is given: every
/// alert goes to one receiver without integrations (alerts are grouped and
/// shown by the API; nothing is sent), grouped by alert name with
/// Alertmanager's default timers.
pub const DEFAULT_ALERTMANAGER_CONFIG: &str = "\
# vigie's default: alerts are grouped and kept, nothing is sent.
route:
  receiver: vigie
  group_by: [alertname]
receivers:
  - name: vigie
";

/// Detection batches waiting for the alert manager.
const DETECTION_QUEUE: usize = 1024;

/// The Alertmanager configuration of a vigie configuration.
pub struct AlertmanagerText {
    /// The text as an Alertmanager file holds it.
    pub text: String,
    /// What errors name: the file it was read from, or `embedded default`.
    pub source: String,
    /// For the inline form: how positions in `text` map back to the file.
    embedded: Option<EmbeddedYaml>,
}

impl AlertmanagerText {
    /// Reads the configuration `config` names (I/O for `config_file`).
    pub fn of(config: &Config) -> Result<Self, String> {
        let a = &config.alerting;
        if let Some(path) = &a.config_file {
            let text = std::fs::read_to_string(path).map_err(|e| {
                format!("alerting.config_file: cannot read {}: {e}", path.display())
            })?;
            return Ok(Self {
                text,
                source: path.display().to_string(),
                embedded: None,
            });
        }
        if let Some(e) = &a.alertmanager {
            let source = config.origin.source_name().to_string();
            return Ok(Self {
                text: e.dedented(),
                source,
                embedded: Some(e.clone()),
            });
        }
        Ok(Self {
            text: DEFAULT_ALERTMANAGER_CONFIG.to_string(),
            source: "embedded default".to_string(),
            embedded: None,
        })
    }

    /// Every problem of the text, as `source:line:col: path: message`
    /// (positions in the vigie file for the inline form).
    pub fn problems(&self) -> Vec<String> {
        let Err(errors) = vigie_alert::Config::parse(&self.text) else {
            return Vec::new();
        };
        errors
            .0
            .iter()
            .map(|e| {
                let (line, col) = match &self.embedded {
                    Some(emb) => emb.file_position(e.line, e.column),
                    None => (e.line, e.column),
                };
                let at = if line > 0 {
                    format!("{}:{line}:{col}: ", self.source)
                } else {
                    format!("{}: ", self.source)
                };
                let path = match (&self.embedded, e.path.is_empty()) {
                    (Some(_), true) => "alerting.alertmanager: ".to_string(),
                    (Some(_), false) => format!("alerting.alertmanager.{}: ", e.path),
                    (None, true) => String::new(),
                    (None, false) => format!("{}: ", e.path),
                };
                format!("{at}{path}{}", e.message)
            })
            .collect()
    }
}

/// The problems of `config`'s alerting section that only reading the
/// Alertmanager configuration finds (none when alerting is off).
pub fn check(config: &Config) -> Vec<String> {
    if !config.alerting.enabled {
        return Vec::new();
    }
    match AlertmanagerText::of(config) {
        Ok(t) => t.problems(),
        Err(e) => vec![e],
    }
}

/// The running alert manager and what reloads it.
pub struct Alerting {
    pub manager: Arc<AlertManager>,
    config_path: Option<PathBuf>,
    metrics: Arc<Metrics>,
    /// Stores the alerts posted through the API (`alerting.store_alerts`).
    storing: Option<Arc<StoreTransitions>>,
    /// The task posting detection alerts.
    forwarder: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Alerting {
    /// Starts the alert manager of `config` (state under
    /// `<data_dir>/alertmanager`), or `None` when alerting is off.
    pub async fn start(
        config: &Config,
        config_path: Option<&Path>,
        queue: IngestQueue,
        metrics: Arc<Metrics>,
    ) -> anyhow::Result<Option<Arc<Alerting>>> {
        let a = &config.alerting;
        if !a.enabled {
            return Ok(None);
        }
        let text = AlertmanagerText::of(config).map_err(anyhow::Error::msg)?;
        let problems = text.problems();
        anyhow::ensure!(
            problems.is_empty(),
            "the alerting configuration has {} error(s):\n  {}",
            problems.len(),
            problems.join("\n  ")
        );
        let data_dir = config.server.data_dir.join("alertmanager");
        // A file keeps its name, so its relative template paths start next
        // to it; inline, they start next to vigie's own file.
        let source = match &a.config_file {
            Some(path) => ConfigSource::File(path.clone()),
            None => ConfigSource::Text(text.text),
        };
        let mut options = AlertManagerOptions::new(source, &data_dir);
        options.text_base_dir = config_path.and_then(Path::parent).map(Path::to_path_buf);
        options.external_url = a
            .external_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", config.server.listen));
        let storing = a.store_alerts.then(|| {
            Arc::new(StoreTransitions {
                queue: std::sync::Mutex::new(Some(queue)),
                metrics: metrics.clone(),
            })
        });
        if let Some(s) = &storing {
            options.observer = Some(s.clone());
        }
        let manager = AlertManager::start(options)
            .await
            .with_context(|| format!("starting the alert manager under {}", data_dir.display()))?;
        tracing::info!(source = %text.source, "alert manager running");
        Ok(Some(Arc::new(Alerting {
            manager,
            config_path: config_path.map(Path::to_path_buf),
            metrics,
            storing,
            forwarder: std::sync::Mutex::new(None),
        })))
    }

    /// Serves the API v2 beside vigie's own routes, each group behind its
    /// scope.
    pub fn add_routes(&self, state: &AppState) {
        let routes = vigie_alertmanager::api::routes(self.manager.clone());
        state.add_routes(Scope::Read, routes.read);
        state.add_routes(Scope::Ingest, routes.post_alerts);
        state.add_routes(Scope::Write, routes.silences);
    }

    /// Reads the configuration again (vigie's file for the inline form, the
    /// Alertmanager file otherwise) and applies it; the running one stays
    /// when it has errors, which the message lists.
    pub async fn reload(&self) -> Result<(), String> {
        let result = self.reload_inner().await;
        self.metrics.alerting.reloaded(result.is_ok());
        match &result {
            Ok(()) => tracing::info!("alerting configuration reloaded"),
            Err(e) => tracing::error!(error = %e, "alerting configuration not reloaded"),
        }
        result
    }

    async fn reload_inner(&self) -> Result<(), String> {
        let names = crate::serve::builtin_datasets();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let config = Config::assemble(self.config_path.as_deref(), &process_env, &names).map_err(
            |errors| {
                errors
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            },
        )?;
        let text = AlertmanagerText::of(&config)?;
        let problems = text.problems();
        if !problems.is_empty() {
            return Err(problems.join("; "));
        }
        self.manager
            .reload(&text.text)
            .await
            .map_err(|e| format!("{}: {e}", text.source))
    }

    /// The output of the detection stage: logs and stores alerts as before
    /// and, when `alerting.detections` is on, posts them to the alert
    /// manager.
    pub fn detection_output(
        self: &Arc<Self>,
        config: &Config,
        inner: LogAndStore,
    ) -> Box<dyn AlertOutput> {
        if !config.alerting.detections {
            return Box::new(inner);
        }
        let (tx, mut rx) = mpsc::channel::<Vec<PostableAlert>>(DETECTION_QUEUE);
        let this = self.clone();
        let task = tokio::spawn(async move {
            while let Some(batch) = rx.recv().await {
                let n = batch.len();
                let answer = this.manager.post_alerts(batch).await;
                this.metrics.alerting.received("detection", n as u64);
                if answer.status != 200 {
                    tracing::warn!(
                        status = answer.status,
                        body = ?answer.body,
                        "the alert manager refused detection alerts"
                    );
                }
            }
        });
        *self
            .forwarder
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(task);
        Box::new(ToAlertManager {
            inner,
            tx,
            metrics: self.metrics.clone(),
        })
    }

    /// Keeps the alerting metrics current: alerts by state and severity,
    /// notifications by receiver (read from the alert manager every
    /// `every`).
    pub fn sync_metrics(self: &Arc<Self>, every: std::time::Duration) {
        let this = self.clone();
        tokio::spawn(async move {
            let mut seen = std::collections::BTreeMap::new();
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                this.sync_metrics_once(&mut seen).await;
            }
        });
    }

    async fn sync_metrics_once(
        &self,
        seen: &mut std::collections::BTreeMap<(String, String), NotificationCounts>,
    ) {
        let m = &self.metrics.alerting;
        let alerts = self.manager.list_alerts(&AlertsQuery::default()).await;
        let mut by_state: std::collections::BTreeMap<AlertStateLabels, i64> = Default::default();
        for a in &alerts {
            let labels = AlertStateLabels {
                state: a.status.state.clone(),
                severity: a.labels.get("severity").unwrap_or_default().to_string(),
            };
            *by_state.entry(labels).or_default() += 1;
        }
        m.alerts.clear();
        for (labels, n) in by_state {
            m.alerts.get_or_create(&labels).set(n);
        }
        for (key, now) in self.manager.notification_stats().snapshot() {
            let before = seen.get(&key).copied().unwrap_or_default();
            let labels = ReceiverLabels {
                receiver: key.0.clone(),
                integration: key.1.clone(),
            };
            if now.sent > before.sent {
                m.notifications
                    .get_or_create(&labels)
                    .inc_by(now.sent - before.sent);
            }
            if now.failed > before.failed {
                m.notifications_failed
                    .get_or_create(&labels)
                    .inc_by(now.failed - before.failed);
            }
            seen.insert(key, now);
        }
    }

    /// Stops storing alerts posted through the API, letting go of the
    /// ingest queue (the pipeline drains only once every sender is gone).
    pub fn stop_storing(&self) {
        if let Some(s) = &self.storing {
            s.queue
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .take();
        }
    }

    /// Once the pipeline has drained: waits for the last detection alerts
    /// to be posted, then stops the alert manager, saving its state.
    pub async fn shutdown(&self) {
        let task = self
            .forwarder
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(task) = task {
            let _ = task.await;
        }
        if let Err(e) = self.manager.shutdown().await {
            tracing::error!(error = %e, "saving the alert manager's state");
        }
    }
}

/// A detection alert as Alertmanager's API takes it: its labels and
/// annotations, its event's time as `startsAt`, and no `endsAt`, so it
/// resolves after `resolve_timeout` unless the rule fires again.
pub fn postable(alert: &Alert) -> PostableAlert {
    let set = |m: &std::collections::BTreeMap<String, String>| {
        let mut s = LabelSet::new();
        for (k, v) in m {
            s.insert(k.clone(), v.clone());
        }
        s
    };
    PostableAlert {
        labels: set(&alert.labels),
        annotations: set(&alert.annotations),
        starts_at: Some(alert.starts_at),
        ends_at: None,
        generator_url: String::new(),
    }
}

/// Logs and stores detection alerts, then hands them to the alert manager.
struct ToAlertManager {
    inner: LogAndStore,
    tx: mpsc::Sender<Vec<PostableAlert>>,
    metrics: Arc<Metrics>,
}

impl AlertOutput for ToAlertManager {
    fn publish(&mut self, alerts: &[Alert], store: &mut dyn Sink) -> Result<(), SinkError> {
        self.inner.publish(alerts, store)?;
        if alerts.is_empty() {
            return Ok(());
        }
        // The pipeline runs on its own thread: waiting for room here slows
        // ingest down rather than losing alerts.
        let batch = alerts.iter().map(postable).collect();
        if self.tx.blocking_send(batch).is_err() {
            self.metrics
                .alerting
                .detections_dropped
                .inc_by(alerts.len() as u64);
        }
        Ok(())
    }
}

/// Stores alerts posted through the API as events when they start firing
/// or get resolved.
struct StoreTransitions {
    /// Taken at shutdown.
    queue: std::sync::Mutex<Option<IngestQueue>>,
    metrics: Arc<Metrics>,
}

impl std::fmt::Debug for StoreTransitions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoreTransitions")
    }
}

impl AlertObserver for StoreTransitions {
    fn alerts_changed(&self, changes: &[AlertTransition]) {
        self.metrics.alerting.received("api", changes.len() as u64);
        let events: Vec<Event> = changes.iter().map(transition_event).collect();
        let n = events.len() as u64;
        let queue = self
            .queue
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        let Some(queue) = queue else {
            tracing::warn!(alerts = n, "vigie is stopping: alerts not stored as events");
            return;
        };
        let metrics = self.metrics.clone();
        tokio::spawn(async move {
            match queue.enqueue_wait(events).await {
                Ok(_) => {
                    metrics.alerting.alerts_stored.inc_by(n);
                }
                Err(e) => tracing::warn!(error = %e, "alerts not stored as events"),
            }
        });
    }
}

/// An alert that changed state, as an event of dataset `vigie.alerts`.
pub fn transition_event(change: &AlertTransition) -> Event {
    let a = &change.alert;
    let status = match change.transition {
        Transition::Firing => "firing",
        Transition::Resolved => "resolved",
    };
    let pairs = |s: &LabelSet| -> Map<String, Value> {
        s.iter()
            .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
            .collect()
    };
    let labels = pairs(&a.labels);
    let annotations = pairs(&a.annotations);
    let fingerprint = a.fingerprint().to_string();
    let doc = json!({
        "status": status,
        "labels": labels,
        "annotations": annotations,
        "startsAt": a.starts_at.to_rfc3339(),
        "endsAt": a.ends_at.to_rfc3339(),
        "generatorURL": a.generator_url,
        "fingerprint": fingerprint,
    });
    let at = match change.transition {
        Transition::Firing => a.starts_at,
        Transition::Resolved => a.ends_at,
    };
    let at = if at.as_nanos() > 0 {
        at
    } else {
        Timestamp::now()
    };
    let mut e = Event::new(ALERT_DATASET, at, doc.to_string());
    let f = &mut e.fields;
    f.set("event.kind", "alert");
    f.set("event.action", status);
    f.set("event.id", fingerprint);
    f.set("rule.ruleset", "alertmanager");
    if let Some(v) = a.labels.get("alertname") {
        f.set("rule.name", v.to_string());
    }
    if let Some(v) = a.labels.get("severity") {
        f.set("event.severity_name", v.to_string());
    }
    if let Some(v) = a.annotations.get("description") {
        f.set("rule.description", v.to_string());
    }
    f.set("labels", Value::Object(labels));
    e
}
