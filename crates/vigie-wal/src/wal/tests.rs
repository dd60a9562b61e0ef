//! Unit tests of the WAL handle: sequencing, rolling, truncation, commit
//! policies, and write failures through a test double.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use proptest::prelude::*;

use super::*;
use crate::format::{segment_file_name, RECORD_HEADER_LEN};
use crate::Replayed;

fn options(segment_bytes: u64, fsync: FsyncPolicy) -> WalOptions {
    WalOptions {
        segment_bytes,
        fsync,
    }
}

fn payloads(recovery: &Recovery) -> Vec<(u64, Vec<u8>)> {
    recovery
        .records
        .iter()
        .map(|Replayed { seq, payload }| (*seq, payload.clone()))
        .collect()
}

fn segment_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

/// A segment file that counts syncs and can be told to fail writes after
/// writing part of the record, like a disk filling up mid-write.
#[derive(Debug)]
struct FlakyFile {
    inner: File,
    fail_writes: bool,
    syncs: Arc<AtomicUsize>,
}

impl SegmentFile for FlakyFile {
    fn write_all_at(&mut self, offset: u64, bytes: &[u8]) -> io::Result<()> {
        if self.fail_writes {
            let half = bytes.get(..bytes.len() / 2).unwrap_or_default();
            self.inner.write_all_at(offset, half)?;
            return Err(io::Error::from(io::ErrorKind::StorageFull));
        }
        self.inner.write_all_at(offset, bytes)
    }

    fn set_len(&mut self, len: u64) -> io::Result<()> {
        SegmentFile::set_len(&mut self.inner, len)
    }

    fn sync_data(&mut self) -> io::Result<()> {
        self.syncs.fetch_add(1, Ordering::SeqCst);
        SegmentFile::sync_data(&mut self.inner)
    }
}

/// Swaps the active file of `wal` for a [`FlakyFile`] on the same path.
fn install_flaky(wal: &mut Wal) -> Arc<AtomicUsize> {
    let syncs = Arc::new(AtomicUsize::new(0));
    let (path, slot) = wal.active_segment_for_test();
    let inner = OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .unwrap();
    *slot = Box::new(FlakyFile {
        inner,
        fail_writes: false,
        syncs: Arc::clone(&syncs),
    });
    syncs
}

fn set_failing(wal: &mut Wal, fail: bool) {
    let (path, slot) = wal.active_segment_for_test();
    let inner = OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .unwrap();
    *slot = Box::new(FlakyFile {
        inner,
        fail_writes: fail,
        syncs: Arc::new(AtomicUsize::new(0)),
    });
}

#[test]
fn round_trip_returns_every_record_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let (mut wal, recovery) = Wal::open(dir.path(), WalOptions::default(), 0).unwrap();
    assert_eq!(recovery.next_seq, 1);
    assert!(recovery.records.is_empty());
    let written: Vec<Vec<u8>> = (0..10u8).map(|i| vec![i; usize::from(i) * 7]).collect();
    for (i, payload) in written.iter().enumerate() {
        assert_eq!(wal.append(payload).unwrap(), i as u64 + 1);
    }
    wal.commit().unwrap();
    assert_eq!(wal.last_seq(), 10);
    drop(wal);
    let (_, recovery) = Wal::open(dir.path(), WalOptions::default(), 0).unwrap();
    let expected: Vec<_> = written
        .into_iter()
        .enumerate()
        .map(|(i, p)| (i as u64 + 1, p))
        .collect();
    assert_eq!(payloads(&recovery), expected);
    assert_eq!(recovery.truncated_bytes, 0);
    assert!(recovery.problems.is_empty(), "{:?}", recovery.problems);
}

#[test]
fn restart_continues_sequence_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let (mut wal, _) = Wal::open(dir.path(), WalOptions::default(), 0).unwrap();
    wal.append(b"a").unwrap();
    wal.append(b"b").unwrap();
    drop(wal);
    let (mut wal, recovery) = Wal::open(dir.path(), WalOptions::default(), 0).unwrap();
    assert_eq!(recovery.next_seq, 3);
    assert_eq!(wal.append(b"c").unwrap(), 3);
    drop(wal);
    let (wal, recovery) = Wal::open(dir.path(), WalOptions::default(), 0).unwrap();
    assert_eq!(wal.last_seq(), 3);
    assert_eq!(
        payloads(&recovery),
        vec![(1, b"a".to_vec()), (2, b"b".to_vec()), (3, b"c".to_vec())]
    );
}

#[test]
fn after_seq_filters_replayed_records() {
    let dir = tempfile::tempdir().unwrap();
    let (mut wal, _) = Wal::open(dir.path(), options(64, FsyncPolicy::Never), 0).unwrap();
    for i in 0..6u8 {
        wal.append(&[i; 20]).unwrap();
    }
    drop(wal);
    let (_, recovery) = Wal::open(dir.path(), options(64, FsyncPolicy::Never), 4).unwrap();
    let seqs: Vec<u64> = recovery.records.iter().map(|r| r.seq).collect();
    assert_eq!(seqs, vec![5, 6]);
    assert_eq!(recovery.next_seq, 7);
}

