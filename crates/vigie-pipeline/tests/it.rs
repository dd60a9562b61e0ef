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
    q.try_enqueue(events(8)).unwrap();
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
    q.try_enqueue(events(2)).unwrap();
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
        q.try_enqueue(events(1000)).unwrap();
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
    q.try_enqueue(events(3)).unwrap();
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
