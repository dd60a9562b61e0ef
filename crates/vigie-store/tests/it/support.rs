//! Helpers: events, a store in a temporary directory, and row checks.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use vigie_event::{Event, Timestamp};
use vigie_metrics::Metrics;
use vigie_pipeline::Sink;
use vigie_store::{Store, StoreOptions, StoreWriter};

/// 2024-05-01T00:00:00Z in nanoseconds.
pub const T0: i64 = 1_714_521_600_000_000_000;
pub const SEC: i64 = 1_000_000_000;

/// An event with the usual fields.
pub fn event(i: usize, action: &str, ip: &str, user: &str) -> Event {
    let original = format!(
        r#"{{"eventName":"{action}","sourceIPAddress":"{ip}","userIdentity":{{"userName":"{user}"}},"n":{i},"note":"request number {i} from the test suite"}}"#
    );
    let mut ev = Event::new(
        "aws.cloudtrail",
        Timestamp::from_nanos(T0 + i as i64 * SEC),
        original,
    );
    ev.fields.set("event.action", action.to_owned());
    ev.fields.set("source.ip", ip.to_owned());
    ev.fields.set("user.name", user.to_owned());
    ev.fields.set("source.port", 40_000 + (i % 1000) as i64);
    ev.fields.set("aws.cloudtrail.request_number", i as i64);
    ev.fields.set("event.category", serde_json::json!(["iam"]));
    ev
}

/// `n` events: action cycles through three names, ip through 10 hosts,
/// users through 5 names; event `i` is at `T0 + i` seconds.
pub fn events(n: usize) -> Vec<Event> {
    const ACTIONS: [&str; 3] = ["ConsoleLogin", "GetObject", "PutObject"];
    (0..n)
        .map(|i| {
            event(
                i,
                ACTIONS[i % 3],
                &format!("10.0.0.{}", i % 10),
                &format!("user{}", i % 5),
            )
        })
        .collect()
}

/// Options for tests: small row groups, no background flush unless asked.
pub fn options(dir: &std::path::Path) -> StoreOptions {
    let mut o = StoreOptions::local(dir);
    o.row_group_rows = 1000;
    o.flush_interval = Duration::from_secs(3600);
    o.flush_rows = usize::MAX;
    o.compaction_min_files = 3;
    o
}

pub async fn open(o: StoreOptions) -> (Store, StoreWriter) {
    let (store, writer, _) = Store::open(o, Arc::new(Metrics::new()))
        .await
        .expect("open store");
    (store, writer)
}

/// Writes and commits `events` in batches of `batch`.
pub fn write(writer: &mut StoreWriter, events: &[Event], batch: usize) {
    for chunk in events.chunks(batch) {
        writer.write(chunk).expect("write");
        writer.flush().expect("commit");
    }
}

/// `SELECT count(*)` of a query's WHERE clause.
pub async fn count(store: &Store, filter: &str) -> u64 {
    let out = store
        .sql(&format!("SELECT count(*) AS n FROM events WHERE {filter}"))
        .await
        .expect("count query");
    out.rows[0][0].as_u64().expect("a count")
}

/// The `aws.cloudtrail.request_number` of every row, sorted.
pub async fn numbers(store: &Store) -> Vec<i64> {
    let out = store
        .sql("SELECT vigie_field(fields, 'aws.cloudtrail.request_number') AS n FROM events")
        .await
        .expect("numbers query");
    let mut v: Vec<i64> = out
        .rows
        .iter()
        .map(|r| r[0].as_str().expect("text").parse().expect("number"))
        .collect();
    v.sort_unstable();
    v
}
