//! Wiring of the detection stage for `vigie serve`: rules from the
//! configuration and `<data_dir>/rules`, the stage in front of the store
//! (reloads: [`crate::reload`]).

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use vigie_config::Config;
use vigie_detect::{AlertOutput, DetectingSink, Detector, RuleSettings, StageSettings};
use vigie_metrics::Metrics;
use vigie_pipeline::Sink;
use vigie_server::RulesControl;
use vigie_sigma::correlate::Limits;
use vigie_sigma::LoadOptions;

/// The rules API over a [`Detector`].
pub struct Control(pub Arc<Detector>);

fn status_of(d: &Detector) -> Value {
    let loaded = d.current();
    let r = &loaded.report;
    json!({
        "generation": loaded.generation,
        "files": r.files,
        "documents": r.documents,
        "loaded": r.loaded(),
        "rules": r.rules,
        "correlations": r.correlations,
        "filters": r.filters,
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
}

/// Loads the rules the configuration names.
pub fn detector(config: &Config, metrics: Arc<Metrics>) -> anyhow::Result<Arc<Detector>> {
    let d = &config.detection;
    if !d.enabled {
        return Ok(Arc::new(Detector::empty(metrics)));
    }
    let default_dir = config.server.data_dir.join("rules");
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
