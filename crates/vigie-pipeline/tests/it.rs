//! The queue admits whole batches, refuses when full, and the pipeline
//! drains everything admitted before it stops.

use std::sync::{Arc, Mutex};

use vigie_event::{Event, Timestamp};
use vigie_metrics::Metrics;
use vigie_pipeline::{queue, Pipeline, QueueError, Sink, SinkError, SpoolSink};

fn events(n: usize) -> Vec<Event> {
    (0..n)
        .map(|i| {
            Event::new(
                "json",
                Timestamp::from_nanos(i as i64),
                format!("{{\"i\":{i}}}"),
            )
        })
        .collect()
}

#[derive(Clone, Default)]
struct Collect(Arc<Mutex<Vec<String>>>);

impl Sink for Collect {
    fn write(&mut self, events: &[Event]) -> Result<(), SinkError> {
        self.0
            .lock()
            .unwrap()
            .extend(events.iter().map(|e| e.original.clone()));
        Ok(())
    }
    fn flush(&mut self) -> Result<(), SinkError> {
        Ok(())
    }
}

#[test]
fn a_full_queue_refuses_the_whole_batch_and_admits_none_of_it() {
    let metrics = Arc::new(Metrics::new());
    let (q, _rx) = queue(10, metrics);
    let _ack = q.try_enqueue(events(8)).unwrap();
    assert_eq!(q.depth(), 8);
    let err = q.try_enqueue(events(3)).unwrap_err();
    assert_eq!(
        err,
        QueueError::Full {
            depth: 8,
            capacity: 10
        }
    );
    assert_eq!(q.depth(), 8, "nothing of the refused batch was admitted");
    let _ack = q.try_enqueue(events(2)).unwrap();
    assert_eq!(q.depth(), 10);
}

#[test]
fn a_batch_larger_than_the_queue_is_refused_with_its_size() {
    let (q, _rx) = queue(4, Arc::new(Metrics::new()));
    assert_eq!(
        q.try_enqueue(events(5)).unwrap_err(),
        QueueError::BatchTooLarge {
            size: 5,
            capacity: 4
        }
    );
}

#[test]
fn the_pipeline_drains_every_admitted_event_before_stopping() {
    let metrics = Arc::new(Metrics::new());
    let (q, rx) = queue(100_000, metrics.clone());
    let sink = Collect::default();
    let seen = sink.0.clone();
    let pipeline = Pipeline::start(rx, sink);
    for _ in 0..50 {
        let _ack = q.try_enqueue(events(1000)).unwrap();
    }
    drop(q);
    assert_eq!(pipeline.join(), 50_000);
    assert_eq!(seen.lock().unwrap().len(), 50_000);
    assert!(metrics
        .encode()
        .contains("vigie_pipeline_events_total 50000"));
}

#[test]
fn the_spool_sink_writes_one_json_document_per_event() {
    let dir = std::env::temp_dir().join(format!("vigie-spool-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (q, rx) = queue(100, Arc::new(Metrics::new()));
    let pipeline = Pipeline::start(rx, SpoolSink::open(&dir).unwrap());
    let _ack = q.try_enqueue(events(3)).unwrap();
    drop(q);
    pipeline.join();
    let text = std::fs::read_to_string(dir.join("events-00000000.ndjson")).unwrap();
    let docs: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(docs.len(), 3);
    assert_eq!(docs[2]["event"]["original"], "{\"i\":2}");
    assert_eq!(docs[2]["event"]["dataset"], "json");
    // A reopened spool continues in a new file instead of overwriting.
    let again = SpoolSink::open(&dir).unwrap();
    drop(again);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A sink that records when it commits and can be told to fail.
#[derive(Clone, Default)]
struct Durable {
    written: Arc<Mutex<usize>>,
    committed: Arc<Mutex<usize>>,
    fail_with: Arc<Mutex<Option<SinkError>>>,
}

impl Sink for Durable {
    fn write(&mut self, events: &[Event]) -> Result<(), SinkError> {
        if let Some(e) = self.fail_with.lock().unwrap().take() {
            return Err(e);
        }
        *self.written.lock().unwrap() += events.len();
        Ok(())
    }
    fn flush(&mut self) -> Result<(), SinkError> {
        let w = *self.written.lock().unwrap();
        *self.committed.lock().unwrap() = w;
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ack_resolves_only_after_the_commit_that_covers_its_events() {
    let sink = Durable::default();
    let (q, rx) = queue(10_000, Arc::new(Metrics::new()));
    let pipeline = Pipeline::start(rx, sink.clone());
    for n in [1, 700, 5000] {
        let ack = q.try_enqueue(events(n)).unwrap();
        ack.durable().await.unwrap();
        let committed = *sink.committed.lock().unwrap();
        let written = *sink.written.lock().unwrap();
        assert_eq!(
            committed, written,
            "everything written is committed before the ack"
        );
    }
    assert_eq!(*sink.committed.lock().unwrap(), 5701);
    let ack = q.enqueue_wait(events(20_000)).await.unwrap();
    ack.durable().await.unwrap();
    assert_eq!(
        *sink.committed.lock().unwrap(),
        25_701,
        "a batch larger than the queue is acked whole"
    );
    drop(q);
    pipeline.join();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_reaches_the_client_as_disk_full_and_later_batches_recover() {
    let sink = Durable::default();
    let (q, rx) = queue(1000, Arc::new(Metrics::new()));
    let pipeline = Pipeline::start(rx, sink.clone());
    *sink.fail_with.lock().unwrap() = Some(SinkError::DiskFull("no space left on device".into()));
    let err = q
        .try_enqueue(events(10))
        .unwrap()
        .durable()
        .await
        .unwrap_err();
    assert_eq!(
        err,
        vigie_pipeline::AckError::DiskFull("no space left on device".into())
    );
    q.try_enqueue(events(10)).unwrap().durable().await.unwrap();
    assert_eq!(*sink.committed.lock().unwrap(), 10);
    drop(q);
    pipeline.join();
}

#[tokio::test]
async fn an_ack_of_a_stopped_pipeline_says_so() {
    let (q, rx) = queue(100, Arc::new(Metrics::new()));
    let ack = q.try_enqueue(events(3)).unwrap();
    drop(rx);
    assert_eq!(ack.durable().await, Err(vigie_pipeline::AckError::Closed));
}
