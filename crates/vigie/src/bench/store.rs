//! `vigie bench store`: the event store at scale, in-process.
//!
//! Generates `--events` realistic CloudTrail or Kubernetes audit records
//! (vigie-synth, seeded), spreads them evenly over one day, plants a rare
//! IP address in three of them, normalizes them (not timed), then:
//!
//! 1. **durable ingest**: writes them through the store's writer exactly as
//!    the pipeline does (batches of 4096, a write-ahead-log group commit
//!    with `fsync: always` per batch) while the maintenance thread flushes
//!    to Parquet, and reports events/s until the last event is in a file;
//! 2. **size**: bytes of files (Parquet + token indexes) per event, against
//!    the raw records' bytes, after compaction;
//! 3. **latency** (median of 5 runs, first run reported apart) of: a needle
//!    search for the rare IP over everything; a field filter on
//!    `event.action` within one hour; counts by `event.action` per 5
//!    minutes over the day; the top 10 source IPs of the day.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Args, ValueEnum};
use vigie_event::{Event, Timestamp};
use vigie_normalize::{normalize_payload, Limits, Registry};
use vigie_pipeline::Sink;
use vigie_store::{AggregateRequest, SearchRequest, Store, StoreOptions};

/// The rare IP planted in three events (documentation range: never
/// generated otherwise).
const NEEDLE: &str = "203.0.113.77";
const DAY_NS: i64 = 86_400 * 1_000_000_000;
const CHUNK: usize = 100_000;

/// `vigie bench store` options.
#[derive(Debug, Args)]
pub struct BenchStoreArgs {
    /// Events to store.
    #[arg(long, default_value_t = 10_000_000)]
    pub events: usize,
    /// Which records.
    #[arg(long, value_enum, default_value_t = BenchFormat::Cloudtrail)]
    pub format: BenchFormat,
    /// Data directory (emptied first).
    #[arg(long, default_value = "vigie-bench-store")]
    pub dir: PathBuf,
    /// Runs of each query.
    #[arg(long, default_value_t = 5)]
    pub runs: usize,
    /// Rows per Parquet row group (the unit token filters prune); the
    /// store's default when absent.
    #[arg(long)]
    pub row_group_rows: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BenchFormat {
    Cloudtrail,
    K8s,
}

impl BenchFormat {
    fn synth(self) -> vigie_synth::Format {
        match self {
            Self::Cloudtrail => vigie_synth::Format::CloudTrail,
            Self::K8s => vigie_synth::Format::K8sAudit,
        }
    }
}

/// Generates and normalizes chunk `c` (events `c*CHUNK..`), moved onto the
/// benchmark's day; returns the events and their raw bytes.
fn chunk(
    registry: &Registry,
    format: BenchFormat,
    total: usize,
    c: usize,
    needles: &[usize],
) -> anyhow::Result<(Vec<Event>, usize)> {
    let n = CHUNK.min(total - c * CHUNK);
    let records = vigie_synth::events(format.synth(), 1000 + c as u64, n);
    let raw: usize = records.iter().map(|r| r.len() + 1).sum();
    let mut payload = records.join("\n");
    payload.push('\n');
    let normalizer = registry.get(format.synth().dataset());
    let out = normalize_payload(registry, normalizer, payload.as_bytes(), &Limits::default());
    anyhow::ensure!(
        out.rejected.is_empty(),
        "{} generated records rejected",
        out.rejected.len()
    );
    let mut events = out.events;
    let start = Timestamp::parse_rfc3339("2024-05-01T00:00:00Z")
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .as_nanos();
    for (i, ev) in events.iter_mut().enumerate() {
        let global = c * CHUNK + i;
        ev.timestamp =
            Timestamp::from_nanos(start + (global as i128 * DAY_NS as i128 / total as i128) as i64);
        if needles.contains(&global) {
            if let Some(old) = ev.fields.get_str("source.ip").map(str::to_owned) {
                ev.original = ev.original.replace(&old, NEEDLE);
            }
            ev.fields.set("source.ip", NEEDLE);
        }
    }
    Ok((events, raw))
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Runs `f` `runs` times; returns (first, median of the rest or all).
async fn time<F, Fut, T>(runs: usize, mut f: F) -> anyhow::Result<(Duration, Duration, T)>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<T>>,
{
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        last = Some(f().await?);
        times.push(t.elapsed());
    }
    let first = times[0];
    let warm = if times.len() > 1 {
        times[1..].to_vec()
    } else {
        times.clone()
    };
    Ok((first, median(warm), last.context("no run")?))
}

/// Runs the benchmark.
pub fn run(args: BenchStoreArgs) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .worker_threads(2)
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(run_async(args))
}

