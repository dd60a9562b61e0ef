//! Wiring of the detection stage for `vigie serve`: rules from the
//! configuration and `<data_dir>/rules`, the stage in front of the store
//! (reloads: [`crate::reload`]), and the rules API over them: the rule
//! list, switching rules on and off (kept in `<data_dir>/rules/disabled.json`),
//! testing a rule on pasted events.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use vigie_config::Config;
use vigie_detect::{
    test_rule, AlertOutput, DetectError, DetectingSink, Detector, Loaded, RuleSettings,
    RuleTestError, StageSettings, TestEvent,
};
use vigie_metrics::Metrics;
use vigie_pipeline::Sink;
use vigie_server::{NormalizedEvent, RulesControl, RulesError};
use vigie_sigma::correlate::Limits;
use vigie_sigma::LoadOptions;

/// The rules API over a [`Detector`].
pub struct Control(pub Arc<Detector>);

/// One entry of the rule list, sortable by id.
fn rule_entries(loaded: &Loaded, disabled: &BTreeSet<String>) -> Vec<Value> {
    let r = &loaded.report;
    let idle: HashMap<&str, &str> = r
        .idle
        .iter()
        .filter(|i| !i.reason.starts_with("filters rule"))
        .map(|i| (i.rule.as_str(), i.reason.as_str()))
        .collect();
    let mut out: Vec<(String, Value)> = Vec::new();
    let mut compiled: HashSet<&str> = HashSet::new();
    for c in loaded.engine.rules() {
        let (meta, ls) = (&c.rule.meta, &c.rule.logsource);
        let id = meta.key();
        compiled.insert(id);
        let enabled = !disabled.contains(id);
        let idle_reason = idle.get(id).copied();
        let status = match (enabled, idle_reason) {
            (false, _) => "disabled",
            (true, Some(_)) => "idle",
            (true, None) => "enabled",
        };
        let mut v = json!({
            "id": id,
            "title": meta.title,
            "level": meta.level,
            "status": status,
            "enabled": enabled,
            "tags": meta.tags,
            "logsource": {"product": ls.product, "service": ls.service, "category": ls.category},
            "path": c.rule.source.file.display().to_string(),
            "line": c.rule.source.line,
            "description": meta.description,
            "sigma_status": meta.status,
        });
        if let Some(why) = idle_reason {
            v["reason"] = json!(why);
        }
        out.push((id.to_owned(), v));
    }
    // Rules idle for want of a placeholder are not compiled: what is known.
    for i in r
        .idle
        .iter()
        .filter(|i| !i.reason.starts_with("filters rule"))
    {
        if compiled.contains(i.rule.as_str()) {
            continue;
        }
        let enabled = !disabled.contains(&i.rule);
        out.push((
            i.rule.clone(),
            json!({
                "id": i.rule, "title": i.rule, "level": null,
                "status": if enabled { "idle" } else { "disabled" }, "enabled": enabled,
                "tags": [], "logsource": {"product": null, "service": null, "category": null},
                "path": i.file.display().to_string(), "description": null, "reason": i.reason,
            }),
        ));
    }
    for f in &r.failed {
        let id = f
            .rule
            .clone()
            .unwrap_or_else(|| f.file.display().to_string());
        out.push((
            id.clone(),
            json!({
                "id": id, "title": f.rule, "level": null, "status": "failed", "enabled": false,
                "tags": [], "logsource": {"product": null, "service": null, "category": null},
                "path": f.file.display().to_string(), "line": f.mark.line, "column": f.mark.col,
                "description": null, "reason": f.reason,
            }),
        ));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out.into_iter().map(|(_, v)| v).collect()
}

fn status_of(d: &Detector) -> Value {
    let loaded = d.current();
    let disabled = d.disabled();
    let r = &loaded.report;
    json!({
        "generation": loaded.generation,
        "files": r.files,
        "documents": r.documents,
        "loaded": r.loaded(),
        "rule_count": r.rules,
        "correlations": r.correlations,
        "filters": r.filters,
        "disabled": disabled.iter().collect::<Vec<_>>(),
        "rules": rule_entries(&loaded, &disabled),
        "idle": r.idle.iter().map(|i| json!({
            "file": i.file.display().to_string(), "rule": i.rule, "reason": i.reason,
        })).collect::<Vec<_>>(),
        "failed": r.failed.iter().map(|f| json!({
            "file": f.file.display().to_string(), "line": f.mark.line, "column": f.mark.col,
            "rule": f.rule, "reason": f.reason,
        })).collect::<Vec<_>>(),
    })
}

impl RulesControl for Control {
    fn status(&self) -> Value {
        status_of(&self.0)
    }

    fn reload(&self) -> Result<Value, String> {
        self.0.reload().map_err(|e| e.to_string())?;
        Ok(status_of(&self.0))
    }

    fn set_enabled(&self, id: &str, enabled: bool) -> Result<Value, RulesError> {
        match self.0.set_enabled(id, enabled) {
            Ok(changed) => Ok(json!({"id": id, "enabled": enabled, "changed": changed})),
            Err(DetectError::UnknownRule(id)) => Err(RulesError::UnknownRule(id)),
            Err(e) => Err(RulesError::Failed(e.to_string())),
        }
    }

    fn test(
        &self,
        rule: &str,
        events: &[NormalizedEvent],
        deadline: Instant,
    ) -> Result<Value, RulesError> {
        let events: Vec<TestEvent> = events
            .iter()
            .map(|e| match e {
                Ok(v) => TestEvent::Normalized(v.clone()),
                Err(why) => TestEvent::Rejected(why.clone()),
            })
            .collect();
        let loaded = self.0.current();
        match test_rule(&loaded.options, rule, &events, deadline) {
            Ok(o) => Ok(json!({
                "rule": {"id": o.id, "title": o.title, "level": o.level},
                "matches": o.matches.iter().map(|m| json!({
                    "index": m.index, "selections": m.selections,
                })).collect::<Vec<_>>(),
                "evaluated": o.evaluated,
                "diagnostics": o.diagnostics,
            })),
            Err(RuleTestError::Invalid {
                line,
                column,
                message,
            }) => Err(RulesError::Invalid {
                line,
                column,
                message,
            }),
            Err(e @ RuleTestError::TimedOut { .. }) => Err(RulesError::TimedOut(e.to_string())),
        }
    }
}

/// Loads the rules the configuration names.
pub fn detector(config: &Config, metrics: Arc<Metrics>) -> anyhow::Result<Arc<Detector>> {
    let d = &config.detection;
    if !d.enabled {
        return Ok(Arc::new(Detector::empty(metrics)));
    }
    let default_dir = config.server.data_dir.join("rules");
    // Rules switched off through the API; not a rule file (`.json`).
    let disabled_file = Some(default_dir.join("disabled.json"));
    // Configured paths must exist; the default directory may be absent.
    for p in &d.rules {
        anyhow::ensure!(
            p.exists(),
            "detection.rules: {} does not exist",
            p.display()
        );
    }
    let paths = d.rules.clone();
    // Pipelines are read by the detector, at start and at every reload: a
    // bad one fails the start (or the reload, keeping the rules in force).
    let pipeline_paths = d.pipelines.clone();
    let logsources = d
        .logsources
        .iter()
        .map(|m| vigie_sigma::logsource::DatasetLogSource {
            dataset: m.dataset.clone(),
            product: m.product.as_deref().map(str::to_ascii_lowercase),
            service: m.service.as_deref().map(str::to_ascii_lowercase),
            category: m.category.as_deref().map(str::to_ascii_lowercase),
        })
        .collect();
    let settings = RuleSettings {
        paths,
        optional_paths: vec![default_dir],
        pipeline_paths,
        options: LoadOptions {
            placeholders: d.placeholders.clone().into_iter().collect(),
            pipelines: Vec::new(),
            logsources,
        },
        disabled_file,
    };
    Ok(Arc::new(Detector::load(settings, metrics)?))
}

/// The detection stage in front of `inner`.
pub fn stage<S: Sink>(
    config: &Config,
    detector: Arc<Detector>,
    inner: S,
    output: Box<dyn AlertOutput>,
    metrics: Arc<Metrics>,
) -> DetectingSink<S> {
    let d = &config.detection;
    let c = &d.correlation;
    let threads = match d.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n as usize,
    };
    let settings = StageSettings {
        limits: Limits {
            max_groups: c.max_groups as usize,
            max_hits_per_group: c.max_hits_per_group as usize,
            lateness_ms: i64::try_from(c.lateness.0.as_millis()).unwrap_or(i64::MAX),
        },
        state_file: Some(
            config
                .server
                .data_dir
                .join("detection/correlation-state.json"),
        ),
        save_interval: c.save_interval.0.max(Duration::from_secs(1)),
        threads,
    };
    DetectingSink::new(inner, detector, output, settings, metrics)
}
