//! Files: compaction, retention, quarantine of corrupt files, format
//! version, and a second reader of the same storage.

use std::sync::Arc;
use std::time::Duration;

use vigie_metrics::Metrics;
use vigie_store::Store;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compaction_merges_small_files_and_keeps_every_event() {
    let dir = tempfile::tempdir().unwrap();
    let (store, mut writer) = open(options(dir.path())).await;
    let all = events(1200);
    for chunk in all.chunks(300) {
        write(&mut writer, chunk, 300);
        store.flush().await.unwrap();
    }
    assert_eq!(store.stats().files, 4);
    assert_eq!(store.compact().await.unwrap(), 1);
    assert_eq!(store.stats().files, 1);
    assert_eq!(numbers(&store).await, (0..1200).collect::<Vec<i64>>());
    // The replaced files go after the grace period; a restart in between
    // hides them (the merged file names what it replaces).
    drop(store);
    drop(writer);
    let (store, _w) = open(options(dir.path())).await;
    assert_eq!(store.stats().files, 1, "replaced files are not read again");
    assert_eq!(numbers(&store).await.len(), 1200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_compactions_never_duplicate_events() {
    // The maintenance thread and an explicit compaction (the bench, an
    // operator) used to merge the same files side by side, each writing
    // the merged rows: every event then appeared twice.
    let dir = tempfile::tempdir().unwrap();
    let (store, mut writer) = open(options(dir.path())).await;
    let all = events(1600);
    for chunk in all.chunks(200) {
        write(&mut writer, chunk, 200);
        store.flush().await.unwrap();
    }
    assert_eq!(store.stats().files, 8);
    let (a, b, c) = tokio::join!(store.compact(), store.compact(), store.compact());
    let merges = a.unwrap() + b.unwrap() + c.unwrap();
    assert!(merges >= 1, "one of them merged");
    while store.compact().await.unwrap() > 0 {}
    assert_eq!(store.stats().files, 1);
    assert_eq!(numbers(&store).await, (0..1600).collect::<Vec<i64>>());
    drop(store);
    drop(writer);
    let (store, _w) = open(options(dir.path())).await;
    assert_eq!(
        numbers(&store).await.len(),
        1600,
        "and none after a restart"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_drops_the_oldest_files_by_age_and_by_size() {
    let dir = tempfile::tempdir().unwrap();
    let mut o = options(dir.path());
    // Events of 2024: all older than a day.
    o.retention_max_age = Some(Duration::from_secs(86_400));
    let (store, mut writer) = open(o.clone()).await;
    write(&mut writer, &events(100), 100);
    store.flush().await.unwrap();
    assert_eq!(store.apply_retention().await.unwrap(), 1);
    assert_eq!(count(&store, "true").await, 0);
    drop(store);
    drop(writer);

    let dir = tempfile::tempdir().unwrap();
    let o = options(dir.path());
    let (store, mut writer) = open(o.clone()).await;
    // Three files an hour apart.
    for h in 0..3 {
        let evs: Vec<_> = (0..100)
            .map(|i| event(h * 3600 + i, "GetObject", "10.0.0.1", "u"))
            .collect();
        write(&mut writer, &evs, 100);
        store.flush().await.unwrap();
    }
    let sizes: Vec<u64> = store.snapshot().files.iter().map(|f| f.size).collect();
    drop(store);
    drop(writer);
    let mut o = options(dir.path());
    o.retention_max_bytes = Some(sizes[1] + sizes[2]);
    let (store, _w) = open(o).await;
    assert_eq!(store.apply_retention().await.unwrap(), 1);
    let out = store
        .sql("SELECT min(\"@timestamp\") FROM events")
        .await
        .unwrap();
    assert_eq!(
        out.rows[0][0], "2024-05-01T01:00:00.000Z",
        "the oldest hour went first"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_file_is_quarantined_at_start_and_the_rest_stays_readable() {
    let dir = tempfile::tempdir().unwrap();
    {
        let (store, mut writer) = open(options(dir.path())).await;
        for h in 0..2 {
            let evs: Vec<_> = (0..50)
                .map(|i| event(h * 3600 + i, "GetObject", "10.0.0.1", "u"))
                .collect();
            write(&mut writer, &evs, 50);
            store.flush().await.unwrap();
        }
    }
    let victim = walk(&dir.path().join("store"))
        .into_iter()
        .find(|p| {
            p.to_string_lossy().contains("hour=01") && p.extension().is_some_and(|e| e == "parquet")
        })
        .unwrap();
    let mut bytes = std::fs::read(&victim).unwrap();
    let n = bytes.len();
    bytes.truncate(n / 2); // a torn copy: the footer is gone
    std::fs::write(&victim, bytes).unwrap();

    let (store, _w, report) = Store::open(options(dir.path()), Arc::new(Metrics::new()))
        .await
        .unwrap();
    assert_eq!(report.quarantined.len(), 1, "{report:?}");
    assert!(report.quarantined[0].0.contains("hour=01"));
    assert!(!victim.exists());
    assert!(walk(&dir.path().join("store/quarantine"))
        .iter()
        .any(|p| p.extension().is_some_and(|e| e == "parquet")));
    assert_eq!(count(&store, "true").await, 50, "the other hour is intact");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_from_a_newer_format_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    {
        let (store, mut writer) = open(options(dir.path())).await;
        write(&mut writer, &events(10), 10);
        store.flush().await.unwrap();
    }
    // A future vigie's folder is not ours to read or move.
    let future = dir.path().join("store/events/v2/dt=2030-01-01/hour=00");
    std::fs::create_dir_all(&future).unwrap();
    std::fs::write(future.join("x.parquet"), b"PAR1 later PAR1").unwrap();
    let (store, _w, report) = Store::open(options(dir.path()), Arc::new(Metrics::new()))
        .await
        .unwrap();
    assert!(report.quarantined.is_empty());
    assert!(future.join("x.parquet").exists());
    assert_eq!(count(&store, "true").await, 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_sees_what_the_writer_flushed() {
    let dir = tempfile::tempdir().unwrap();
    let (store, mut writer) = open(options(dir.path())).await;
    write(&mut writer, &events(40), 40);
    store.flush().await.unwrap();
    let mut ro = options(dir.path());
    ro.data_dir = dir.path().join("reader");
    ro.location = vigie_store::Location::Local(dir.path().join("store"));
    let reader = Store::open_reader(ro, Arc::new(Metrics::new()))
        .await
        .unwrap();
    assert_eq!(count(&reader, "true").await, 40);
    write(&mut writer, &events(10), 10);
    store.flush().await.unwrap();
    reader.refresh().await.unwrap();
    assert_eq!(count(&reader, "true").await, 50);
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}
