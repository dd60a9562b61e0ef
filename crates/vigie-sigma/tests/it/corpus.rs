//! The SigmaHQ corpus loads: at least 99% of the documents, and every one
//! that does not is listed with its file, line and reason.

use crate::common::{corpus_dirs, shared};
use vigie_sigma::{load_paths, LoadOptions};

#[test]
fn sigmahq_corpus_loads_at_least_99_percent_and_every_failure_names_file_line_and_reason() {
    let Some(shared) = shared() else { return };
    let (engine, report) = load_paths(&corpus_dirs(&shared), &LoadOptions::default()).unwrap();
    for f in &report.failed {
        eprintln!("FAILED {f}");
        assert!(
            f.mark.line >= 1 || f.reason.starts_with("cannot read"),
            "{f}"
        );
        assert!(!f.reason.is_empty(), "{f}");
    }
    eprintln!(
        "files {} documents {} rules {} idle {} failed {} ({:.2}% loaded)",
        report.files,
        report.documents,
        report.rules,
        report.idle.len(),
        report.failed.len(),
        report.percent_loaded()
    );
    assert!(
        report.files >= 3700,
        "the corpus has ~3,780 files: {}",
        report.files
    );
    assert!(
        report.percent_loaded() >= 99.0,
        "{:.2}%",
        report.percent_loaded()
    );
    assert_eq!(report.loaded() + report.failed.len(), report.documents);
    assert!(engine.rules().len() + report.idle.len() >= report.rules);
}

#[test]
fn deprecated_aggregations_in_the_unsupported_folder_fail_with_a_typed_reason_not_a_panic() {
    let Some(shared) = shared() else { return };
    let dir = shared.join("sigma/unsupported");
    if !dir.is_dir() {
        return;
    }
    let (_, report) = load_paths(&[dir], &LoadOptions::default()).unwrap();
    assert!(report.documents > 0);
    let aggregations = report
        .failed
        .iter()
        .filter(|f| f.reason.contains("deprecated"))
        .count();
    assert!(aggregations > 0, "{:#?}", report.failed);
    for f in &report.failed {
        assert!(f.mark.line >= 1, "{f}");
    }
}