async fn run_async(args: BenchStoreArgs) -> anyhow::Result<ExitCode> {
    let _ = std::fs::remove_dir_all(&args.dir);
    let registry = Registry::default();
    let total = args.events.max(10);
    let needles = [total / 7, total / 2 + 13, total - 5];
    let mut options = StoreOptions::local(&args.dir);
    options.compaction_min_files = 2;
    if let Some(rows) = args.row_group_rows {
        options.row_group_rows = rows.max(1);
    }
    let (store, mut writer, _) =
        Store::open(options, Arc::new(vigie_metrics::Metrics::new())).await?;
    let maintenance = store.start_maintenance();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "vigie bench store: {total} {:?} events over one day, {cores} cores, fsync always",
        args.format
    );

    let mut raw_bytes = 0usize;
    let mut ingest = Duration::ZERO;
    let chunks = total.div_ceil(CHUNK);
    for c in 0..chunks {
        let (events, raw) = chunk(&registry, args.format, total, c, &needles)?;
        raw_bytes += raw;
        let t = Instant::now();
        for batch in events.chunks(4096) {
            writer.write(batch)?;
            writer.flush()?;
        }
        ingest += t.elapsed();
    }
    // Until the last event is in a file.
    let t = Instant::now();
    store.flush().await?;
    ingest += t.elapsed();
    let rate = total as f64 / ingest.as_secs_f64();
    println!("durable ingest: {total} events in {:.1} s = {rate:.0} events/s (WAL group commit + memory + flush to Parquet)", ingest.as_secs_f64());

    let t = Instant::now();
    while store.compact().await? > 0 {}
    let compaction = t.elapsed();
    let stats = store.stats();
    println!(
        "size: raw {:.1} MB ({:.0} B/event), stored {:.1} MB ({:.1} B/event) in {} files = {:.1}% of raw; compaction {:.1} s",
        raw_bytes as f64 / 1e6,
        raw_bytes as f64 / total as f64,
        stats.file_bytes as f64 / 1e6,
        stats.file_bytes as f64 / total as f64,
        stats.files,
        100.0 * stats.file_bytes as f64 / raw_bytes as f64,
        compaction.as_secs_f64()
    );

    let day_start = Timestamp::parse_rfc3339("2024-05-01T00:00:00Z")
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .as_nanos();
    let report = |name: &str, first: Duration, warm: Duration, what: String| {
        println!(
            "{name:<44} first {:>8.1} ms   median {:>8.1} ms   {what}",
            first.as_secs_f64() * 1e3,
            warm.as_secs_f64() * 1e3
        );
    };
    let (first, warm, page) = time(args.runs, || async {
        Ok(store
            .search(&SearchRequest {
                query: NEEDLE.into(),
                size: 100,
                ..Default::default()
            })
            .await?)
    })
    .await?;
    report(
        "needle: bare word 203.0.113.77 (all time)",
        first,
        warm,
        format!("{} hits", page.hits.len()),
    );
    anyhow::ensure!(
        page.hits.len() == needles.len(),
        "the needle search found {} of {}",
        page.hits.len(),
        needles.len()
    );
    let (first, warm, page) = time(args.runs, || async {
        Ok(store
            .search(&SearchRequest {
                query: format!("source.ip:{NEEDLE}"),
                size: 100,
                ..Default::default()
            })
            .await?)
    })
    .await?;
    report(
        "needle: source.ip:203.0.113.77 (all time)",
        first,
        warm,
        format!("{} hits", page.hits.len()),
    );
    let action = match args.format {
        BenchFormat::Cloudtrail => "ConsoleLogin",
        BenchFormat::K8s => "delete",
    };
    let hour = (
        day_start + 13 * 3_600_000_000_000,
        day_start + 14 * 3_600_000_000_000,
    );
    let (first, warm, page) = time(args.runs, || async {
        Ok(store
            .search(&SearchRequest {
                query: format!("event.action:{action}"),
                from: Some(hour.0),
                to: Some(hour.1),
                size: 100,
                cursor: None,
            })
            .await?)
    })
    .await?;
    report(
        &format!("filter: event.action:{action}, 13:00-14:00"),
        first,
        warm,
        format!("{} hits (page of 100)", page.hits.len()),
    );
    let (first, warm, res) = time(args.runs, || async {
        Ok(store
            .aggregate(&AggregateRequest {
                query: "*".into(),
                from: Some(day_start),
                to: Some(day_start + DAY_NS),
                interval: Some(Duration::from_secs(300)),
                by: Some("event.action".into()),
                top: 10,
                field: None,
            })
            .await?)
    })
    .await?;
    let n = match &res {
        vigie_store::AggregateResult::Buckets { buckets, .. } => buckets.len(),
        _ => 0,
    };
    report(
        "count by event.action per 5 min, one day",
        first,
        warm,
        format!("{n} (bucket, action) rows"),
    );
    let (first, warm, res) = time(args.runs, || async {
        Ok(store
            .aggregate(&AggregateRequest {
                query: "*".into(),
                from: Some(day_start),
                to: Some(day_start + DAY_NS),
                field: Some("source.ip".into()),
                top: 10,
                ..Default::default()
            })
            .await?)
    })
    .await?;
    let top = match &res {
        vigie_store::AggregateResult::Top { values, .. } => {
            values.first().map(|v| format!("{} x{}", v.value, v.count))
        }
        _ => None,
    };
    report(
        "top 10 source.ip, one day",
        first,
        warm,
        format!("first: {}", top.unwrap_or_default()),
    );
    let (first, warm, out) = time(args.runs, || async {
        Ok(store.sql("SELECT count(*) FROM events").await?)
    })
    .await?;
    report("SQL count(*)", first, warm, format!("{}", out.rows[0][0]));
    drop(writer);
    maintenance.stop();
    Ok(ExitCode::SUCCESS)
}