#[test]
fn empty_dir_starts_after_the_flushed_seq() {
    let dir = tempfile::tempdir().unwrap();
    let (mut wal, recovery) = Wal::open(dir.path(), WalOptions::default(), 41).unwrap();
    assert_eq!(recovery.next_seq, 42);
    assert_eq!(wal.last_seq(), 41);
    assert_eq!(wal.append(b"x").unwrap(), 42);
    assert_eq!(segment_names(dir.path()), vec![segment_file_name(42)]);
}

#[test]
fn after_seq_above_the_last_record_never_reuses_a_seq() {
    let dir = tempfile::tempdir().unwrap();
    let (mut wal, _) = Wal::open(dir.path(), WalOptions::default(), 0).unwrap();
    wal.append(b"one").unwrap();
    drop(wal);
    // The store flushed up to 10 (e.g. WAL files were lost).
    let (mut wal, recovery) = Wal::open(dir.path(), WalOptions::default(), 10).unwrap();
    assert!(recovery.records.is_empty());
    assert_eq!(wal.append(b"eleven").unwrap(), 11);
    drop(wal);
    let (_, recovery) = Wal::open(dir.path(), WalOptions::default(), 0).unwrap();
    assert!(recovery.problems.is_empty(), "{:?}", recovery.problems);
    assert_eq!(
        payloads(&recovery),
        vec![(1, b"one".to_vec()), (11, b"eleven".to_vec())]
    );
}

#[test]
fn rolling_segments_and_truncate_through_deletes_whole_old_segments_only() {
    let dir = tempfile::tempdir().unwrap();
    let record = RECORD_HEADER_LEN + 32;
    // Header + two records fit; a third rolls.
    let (mut wal, _) =
        Wal::open(dir.path(), options(8 + 2 * record, FsyncPolicy::Always), 0).unwrap();
    for i in 0..7u8 {
        wal.append(&[i; 32]).unwrap();
    }
    let names = segment_names(dir.path());
    assert_eq!(
        names,
        [1, 3, 5, 7].map(segment_file_name).to_vec(),
        "segments of two records each"
    );
    let before = wal.disk_bytes();
    assert_eq!(before, 4 * 8 + 7 * record);
    // Seq 3 is in the segment holding 3..=4: only 1..=2 can go.
    assert_eq!(wal.truncate_through(3).unwrap(), 8 + 2 * record);
    assert_eq!(
        segment_names(dir.path()),
        [3, 5, 7].map(segment_file_name).to_vec()
    );
    // The active segment (7) is never deleted, even when fully flushed.
    assert_eq!(wal.truncate_through(100).unwrap(), 2 * (8 + 2 * record));
    assert_eq!(segment_names(dir.path()), vec![segment_file_name(7)]);
    assert_eq!(wal.disk_bytes(), 8 + record);
    assert_eq!(wal.truncate_through(100).unwrap(), 0);
    drop(wal);
    let (_, recovery) = Wal::open(dir.path(), WalOptions::default(), 0).unwrap();
    assert_eq!(payloads(&recovery), vec![(7, vec![6u8; 32])]);
}

#[test]
fn failed_append_leaves_segment_length_unchanged_and_wal_usable() {
    let dir = tempfile::tempdir().unwrap();
    let (mut wal, _) = Wal::open(dir.path(), WalOptions::default(), 0).unwrap();
    wal.append(b"before").unwrap();
    let path = dir.path().join(segment_file_name(1));
    let len_before = fs::metadata(&path).unwrap().len();

    set_failing(&mut wal, true);
    let error = wal.append(&[7u8; 1000]).unwrap_err();
    match &error {
        WalError::Io { source, .. } => assert_eq!(source.kind(), io::ErrorKind::StorageFull),
        other => panic!("unexpected error {other:?}"),
    }
    assert_eq!(fs::metadata(&path).unwrap().len(), len_before);
    assert_eq!(wal.disk_bytes(), len_before);
    assert_eq!(wal.last_seq(), 1);

    set_failing(&mut wal, false);
    assert_eq!(wal.append(b"after").unwrap(), 2);
    wal.commit().unwrap();
    drop(wal);
    let (_, recovery) = Wal::open(dir.path(), WalOptions::default(), 0).unwrap();
    assert!(recovery.problems.is_empty(), "{:?}", recovery.problems);
    assert_eq!(
        payloads(&recovery),
        vec![(1, b"before".to_vec()), (2, b"after".to_vec())]
    );
}

