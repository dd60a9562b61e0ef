//! Where files go: `events/v1/dt=YYYY-MM-DD/hour=HH/<name>.parquet`, each
//! with its token index beside it (`<name>.tokens`).
//!
//! A file name carries the writing node and the range of write-ahead-log
//! sequence numbers it holds, so two vigie processes sharing a bucket never
//! write the same name, and a restart knows which logged batches are
//! already in files without reading them.

use object_store::path::Path;
use vigie_event::Timestamp;

/// The folder of format-version-1 event files.
pub const EVENTS_DIR: &str = "events/v1";
/// Where unreadable files are moved at start-up.
pub const QUARANTINE_DIR: &str = "quarantine";
/// Extension of a data file.
pub const PARQUET_EXT: &str = "parquet";
/// Extension of a token index.
pub const TOKENS_EXT: &str = "tokens";

/// The hour partition (`dt=…/hour=…`) of an instant.
pub fn partition_of(ts: Timestamp) -> String {
    let (y, m, d, h, ..) = ts.to_civil();
    format!("dt={y:04}-{m:02}-{d:02}/hour={h:02}")
}

/// The start of the hour holding `nanos`.
pub fn hour_start(nanos: i64) -> i64 {
    const HOUR: i64 = 3_600_000_000_000;
    nanos.div_euclid(HOUR) * HOUR
}

/// The path of a new data file.
pub fn data_path(partition: &str, node: &str, min_seq: u64, max_seq: u64, unique: u64) -> Path {
    Path::from(format!(
        "{EVENTS_DIR}/{partition}/{node}.{min_seq:020}-{max_seq:020}.{unique:016x}.{PARQUET_EXT}"
    ))
}

/// The token index beside a data file.
pub fn tokens_path(data: &Path) -> Path {
    let s = data.as_ref();
    let stem = s.strip_suffix(PARQUET_EXT).unwrap_or(s);
    Path::from(format!("{stem}{TOKENS_EXT}"))
}

/// The node that wrote a data file, from its name.
pub fn node_of(data: &Path) -> Option<&str> {
    data.filename()?.split('.').next()
}

/// The last path segment.
pub fn file_name(data: &Path) -> &str {
    data.filename().unwrap_or("")
}

/// Where a corrupt file is moved.
pub fn quarantine_path(data: &Path) -> Path {
    Path::from(format!("{QUARANTINE_DIR}/{}", data.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_path_is_partitioned_by_hour_and_names_the_node() {
        let ts = Timestamp::parse_rfc3339("2024-03-05T07:08:09Z").unwrap();
        let p = data_path(&partition_of(ts), "n1", 5, 9, 0xab);
        assert_eq!(
            p.as_ref(),
            "events/v1/dt=2024-03-05/hour=07/n1.00000000000000000005-00000000000000000009.00000000000000ab.parquet"
        );
        assert_eq!(node_of(&p), Some("n1"));
        assert!(tokens_path(&p)
            .as_ref()
            .ends_with(".00000000000000ab.tokens"));
    }

    #[test]
    fn hour_start_rounds_down_before_the_epoch_too() {
        assert_eq!(hour_start(3_600_000_000_001), 3_600_000_000_000);
        assert_eq!(hour_start(-1), -3_600_000_000_000);
    }
}
