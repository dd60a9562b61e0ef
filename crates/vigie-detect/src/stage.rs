//! The detection stage of the pipeline: a [`Sink`] that runs the Sigma
//! rules on every event of a batch, feeds correlations, and then hands the
//! batch to the sink behind it (the store). Alerts are published only once
//! the batch is stored.
//!
//! Evaluation is spread over the cores for large batches (the engine is
//! immutable and shared); correlation runs on the pipeline thread, in event
//! order. Correlation state is saved to a file every `save_interval` and
//! when the stage is dropped (at shutdown), and restored at start; a rule
//! reload carries the state of unchanged correlations over.
//!
//! Matches of rules switched off by hand are dropped before correlation
//! and alerting (the set is looked up again whenever it changes). The time
//! spent evaluating is observed per dataset and batch; Falco and Gatekeeper
//! events are counted by priority and by event type and action once stored.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use vigie_event::Event;
use vigie_metrics::Metrics;
use vigie_pipeline::{Sink, SinkError};
use vigie_sigma::correlate::{CorrelationAlert, Correlator, Hit, Limits};
use vigie_sigma::Engine;

use crate::alert::{correlation_alert, event_id, rule_alert, Alert};
use crate::output::AlertOutput;
use crate::rules::Detector;
use crate::state;

/// Batches smaller than this are evaluated on the pipeline thread alone.
const PARALLEL_MIN: usize = 256;

/// Settings of the stage.
#[derive(Debug, Clone)]
pub struct StageSettings {
    /// Correlation limits.
    pub limits: Limits,
    /// Where correlation state is kept (`None`: not kept).
    pub state_file: Option<PathBuf>,
    /// How often correlation state is saved.
    pub save_interval: Duration,
    /// Threads evaluating rules (1: the pipeline thread only).
    pub threads: usize,
}

/// The detection stage in front of `S`.
pub struct DetectingSink<S: Sink> {
    inner: S,
    detector: Arc<Detector>,
    output: Box<dyn AlertOutput>,
    metrics: Arc<Metrics>,
    settings: StageSettings,
    generation: u64,
    correlator: Correlator,
    last_save: Instant,
    matches: Vec<(usize, u32)>,
    /// Per rule index of the current generation: switched off by hand.
    off: Vec<bool>,
    /// (generation, disabled version) `off` was computed for.
    off_for: (u64, u64),
}

impl<S: Sink> DetectingSink<S> {
    /// Builds the stage; restores saved correlation state if there is some.
    pub fn new(
        inner: S,
        detector: Arc<Detector>,
        output: Box<dyn AlertOutput>,
        settings: StageSettings,
        metrics: Arc<Metrics>,
    ) -> Self {
        let loaded = detector.current();
        let mut correlator = Correlator::new(loaded.engine.correlations(), settings.limits);
        if let Some(path) = &settings.state_file {
            match state::restore(path, &mut correlator) {
                Ok(Some(n)) => tracing::info!(correlations = n, "correlation state restored"),
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "correlation state not restored; starting empty")
                }
            }
        }
        Self {
            inner,
            detector,
            output,
            metrics,
            generation: loaded.generation,
            settings,
            correlator,
            last_save: Instant::now(),
            matches: Vec::new(),
            off: Vec::new(),
            off_for: (0, 0),
        }
    }

    /// Brings `off` up to date with the rules and the disabled set.
    fn refresh_off(&mut self, engine: &Engine, generation: u64) {
        let key = (generation, self.detector.disabled_version());
        if key == self.off_for {
            return;
        }
        let disabled = self.detector.disabled();
        self.off = engine
            .rules()
            .iter()
            .map(|r| disabled.contains(r.rule.meta.key()))
            .collect();
        self.off_for = key;
    }

    /// Counts the security sources' events by their own labels.
    fn count_sources(&self, events: &[Event]) {
        let d = &self.metrics.detection;
        for e in events {
            // The datasets of vigie-normalize's Falco and Gatekeeper formats.
            match e.dataset() {
                "falco.alerts" => d.falco_event(e.fields.get_str("falco.priority")),
                "gatekeeper.audit" => d.gatekeeper_event(
                    e.fields.get_str("gatekeeper.event_type"),
                    e.fields.get_str("gatekeeper.constraint.action"),
                ),
                _ => {}
            }
        }
    }

    fn save_state(&mut self) {
        if let Some(path) = &self.settings.state_file {
            if let Err(e) = state::save(path, &self.correlator) {
                self.metrics.detection.state_save_failures.inc();
                tracing::warn!(error = %e, "correlation state not saved");
            }
        }
        self.last_save = Instant::now();
    }

    fn publish_stats(&self) {
        let s = self.correlator.stats();
        let d = &self.metrics.detection;
        d.correlation_groups.set(s.groups as i64);
        d.correlation_evicted_groups.set(s.evicted_groups as i64);
        d.correlation_evicted_hits.set(s.evicted_hits as i64);
        d.correlation_late_hits.set(s.late_hits as i64);
        d.correlation_missing_group_field
            .set(s.missing_group_field as i64);
    }
}

/// Time spent per dataset.
type Timings<'a> = Vec<(&'a str, Duration)>;

fn add_time<'a>(timings: &mut Timings<'a>, dataset: &'a str, d: Duration) {
    match timings.iter_mut().find(|(ds, _)| *ds == dataset) {
        Some((_, t)) => *t += d,
        None => timings.push((dataset, d)),
    }
}

