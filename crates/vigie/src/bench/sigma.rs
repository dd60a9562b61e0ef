//! `vigie bench sigma`: Sigma evaluation throughput, events per second on
//! one core, with a whole rule corpus loaded.
//!
//! Events are normalized before the clock starts (as they are when they
//! reach detection on ingest); the timed loop is `Engine::evaluate` over the
//! events, cycled until `--total` evaluations, on one thread. The figure is
//! therefore per core. Windows events come from evtx JSON files
//! (`--events`), CloudTrail from vigie-synth.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::{Args, ValueEnum};
use vigie_event::Event;
use vigie_normalize::{normalize_payload, Limits, Registry};

/// `vigie bench sigma` options.
#[derive(Debug, Args)]
pub struct BenchSigmaArgs {
    /// Rule files and directories (e.g. ../shared/sigma/rules).
    #[arg(long, short = 'r', required = true)]
    pub rules: Vec<PathBuf>,
    /// Which events.
    #[arg(long, value_enum, default_value_t = SigmaData::Windows)]
    pub data: SigmaData,
    /// Files or directories of events (for `--data windows`: evtx JSON
    /// lines, e.g. ../shared/testdata/sigma-events/hayabusa-sample-evtx-jsonl).
    #[arg(long, short = 'e')]
    pub events: Vec<PathBuf>,
    /// Evaluations to time (the events are cycled).
    #[arg(long, default_value_t = 1_000_000)]
    pub total: usize,
    /// Distinct CloudTrail events generated for `--data cloudtrail`.
    #[arg(long, default_value_t = 100_000)]
    pub distinct: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SigmaData {
    Windows,
    Cloudtrail,
}

fn files(paths: &[PathBuf], out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    for p in paths {
        if p.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(p)
                .with_context(|| format!("cannot list {}", p.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .collect();
            entries.sort();
            files(&entries, out)?;
        } else if p.extension().is_some_and(|e| e == "jsonl" || e == "json") {
            out.push(p.clone());
        }
    }
    Ok(())
}

fn normalize(
    registry: &Registry,
    dataset: &str,
    path: &Path,
    text: &[u8],
) -> anyhow::Result<Vec<Event>> {
    let normalizer = registry.get(dataset);
    let out = normalize_payload(registry, normalizer, text, &Limits::default());
    if !out.rejected.is_empty() {
        eprintln!(
            "{}: {} records rejected (first: {})",
            path.display(),
            out.rejected.len(),
            out.rejected[0].error
        );
    }
    Ok(out.events)
}

pub fn run(args: BenchSigmaArgs) -> anyhow::Result<ExitCode> {
    let t = Instant::now();
    let (engine, report) =
        vigie_sigma::load_paths(&args.rules, &vigie_sigma::LoadOptions::default())
            .context("loading rules")?;
    println!(
        "rules: {} loaded ({} idle, {} failed) in {:.2} s",
        report.loaded(),
        report.idle.len(),
        report.failed.len(),
        t.elapsed().as_secs_f64()
    );
    let registry = Registry::default();
    let events = match args.data {
        SigmaData::Windows => {
            let mut list = Vec::new();
            files(&args.events, &mut list)?;
            anyhow::ensure!(!list.is_empty(), "--events names no .jsonl files");
            let mut events = Vec::new();
            for f in &list {
                let text =
                    std::fs::read(f).with_context(|| format!("cannot read {}", f.display()))?;
                events.extend(normalize(&registry, "windows.evtx", f, &text)?);
            }
            events
        }
        SigmaData::Cloudtrail => {
            let records = vigie_synth::events(vigie_synth::Format::CloudTrail, 7, args.distinct);
            let mut payload = records.join("\n");
            payload.push('\n');
            normalize(
                &registry,
                "aws.cloudtrail",
                Path::new("synthetic"),
                payload.as_bytes(),
            )?
        }
    };
    anyhow::ensure!(!events.is_empty(), "no events");
    let bytes: usize = events.iter().map(|e| e.original.len()).sum();
    println!(
        "events: {} distinct ({:.0} bytes on average), cycled to {} evaluations",
        events.len(),
        bytes as f64 / events.len() as f64,
        args.total
    );
    let mut out = Vec::new();
    let mut per_rule: HashMap<u32, u64> = HashMap::new();
    let mut matches = 0u64;
    let start = Instant::now();
    for i in 0..args.total {
        out.clear();
        engine.evaluate(&events[i % events.len()], &mut out);
        matches += out.len() as u64;
        if i < events.len() {
            for &r in &out {
                *per_rule.entry(r).or_default() += 1;
            }
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "evaluated {} events in {:.2} s: {:.0} events/s on one core ({:.2} µs/event); {} matches ({} rules fired on one pass over the distinct events)",
        args.total,
        secs,
        args.total as f64 / secs,
        secs * 1e6 / args.total as f64,
        matches,
        per_rule.len()
    );
    Ok(ExitCode::SUCCESS)
}
