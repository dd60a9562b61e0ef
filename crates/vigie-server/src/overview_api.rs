//! `GET /api/v1/overview/ingest?from=&to=` (scope `read`): ingest health per
//! dataset for the web UI's overview: events stored in the range, the
//! newest event's time, and the records accepted and rejected since the
//! server started (with the reasons), read from the ingest metrics.
//!
//! Answer: `{"datasets":[{"dataset","events","last_event","accepted",
//! "rejected","rejects":{reason: n}}], "request_errors":{reason: n}}`.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use vigie_store::query::{AggregateRequest, AggregateResult};
use vigie_store::SearchRequest;

use crate::{ApiError, AppState};

#[derive(Debug, Deserialize)]
pub(crate) struct Params {
    from: Option<String>,
    to: Option<String>,
}

/// Health of one dataset.
#[derive(Debug, Default, Serialize, PartialEq)]
pub struct DatasetHealth {
    pub dataset: String,
    /// Events stored in the range.
    pub events: u64,
    /// The newest event's time in the range (RFC 3339), if any.
    pub last_event: Option<String>,
    /// Records accepted since the server started.
    pub accepted: u64,
    /// Records rejected since the server started.
    pub rejected: u64,
    /// Rejected records by reason.
    pub rejects: BTreeMap<String, u64>,
}

/// The labels and value of a sample line of the Prometheus text format.
fn sample<'a>(line: &'a str, metric: &str) -> Option<(BTreeMap<&'a str, &'a str>, u64)> {
    let rest = line.strip_prefix(metric)?.strip_prefix('{')?;
    let (labels, value) = rest.rsplit_once("} ")?;
    let value = value.trim().parse::<f64>().ok()?;
    let mut map = BTreeMap::new();
    for pair in labels.split("\",") {
        let (k, v) = pair.split_once("=\"")?;
        map.insert(k.trim_start_matches(','), v.trim_end_matches('"'));
    }
    Some((map, value as u64))
}

/// Per-dataset ingest counters and whole-request errors from the text
/// exposition of the metrics.
pub fn ingest_counters(text: &str) -> (BTreeMap<String, DatasetHealth>, BTreeMap<String, u64>) {
    let mut by_dataset: BTreeMap<String, DatasetHealth> = BTreeMap::new();
    let mut request_errors = BTreeMap::new();
    fn entry<'m>(
        map: &'m mut BTreeMap<String, DatasetHealth>,
        name: &str,
    ) -> &'m mut DatasetHealth {
        let e = map.entry(name.to_owned()).or_default();
        e.dataset = name.to_owned();
        e
    }
    for line in text.lines() {
        if let Some((l, n)) = sample(line, "vigie_ingest_records_total") {
            let e = entry(&mut by_dataset, l.get("dataset").copied().unwrap_or(""));
            match l.get("outcome").copied() {
                Some("accepted") => e.accepted += n,
                Some("rejected") => e.rejected += n,
                _ => {}
            }
        } else if let Some((l, n)) = sample(line, "vigie_ingest_rejected_records_total") {
            let e = entry(&mut by_dataset, l.get("dataset").copied().unwrap_or(""));
            let reason = l.get("reason").copied().unwrap_or("").to_owned();
            *e.rejects.entry(reason).or_default() += n;
        } else if let Some((l, n)) = sample(line, "vigie_ingest_request_errors_total") {
            let reason = l.get("reason").copied().unwrap_or("").to_owned();
            *request_errors.entry(reason).or_default() += n;
        }
    }
    (by_dataset, request_errors)
}

fn bad(e: impl std::fmt::Display) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, e.to_string())
}

fn time(name: &str, v: Option<&str>) -> Result<Option<i64>, ApiError> {
    let now = vigie_event::Timestamp::now().as_nanos();
    match v {
        None | Some("") => Ok(None),
        Some(s) => vigie_store::query::parse_time(s, now)
            .map(Some)
            .ok_or_else(|| bad(format!("{name}={s:?} is not a time"))),
    }
}

