//! The loaded rules, shared between the pipeline and whoever reloads them
//! (SIGHUP, the API): a reload builds a whole new engine and swaps it in at
//! once; the pipeline picks it up at its next batch. Rules switched off by
//! hand ([`crate::disabled`]) stay loaded and are skipped by the stage from
//! its next batch on, with no reload.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use vigie_metrics::Metrics;
use vigie_sigma::{load_paths, Engine, LoadOptions, LoadReport};

use crate::disabled::{Disabled, DisabledError};

/// Why rules could not be (re)loaded.
#[derive(Debug, thiserror::Error)]
pub enum DetectError {
    /// A configured rule path cannot be read.
    #[error("cannot read rules from {path}: {source}")]
    Read {
        /// The path.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A processing pipeline file cannot be read or is not a valid
    /// pipeline.
    #[error("detection.pipelines: {path}{reason}")]
    Pipeline {
        /// The file.
        path: String,
        /// Why, after `:`, with the line and column where there is one.
        reason: String,
    },
    /// The disabled rules cannot be read or saved.
    #[error(transparent)]
    Disabled(#[from] DisabledError),
    /// No loaded rule has this id.
    #[error("no loaded rule has the id `{0}`")]
    UnknownRule(String),
}

/// Where rules come from and how to load them.
#[derive(Debug, Clone, Default)]
pub struct RuleSettings {
    /// Rule files and directories that must exist (a reload fails, keeping
    /// the current rules, when one is gone).
    pub paths: Vec<PathBuf>,
    /// Rule directories read when they exist (the data directory's
    /// `rules`), checked again at every reload.
    pub optional_paths: Vec<PathBuf>,
    /// Processing pipeline files, read again at every reload and applied
    /// (in this order, after `options.pipelines`) to every rule.
    pub pipeline_paths: Vec<PathBuf>,
    /// Placeholder values and the rest.
    pub options: LoadOptions,
    /// Where the rules switched off by hand are kept (`None`: in memory).
    pub disabled_file: Option<PathBuf>,
}

/// Reads and parses the pipeline files of `settings`.
fn read_pipelines(
    settings: &RuleSettings,
) -> Result<Vec<vigie_sigma::pipeline::Pipeline>, DetectError> {
    let mut out = Vec::with_capacity(settings.pipeline_paths.len());
    for p in &settings.pipeline_paths {
        let text = std::fs::read_to_string(p).map_err(|e| DetectError::Pipeline {
            path: p.display().to_string(),
            reason: format!(": cannot read: {e}"),
        })?;
        out.push(
            vigie_sigma::pipeline::Pipeline::parse(&text).map_err(|reason| {
                // `line:col: why` follows the path as `path:line:col`.
                let sep = if reason.starts_with(|c: char| c.is_ascii_digit()) {
                    ":"
                } else {
                    ": "
                };
                DetectError::Pipeline {
                    path: p.display().to_string(),
                    reason: format!("{sep}{reason}"),
                }
            })?,
        );
    }
    Ok(out)
}

/// One generation of loaded rules.
#[derive(Debug)]
pub struct Loaded {
    /// The engine.
    pub engine: Arc<Engine>,
    /// What loading found.
    pub report: LoadReport,
    /// Increases with every successful (re)load.
    pub generation: u64,
    /// The options the rules were compiled with, pipelines read (what a
    /// rule test compiles with).
    pub options: LoadOptions,
}

impl Loaded {
    /// Whether a rule (compiled, or idle for want of a placeholder) has
    /// the id `id` (its `id`, else its `name`, else its title).
    pub fn knows(&self, id: &str) -> bool {
        self.engine.rules().iter().any(|r| r.rule.meta.key() == id)
            || self
                .report
                .idle
                .iter()
                .any(|i| i.rule == id && !i.reason.starts_with("filters rule"))
    }
}

/// The current rules, swappable.
pub struct Detector {
    settings: RuleSettings,
    current: RwLock<Arc<Loaded>>,
    generation: AtomicU64,
    metrics: Arc<Metrics>,
    disabled: Disabled,
}

fn load(settings: &RuleSettings) -> Result<(Engine, LoadReport, LoadOptions), DetectError> {
    let paths: Vec<PathBuf> = settings
        .paths
        .iter()
        .chain(settings.optional_paths.iter().filter(|p| p.exists()))
        .cloned()
        .collect();
    for p in &paths {
        std::fs::metadata(p).map_err(|source| DetectError::Read {
            path: p.display().to_string(),
            source,
        })?;
    }
    let mut options = settings.options.clone();
    options.pipelines.extend(read_pipelines(settings)?);
    if paths.is_empty() {
        let engine = Engine::new(Vec::new(), Vec::new());
        return Ok((engine, LoadReport::default(), options));
    }
    let (engine, report) = load_paths(&paths, &options).map_err(|source| DetectError::Read {
        path: paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
        source,
    })?;
    Ok((engine, report, options))
}

/// Sets the rule gauges: `disabled` counts the loaded rules switched off.
fn publish_gauges(loaded: &Loaded, disabled: &BTreeSet<String>, metrics: &Metrics) {
    let report = &loaded.report;
    let idle_rules = report
        .idle
        .iter()
        .filter(|i| !i.reason.starts_with("filters rule"))
        .count();
    let off = loaded
        .engine
        .rules()
        .iter()
        .filter(|r| disabled.contains(r.rule.meta.key()))
        .count();
    let active = report.rules.saturating_sub(idle_rules).saturating_sub(off);
    metrics
        .detection
        .set_rules(active, report.idle.len(), report.failed.len(), off);
}

fn report_to_log(report: &LoadReport) {
    for f in &report.failed {
        tracing::warn!(rule_error = %f, "sigma rule not loaded");
    }
    tracing::info!(
        loaded = report.loaded(),
        rules = report.rules,
        correlations = report.correlations,
        filters = report.filters,
        idle = report.idle.len(),
        failed = report.failed.len(),
        "sigma rules loaded"
    );
}

impl Detector {
    /// Loads the rules for the first time.
    pub fn load(settings: RuleSettings, metrics: Arc<Metrics>) -> Result<Detector, DetectError> {
        let disabled = Disabled::open(settings.disabled_file.clone())?;
        let (engine, report, options) = load(&settings)?;
        report_to_log(&report);
        let loaded = Arc::new(Loaded {
            engine: Arc::new(engine),
            report,
            generation: 1,
            options,
        });
        publish_gauges(&loaded, &disabled.current(), &metrics);
        Ok(Detector {
            settings,
            current: RwLock::new(loaded),
            generation: AtomicU64::new(1),
            metrics,
            disabled,
        })
    }

    /// A detector with no rules (detection disabled).
    pub fn empty(metrics: Arc<Metrics>) -> Detector {
        Detector {
            settings: RuleSettings::default(),
            current: RwLock::new(Arc::new(Loaded {
                engine: Arc::new(Engine::new(Vec::new(), Vec::new())),
                report: LoadReport::default(),
                generation: 1,
                options: LoadOptions::default(),
            })),
            generation: AtomicU64::new(1),
            metrics,
            disabled: Disabled::default(),
        }
    }

    /// The ids of the rules switched off by hand.
    pub fn disabled(&self) -> Arc<BTreeSet<String>> {
        self.disabled.current()
    }

    /// Changes whenever the disabled set changes.
    pub fn disabled_version(&self) -> u64 {
        self.disabled.version()
    }

    /// Switches the rule `id` on or off: saved first, then in force from
    /// the stage's next batch. Whether anything changed.
    pub fn set_enabled(&self, id: &str, enabled: bool) -> Result<bool, DetectError> {
        let loaded = self.current();
        // Enabling an id whose rule is gone is allowed (it cleans the set).
        if !loaded.knows(id) && (!enabled || !self.disabled.current().contains(id)) {
            return Err(DetectError::UnknownRule(id.to_owned()));
        }
        let changed = self.disabled.set(id, enabled)?;
        if changed {
            tracing::info!(rule = id, enabled, "sigma rule switched");
            publish_gauges(&loaded, &self.disabled.current(), &self.metrics);
        }
        Ok(changed)
    }

    /// The rules in force.
    pub fn current(&self) -> Arc<Loaded> {
        match self.current.read() {
            Ok(c) => c.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Reads the rules again and swaps them in. Rules that fail are
    /// reported and left out, the others load; when the rule paths cannot
    /// be read at all the current rules stay and the error is returned.
    pub fn reload(&self) -> Result<Arc<Loaded>, DetectError> {
        let read = self
            .disabled
            .reread()
            .map_err(DetectError::from)
            .and_then(|()| load(&self.settings));
        let (engine, report, options) = match read {
            Ok(x) => x,
            Err(e) => {
                self.metrics.detection.reload_failures.inc();
                tracing::error!(error = %e, "sigma rules not reloaded; the previous rules stay");
                return Err(e);
            }
        };
        report_to_log(&report);
        let generation = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        let loaded = Arc::new(Loaded {
            engine: Arc::new(engine),
            report,
            generation,
            options,
        });
        publish_gauges(&loaded, &self.disabled.current(), &self.metrics);
        match self.current.write() {
            Ok(mut c) => *c = loaded.clone(),
            Err(poisoned) => *poisoned.into_inner() = loaded.clone(),
        }
        self.metrics.detection.reloads.inc();
        Ok(loaded)
    }
}
