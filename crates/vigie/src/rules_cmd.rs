//! `vigie rules check` and `vigie rules test`: detection as code.
//!
//! `check` loads rule files the way the server does and reports how many
//! loaded, which are idle and why, and each failure with its file, line and
//! reason. `test` runs rules over a file of events (any format vigie
//! normalizes) and prints, per event, the rules that matched and the
//! selections that made them match.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use serde_json::json;
use vigie_ingest::decode;
use vigie_normalize::{normalize_payload, Limits, Registry};
use vigie_sigma::{load_paths, Engine, LoadOptions, LoadReport};

use crate::cli::{OutputFormat, RulesCheckArgs, RulesCommand, RulesTestArgs};

/// Largest event file `rules test` reads.
const MAX_EVENTS_FILE: usize = 1 << 30;

pub fn dispatch(cmd: RulesCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        RulesCommand::Check(args) => check(args),
        RulesCommand::Test(args) => test(args),
    }
}

/// Reads `--placeholders FILE` (a JSON object of name -> list of values)
/// and `--pipeline FILE`s.
pub fn load_options(
    placeholders: Option<&Path>,
    pipelines: &[PathBuf],
) -> anyhow::Result<LoadOptions> {
    let mut options = LoadOptions::default();
    for p in pipelines {
        let text =
            std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?;
        options.pipelines.push(
            vigie_sigma::pipeline::Pipeline::parse(&text)
                .map_err(|e| anyhow::anyhow!("{}:{e}", p.display()))?,
        );
    }
    if let Some(path) = placeholders {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let map: HashMap<String, Vec<String>> = serde_json::from_str(&text).with_context(|| {
            format!(
                "{}: placeholders must be a JSON object of name -> list of strings",
                path.display()
            )
        })?;
        options.placeholders = map;
    }
    Ok(options)
}

/// Loads rules, printing failures to stderr.
pub fn load_rules(
    paths: &[PathBuf],
    options: &LoadOptions,
) -> anyhow::Result<(Engine, LoadReport)> {
    let (engine, report) = load_paths(paths, options).with_context(|| {
        format!(
            "cannot read rules from {}",
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )
    })?;
    Ok((engine, report))
}

fn check(args: RulesCheckArgs) -> anyhow::Result<ExitCode> {
    let options = load_options(args.placeholders.as_deref(), &args.pipelines)?;
    let (_, report) = load_rules(&args.paths, &options)?;
    for f in &report.failed {
        println!("error: {f}");
    }
    if args.idle {
        for i in &report.idle {
            println!("idle: {}: rule {}: {}", i.file.display(), i.rule, i.reason);
        }
    }
    println!(
        "{} files, {} documents: {} loaded ({} rules, {} correlations, {} filters), {} idle, {} failed; {:.2}% loaded",
        report.files,
        report.documents,
        report.loaded(),
        report.rules,
        report.correlations,
        report.filters,
        report.idle.len(),
        report.failed.len(),
        report.percent_loaded()
    );
    let ok = match args.min_percent {
        Some(min) => report.percent_loaded() >= min,
        None => report.failed.is_empty(),
    };
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn test(args: RulesTestArgs) -> anyhow::Result<ExitCode> {
    let options = load_options(args.placeholders.as_deref(), &args.pipelines)?;
    let (engine, report) = load_rules(&args.rules, &options)?;
    for f in &report.failed {
        eprintln!("error: {f}");
    }
    let registry = Registry::default();
    let normalizer = match &args.dataset {
        Some(name) => Some(registry.get(name).with_context(|| {
            format!(
                "unknown dataset `{name}`; known datasets: {}",
                registry.datasets().collect::<Vec<_>>().join(", ")
            )
        })?),
        None => None,
    };
    let raw = std::fs::read(&args.events)
        .with_context(|| format!("cannot read {}", args.events.display()))?;
    let payload = decode(&raw, None, MAX_EVENTS_FILE)
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.events.display()))?;
    let limits = Limits {
        max_record_bytes: 64 << 20,
        ..Limits::default()
    };
    let output = normalize_payload(&registry, normalizer, &payload, &limits);
    for r in &output.rejected {
        eprintln!(
            "{}: record {} (line {}): {}",
            args.events.display(),
            r.index,
            r.line,
            r.error
        );
    }
    let mut matched = Vec::new();
    let mut per_rule: HashMap<u32, usize> = HashMap::new();
    let mut events_matched = 0usize;
    for (n, event) in output.events.iter().enumerate() {
        matched.clear();
        engine.evaluate(event, &mut matched);
        if !matched.is_empty() {
            events_matched += 1;
        }
        for &i in &matched {
            *per_rule.entry(i).or_default() += 1;
            let Some(rule) = engine.rules().get(i as usize) else {
                continue;
            };
            let meta = &rule.rule.meta;
            let why = engine.explain(event, i);
            match args.format {
                OutputFormat::Ndjson => println!(
                    "{}",
                    json!({
                        "event": n + 1,
                        "@timestamp": event.timestamp.to_rfc3339(),
                        "dataset": event.dataset(),
                        "rule_id": meta.id,
                        "title": meta.title,
                        "level": meta.level,
                        "file": rule.rule.source.file.display().to_string(),
                        "selections": why,
                    })
                ),
                OutputFormat::Table => println!(
                    "event {} ({}): {} [{}] {} because {}",
                    n + 1,
                    event.dataset(),
                    meta.title,
                    meta.level.as_deref().unwrap_or("-"),
                    meta.id.as_deref().unwrap_or("-"),
                    if why.is_empty() {
                        "(condition holds)".to_owned()
                    } else {
                        why.join(", ")
                    }
                ),
            }
        }
    }
    eprintln!(
        "{} events ({} rejected), {} matched; {} rules loaded, {} fired",
        output.events.len(),
        output.rejected.len(),
        events_matched,
        engine.rules().len(),
        per_rule.len()
    );
    Ok(if output.rejected.is_empty() && report.failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
