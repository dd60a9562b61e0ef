//! Loading: read every Sigma file under some paths, collect the documents,
//! compile the rules and report, per document, loaded, idle or failed with
//! the reason and position.
//!
//! One bad rule never stops the others. The only I/O of the crate lives here
//! (reading files); [`load_texts`] does the same from memory.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::ast::{Correlation, Document, Filter, Rule, Source};
use crate::compile::{CompileError, CompiledRule, Placeholders};
use crate::engine::Engine;
use crate::logsource;
use crate::read::read_document;
use crate::yaml::{parse_stream, Mark};

/// Largest rule file read (a rule is a few kilobytes).
pub const MAX_RULE_FILE: u64 = 4 << 20;

/// How to load.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Values of `expand` placeholders.
    pub placeholders: Placeholders,
    /// Processing pipelines applied to every rule before it is compiled.
    pub pipelines: Vec<crate::pipeline::Pipeline>,
    /// Dataset-to-log-source mappings besides the built-in ones.
    pub logsources: Vec<crate::logsource::DatasetLogSource>,
}

/// A document that did not load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The file.
    pub file: PathBuf,
    /// Where in it.
    pub mark: Mark,
    /// The rule's id or title, when known.
    pub rule: Option<String>,
    /// Why.
    pub reason: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: ",
            self.file.display(),
            self.mark.line,
            self.mark.col
        )?;
        if let Some(rule) = &self.rule {
            write!(f, "rule {rule}: ")?;
        }
        f.write_str(&self.reason)
    }
}

/// A rule that loaded but will not run, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Idle {
    /// The file.
    pub file: PathBuf,
    /// The rule's id or title.
    pub rule: String,
    /// Why it is idle.
    pub reason: String,
}

/// What loading found.
#[derive(Debug, Clone, Default)]
pub struct LoadReport {
    /// Files read.
    pub files: usize,
    /// Documents found in them.
    pub documents: usize,
    /// Detection rules that compiled (idle ones included).
    pub rules: usize,
    /// Correlation rules loaded.
    pub correlations: usize,
    /// Filters loaded.
    pub filters: usize,
    /// Rules loaded but idle (no data for their log source, or a missing
    /// placeholder).
    pub idle: Vec<Idle>,
    /// Documents that did not load.
    pub failed: Vec<Failure>,
}

impl LoadReport {
    /// Documents loaded (rules, correlations and filters).
    pub fn loaded(&self) -> usize {
        self.rules + self.correlations + self.filters
    }

    /// Share of documents loaded, in percent.
    pub fn percent_loaded(&self) -> f64 {
        let total = self.loaded() + self.failed.len();
        if total == 0 {
            100.0
        } else {
            100.0 * self.loaded() as f64 / total as f64
        }
    }
}

/// Every `.yml`/`.yaml` file under `paths` (a path may be a file), sorted.
pub fn rule_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, std::io::Error> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            walk(p, &mut out, 0)?;
        } else {
            std::fs::metadata(p)?;
            out.push(p.clone());
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) -> Result<(), std::io::Error> {
    if depth > 32 {
        return Ok(());
    }
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, out, depth + 1)?;
        } else if path.extension().is_some_and(|e| e == "yml" || e == "yaml") {
            out.push(path);
        }
    }
    Ok(())
}

/// Loads every rule file under `paths`. Unreadable files are reported as
/// failures; an unreadable top-level path is an error.
pub fn load_paths(
    paths: &[PathBuf],
    options: &LoadOptions,
) -> Result<(Engine, LoadReport), std::io::Error> {
    let mut texts = Vec::new();
    let mut failed = Vec::new();
    for file in rule_files(paths)? {
        match read_small(&file) {
            Ok(text) => texts.push((file, text)),
            Err(reason) => failed.push(Failure {
                file,
                mark: Mark::default(),
                rule: None,
                reason,
            }),
        }
    }
    let (engine, mut report) = load_texts(texts, options);
    report.files += failed.len();
    report.failed.extend(failed);
    Ok((engine, report))
}

fn read_small(file: &Path) -> Result<String, String> {
    let meta = std::fs::metadata(file).map_err(|e| format!("cannot read: {e}"))?;
    if meta.len() > MAX_RULE_FILE {
        return Err(format!(
            "the file is {} bytes; rule files over {MAX_RULE_FILE} bytes are refused",
            meta.len()
        ));
    }
    let bytes = std::fs::read(file).map_err(|e| format!("cannot read: {e}"))?;
    String::from_utf8(bytes)
        .map_err(|e| format!("not UTF-8 (byte {})", e.utf8_error().valid_up_to()))
}

