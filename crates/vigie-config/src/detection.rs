//! The `detection` section: Sigma rules evaluated on every ingested event,
//! their placeholders, alert storage and the limits of correlation state.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use crate::HumanDuration;

/// Largest accepted `detection.threads`.
pub const MAX_DETECTION_THREADS: u32 = 1024;
/// Largest accepted `detection.correlation.max_groups` and
/// `detection.correlation.max_hits_per_group`.
pub const MAX_CORRELATION_ENTRIES: u64 = 10_000_000;

/// `detection`.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DetectionConfig {
    /// `detection.enabled`: evaluate rules on every ingested event before
    /// it is stored.
    pub enabled: bool,
    /// `detection.rules`: rule files and directories (Sigma YAML), read in
    /// addition to `<server.data_dir>/rules` (always read when it exists).
    pub rules: Vec<PathBuf>,
    /// `detection.placeholders`: values of `expand` placeholders (`%name%`
    /// in rules), by name.
    pub placeholders: BTreeMap<String, Vec<String>>,
    /// `detection.store_alerts`: store alerts as events of dataset
    /// `vigie.alerts`.
    pub store_alerts: bool,
    /// `detection.threads`: threads evaluating rules; `0` means one per core.
    pub threads: u32,
    /// `detection.pipelines`: processing pipeline files (pySigma-style
    /// YAML: field renames, value rewrites, log-source changes) applied to
    /// every rule before it is compiled.
    pub pipelines: Vec<PathBuf>,
    /// `detection.logsources`: Sigma log sources of datasets vigie does not
    /// map itself (user-defined datasets, generic JSON).
    pub logsources: Vec<LogSourceMapping>,
    /// `detection.correlation`: limits of correlation state.
    pub correlation: CorrelationConfig,
}

impl Default for DetectionConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            rules: Vec::new(),
            placeholders: BTreeMap::new(),
            store_alerts: true,
            threads: 0,
            pipelines: Vec::new(),
            logsources: Vec::new(),
            correlation: CorrelationConfig::default(),
        }
    }
}

/// One entry of `detection.logsources`.
#[derive(Debug, Clone, PartialEq, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogSourceMapping {
    /// The vigie dataset (see `vigie datasets` and `ingest.datasets`).
    pub dataset: String,
    /// Sigma `product`.
    pub product: Option<String>,
    /// Sigma `service`.
    pub service: Option<String>,
    /// Sigma `category`.
    pub category: Option<String>,
}

/// `detection.correlation`.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CorrelationConfig {
    /// Groups kept per correlation rule; the least recently updated is
    /// evicted beyond.
    pub max_groups: u64,
    /// Hits (or distinct values) kept per group; the oldest is evicted
    /// beyond.
    pub max_hits_per_group: u64,
    /// How late, in event time, a hit may arrive and still count.
    pub lateness: HumanDuration,
    /// How often correlation state is saved to
    /// `<data_dir>/detection/correlation-state.json`.
    pub save_interval: HumanDuration,
}

impl Default for CorrelationConfig {
    fn default() -> Self {
        Self {
            max_groups: 10_000,
            max_hits_per_group: 10_000,
            lateness: HumanDuration::secs(60),
            save_interval: HumanDuration::secs(30),
        }
    }
}

/// Whether `name` may name a placeholder: `[A-Za-z0-9_.-]+`.
fn valid_placeholder_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

impl DetectionConfig {
    /// The semantic errors of this section, as `(key path, message)`.
    pub(crate) fn problems(&self, out: &mut Vec<(String, String)>) {
        let mut bad =
            |path: &str, message: String| out.push((format!("detection.{path}"), message));
        if self.threads > MAX_DETECTION_THREADS {
            bad(
                "threads",
                format!(
                    "{} is out of range: must be between 0 (one per core) and \
                     {MAX_DETECTION_THREADS}",
                    self.threads
                ),
            );
        }
        for (i, rule) in self.rules.iter().enumerate() {
            if rule.as_os_str().is_empty() {
                bad(&format!("rules[{i}]"), "must not be empty".into());
            }
        }
        for (i, p) in self.pipelines.iter().enumerate() {
            if p.as_os_str().is_empty() {
                bad(&format!("pipelines[{i}]"), "must not be empty".into());
            }
        }
        for (i, m) in self.logsources.iter().enumerate() {
            if m.dataset.trim().is_empty() {
                bad(
                    &format!("logsources[{i}].dataset"),
                    "a dataset name is needed".into(),
                );
            }
            if m.product.is_none() && m.service.is_none() && m.category.is_none() {
                bad(
                    &format!("logsources[{i}]"),
                    "give at least one of product, service and category".into(),
                );
            }
        }
        for (name, values) in &self.placeholders {
            let at = format!("placeholders.{name}");
            if !valid_placeholder_name(name) {
                bad(
                    &at,
                    format!(
                        "invalid placeholder name \"{name}\": use letters, digits, `_`, `.` \
                         and `-`"
                    ),
                );
            }
            if values.is_empty() {
                bad(&at, "at least one value is needed".into());
            }
        }
        let c = &self.correlation;
        for (key, n) in [
            ("max_groups", c.max_groups),
            ("max_hits_per_group", c.max_hits_per_group),
        ] {
            if !(1..=MAX_CORRELATION_ENTRIES).contains(&n) {
                bad(
                    &format!("correlation.{key}"),
                    format!("{n} is out of range: must be between 1 and {MAX_CORRELATION_ENTRIES}"),
                );
            }
        }
        if c.lateness.get() > Duration::from_secs(7 * 86_400) {
            bad(
                "correlation.lateness",
                format!("{} is too long: at most 7d", c.lateness),
            );
        }
        let save = c.save_interval.get();
        if !(Duration::from_secs(1)..=Duration::from_secs(86_400)).contains(&save) {
            bad(
                "correlation.save_interval",
                format!(
                    "{} is out of range: must be between 1s and 1d",
                    c.save_interval
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_documentation() {
        let d = DetectionConfig::default();
        assert!(d.enabled && d.store_alerts);
        assert!(d.rules.is_empty() && d.placeholders.is_empty());
        assert_eq!(d.threads, 0);
        assert_eq!(d.correlation.max_groups, 10_000);
        assert_eq!(d.correlation.max_hits_per_group, 10_000);
        assert_eq!(d.correlation.lateness.to_string(), "1m");
        assert_eq!(d.correlation.save_interval.to_string(), "30s");
        let mut out = Vec::new();
        d.problems(&mut out);
        assert!(out.is_empty(), "{out:?}");
    }

    #[test]
    fn placeholder_names() {
        for ok in ["admins", "Domain_Controllers", "a.b-c", "X1"] {
            assert!(valid_placeholder_name(ok), "{ok}");
        }
        for bad in ["", "a b", "%x%", "é", "a/b"] {
            assert!(!valid_placeholder_name(bad), "{bad}");
        }
    }
}