#[test]
fn commit_syncs_according_to_policy() {
    let dir = tempfile::tempdir().unwrap();
    let (mut always, _) = Wal::open(
        &dir.path().join("always"),
        options(1 << 20, FsyncPolicy::Always),
        0,
    )
    .unwrap();
    let syncs = install_flaky(&mut always);
    always.commit().unwrap();
    assert_eq!(
        syncs.load(Ordering::SeqCst),
        0,
        "nothing appended, nothing to sync"
    );
    always.append(b"a").unwrap();
    always.append(b"b").unwrap();
    always.commit().unwrap();
    assert_eq!(syncs.load(Ordering::SeqCst), 1, "one sync per group");

    let (mut never, _) = Wal::open(
        &dir.path().join("never"),
        options(1 << 20, FsyncPolicy::Never),
        0,
    )
    .unwrap();
    let syncs = install_flaky(&mut never);
    never.append(b"a").unwrap();
    never.commit().unwrap();
    assert_eq!(syncs.load(Ordering::SeqCst), 0);
    never.sync().unwrap();
    assert_eq!(syncs.load(Ordering::SeqCst), 1, "sync is unconditional");

    let period = Duration::from_millis(200);
    let (mut interval, _) = Wal::open(
        &dir.path().join("interval"),
        options(1 << 20, FsyncPolicy::Interval(period)),
        0,
    )
    .unwrap();
    let syncs = install_flaky(&mut interval);
    let opened = Instant::now();
    interval.append(b"a").unwrap();
    interval.commit().unwrap();
    if opened.elapsed() < period {
        assert_eq!(
            syncs.load(Ordering::SeqCst),
            0,
            "synced before the interval"
        );
    }
    std::thread::sleep(period);
    interval.commit().unwrap();
    assert_eq!(syncs.load(Ordering::SeqCst), 1);
}

#[test]
fn oversized_payload_is_rejected_without_consuming_a_seq() {
    let dir = tempfile::tempdir().unwrap();
    let (mut wal, _) = Wal::open(dir.path(), WalOptions::default(), 0).unwrap();
    let huge = vec![0u8; crate::format::MAX_PAYLOAD_LEN as usize + 1];
    assert!(matches!(
        wal.append(&huge),
        Err(WalError::PayloadTooLarge { .. })
    ));
    assert_eq!(wal.append(b"ok").unwrap(), 1);
}

/// Informational: throughput of append + commit(Always) of 1000 x 64 KiB.
#[test]
fn throughput_of_1000_records_of_64_kib_with_fsync_always() {
    let dir = tempfile::tempdir().unwrap();
    let (mut wal, _) = Wal::open(dir.path(), WalOptions::default(), 0).unwrap();
    let payload = vec![0xA5u8; 64 * 1024];
    let started = Instant::now();
    for _ in 0..1000 {
        wal.append(&payload).unwrap();
        wal.commit().unwrap();
    }
    let elapsed = started.elapsed();
    let mib = 1000.0 * 64.0 / 1024.0;
    println!(
        "append+commit(Always) 1000 x 64 KiB: {:.2?}, {:.1} MiB/s, {:.0} commits/s",
        elapsed,
        mib / elapsed.as_secs_f64(),
        1000.0 / elapsed.as_secs_f64()
    );
    assert_eq!(wal.last_seq(), 1000);
    let records_per_segment = (64 * 1024 * 1024 - 8) / (64 * 1024 + 16);
    let segments = 1000u64.div_ceil(records_per_segment);
    assert_eq!(wal.disk_bytes(), segments * 8 + 1000 * (64 * 1024 + 16));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn replay_equals_what_was_appended(
        sizes in proptest::collection::vec(0usize..300, 0..40),
        segment_bytes in 1u64..1024,
        reopen_every in 1usize..50,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let opts = options(segment_bytes, FsyncPolicy::Never);
        let (mut wal, _) = Wal::open(dir.path(), opts, 0).unwrap();
        let mut expected = Vec::new();
        for (i, size) in sizes.iter().enumerate() {
            if i % reopen_every == reopen_every - 1 {
                drop(wal);
                wal = Wal::open(dir.path(), opts, 0).unwrap().0;
            }
            let payload: Vec<u8> = (0..*size).map(|b| (b + i) as u8).collect();
            let seq = wal.append(&payload).unwrap();
            prop_assert_eq!(seq, i as u64 + 1);
            expected.push((seq, payload));
        }
        let disk: u64 = fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().metadata().unwrap().len()).sum();
        prop_assert_eq!(wal.disk_bytes(), disk);
        drop(wal);
        let (_, recovery) = Wal::open(dir.path(), opts, 0).unwrap();
        prop_assert!(recovery.problems.is_empty(), "{:?}", recovery.problems);
        prop_assert_eq!(recovery.truncated_bytes, 0);
        prop_assert_eq!(payloads(&recovery), expected);
    }
}