/// Loads rules from texts already in memory: `(file name, text)`.
pub fn load_texts(
    texts: impl IntoIterator<Item = (PathBuf, String)>,
    options: &LoadOptions,
) -> (Engine, LoadReport) {
    let mut report = LoadReport::default();
    let mut rules: Vec<Arc<Rule>> = Vec::new();
    let mut correlations: Vec<Arc<Correlation>> = Vec::new();
    let mut filters: Vec<Arc<Filter>> = Vec::new();
    for (file, text) in texts {
        report.files += 1;
        let file: Arc<Path> = Arc::from(file.as_path());
        let docs = match parse_stream(&text) {
            Ok(docs) if docs.iter().any(|d| d.get("action").is_some()) => {
                crate::collection::expand(docs)
            }
            Ok(docs) => docs,
            Err(e) => {
                report.failed.push(Failure {
                    file: file.to_path_buf(),
                    mark: e.mark,
                    rule: None,
                    reason: e.message,
                });
                continue;
            }
        };
        for doc in docs {
            if matches!(doc, crate::yaml::Node::Null(_)) {
                continue;
            }
            report.documents += 1;
            let source = Source {
                file: file.clone(),
                line: doc.mark().line,
            };
            let key = doc
                .get("id")
                .or_else(|| doc.get("title"))
                .and_then(|n| n.as_str())
                .map(str::to_owned);
            match read_document(&doc, source) {
                Ok(Document::Rule(r)) => rules.push(Arc::from(r)),
                Ok(Document::Correlation(c)) => correlations.push(Arc::from(c)),
                Ok(Document::Filter(f)) => filters.push(Arc::from(f)),
                Err(diags) => {
                    let reason = diags
                        .iter()
                        .map(|d| d.message.clone())
                        .collect::<Vec<_>>()
                        .join("; ");
                    report.failed.push(Failure {
                        file: file.to_path_buf(),
                        mark: diags.first().map(|d| d.mark).unwrap_or_default(),
                        rule: key,
                        reason,
                    });
                }
            }
        }
    }
    let engine = collect(rules, correlations, filters, options, &mut report);
    (engine, report)
}

/// Compiles the rules, attaches filters and checks correlation references.
fn collect(
    rules: Vec<Arc<Rule>>,
    correlations: Vec<Arc<Correlation>>,
    filters: Vec<Arc<Filter>>,
    options: &LoadOptions,
    report: &mut LoadReport,
) -> Engine {
    let ph = &options.placeholders;
    let mut compiled: Vec<CompiledRule> = Vec::with_capacity(rules.len());
    let mut idle_rules = Vec::new();
    for rule in rules {
        let rule = if options.pipelines.is_empty() {
            rule
        } else {
            Arc::new(crate::pipeline::apply(&options.pipelines, &rule))
        };
        let file = rule.source.file.to_path_buf();
        match CompiledRule::compile(rule.clone(), ph) {
            Ok(c) => {
                if !logsource::is_served(&rule.logsource, &options.logsources) {
                    report.idle.push(Idle {
                        file,
                        rule: rule.meta.key().to_owned(),
                        reason: format!("no dataset provides log source {}", rule.logsource),
                    });
                }
                compiled.push(c);
            }
            Err(CompileError::Placeholder { name }) => {
                report.idle.push(Idle {
                    file,
                    rule: rule.meta.key().to_owned(),
                    reason: format!("needs placeholder '%{name}%' (configure its values)"),
                });
                idle_rules.push(rule);
            }
            Err(CompileError::Invalid { mark, message }) => report.failed.push(Failure {
                file,
                mark,
                rule: Some(rule.meta.key().to_owned()),
                reason: message,
            }),
        }
    }
    report.rules = compiled.len() + idle_rules.len();
    let mut by_ref: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, c) in compiled.iter().enumerate() {
        for key in [c.rule.meta.id.as_deref(), c.rule.meta.name.as_deref()]
            .into_iter()
            .flatten()
        {
            by_ref.entry(key).or_default().push(i);
        }
    }
    let filters: Vec<Arc<Filter>> = if options.pipelines.is_empty() {
        filters
    } else {
        filters
            .iter()
            .map(|f| Arc::new(crate::pipeline::apply_filter(&options.pipelines, f)))
            .collect()
    };
    let mut attach = Vec::new();
    for filter in &filters {
        let mut targets = Vec::new();
        for r in &filter.rules {
            match by_ref.get(r.as_str()) {
                Some(ix) => targets.extend(ix.iter().copied()),
                None => report.idle.push(Idle {
                    file: filter.source.file.to_path_buf(),
                    rule: filter.meta.key().to_owned(),
                    reason: format!("filters rule '{r}', which is not loaded"),
                }),
            }
        }
        attach.push((filter.clone(), targets));
    }
    drop(by_ref);
    for (filter, targets) in attach {
        let mut ok = true;
        for i in targets {
            let Some(rule) = compiled.get_mut(i) else {
                continue;
            };
            if !filter_fits(&filter.logsource, &rule.rule.logsource) {
                continue;
            }
            if let Err(e) = rule.add_filter(filter.clone(), ph) {
                report.failed.push(Failure {
                    file: filter.source.file.to_path_buf(),
                    mark: Mark {
                        line: filter.source.line,
                        col: 1,
                    },
                    rule: Some(filter.meta.key().to_owned()),
                    reason: e.to_string(),
                });
                ok = false;
                break;
            }
        }
        if ok {
            report.filters += 1;
        }
    }
    let engine = Engine::new(compiled, correlations).with_logsources(options.logsources.clone());
    for failure in engine.correlation_failures() {
        report.failed.push(failure);
    }
    report.correlations = engine.correlations().len();
    engine
}

/// A filter applies to a rule when every log-source key the filter sets is
/// the rule's too.
fn filter_fits(filter: &crate::ast::LogSource, rule: &crate::ast::LogSource) -> bool {
    let fits = |f: &Option<String>, r: &Option<String>| f.is_none() || f == r;
    fits(&filter.product, &rule.product)
        && fits(&filter.service, &rule.service)
        && fits(&filter.category, &rule.category)
}
