//! File format version 2: compacted files keep only what normalizing
//! `original` again does not give, and every read (SQL, search,
//! aggregations) sees the same fields as before compaction. Version 1 files
//! (full `fields`, no split columns) stay readable.

use std::sync::Arc;

use arrow::array::{Array, AsArray, RecordBatch};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ArrowWriter;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use serde_json::{Map, Value};
use vigie_event::{Event, Timestamp};
use vigie_normalize::{normalize_payload, Limits, Registry};
use vigie_search::{matches, parse, Document};
use vigie_store::{AggregateRequest, AggregateResult, SearchRequest, Store};

use crate::support::*;

/// Real CloudTrail events (vigie-synth records through the normalizer),
/// one second apart in one hour. Every 7th gets a field a pipeline would
/// add, every 11th a changed derived field, every 13th loses a derived
/// field (so it cannot be stored split).
fn cloudtrail(n: usize) -> Vec<Event> {
    let registry = Registry::default();
    let payload = vigie_synth::cloudtrail_records(5, n).join("\n");
    let out = normalize_payload(
        &registry,
        registry.get("aws.cloudtrail"),
        payload.as_bytes(),
        &Limits::default(),
    );
    let mut events = out.events;
    assert_eq!(events.len(), n, "every synthetic record normalizes");
    for (i, ev) in events.iter_mut().enumerate() {
        ev.timestamp = Timestamp::from_nanos(T0 + i as i64 * SEC);
        ev.fields.set("aws.cloudtrail.request_number", i as i64);
        if i % 7 == 0 {
            ev.fields.set("tags", serde_json::json!(["planted-tag"]));
        }
        if i % 11 == 0 {
            ev.fields.set("user.name", format!("renamed-{i}"));
        }
        if i % 13 == 0 {
            ev.fields.remove("cloud.region");
        }
    }
    events
}

fn field_map(ev: &Event) -> Map<String, Value> {
    ev.fields
        .iter()
        .map(|(k, v)| (k.to_owned(), v.clone()))
        .collect()
}

/// Writes `events` in four flushed files, then compacts them into one.
async fn compacted(dir: &std::path::Path, events: &[Event]) -> Store {
    let (store, mut writer) = open(options(dir)).await;
    for chunk in events.chunks(events.len().div_ceil(4)) {
        write(&mut writer, chunk, 100);
        store.flush().await.unwrap();
    }
    assert_eq!(store.compact().await.unwrap(), 1);
    assert_eq!(store.stats().files, 1);
    store
}

fn parquet_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "parquet") {
                out.push(p);
            }
        }
    }
    out
}

fn read_file(path: &std::path::Path) -> (Vec<RecordBatch>, Vec<KeyValue>) {
    let file = std::fs::File::open(path).unwrap();
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
    let kv = builder
        .metadata()
        .file_metadata()
        .key_value_metadata()
        .cloned()
        .unwrap_or_default();
    let batches = builder.build().unwrap().map(Result::unwrap).collect();
    (batches, kv)
}

