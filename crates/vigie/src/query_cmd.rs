//! `vigie search` and `vigie sql`: clients of a running vigie's query API
//! that print a table or NDJSON.

use std::process::ExitCode;

use anyhow::Context;
use serde_json::Value;

use crate::cli::{OutputFormat, SearchArgs, ServerArgs, SqlArgs};

/// Widest cell of a table, in characters.
const MAX_CELL: usize = 60;

pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// Sends a request; prints the server's error (with its position) and
/// returns exit code 1 when the query is refused.
pub(crate) async fn call(
    server: &ServerArgs,
    req: reqwest::RequestBuilder,
) -> anyhow::Result<Result<Value, ExitCode>> {
    let req = match &server.token {
        Some(t) => req.bearer_auth(t),
        None => req,
    };
    let resp = req
        .send()
        .await
        .with_context(|| format!("connecting to {}", server.url))?;
    let status = resp.status();
    let bytes = resp.bytes().await.context("reading the answer")?;
    let body: Value = serde_json::from_slice(&bytes).context("the answer is not JSON")?;
    if status.is_success() {
        return Ok(Ok(body));
    }
    let msg = body
        .get("error")
        .and_then(Value::as_str)
        .unwrap_or("query refused");
    match body.get("position") {
        Some(p) => eprintln!(
            "vigie: {status}: at line {}, column {}: {msg}",
            p["line"], p["column"]
        ),
        None => eprintln!("vigie: {status}: {msg}"),
    }
    Ok(Err(ExitCode::from(1)))
}

fn cell(v: &Value) -> String {
    let s = match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let s = s.replace(['\n', '\t'], " ");
    if s.chars().count() > MAX_CELL {
        let cut: String = s.chars().take(MAX_CELL - 1).collect();
        format!("{cut}…")
    } else {
        s
    }
}

