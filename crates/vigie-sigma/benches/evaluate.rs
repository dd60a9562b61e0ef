//! Evaluation speed with the whole SigmaHQ corpus loaded, over the Windows
//! sample events in `../shared/testdata/sigma-events` (the issue's
//! benchmark data). `vigie bench sigma` gives the same figure over a
//! million evaluations; this bench is the quick loop for engine work.

use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use vigie_event::{Event, Timestamp};
use vigie_sigma::{load_paths, LoadOptions};

/// The allocator of the `vigie` binary, so the figures are the product's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn shared() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared")
}

fn walk(dir: &std::path::Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|x| x == "jsonl") {
            out.push(p);
        }
    }
}

fn windows_events(limit: usize) -> Vec<Event> {
    let dir = shared().join("testdata/sigma-events/hayabusa-sample-evtx-jsonl");
    let mut files = Vec::new();
    walk(&dir, &mut files);
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            out.push(Event::new(
                "windows.evtx",
                Timestamp::from_secs(0).unwrap_or(Timestamp::from_nanos(0)),
                line,
            ));
            if out.len() >= limit {
                return out;
            }
        }
    }
    out
}

fn bench(c: &mut Criterion) {
    let sigma = shared().join("sigma");
    if !sigma.is_dir() {
        eprintln!("skipped: ../shared/sigma is absent");
        return;
    }
    let dirs: Vec<PathBuf> = [
        "rules",
        "rules-emerging-threats",
        "rules-threat-hunting",
        "rules-compliance",
        "rules-placeholder",
    ]
    .iter()
    .map(|d| sigma.join(d))
    .collect();
    let (engine, _) = load_paths(&dirs, &LoadOptions::default()).expect("corpus");
    let events = windows_events(usize::MAX);
    let mut group = c.benchmark_group("sigma");
    group.throughput(Throughput::Elements(events.len() as u64));
    group.sample_size(10);
    group.bench_function("windows_hayabusa_full_corpus", |b| {
        let mut out = Vec::new();
        b.iter(|| {
            let mut n = 0usize;
            for e in &events {
                out.clear();
                engine.evaluate(e, &mut out);
                n += out.len();
            }
            n
        })
    });
    group.bench_function("windows_hayabusa_full_corpus_unindexed", |b| {
        let mut out = Vec::new();
        b.iter(|| {
            let mut n = 0usize;
            for e in &events {
                out.clear();
                engine.evaluate_unindexed(e, &mut out);
                n += out.len();
            }
            n
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