/// Evaluates `part` (whose first event is number `base` of the batch).
fn run_part<'a>(
    engine: &Engine,
    base: usize,
    part: &'a [Event],
    out: &mut Vec<(usize, u32)>,
    timings: &mut Timings<'a>,
) {
    let mut m = Vec::new();
    let mut current: Option<(&'a str, Instant)> = None;
    for (i, e) in part.iter().enumerate() {
        let ds = e.dataset();
        if current.is_none_or(|(c, _)| c != ds) {
            let now = Instant::now();
            if let Some((c, start)) = current {
                add_time(timings, c, now - start);
            }
            current = Some((ds, now));
        }
        m.clear();
        engine.evaluate(e, &mut m);
        out.extend(m.iter().map(|&r| (base + i, r)));
    }
    if let Some((c, start)) = current {
        add_time(timings, c, start.elapsed());
    }
}

/// Evaluates `events`; returns (event index, rule index) pairs in event
/// order, and the time spent per dataset (summed over the threads).
fn evaluate<'a>(
    engine: &Engine,
    events: &'a [Event],
    threads: usize,
    out: &mut Vec<(usize, u32)>,
) -> Timings<'a> {
    out.clear();
    let mut timings = Timings::new();
    if threads <= 1 || events.len() < PARALLEL_MIN {
        run_part(engine, 0, events, out, &mut timings);
        return timings;
    }
    let per = events.len().div_ceil(threads);
    let parts: Vec<(Vec<(usize, u32)>, Timings<'a>)> = std::thread::scope(|s| {
        let handles: Vec<_> = events
            .chunks(per)
            .enumerate()
            .map(|(n, part)| {
                s.spawn(move || {
                    let (mut v, mut t) = (Vec::new(), Timings::new());
                    run_part(engine, n * per, part, &mut v, &mut t);
                    (v, t)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    for (p, t) in parts {
        out.extend(p);
        for (ds, d) in t {
            add_time(&mut timings, ds, d);
        }
    }
    timings
}

impl<S: Sink> Sink for DetectingSink<S> {
    fn write(&mut self, events: &[Event]) -> Result<(), SinkError> {
        let loaded = self.detector.current();
        if loaded.generation != self.generation {
            let mut fresh = Correlator::new(loaded.engine.correlations(), self.settings.limits);
            let kept = fresh.carry_over(&self.correlator);
            tracing::info!(
                kept,
                "rules reloaded; correlation state of unchanged correlations kept"
            );
            self.correlator = fresh;
            self.generation = loaded.generation;
        }
        let engine = &loaded.engine;
        self.refresh_off(engine, loaded.generation);
        let mut matches = std::mem::take(&mut self.matches);
        let timings = evaluate(engine, events, self.settings.threads, &mut matches);
        for (dataset, d) in timings {
            self.metrics.detection.evaluated(dataset, d.as_secs_f64());
        }
        if self.off.iter().any(|&o| o) {
            let off = &self.off;
            matches.retain(|&(_, ri)| !off.get(ri as usize).copied().unwrap_or(false));
        }
        self.metrics.detection.events.inc_by(events.len() as u64);
        self.metrics.detection.matches.inc_by(matches.len() as u64);
        // Stored first: a batch the store refuses (and the client sends
        // again) must not be counted twice by correlations.
        self.inner.write(events)?;
        self.count_sources(events);
        let mut alerts: Vec<Alert> = Vec::new();
        let mut fired: Vec<CorrelationAlert> = Vec::new();
        for &(ei, ri) in &matches {
            let (Some(event), Some(rule)) = (events.get(ei), engine.rules().get(ri as usize))
            else {
                continue;
            };
            let meta = &rule.rule.meta;
            let (id, name) = (meta.id.as_deref(), meta.name.as_deref());
            if self.correlator.is_referenced(id, name) {
                let eid = event_id(event);
                let hit = Hit {
                    rule_id: id,
                    rule_name: name,
                    time_ms: event.timestamp.as_nanos() / 1_000_000,
                    event_id: Some(&eid),
                };
                let correlator = &mut self.correlator;
                engine.with_view(event, &mut |_, view| {
                    correlator.observe(&hit, view, &mut fired)
                });
            }
            if !self.correlator.suppresses_base_alert(id, name) {
                alerts.push(rule_alert(meta, event));
            }
        }
        let newest = events
            .iter()
            .map(|e| e.timestamp.as_nanos() / 1_000_000)
            .max();
        if let Some(newest) = newest {
            self.correlator.advance(newest, &mut fired);
        }
        // A correlation that another one builds on alerts only with
        // `generate: true`, like a rule.
        alerts.extend(
            fired
                .iter()
                .filter(|c| {
                    let m = &c.correlation.meta;
                    !self
                        .correlator
                        .suppresses_base_alert(m.id.as_deref(), m.name.as_deref())
                })
                .map(correlation_alert),
        );
        self.matches = matches;
        if !alerts.is_empty() {
            for a in &alerts {
                self.metrics.detection.alert(
                    a.labels
                        .get("severity")
                        .map(String::as_str)
                        .unwrap_or("medium"),
                );
            }
            if let Err(e) = self.output.publish(&alerts, &mut self.inner) {
                tracing::error!(error = %e, alerts = alerts.len(), "alerts not published");
            }
        }
        self.publish_stats();
        Ok(())
    }

    fn flush(&mut self) -> Result<(), SinkError> {
        let r = self.inner.flush();
        if self.last_save.elapsed() >= self.settings.save_interval {
            self.save_state();
        }
        r
    }
}

impl<S: Sink> Drop for DetectingSink<S> {
    fn drop(&mut self) {
        self.save_state();
    }
}