/// Prints rows as an aligned table.
pub fn print_table(columns: &[String], rows: &[Vec<Value>]) {
    let cells: Vec<Vec<String>> = rows.iter().map(|r| r.iter().map(cell).collect()).collect();
    let mut widths: Vec<usize> = columns.iter().map(|c| c.chars().count()).collect();
    for r in &cells {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |items: &[String]| {
        let parts: Vec<String> = items
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        println!("{}", parts.join("  ").trim_end());
    };
    line(columns);
    line(&widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>());
    for r in &cells {
        line(r);
    }
}

/// Opens the configured store read-only (`--offline`).
pub(crate) async fn offline_store(
    server: &ServerArgs,
) -> anyhow::Result<Result<vigie_store::Store, ExitCode>> {
    let config = match crate::serve::load_config(server.config.as_deref()) {
        Ok(c) => c,
        Err(code) => return Ok(Err(code)),
    };
    let metrics = std::sync::Arc::new(vigie_metrics::Metrics::new());
    let store =
        vigie_store::Store::open_reader(crate::store_setup::store_options(&config), metrics)
            .await
            .context("opening the event store")?;
    Ok(Ok(store))
}

/// Prints a query error as the server would; exit code 1.
fn local_error(e: vigie_store::QueryError) -> ExitCode {
    match e.position() {
        Some(p) => eprintln!("vigie: at line {}, column {}: {e}", p.line, p.column),
        None => eprintln!("vigie: {e}"),
    }
    ExitCode::from(1)
}

/// `vigie sql`.
pub fn sql(args: SqlArgs) -> anyhow::Result<ExitCode> {
    let rt = runtime()?;
    rt.block_on(async {
        let body = if args.server.offline {
            let store = match offline_store(&args.server).await? {
                Ok(s) => s,
                Err(code) => return Ok(code),
            };
            match store.sql(&args.query).await {
                Ok(out) => serde_json::to_value(out)?,
                Err(e) => return Ok(local_error(e)),
            }
        } else {
            let client = reqwest::Client::new();
            let url = format!("{}/api/v1/query", args.server.url.trim_end_matches('/'));
            let req = client
                .post(url)
                .header("content-type", "application/json")
                .body(serde_json::json!({ "query": args.query }).to_string());
            match call(&args.server, req).await? {
                Ok(b) => b,
                Err(code) => return Ok(code),
            }
        };
        let columns: Vec<String> = body["columns"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|c| c.as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .unwrap_or_default();
        let rows: Vec<Vec<Value>> = body["rows"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|r| r.as_array().cloned().unwrap_or_default())
                    .collect()
            })
            .unwrap_or_default();
        match args.server.format {
            OutputFormat::Ndjson => {
                for r in &rows {
                    let obj: serde_json::Map<String, Value> =
                        columns.iter().cloned().zip(r.iter().cloned()).collect();
                    println!("{}", Value::Object(obj));
                }
            }
            OutputFormat::Table => {
                print_table(&columns, &rows);
                let note = if body["truncated"].as_bool() == Some(true) {
                    " (truncated at the row limit)"
                } else {
                    ""
                };
                eprintln!(
                    "{} row(s) in {:.0} ms{note}",
                    rows.len(),
                    body["elapsed_ms"].as_f64().unwrap_or(0.0)
                );
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// Columns of the search table.
const SEARCH_COLUMNS: &[&str] = &[
    "event.dataset",
    "event.action",
    "event.outcome",
    "source.ip",
    "user.name",
    "host.name",
    "message",
];

/// `vigie search`.
pub fn search(args: SearchArgs) -> anyhow::Result<ExitCode> {
    let rt = runtime()?;
    rt.block_on(async {
        let body = if args.server.offline {
            let store = match offline_store(&args.server).await? {
                Ok(s) => s,
                Err(code) => return Ok(code),
            };
            let now = vigie_event::Timestamp::now().as_nanos();
            let time = |name: &str, v: &Option<String>| -> anyhow::Result<Option<i64>> {
                v.as_deref()
                    .map(|s| {
                        vigie_store::query::parse_time(s, now)
                            .with_context(|| format!("--{name} {s:?} is not a time"))
                    })
                    .transpose()
            };
            let req = vigie_store::SearchRequest {
                query: args.query.clone(),
                from: time("from", &args.from)?,
                to: time("to", &args.to)?,
                size: args.size,
                cursor: None,
            };
            match store.search(&req).await {
                Ok(page) => serde_json::to_value(page)?,
                Err(e) => return Ok(local_error(e)),
            }
        } else {
            let client = reqwest::Client::new();
            let url = format!("{}/api/v1/search", args.server.url.trim_end_matches('/'));
            let mut params = vec![("q", args.query.clone()), ("size", args.size.to_string())];
            if let Some(f) = &args.from {
                params.push(("from", f.clone()));
            }
            if let Some(t) = &args.to {
                params.push(("to", t.clone()));
            }
            match call(&args.server, client.get(url).query(&params)).await? {
                Ok(b) => b,
                Err(code) => return Ok(code),
            }
        };
        let hits = body["hits"].as_array().cloned().unwrap_or_default();
        match args.server.format {
            OutputFormat::Ndjson => {
                for h in &hits {
                    println!("{h}");
                }
            }
            OutputFormat::Table => {
                let mut columns = vec!["@timestamp".to_owned()];
                columns.extend(SEARCH_COLUMNS.iter().map(|c| c.to_string()));
                let rows: Vec<Vec<Value>> = hits
                    .iter()
                    .map(|h| {
                        let mut r = vec![h["@timestamp"].clone()];
                        r.extend(SEARCH_COLUMNS.iter().map(|c| h["fields"][*c].clone()));
                        r
                    })
                    .collect();
                print_table(&columns, &rows);
                let more = if body["next"].is_string() {
                    " (more: narrow the query or raise --size)"
                } else {
                    ""
                };
                eprintln!(
                    "{} event(s) in {:.0} ms{more}",
                    hits.len(),
                    body["took_ms"].as_f64().unwrap_or(0.0)
                );
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}
