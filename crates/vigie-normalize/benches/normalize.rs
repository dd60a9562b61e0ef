//! Parse + normalize throughput per format (issue 2).
//!
//! `cargo bench -p vigie-normalize --bench normalize` (add `-- NAME` to
//! filter, e.g. `-- cloudtrail`). Two groups report the same runs as MB/s
//! (`normalize_bytes`) and events/s (`normalize_events`); `baseline_bytes`
//! gives the framing-only and serde_json-only ceilings on the same inputs.
//! Each input is checked once, outside the timed loop: it must produce the
//! expected number of events of the expected dataset and no rejection, or
//! the bench panics (a normalizer that rejects everything is fast and
//! useless). Everything runs on one thread. Bytes are reported in decimal
//! MB/s (10^6 B/s), the unit of the 150 MB/s target. Runs are short by
//! default (10 samples, 3 s); `VIGIE_BENCH_SAMPLES` and `VIGIE_BENCH_SECS`
//! lengthen them.

use std::hint::black_box;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};
use serde::de::IgnoredAny;
use vigie_normalize::framing::{check_depth, frame};
use vigie_normalize::{normalize_payload, Limits, Normalizer, Registry};

mod support;
use support::{cases, Case};

/// The allocator of the `vigie` binary, so the figures are the product's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn normalizer<'r>(registry: &'r Registry, case: &Case) -> Option<&'r dyn Normalizer> {
    case.dataset.map(|d| {
        registry
            .get(d)
            .unwrap_or_else(|| panic!("{}: no normalizer for dataset {d}", case.name))
    })
}

/// Normalizes every payload once; returns the number of events.
fn run(registry: &Registry, n: Option<&dyn Normalizer>, case: &Case) -> usize {
    let limits = Limits::default();
    case.payloads
        .iter()
        .map(|p| normalize_payload(registry, n, p, &limits).events.len())
        .sum()
}

/// Fails loudly unless `case` produces what it should.
fn verify(registry: &Registry, case: &Case) {
    let n = normalizer(registry, case);
    let limits = Limits::default();
    let mut events = 0;
    for (i, p) in case.payloads.iter().enumerate() {
        let out = normalize_payload(registry, n, p, &limits);
        if let Some(r) = out.rejected.first() {
            panic!(
                "{}: payload {i}: {} of {} records rejected; first: record {} line {} item {:?} as {:?}: {}",
                case.name,
                out.rejected.len(),
                out.records,
                r.index,
                r.line,
                r.item,
                r.dataset,
                r.error
            );
        }
        if let Some(e) = out
            .events
            .iter()
            .find(|e| e.dataset() != case.expect_dataset)
        {
            panic!(
                "{}: an event has dataset {} (expected {})",
                case.name,
                e.dataset(),
                case.expect_dataset
            );
        }
        events += out.events.len();
    }
    assert!(
        case.events.contains(&events),
        "{}: produced {events} events, expected {:?}",
        case.name,
        case.events
    );
    eprintln!(
        "verified {}: {} payload(s), {} bytes, {events} events; data: {}",
        case.name,
        case.payloads.len(),
        case.bytes(),
        case.data
    );
}

fn configure<'c>(c: &'c mut Criterion, name: &str) -> BenchmarkGroup<'c, WallTime> {
    let env = |k: &str, default: u64| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let mut g = c.benchmark_group(name);
    g.sample_size(env("VIGIE_BENCH_SAMPLES", 10) as usize)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(env("VIGIE_BENCH_SECS", 3)));
    g
}

fn normalize(c: &mut Criterion) {
    let registry = Registry::default();
    let cases = cases();
    let mut verified = vec![false; cases.len()];
    for (group, per_event) in [("normalize_bytes", false), ("normalize_events", true)] {
        let mut g = configure(c, group);
        for (i, case) in cases.iter().enumerate() {
            g.throughput(if per_event {
                Throughput::Elements(case.nominal_events() as u64)
            } else {
                Throughput::BytesDecimal(case.bytes() as u64)
            });
            let n = normalizer(&registry, case);
            g.bench_function(case.name, |b| {
                // Runs only when the filter selects this case.
                if !verified[i] {
                    verify(&registry, case);
                    verified[i] = true;
                }
                b.iter(|| black_box(run(&registry, n, black_box(case))));
            });
        }
        g.finish();
    }
}

/// Ceilings on the NDJSON inputs: framing alone, and framing + a
/// serde_json parse of each record (into nothing, and into a `Value` tree).
fn baseline(c: &mut Criterion) {
    let cases: Vec<Case> = cases()
        .into_iter()
        .filter(|c| matches!(c.name, "cloudtrail_ndjson" | "k8s_audit_ndjson"))
        .collect();
    let mut g = configure(c, "baseline_bytes");
    for case in &cases {
        g.throughput(Throughput::BytesDecimal(case.bytes() as u64));
        let payload = &case.payloads[0];
        g.bench_function(format!("{}/frame_only", case.name), |b| {
            b.iter(|| black_box(frame(black_box(payload)).records.len()))
        });
        // What the driver does to every record before the normalizer runs.
        g.bench_function(format!("{}/frame_depth_utf8", case.name), |b| {
            b.iter(|| {
                let framed = frame(black_box(payload));
                for r in &framed.records {
                    check_depth(r.bytes, 64).expect("shallow");
                    std::str::from_utf8(r.bytes).expect("UTF-8");
                }
                framed.records.len()
            })
        });
        g.bench_function(format!("{}/frame_serde_ignored", case.name), |b| {
            b.iter(|| {
                let framed = frame(black_box(payload));
                for r in &framed.records {
                    let _: IgnoredAny = serde_json::from_slice(r.bytes).expect("valid JSON");
                }
                framed.records.len()
            })
        });
        g.bench_function(format!("{}/frame_serde_value", case.name), |b| {
            b.iter(|| {
                let framed = frame(black_box(payload));
                for r in &framed.records {
                    let v: serde_json::Value = serde_json::from_slice(r.bytes).expect("valid JSON");
                    black_box(v);
                }
                framed.records.len()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, normalize, baseline);
criterion_main!(benches);
