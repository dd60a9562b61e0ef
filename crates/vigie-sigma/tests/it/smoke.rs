//! The SigmaHQ corpus over the EVTX-ATTACK-SAMPLES and Hayabusa sample
//! sets (about 33,000 Windows events): evaluation never fails, the literal
//! index selects exactly the matches a full evaluation finds, and many
//! distinct rules fire on these attack datasets.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use vigie_event::{Event, Timestamp};
use vigie_sigma::{load_paths, LoadOptions};

use crate::common::{corpus_dirs, shared};

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
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

fn events(dir: &Path) -> Vec<Event> {
    let mut files = Vec::new();
    walk(dir, &mut files);
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            out.push(Event::new("windows.evtx", Timestamp::from_nanos(0), line));
        }
    }
    out
}

#[test]
fn attack_samples_evaluate_and_the_index_finds_exactly_what_full_evaluation_finds() {
    let Some(shared) = shared() else { return };
    let (engine, _) = load_paths(&corpus_dirs(&shared), &LoadOptions::default()).unwrap();
    let base = shared.join("testdata/sigma-events");
    let attack = events(&base.join("evtx-attack-samples-jsonl"));
    let hayabusa = events(&base.join("hayabusa-sample-evtx-jsonl"));
    assert_eq!(attack.len(), 8_255);
    assert_eq!(hayabusa.len(), 24_661);
    let mut fired = BTreeSet::new();
    let mut total = 0usize;
    let (mut fast, mut slow) = (Vec::new(), Vec::new());
    for (n, e) in hayabusa.iter().chain(&attack).enumerate() {
        fast.clear();
        engine.evaluate(e, &mut fast);
        total += fast.len();
        fired.extend(fast.iter().copied());
        // Full evaluation of every routed rule is slow in a debug build:
        // there, compare on every eighth event (4,000+ events); in release
        // on every event.
        let stride = if cfg!(debug_assertions) { 8 } else { 1 };
        if n % stride == 0 {
            slow.clear();
            engine.evaluate_unindexed(e, &mut slow);
            assert_eq!(fast, slow, "event {n}: index and full evaluation differ");
        }
    }
    eprintln!(
        "{} matches, {} distinct rules fired; {} rules have no trigger",
        total,
        fired.len(),
        engine.untriggered_rules()
    );
    assert!(
        fired.len() >= 300,
        "only {} distinct rules fired",
        fired.len()
    );
}
