//! The search API: a query in the search syntax (see docs/search.md),
//! translated to a DataFusion filter, answered newest first, a page at a
//! time.
//!
//! Terms on core columns become column predicates (Parquet statistics and
//! late materialization apply); every other term is checked by
//! `vigie_search` against the row's fields and original record. Token
//! filters prune row groups before anything is read. A page is found in two
//! steps: the newest matching (`@timestamp`, `_id`) pairs first, reading two
//! columns, then only those rows in full.

use std::sync::Arc;

use datafusion::common::ScalarValue;
use datafusion::logical_expr::Expr;
use datafusion::prelude::{ident, lit};
use serde_json::Value;
use vigie_event::Timestamp;
use vigie_search::{parse, Matcher, Query, Term};

use super::output::QueryOutput;
use super::udf::{fields_call, search_call};
use super::{EventsTable, QueryError};
use crate::schema::{self, ColumnKind, FIELDS, ORIGINAL, SEQ, TIMESTAMP};
use crate::Store;

/// A search.
#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    pub query: String,
    /// Nanoseconds, inclusive.
    pub from: Option<i64>,
    /// Nanoseconds, exclusive.
    pub to: Option<i64>,
    /// Hits per page.
    pub size: usize,
    /// The `next` cursor of the previous page.
    pub cursor: Option<String>,
}

/// One event found.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SearchHit {
    #[serde(rename = "@timestamp")]
    pub timestamp: String,
    #[serde(rename = "_id")]
    pub id: String,
    pub fields: Value,
    pub original: Option<String>,
}

/// A page of hits, newest first.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SearchPage {
    pub hits: Vec<SearchHit>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next: Option<String>,
    pub took_ms: f64,
}

pub(crate) fn ts_lit(nanos: i64) -> Expr {
    lit(ScalarValue::TimestampNanosecond(
        Some(nanos),
        Some("UTC".into()),
    ))
}

/// Parses a time: RFC 3339, a date, `now`, `now-15m` (s, m, h, d, w), or
/// epoch milliseconds.
pub fn parse_time(s: &str, now: i64) -> Option<i64> {
    let s = s.trim();
    if s == "now" {
        return Some(now);
    }
    if let Some(rest) = s.strip_prefix("now-") {
        let (num, unit) = rest.split_at(rest.find(|c: char| !c.is_ascii_digit())?);
        let n: i64 = num.parse().ok()?;
        let secs = match unit {
            "s" => 1,
            "m" => 60,
            "h" => 3600,
            "d" => 86_400,
            "w" => 604_800,
            _ => return None,
        };
        return now.checked_sub(n.checked_mul(secs)?.checked_mul(1_000_000_000)?);
    }
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        let ms: i64 = s.parse().ok()?;
        return ms.checked_mul(1_000_000);
    }
    if s.len() == 10 {
        return Timestamp::parse_rfc3339(&format!("{s}T00:00:00Z"))
            .ok()
            .map(|t| t.as_nanos());
    }
    Timestamp::parse_rfc3339(s).ok().map(|t| t.as_nanos())
}

fn udf_term(term: &Term) -> Expr {
    search_call(Query::Term(term.clone()).to_string())
}

fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn bound_expr(
    column: Expr,
    kind: ColumnKind,
    value: &str,
    op: fn(Expr, Expr) -> Expr,
) -> Result<Expr, QueryError> {
    if value == "*" {
        return Ok(lit(true));
    }
    Ok(match kind {
        ColumnKind::Timestamp => {
            let ns = parse_time(value, Timestamp::now().as_nanos()).ok_or_else(|| {
                QueryError::invalid(format!("{value:?} is not a time (use RFC 3339, a date, now-15m or epoch milliseconds)"), None)
            })?;
            op(column, ts_lit(ns))
        }
        ColumnKind::Int => {
            let n: i64 = value
                .parse()
                .map_err(|_| QueryError::invalid(format!("{value:?} is not an integer"), None))?;
            op(column, lit(n))
        }
        ColumnKind::Text => op(column, lit(value.to_owned())),
    })
}

