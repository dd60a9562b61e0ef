//! Shared helpers: where `../shared` is, and small builders.

use std::path::PathBuf;

use vigie_sigma::{load_texts, Engine, LoadOptions, LoadReport};

/// `../shared` beside the repository, if present.
pub fn shared() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("skipped: ../shared is not beside the repository");
        None
    }
}

/// The five SigmaHQ rule folders the issue names.
pub fn corpus_dirs(shared: &std::path::Path) -> Vec<PathBuf> {
    [
        "rules",
        "rules-emerging-threats",
        "rules-threat-hunting",
        "rules-compliance",
        "rules-placeholder",
    ]
    .iter()
    .map(|d| shared.join("sigma").join(d))
    .collect()
}

/// Loads rules from YAML text.
pub fn engine(yaml: &str) -> (Engine, LoadReport) {
    load_texts(
        [(PathBuf::from("test.yml"), yaml.to_owned())],
        &LoadOptions::default(),
    )
}
