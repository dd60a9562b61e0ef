//! Torn tails, flipped bits and damaged headers found at open.

use std::fs;

use vigie_wal::format::{RECORD_HEADER_LEN, SEGMENT_HEADER_LEN};
use vigie_wal::{Wal, WalError};

use crate::support::{
    assert_payloads_match, options, payload_for, segment_path, seqs, write_records,
};

#[test]
fn torn_tail_at_every_offset_of_the_last_record_is_cut_and_appends_resume() {
    let template = tempfile::tempdir().unwrap();
    write_records(template.path(), 1 << 20, 5);
    let path = segment_path(template.path(), 1);
    let full = fs::read(&path).unwrap();
    let last_record_len = RECORD_HEADER_LEN as usize + payload_for(5).len();
    let last_start = full.len() - last_record_len;

    for cut in last_start + 1..full.len() {
        let dir = tempfile::tempdir().unwrap();
        let segment = segment_path(dir.path(), 1);
        fs::write(&segment, &full[..cut]).unwrap();

        let (mut wal, recovery) = Wal::open(dir.path(), options(1 << 20), 0).unwrap();
        assert_eq!(seqs(&recovery), vec![1, 2, 3, 4], "cut at {cut}");
        assert_payloads_match(&recovery);
        assert_eq!(
            recovery.truncated_bytes,
            (cut - last_start) as u64,
            "cut at {cut}"
        );
        assert_eq!(
            recovery.problems.len(),
            1,
            "cut at {cut}: {:?}",
            recovery.problems
        );
        assert_eq!(fs::metadata(&segment).unwrap().len(), last_start as u64);

        assert_eq!(wal.append(&payload_for(5)).unwrap(), 5);
        wal.sync().unwrap();
        drop(wal);
        let (_, recovery) = Wal::open(dir.path(), options(1 << 20), 0).unwrap();
        assert_eq!(seqs(&recovery), vec![1, 2, 3, 4, 5], "cut at {cut}");
        assert_payloads_match(&recovery);
        assert!(
            recovery.problems.is_empty(),
            "cut at {cut}: {:?}",
            recovery.problems
        );
    }
}

/// Offset of the payload of record `index` (0-based) in a segment of
/// records written by `write_records` starting at `first_seq`.
fn payload_offset(first_seq: u64, index: u64) -> u64 {
    let mut offset = SEGMENT_HEADER_LEN;
    for seq in first_seq..first_seq + index {
        offset += RECORD_HEADER_LEN + payload_for(seq).len() as u64;
    }
    offset + RECORD_HEADER_LEN
}

fn flip_bit(path: &std::path::Path, offset: u64) {
    let mut bytes = fs::read(path).unwrap();
    bytes[offset as usize] ^= 0x10;
    fs::write(path, bytes).unwrap();
}

#[test]
fn bit_flip_in_last_segment_drops_that_record_and_the_rest_of_the_segment() {
    let dir = tempfile::tempdir().unwrap();
    write_records(dir.path(), 1 << 20, 6);
    let path = segment_path(dir.path(), 1);
    let record_start = payload_offset(1, 3) - RECORD_HEADER_LEN;
    flip_bit(&path, payload_offset(1, 3) + 2);

    let (mut wal, recovery) = Wal::open(dir.path(), options(1 << 20), 0).unwrap();
    assert_eq!(seqs(&recovery), vec![1, 2, 3]);
    assert_payloads_match(&recovery);
    assert!(recovery.truncated_bytes > 0);
    assert_eq!(recovery.problems.len(), 1);
    let problem = &recovery.problems[0];
    assert!(problem.contains(&path.display().to_string()), "{problem}");
    assert!(
        problem.contains(&format!("offset {record_start}")),
        "{problem}"
    );
    assert!(problem.contains("CRC"), "{problem}");
    assert_eq!(wal.append(b"next").unwrap(), 4);
}

#[test]
fn bit_flip_in_older_segment_cuts_it_and_later_segments_are_still_read() {
    let dir = tempfile::tempdir().unwrap();
    // Each record is 16 + 21..22 bytes: segments of 3 records.
    let segment_bytes = SEGMENT_HEADER_LEN + 3 * (RECORD_HEADER_LEN + 22);
    write_records(dir.path(), segment_bytes, 9);
    for first in [1, 4, 7] {
        assert!(segment_path(dir.path(), first).exists());
    }
    let middle = segment_path(dir.path(), 4);
    let record_start = payload_offset(4, 1) - RECORD_HEADER_LEN;
    flip_bit(&middle, payload_offset(4, 1));

    let (mut wal, recovery) = Wal::open(dir.path(), options(segment_bytes), 0).unwrap();
    assert_eq!(seqs(&recovery), vec![1, 2, 3, 4, 7, 8, 9]);
    assert_payloads_match(&recovery);
    assert_eq!(recovery.problems.len(), 1, "{:?}", recovery.problems);
    let problem = &recovery.problems[0];
    assert!(problem.contains(&middle.display().to_string()), "{problem}");
    assert!(
        problem.contains(&format!("offset {record_start}")),
        "{problem}"
    );
    assert_eq!(fs::metadata(&middle).unwrap().len(), record_start);
    assert_eq!(wal.append(b"ten").unwrap(), 10);
    drop(wal);

    // The cut is on disk: a second open finds nothing more to report.
    let (_, recovery) = Wal::open(dir.path(), options(segment_bytes), 0).unwrap();
    assert!(recovery.problems.is_empty(), "{:?}", recovery.problems);
    assert_eq!(seqs(&recovery), vec![1, 2, 3, 4, 7, 8, 9, 10]);
}

#[test]
fn torn_segment_header_from_a_crash_during_creation_is_reset() {
    let dir = tempfile::tempdir().unwrap();
    write_records(dir.path(), 1 << 20, 2);
    // A crash right after creating the next segment, before its header.
    let torn = segment_path(dir.path(), 3);
    fs::write(&torn, b"VGW").unwrap();

    let (mut wal, recovery) = Wal::open(dir.path(), options(1 << 20), 0).unwrap();
    assert_eq!(seqs(&recovery), vec![1, 2]);
    assert_eq!(recovery.truncated_bytes, 3);
    assert_eq!(recovery.problems.len(), 1, "{:?}", recovery.problems);
    assert_eq!(wal.append(&payload_for(3)).unwrap(), 3);
    drop(wal);
    let (_, recovery) = Wal::open(dir.path(), options(1 << 20), 0).unwrap();
    assert_eq!(seqs(&recovery), vec![1, 2, 3]);
    assert!(recovery.problems.is_empty(), "{:?}", recovery.problems);
}

#[test]
fn segment_of_a_newer_format_version_refuses_to_open_and_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    write_records(dir.path(), 1 << 20, 2);
    let path = segment_path(dir.path(), 1);
    let mut bytes = fs::read(&path).unwrap();
    bytes[4] = 2;
    fs::write(&path, &bytes).unwrap();

    let error = Wal::open(dir.path(), options(1 << 20), 0).unwrap_err();
    assert!(
        matches!(
            error,
            WalError::UnsupportedVersion {
                found: 2,
                supported: 1,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(fs::read(&path).unwrap(), bytes, "left untouched");
}