/// Translates a search query into a filter expression.
pub(crate) fn to_expr(q: &Query) -> Result<Expr, QueryError> {
    Ok(match q {
        Query::All => lit(true),
        Query::And(parts) => parts
            .iter()
            .map(to_expr)
            .try_fold(lit(true), |acc, e| e.map(|e| acc.and(e)))?,
        Query::Or(parts) => parts
            .iter()
            .map(to_expr)
            .try_fold(lit(false), |acc, e| e.map(|e| acc.or(e)))?,
        Query::Not(inner) => !to_expr(inner)?,
        Query::Term(term) => term_expr(term)?,
    })
}

fn term_expr(term: &Term) -> Result<Expr, QueryError> {
    let Some(field) = term.field.as_deref() else {
        return Ok(udf_term(term));
    };
    let Some(kind) = schema::column_type(field) else {
        return Ok(udf_term(term));
    };
    let c = ident(field);
    let e = match (&term.matcher, kind) {
        (Matcher::Exists, ColumnKind::Timestamp) => lit(true),
        (Matcher::Exists, _) => c.is_not_null(),
        (Matcher::Range { lower, upper }, _) => {
            let mut e = lit(true);
            if let Some(b) = lower {
                e = e.and(bound_expr(
                    c.clone(),
                    kind,
                    &b.value,
                    if b.inclusive { Expr::gt_eq } else { Expr::gt },
                )?);
            }
            if let Some(b) = upper {
                e = e.and(bound_expr(
                    c.clone(),
                    kind,
                    &b.value,
                    if b.inclusive { Expr::lt_eq } else { Expr::lt },
                )?);
            }
            e
        }
        (Matcher::Word(v) | Matcher::Phrase(v), ColumnKind::Timestamp) => {
            bound_expr(c, kind, v, Expr::eq)?
        }
        (Matcher::Word(v) | Matcher::Phrase(v), ColumnKind::Int) => match v.trim().parse::<i64>() {
            Ok(n) => c.eq(lit(n)),
            Err(_) => lit(false),
        },
        (Matcher::Word(v) | Matcher::Phrase(v), ColumnKind::Text) => {
            // Equal (case-insensitively), or holding the words: a cheap
            // substring test guards the exact token check.
            let contains = c.clone().ilike(lit(format!("%{}%", escape_like(v))));
            c.ilike(lit(escape_like(v)))
                .or(contains.and(udf_term(term)))
        }
        (Matcher::Wildcard(_), _) => udf_term(term),
    };
    // A missing field never matches, and NOT of it then does.
    Ok(datafusion::functions::expr_fn::coalesce(vec![
        e,
        lit(false),
    ]))
}

/// Parses a search query, mapping a syntax error to a positioned error.
pub(crate) fn parse_query(q: &str) -> Result<Query, QueryError> {
    parse(q).map_err(|e| {
        QueryError::invalid(
            format!("search syntax: {}", e.message),
            Some(super::Position {
                line: 1,
                column: q[..e.position.min(q.len())].chars().count() as u64 + 1,
            }),
        )
    })
}

fn parse_cursor(c: &str) -> Result<(i64, u64), QueryError> {
    let bad = || QueryError::invalid(format!("invalid cursor {c:?}"), None);
    let (t, id) = c.split_once('.').ok_or_else(bad)?;
    Ok((
        t.parse().map_err(|_| bad())?,
        id.parse().map_err(|_| bad())?,
    ))
}

impl Store {
    /// Runs a search and returns one page, newest first.
    pub async fn search(&self, req: &SearchRequest) -> Result<SearchPage, QueryError> {
        let res = self.search_inner(req).await;
        self.counted("search", res)
    }

