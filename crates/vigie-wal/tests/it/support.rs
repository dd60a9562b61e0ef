//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};

use vigie_wal::format::segment_file_name;
use vigie_wal::{FsyncPolicy, Recovery, Wal, WalOptions};

pub fn options(segment_bytes: u64) -> WalOptions {
    WalOptions {
        segment_bytes,
        fsync: FsyncPolicy::Never,
    }
}

/// Payload of the record with sequence `seq` in these tests.
pub fn payload_for(seq: u64) -> Vec<u8> {
    format!("event batch number {seq}").into_bytes()
}

/// Appends records 1..=count with [`payload_for`] and closes the WAL.
pub fn write_records(dir: &Path, segment_bytes: u64, count: u64) {
    let (mut wal, _) = Wal::open(dir, options(segment_bytes), 0).unwrap();
    for seq in 1..=count {
        assert_eq!(wal.append(&payload_for(seq)).unwrap(), seq);
    }
    wal.sync().unwrap();
}

pub fn segment_path(dir: &Path, first_seq: u64) -> PathBuf {
    dir.join(segment_file_name(first_seq))
}

pub fn seqs(recovery: &Recovery) -> Vec<u64> {
    recovery.records.iter().map(|r| r.seq).collect()
}

/// Every replayed record carries the payload written for its seq.
pub fn assert_payloads_match(recovery: &Recovery) {
    for record in &recovery.records {
        assert_eq!(
            record.payload,
            payload_for(record.seq),
            "seq {}",
            record.seq
        );
    }
}
