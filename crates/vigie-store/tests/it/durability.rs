//! The write-ahead log and the flush: nothing acknowledged is lost across a
//! restart, nothing is counted twice, and events are searchable at once.

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_events_are_queryable_before_any_flush() {
    let dir = tempfile::tempdir().unwrap();
    let (store, mut writer) = open(options(dir.path())).await;
    write(&mut writer, &events(250), 100);
    assert_eq!(store.stats().files, 0, "nothing flushed yet");
    assert_eq!(count(&store, "true").await, 250);
    assert_eq!(count(&store, "\"event.action\" = 'GetObject'").await, 83);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_replays_the_log_without_duplicating_flushed_events() {
    let dir = tempfile::tempdir().unwrap();
    {
        let (store, mut writer) = open(options(dir.path())).await;
        write(&mut writer, &events(300), 100);
        store.flush().await.unwrap();
        // Written after the flush: only in the log when the "crash" comes.
        let more: Vec<_> = (300..420)
            .map(|i| event(i, "DeleteTrail", "10.9.9.9", "mallory"))
            .collect();
        write(&mut writer, &more, 50);
        // Dropped without a final flush, as a crash would.
    }
    let (store, _writer) = open(options(dir.path())).await;
    assert_eq!(
        numbers(&store).await,
        (0..420).collect::<Vec<i64>>(),
        "each event exactly once"
    );
    assert_eq!(count(&store, "\"event.action\" = 'DeleteTrail'").await, 120);
    // And again after flushing the replayed tail.
    store.flush().await.unwrap();
    drop(store);
    drop(_writer);
    let (store, _writer) = open(options(dir.path())).await;
    assert_eq!(numbers(&store).await.len(), 420);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flush_empties_memory_into_hour_partitions() {
    let dir = tempfile::tempdir().unwrap();
    let (store, mut writer) = open(options(dir.path())).await;
    // 2 hours and a bit: three hour partitions.
    let evs: Vec<_> = (0..7300)
        .step_by(10)
        .map(|i| event(i, "GetObject", "10.0.0.1", "u"))
        .collect();
    write(&mut writer, &evs, 200);
    store.flush().await.unwrap();
    let stats = store.stats();
    assert_eq!(stats.memory_events, 0);
    assert_eq!(stats.file_events, evs.len() as u64);
    let snapshot = store.snapshot();
    let mut partitions: Vec<String> = snapshot
        .files
        .iter()
        .map(|f| f.path.as_ref().rsplit_once('/').unwrap().0.to_owned())
        .collect();
    partitions.dedup();
    assert_eq!(
        partitions,
        vec![
            "events/v1/dt=2024-05-01/hour=00",
            "events/v1/dt=2024-05-01/hour=01",
            "events/v1/dt=2024-05-01/hour=02"
        ]
    );
    for f in &snapshot.files {
        assert!(f.min_ts <= f.max_ts);
        assert_eq!(
            vigie_store::layout::hour_start(f.min_ts),
            vigie_store::layout::hour_start(f.max_ts)
        );
        assert!(f.tokens.is_some(), "every file has its token index");
    }
}
