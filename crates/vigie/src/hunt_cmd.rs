//! `vigie hunt`: run Sigma rules over stored events.
//!
//! Pages through the search API (of a running vigie, or the store's files
//! with `--offline`), rebuilds each event (dataset, time, ECS fields and the
//! original record) and evaluates it with the same engine the server runs on
//! ingest, so a hunt finds what live detection would have found.

use std::collections::HashMap;
use std::process::ExitCode;

use anyhow::Context;
use serde_json::{json, Value};
use vigie_event::{Event, Timestamp};

use crate::cli::{HuntArgs, OutputFormat};
use crate::query_cmd::{call, offline_store, runtime};
use crate::rules_cmd::{load_options, load_rules};

/// Events fetched per page.
const PAGE: usize = 2000;

/// Rebuilds an event from a search hit.
fn event_of(hit: &Value) -> Option<Event> {
    let fields = hit.get("fields")?.as_object()?;
    let dataset = fields.get("event.dataset").and_then(Value::as_str)?;
    let ts = hit
        .get("@timestamp")
        .and_then(Value::as_str)
        .and_then(|s| Timestamp::parse_rfc3339(s).ok())?;
    let original = hit.get("original").and_then(Value::as_str).unwrap_or("");
    let mut event = Event::new(dataset, ts, original);
    for (k, v) in fields {
        event.fields.set(k.clone(), v.clone());
    }
    Some(event)
}

pub fn run(args: HuntArgs) -> anyhow::Result<ExitCode> {
    let options = load_options(args.placeholders.as_deref(), &args.pipelines)?;
    let (engine, report) = load_rules(&args.rules, &options)?;
    for f in &report.failed {
        eprintln!("error: {f}");
    }
    let rt = runtime()?;
    let now = Timestamp::now().as_nanos();
    let time = |name: &str, v: &Option<String>| -> anyhow::Result<Option<i64>> {
        v.as_deref()
            .map(|s| {
                vigie_store::query::parse_time(s, now)
                    .with_context(|| format!("--{name} {s:?} is not a time"))
            })
            .transpose()
    };
    let (from, to) = (time("from", &args.from)?, time("to", &args.to)?);
    rt.block_on(async {
        let store = if args.server.offline {
            match offline_store(&args.server).await? {
                Ok(s) => Some(s),
                Err(code) => return Ok(code),
            }
        } else {
            None
        };
        let client = reqwest::Client::new();
        let mut cursor: Option<String> = None;
        let mut scanned = 0usize;
        let mut per_rule: HashMap<u32, usize> = HashMap::new();
        let mut matched = Vec::new();
        loop {
            let body = match &store {
                Some(store) => {
                    let req = vigie_store::SearchRequest {
                        query: args.query.clone(),
                        from,
                        to,
                        size: PAGE,
                        cursor: cursor.clone(),
                    };
                    match store.search(&req).await {
                        Ok(page) => serde_json::to_value(page)?,
                        Err(e) => {
                            eprintln!("vigie: {e}");
                            return Ok(ExitCode::from(1));
                        }
                    }
                }
                None => {
                    let url = format!("{}/api/v1/search", args.server.url.trim_end_matches('/'));
                    let mut params = vec![("q", args.query.clone()), ("size", PAGE.to_string())];
                    if let Some(f) = from {
                        params.push(("from", (f / 1_000_000).to_string()));
                    }
                    if let Some(t) = to {
                        params.push(("to", (t / 1_000_000).to_string()));
                    }
                    if let Some(c) = &cursor {
                        params.push(("cursor", c.clone()));
                    }
                    match call(&args.server, client.get(url).query(&params)).await? {
                        Ok(b) => b,
                        Err(code) => return Ok(code),
                    }
                }
            };
            let hits = body["hits"].as_array().cloned().unwrap_or_default();
            for hit in &hits {
                scanned += 1;
                let Some(event) = event_of(hit) else { continue };
                matched.clear();
                engine.evaluate(&event, &mut matched);
                for &i in &matched {
                    *per_rule.entry(i).or_default() += 1;
                    let Some(rule) = engine.rules().get(i as usize) else {
                        continue;
                    };
                    let meta = &rule.rule.meta;
                    match args.server.format {
                        OutputFormat::Ndjson => println!(
                            "{}",
                            json!({
                                "@timestamp": hit["@timestamp"],
                                "_id": hit["_id"],
                                "dataset": event.dataset(),
                                "rule_id": meta.id,
                                "title": meta.title,
                                "level": meta.level,
                            })
                        ),
                        OutputFormat::Table => println!(
                            "{}  {}  [{}] {} ({})",
                            hit["@timestamp"].as_str().unwrap_or("-"),
                            hit["_id"].as_str().unwrap_or("-"),
                            meta.level.as_deref().unwrap_or("-"),
                            meta.title,
                            meta.id.as_deref().unwrap_or("-"),
                        ),
                    }
                }
            }
            match body["next"].as_str() {
                Some(next) if !hits.is_empty() => cursor = Some(next.to_owned()),
                _ => break,
            }
        }
        eprintln!(
            "{scanned} events scanned; {} rules fired, {} matches",
            per_rule.len(),
            per_rule.values().sum::<usize>()
        );
        Ok(ExitCode::SUCCESS)
    })
}