fn non_null(batches: &[RecordBatch], column: &str) -> usize {
    batches
        .iter()
        .map(|b| {
            let c = b.column_by_name(column).unwrap();
            c.len() - c.null_count()
        })
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_compacted_file_stores_only_what_derivation_lacks() {
    let dir = tempfile::tempdir().unwrap();
    let events = cloudtrail(400);
    let _store = compacted(dir.path(), &events).await;
    // The merged file names the files it replaces (they are deleted later).
    let merged: Vec<_> = parquet_files(dir.path())
        .into_iter()
        .map(|p| read_file(&p))
        .filter(|(_, kv)| {
            kv.iter().any(|k| {
                k.key == "vigie.replaces" && k.value.as_deref().is_some_and(|v| !v.is_empty())
            })
        })
        .collect();
    assert_eq!(merged.len(), 1);
    let (batches, kv) = merged.into_iter().next().unwrap();
    let version = kv.iter().find(|k| k.key == "vigie.format_version");
    assert_eq!(version.and_then(|k| k.value.as_deref()), Some("2"));
    let removed = (0..400).filter(|i| i % 13 == 0).count();
    // Only rows that lost a derived field keep their full fields.
    assert_eq!(non_null(&batches, "fields"), removed);
    // Every split row has at least the request number as extra (the
    // synthetic records have no such field).
    assert_eq!(non_null(&batches, "fields_extra"), 400 - removed);
    let extra = batches[0].column_by_name("fields_extra").unwrap();
    let extra = extra.as_string::<i32>();
    let first: Map<String, Value> = serde_json::from_str(extra.value(1)).unwrap();
    assert_eq!(
        first.keys().collect::<Vec<_>>(),
        ["aws.cloudtrail.request_number"],
        "an unchanged row keeps only the added field"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sql_sees_every_field_of_a_split_row_as_it_was_ingested() {
    let dir = tempfile::tempdir().unwrap();
    let events = cloudtrail(400);
    let store = compacted(dir.path(), &events).await;
    let out = store
        .sql("SELECT fields, vigie_field(fields, 'user.name') AS u FROM events ORDER BY \"@timestamp\"")
        .await
        .unwrap();
    assert_eq!(out.rows.len(), 400);
    for (i, (row, ev)) in out.rows.iter().zip(&events).enumerate() {
        let got: Map<String, Value> = serde_json::from_str(row[0].as_str().unwrap()).unwrap();
        let want = field_map(ev);
        for (k, v) in &want {
            assert_eq!(got.get(k), Some(v), "row {i}, field {k}");
        }
        assert_eq!(got.len(), want.len(), "row {i}: no field added");
        assert_eq!(row[1].as_str(), ev.fields.get_str("user.name"), "row {i}");
    }
    // The storage columns stay out of SQL's view.
    assert!(store.sql("SELECT fields_extra FROM events").await.is_err());
}

/// A row as the search semantics define it: full fields and original.
struct Reference<'a> {
    fields: Map<String, Value>,
    fields_text: String,
    original: &'a str,
}

impl Document for Reference<'_> {
    fn field(&self, name: &str) -> Option<&Value> {
        self.fields.get(name)
    }
    fn texts(&self, f: &mut dyn FnMut(&str)) {
        f(&self.fields_text);
        f(self.original);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_and_aggregations_over_split_rows_match_the_full_fields() {
    let dir = tempfile::tempdir().unwrap();
    let events = cloudtrail(400);
    let store = compacted(dir.path(), &events).await;
    let refs: Vec<Reference> = events
        .iter()
        .map(|e| {
            let fields = field_map(e);
            Reference {
                fields_text: Value::Object(fields.clone()).to_string(),
                fields,
                original: &e.original,
            }
        })
        .collect();
    // Bare words on computed values (the dataset, categories), on values
    // copied from the record, on added fields; field terms on fields that
    // have no column.
    let ev0 = &events[0];
    let account = ev0.fields.get_str("cloud.account.id").unwrap().to_owned();
    let queries = [
        "aws.cloudtrail".to_owned(),
        "planted-tag".to_owned(),
        "tags:planted-tag".to_owned(),
        "renamed-11".to_owned(),
        format!("\"{account}\""),
        "event.kind:event".to_owned(),
        "event.category:*".to_owned(),
        "aws.cloudtrail.request_number:[100 TO 150]".to_owned(),
        "NOT tags:*".to_owned(),
    ];
    for q in &queries {
        let query = parse(q).unwrap();
        let want = refs.iter().filter(|r| matches(&query, *r)).count();
        let page = store
            .search(&SearchRequest {
                query: q.clone(),
                size: 10_000,
                ..Default::default()
            })
            .await
            .unwrap_or_else(|e| panic!("{q}: {e}"));
        assert_eq!(page.hits.len(), want, "query {q}");
        assert!(
            want > 0 || q.starts_with("NOT"),
            "query {q} finds something"
        );
        for hit in &page.hits {
            let n = hit.fields["aws.cloudtrail.request_number"]
                .as_u64()
                .unwrap() as usize;
            assert_eq!(
                hit.fields,
                Value::Object(field_map(&events[n])),
                "hit {n} of {q}"
            );
        }
    }
    // Top values of a field with no column come from rebuilt rows.
    let top = store
        .aggregate(&AggregateRequest {
            query: "*".into(),
            field: Some("aws.cloudtrail.event_type".into()),
            top: 3,
            ..Default::default()
        })
        .await
        .unwrap();
    let AggregateResult::Top { values, .. } = top else {
        panic!("top values expected")
    };
    let mut want = std::collections::HashMap::<String, u64>::new();
    for e in &events {
        if let Some(v) = e.fields.get_str("aws.cloudtrail.event_type") {
            *want.entry(v.to_owned()).or_default() += 1;
        }
    }
    assert!(!values.is_empty());
    for v in &values {
        assert_eq!(Some(&v.count), want.get(v.value.as_str().unwrap()), "{v:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_1_file_stays_readable_and_compacts_into_version_2() {
    let dir = tempfile::tempdir().unwrap();
    let events = cloudtrail(300);
    {
        let (store, mut writer) = open(options(dir.path())).await;
        for chunk in events.chunks(100) {
            write(&mut writer, chunk, 100);
            store.flush().await.unwrap();
        }
    }
    // Rewrite each flushed file as a version 1 file: no split columns,
    // version 1 in the footer.
    let files = parquet_files(dir.path());
    assert_eq!(files.len(), 3);
    for path in &files {
        let (batches, kv) = read_file(path);
        let v1: Vec<RecordBatch> = batches
            .iter()
            .map(|b| {
                let mut b = b.clone();
                for c in ["fields_extra", "fields_text"] {
                    let i = b.schema().index_of(c).unwrap();
                    b.remove_column(i);
                }
                b
            })
            .collect();
        let kv: Vec<KeyValue> = kv
            .into_iter()
            .map(|k| {
                if k.key == "vigie.format_version" {
                    KeyValue::new(k.key, "1".to_owned())
                } else {
                    k
                }
            })
            .collect();
        let props = WriterProperties::builder()
            .set_key_value_metadata(Some(kv))
            .build();
        let mut buf = Vec::new();
        let mut w = ArrowWriter::try_new(&mut buf, v1[0].schema(), Some(props)).unwrap();
        for b in &v1 {
            w.write(b).unwrap();
        }
        w.close().unwrap();
        std::fs::write(path, buf).unwrap();
    }
    let (store, _w, report) =
        Store::open(options(dir.path()), Arc::new(vigie_metrics::Metrics::new()))
            .await
            .unwrap();
    assert!(report.quarantined.is_empty(), "{:?}", report.quarantined);
    assert_eq!(store.stats().files, 3);
    let store = check_v1(store, &events).await;
    assert_eq!(store.compact().await.unwrap(), 1);
    let files = parquet_files(dir.path())
        .into_iter()
        .filter(|p| {
            read_file(p)
                .1
                .iter()
                .any(|k| k.key == "vigie.format_version" && k.value.as_deref() == Some("2"))
        })
        .count();
    assert_eq!(files, 1, "the merged file is version 2");
    check_v1(store, &events).await;
}

async fn check_v1(store: Store, events: &[Event]) -> Store {
    let out = store
        .sql("SELECT fields FROM events ORDER BY \"@timestamp\"")
        .await
        .unwrap();
    assert_eq!(out.rows.len(), 300);
    for (row, ev) in out.rows.iter().zip(events) {
        let got: Value = serde_json::from_str(row[0].as_str().unwrap()).unwrap();
        assert_eq!(got, Value::Object(field_map(ev)));
    }
    assert_eq!(count(&store, "true").await, 300);
    store
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lone_flushed_file_is_rewritten_compacted_once_its_hour_has_settled() {
    let dir = tempfile::tempdir().unwrap();
    let (store, mut writer) = open(options(dir.path())).await;
    // An hour long past: its one flushed file is rewritten, once.
    write(&mut writer, &cloudtrail(50), 50);
    // The current hour: left to the usual small-file rule.
    let mut live = cloudtrail(5);
    for ev in &mut live {
        ev.timestamp = Timestamp::now();
    }
    write(&mut writer, &live, 5);
    store.flush().await.unwrap();
    assert_eq!(store.stats().files, 2);
    assert_eq!(store.compact().await.unwrap(), 1);
    assert_eq!(
        store.compact().await.unwrap(),
        0,
        "a compacted file is not rewritten"
    );
    assert_eq!(store.stats().files, 2);
    let split_rows: usize = parquet_files(dir.path())
        .iter()
        .map(|p| read_file(p).0)
        .map(|batches| {
            batches
                .iter()
                .map(|b| b.column_by_name("fields").unwrap().null_count())
                .sum::<usize>()
        })
        .sum();
    // Four of the 50 old events (0, 13, 26, 39) lost a derived field and
    // keep their full fields.
    assert_eq!(split_rows, 50 - 4);
    assert_eq!(count(&store, "true").await, 55);
}
