//! The Elasticsearch-compatible ingest API, under `/es`, so that Filebeat,
//! Fluent Bit, Vector, Logstash and the Elasticsearch clients can ship to
//! vigie unchanged (point them at `http://vigie:9190/es`).
//!
//! - `GET|HEAD /es`: the cluster information shippers check first;
//! - `GET /es/_license`, `/es/_xpack`, `/es/_cluster/health`: the version
//!   and licence checks some shippers make;
//! - `PUT /es/_index_template/..`, `_template`, `_ilm/policy`, `_ingest/pipeline`,
//!   `_component_template`: setup calls, acknowledged and ignored;
//! - `POST|PUT /es/_bulk` and `/es/{index}/_bulk`: the bulk API. `index`
//!   and `create` actions are ingested (the dataset comes from the index
//!   name when it names one, `logs-<dataset>-<namespace>` data streams
//!   included, else it is detected per document); `update` and `delete`
//!   get a per-item error: vigie's store is append-only.
//!
//! Every answer carries `X-Elastic-Product: Elasticsearch`, which the
//! official clients require. All routes need a token with the `ingest`
//! scope (Bearer, Basic with the token as password, or `ApiKey`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde_json::{json, Value};
use vigie_normalize::{normalize_payload, NormalizeError, Output, Registry, Rejected};

use crate::ingest::{decode_then, enqueue, read_body};
use crate::AppState;

const INPUT: &str = "elasticsearch";
/// The Elasticsearch version vigie presents (8.x wire behaviour).
const VERSION: &str = "8.11.0";

/// The `/es` routes (authentication is applied by the caller).
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/es", get(info).head(info))
        .route("/es/", get(info).head(info))
        .route("/es/_license", get(license))
        .route("/es/_xpack", get(xpack))
        .route("/es/_cluster/health", get(health))
        .route("/es/_bulk", post(bulk_root).put(bulk_root))
        .route("/es/{index}/_bulk", post(bulk_index).put(bulk_index))
        .route(
            "/es/_index_template/{name}",
            put(acknowledge).get(not_found),
        )
        .route(
            "/es/_component_template/{name}",
            put(acknowledge).get(not_found),
        )
        .route("/es/_template/{name}", put(acknowledge).get(not_found))
        .route("/es/_ilm/policy/{name}", put(acknowledge).get(not_found))
        .route(
            "/es/_ingest/pipeline/{name}",
            put(acknowledge).get(not_found),
        )
        .layer(axum::middleware::map_response(product_header))
}

async fn product_header(mut resp: Response) -> Response {
    resp.headers_mut().insert(
        "x-elastic-product",
        HeaderValue::from_static("Elasticsearch"),
    );
    resp
}

async fn info() -> Json<Value> {
    Json(json!({
        "name": "vigie",
        "cluster_name": "vigie",
        "cluster_uuid": "vigie-0000000000000000000000",
        "version": {
            "number": VERSION,
            "build_flavor": "default",
            "build_type": "vigie",
            "build_hash": env!("CARGO_PKG_VERSION"),
            "build_date": "2026-01-01T00:00:00.000Z",
            "build_snapshot": false,
            "lucene_version": "9.8.0",
            "minimum_wire_compatibility_version": "7.17.0",
            "minimum_index_compatibility_version": "7.0.0"
        },
        "tagline": "You Know, for Search"
    }))
}

async fn license() -> Json<Value> {
    Json(json!({"license": {
        "status": "active", "uid": "vigie", "type": "basic", "mode": "basic",
        "issue_date": "2026-01-01T00:00:00.000Z", "issue_date_in_millis": 1_767_225_600_000u64,
        "max_nodes": 1000, "issued_to": "vigie", "issuer": "vigie",
        "start_date_in_millis": -1
    }}))
}

async fn xpack() -> Json<Value> {
    Json(json!({
        "build": {"hash": env!("CARGO_PKG_VERSION"), "date": "2026-01-01T00:00:00.000Z"},
        "license": {"uid": "vigie", "type": "basic", "mode": "basic", "status": "active"},
        "features": {}
    }))
}

async fn health() -> Json<Value> {
    Json(json!({
        "cluster_name": "vigie", "status": "green", "timed_out": false,
        "number_of_nodes": 1, "number_of_data_nodes": 1
    }))
}