    async fn search_inner(&self, req: &SearchRequest) -> Result<SearchPage, QueryError> {
        let started = std::time::Instant::now();
        let query = Arc::new(parse_query(&req.query)?);
        let filter = to_expr(&query)?;
        let size = req.size.clamp(1, 10_000);
        let from = req.from.unwrap_or(i64::MIN);
        let mut to = req.to.unwrap_or(i64::MAX);
        let cursor = req.cursor.as_deref().map(parse_cursor).transpose()?;
        if let Some((ts, _)) = cursor {
            to = to.min(ts.saturating_add(1));
        }
        let _ = self.refresh_if_stale().await;
        let engine = &self.shared.engine;
        let snapshot = self.snapshot();
        let mut filter = filter
            .and(ident(TIMESTAMP).gt_eq(ts_lit(from)))
            .and(ident(TIMESTAMP).lt(ts_lit(to)));
        if let Some((ts, id)) = cursor {
            filter = filter.and(
                ident(TIMESTAMP)
                    .lt(ts_lit(ts))
                    .or(ident(TIMESTAMP).eq(ts_lit(ts)).and(ident(SEQ).lt(lit(id)))),
            );
        }
        // Step 1: the newest (time, id) pairs.
        let table = EventsTable::new(snapshot.clone())
            .with_time_range(from, to)
            .with_search(query.clone());
        let ctx = engine.context(table)?;
        let limit = engine.memory_bytes;
        let df = ctx
            .table("events")
            .await
            .and_then(|df| df.filter(filter))
            .and_then(|df| df.select(vec![ident(TIMESTAMP), ident(SEQ)]))
            .and_then(|df| {
                df.sort(vec![
                    ident(TIMESTAMP).sort(false, false),
                    ident(SEQ).sort(false, false),
                ])
            })
            .and_then(|df| df.limit(0, Some(size + 1)))
            .map_err(|e| QueryError::from_datafusion(e, limit))?;
        let keys = engine.collect(df, size + 1).await?;
        let pairs: Vec<(i64, u64)> = keys
            .rows
            .iter()
            .filter_map(|r| {
                let ts = r
                    .first()?
                    .as_str()
                    .and_then(|s| Timestamp::parse_rfc3339(s).ok())?
                    .as_nanos();
                Some((ts, r.get(1)?.as_u64()?))
            })
            .collect();
        let more = pairs.len() > size;
        let page: Vec<(i64, u64)> = pairs.into_iter().take(size).collect();
        if page.is_empty() {
            return Ok(SearchPage {
                hits: Vec::new(),
                next: None,
                took_ms: started.elapsed().as_secs_f64() * 1000.0,
            });
        }
        // Step 2: those rows in full. Every hit matched the query, so the
        // token filters that pruned step 1 keep the hits' row groups and
        // prune the rest again: hits spread over a day do not make this
        // step read the whole day.
        let lo = page.iter().map(|p| p.0).min().unwrap_or(from);
        let hi = page.iter().map(|p| p.0).max().unwrap_or(from);
        let ids: Vec<Expr> = page.iter().map(|p| lit(p.1)).collect();
        let table = EventsTable::new(snapshot)
            .with_time_range(lo, hi.saturating_add(1))
            .with_search(query.clone());
        let ctx = engine.context(table)?;
        let df = ctx
            .table("events")
            .await
            .and_then(|df| {
                df.filter(
                    ident(TIMESTAMP)
                        .gt_eq(ts_lit(lo))
                        .and(ident(TIMESTAMP).lt_eq(ts_lit(hi)))
                        .and(ident(SEQ).in_list(ids, false)),
                )
            })
            .and_then(|df| {
                df.select(vec![
                    ident(TIMESTAMP),
                    ident(SEQ),
                    fields_call().alias(FIELDS),
                    ident(ORIGINAL),
                ])
            })
            .and_then(|df| {
                df.sort(vec![
                    ident(TIMESTAMP).sort(false, false),
                    ident(SEQ).sort(false, false),
                ])
            })
            .map_err(|e| QueryError::from_datafusion(e, limit))?;
        let rows: QueryOutput = engine.collect(df, size * 2).await?;
        let mut hits = Vec::with_capacity(rows.rows.len());
        for r in rows.rows {
            let mut it = r.into_iter();
            let (Some(ts), Some(id), Some(fields), Some(original)) =
                (it.next(), it.next(), it.next(), it.next())
            else {
                continue;
            };
            let id = id.as_u64().unwrap_or(0);
            if !page.iter().any(|p| p.1 == id) {
                continue;
            }
            hits.push(SearchHit {
                timestamp: ts.as_str().unwrap_or_default().to_owned(),
                id: id.to_string(),
                fields: fields
                    .as_str()
                    .and_then(|t| serde_json::from_str(t).ok())
                    .unwrap_or(Value::Null),
                original: original.as_str().map(str::to_owned),
            });
        }
        let next = if more {
            page.last().map(|(ts, id)| format!("{ts}.{id}"))
        } else {
            None
        };
        Ok(SearchPage {
            hits,
            next,
            took_ms: started.elapsed().as_secs_f64() * 1000.0,
        })
    }
}