/// `GET /api/v1/overview/ingest`.
pub(crate) async fn ingest(
    State(state): State<Arc<AppState>>,
    Query(p): Query<Params>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let store = state.store.as_ref().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the event store is not open",
        )
    })?;
    let from = time("from", p.from.as_deref())?;
    let to = time("to", p.to.as_deref())?;
    let (mut datasets, request_errors) = ingest_counters(&state.metrics.encode());
    let top = store
        .aggregate(&AggregateRequest {
            from,
            to,
            field: Some("event.dataset".into()),
            top: 100,
            ..AggregateRequest::default()
        })
        .await
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    if let AggregateResult::Top { values, .. } = top {
        for v in values {
            let Some(name) = v.value.as_str() else {
                continue;
            };
            let e = datasets.entry(name.to_owned()).or_default();
            e.dataset = name.to_owned();
            e.events = v.count;
        }
    }
    for (name, e) in datasets.iter_mut().filter(|(_, e)| e.events > 0) {
        let quoted = name.replace('\\', "\\\\").replace('"', "\\\"");
        let page = store
            .search(&SearchRequest {
                query: format!("event.dataset:\"{quoted}\""),
                from,
                to,
                size: 1,
                cursor: None,
            })
            .await
            .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
        e.last_event = page.hits.first().map(|h| h.timestamp.clone());
    }
    Ok(Json(serde_json::json!({
        "datasets": datasets.into_values().collect::<Vec<_>>(),
        "request_errors": request_errors,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_come_from_the_exposition_per_dataset() {
        let m = vigie_metrics::Metrics::new();
        m.record("aws.cloudtrail", "accepted", 5);
        m.reject("aws.cloudtrail", "invalid_json");
        m.reject("aws.cloudtrail", "invalid_json");
        m.record("k8s.audit", "accepted", 2);
        m.request_error("http", "too_large");
        let (d, errors) = ingest_counters(&m.encode());
        let ct = &d["aws.cloudtrail"];
        assert_eq!(ct.accepted, 5);
        assert_eq!(ct.rejected, 2);
        assert_eq!(ct.rejects.get("invalid_json"), Some(&2));
        assert_eq!(d["k8s.audit"].accepted, 2);
        assert_eq!(d["k8s.audit"].rejected, 0);
        assert_eq!(errors.get("too_large"), Some(&1));
        assert_eq!(d.len(), 2);
    }

    #[test]
    fn sample_lines_are_parsed_and_others_ignored() {
        let (l, n) = sample(
            r#"vigie_ingest_records_total{dataset="a.b",outcome="accepted"} 42"#,
            "vigie_ingest_records_total",
        )
        .unwrap();
        assert_eq!(n, 42);
        assert_eq!(l["dataset"], "a.b");
        assert_eq!(l["outcome"], "accepted");
        assert!(sample(
            "# HELP vigie_ingest_records_total x",
            "vigie_ingest_records_total"
        )
        .is_none());
        assert!(sample(
            "vigie_ingest_records_total_x{a=\"b\"} 1",
            "vigie_ingest_records_total"
        )
        .is_none());
    }

    /// The handler over a real store: events in the range per dataset, the
    /// newest one's time, and the counters.
    #[tokio::test(flavor = "multi_thread")]
    async fn ingest_health_counts_stored_events_and_metrics() {
        use vigie_event::{Event, Timestamp};
        use vigie_pipeline::Sink;

        let dir = std::env::temp_dir().join(format!(
            "vigie-overview-{}-{}",
            std::process::id(),
            Timestamp::now().as_nanos()
        ));
        let metrics = Arc::new(vigie_metrics::Metrics::new());
        let (store, mut writer, _) =
            vigie_store::Store::open(vigie_store::StoreOptions::local(&dir), metrics.clone())
                .await
                .unwrap();
        let now = Timestamp::now().as_nanos();
        let at = |secs_ago: i64| Timestamp::from_nanos(now - secs_ago * 1_000_000_000);
        writer
            .write(&[
                Event::new("aws.cloudtrail", at(30), "{}"),
                Event::new("aws.cloudtrail", at(10), "{}"),
                Event::new("k8s.audit", at(20), "{}"),
                Event::new("k8s.audit", at(7200), "{}"), // outside the range
            ])
            .unwrap();
        metrics.record("aws.cloudtrail", "accepted", 2);
        metrics.reject("aws.cloudtrail", "invalid_json");
        let (q, _rx) = vigie_pipeline::queue(8, metrics.clone());
        let state = AppState::with_store(
            Arc::new(vigie_normalize::Registry::default()),
            q,
            metrics,
            crate::TokenStore::new(Vec::new()),
            crate::IngestLimits::default(),
            Some(store),
        );
        let Json(v) = ingest(
            State(state),
            Query(Params {
                from: Some("now-1h".into()),
                to: None,
            }),
        )
        .await
        .unwrap();
        let ds = v["datasets"].as_array().unwrap();
        let find = |n: &str| ds.iter().find(|d| d["dataset"] == n).unwrap().clone();
        let ct = find("aws.cloudtrail");
        assert_eq!(ct["events"], 2, "{v}");
        assert_eq!(ct["accepted"], 2);
        assert_eq!(ct["rejected"], 1);
        assert_eq!(ct["rejects"]["invalid_json"], 1);
        let last = Timestamp::parse_rfc3339(ct["last_event"].as_str().unwrap()).unwrap();
        assert!(
            (last.as_nanos() - at(10).as_nanos()).abs() < 1_000_000,
            "{v}"
        );
        let k8s = find("k8s.audit");
        assert_eq!(k8s["events"], 1, "{v}");
        assert_eq!(k8s["accepted"], 0);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