async fn acknowledge() -> Json<Value> {
    Json(json!({"acknowledged": true}))
}

async fn not_found(Path(name): Path<String>) -> Response {
    let body = json!({"error": {"type": "resource_not_found_exception",
        "reason": format!("[{name}] is not kept by vigie: setup calls are acknowledged and ignored")},
        "status": 404});
    (StatusCode::NOT_FOUND, Json(body)).into_response()
}

async fn bulk_root(State(state): State<Arc<AppState>>, headers: HeaderMap, body: Body) -> Response {
    bulk(state, None, headers, body).await
}

async fn bulk_index(
    State(state): State<Arc<AppState>>,
    Path(index): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    bulk(state, Some(index), headers, body).await
}

/// The dataset an index name stands for: the name itself, or the
/// `<dataset>` of a `logs-<dataset>-<namespace>` data stream, when the
/// registry knows it.
pub fn dataset_for_index<'r>(registry: &'r Registry, index: &str) -> Option<&'r str> {
    let candidate = index
        .strip_prefix("logs-")
        .and_then(|rest| rest.rsplit_once('-').map(|(d, _)| d))
        .unwrap_or(index);
    registry
        .get(candidate)
        .or_else(|| registry.get(index))
        .map(|n| n.dataset())
}

/// One action of a bulk body.
struct Action {
    kind: String,
    index: Option<String>,
    id: Option<String>,
    /// The document line, for `index` and `create`.
    doc: Option<(usize, String)>,
    /// Why the action cannot be carried out, if it cannot.
    error: Option<(StatusCode, &'static str, String)>,
}

/// Splits a bulk body into actions. Malformed action lines become item
/// errors; the rest of the body is still read.
fn parse_actions(body: &[u8], default_index: Option<&str>) -> Vec<Action> {
    let mut lines = body
        .split(|b| *b == b'\n')
        .enumerate()
        .filter(|(_, l)| !l.trim_ascii().is_empty());
    let mut actions = Vec::new();
    while let Some((n, line)) = lines.next() {
        let mut action = Action {
            kind: String::new(),
            index: default_index.map(str::to_owned),
            id: None,
            doc: None,
            error: None,
        };
        let meta: Result<Value, _> = serde_json::from_slice(line);
        let Some((kind, meta)) = meta.ok().and_then(|v| {
            v.as_object()
                .and_then(|m| m.iter().next().map(|(k, v)| (k.clone(), v.clone())))
        }) else {
            action.error = Some((
                StatusCode::BAD_REQUEST,
                "action_request_validation_exception",
                format!(
                    "line {}: expected an action such as {{\"index\":{{}}}}",
                    n + 1
                ),
            ));
            actions.push(action);
            continue;
        };
        if let Some(i) = meta.get("_index").and_then(Value::as_str) {
            action.index = Some(i.to_owned());
        }
        action.id = meta.get("_id").and_then(Value::as_str).map(str::to_owned);
        match kind.as_str() {
            "index" | "create" => match lines.next() {
                Some((dn, doc)) => {
                    action.doc = Some((dn + 1, String::from_utf8_lossy(doc).into_owned()))
                }
                None => {
                    action.error = Some((
                        StatusCode::BAD_REQUEST,
                        "action_request_validation_exception",
                        format!("line {}: `{kind}` has no document line after it", n + 1),
                    ))
                }
            },
            "update" => {
                let _ = lines.next();
                action.error = Some((
                    StatusCode::BAD_REQUEST,
                    "illegal_argument_exception",
                    "vigie's event store is append-only: `update` is not supported".into(),
                ));
            }
            "delete" => {
                action.error = Some((
                    StatusCode::BAD_REQUEST,
                    "illegal_argument_exception",
                    "vigie's event store is append-only: `delete` is not supported".into(),
                ))
            }
            other => {
                action.error = Some((
                    StatusCode::BAD_REQUEST,
                    "action_request_validation_exception",
                    format!("line {}: unknown action `{other}`", n + 1),
                ))
            }
        }
        action.kind = kind;
        actions.push(action);
    }
    actions
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

fn generated_id() -> String {
    let t = vigie_event::Timestamp::now().as_nanos();
    format!("vigie-{t:x}-{:x}", NEXT_ID.fetch_add(1, Ordering::Relaxed))
}

async fn bulk(
    state: Arc<AppState>,
    index: Option<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let started = Instant::now();
    let (raw, encoding) = match read_body(&state, INPUT, &headers, body).await {
        Ok(r) => r,
        Err(err) => return err.into_response(),
    };
    let limits = state.limits;
    let work = decode_then(&state, INPUT, raw, encoding, move |st, payload| {
        let mut actions = parse_actions(payload, index.as_deref());
        let mut output = Output::default();
        for (i, action) in actions.iter_mut().enumerate() {
            let Some((line, doc)) = &action.doc else {
                continue;
            };
            let dataset = action
                .index
                .as_deref()
                .and_then(|ix| dataset_for_index(&st.registry, ix));
            let normalizer = dataset.and_then(|d| st.registry.get(d));
            let one = normalize_payload(&st.registry, normalizer, doc.as_bytes(), &limits.record);
            output.records += 1;
            output.skipped += one.skipped;
            if one.rejected.is_empty() {
                output.accepted += 1;
            }
            output.events.extend(one.events);
            for r in one.rejected {
                action.error = Some((
                    StatusCode::BAD_REQUEST,
                    "mapper_parsing_exception",
                    r.error.to_string(),
                ));
                output.rejected.push(Rejected {
                    index: i,
                    line: *line,
                    ..r
                });
            }
        }
        (actions, output)
    })
    .await;
    let (actions, mut output) = match work {
        Ok(r) => r,
        Err(err) => return err.into_response(),
    };
    for a in actions.iter().filter(|a| a.doc.is_none()) {
        if let Some((_, _, reason)) = &a.error {
            let error = NormalizeError::invalid("bulk", reason.clone());
            state.metrics.reject("unknown", error.kind());
        }
    }
    if let Err(err) = enqueue(&state, INPUT, None, &mut output).await {
        return err.into_response();
    }
    let mut errors = false;
    let items: Vec<Value> = actions
        .into_iter()
        .map(|a| {
            let kind = if a.kind.is_empty() {
                "index".to_owned()
            } else {
                a.kind
            };
            let index = a.index.unwrap_or_default();
            let id = a.id.unwrap_or_else(generated_id);
            let item = match a.error {
                None => json!({"_index": index, "_id": id, "_version": 1, "result": "created",
                    "status": 201, "_shards": {"total": 1, "successful": 1, "failed": 0}}),
                Some((status, kind, reason)) => {
                    errors = true;
                    json!({"_index": index, "_id": id, "status": status.as_u16(),
                        "error": {"type": kind, "reason": reason}})
                }
            };
            json!({ kind: item })
        })
        .collect();
    Json(json!({
        "took": started.elapsed().as_millis() as u64,
        "errors": errors,
        "items": items,
    }))
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_names_map_to_datasets() {
        let r = Registry::default();
        assert_eq!(
            dataset_for_index(&r, "aws.cloudtrail"),
            Some("aws.cloudtrail")
        );
        assert_eq!(
            dataset_for_index(&r, "logs-kubernetes.audit-default"),
            Some("kubernetes.audit")
        );
        assert_eq!(dataset_for_index(&r, "filebeat-8.11.0"), None);
    }

    #[test]
    fn actions_are_parsed_and_bad_ones_reported_alone() {
        let body = b"{\"index\":{\"_index\":\"a\",\"_id\":\"1\"}}\n{\"m\":1}\n{\"delete\":{\"_id\":\"2\"}}\nnot json\n{\"create\":{}}\n{\"m\":2}\n";
        let actions = parse_actions(body, Some("dflt"));
        assert_eq!(actions.len(), 4);
        assert_eq!(actions[0].index.as_deref(), Some("a"));
        assert_eq!(actions[0].id.as_deref(), Some("1"));
        assert_eq!(
            actions[0].doc.as_ref().map(|d| d.1.as_str()),
            Some("{\"m\":1}")
        );
        assert!(actions[1].error.as_ref().unwrap().2.contains("append-only"));
        assert!(actions[2].error.as_ref().unwrap().2.starts_with("line 4"));
        assert_eq!(actions[3].index.as_deref(), Some("dflt"));
        assert_eq!(actions[3].doc.as_ref().map(|d| d.0), Some(6));
    }
}
