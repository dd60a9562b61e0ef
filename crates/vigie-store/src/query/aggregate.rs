//! The aggregation API: counts over time buckets (optionally split by a
//! field) and the top values of a field, for dashboards.

use std::sync::Arc;
use std::time::Duration;

use arrow::datatypes::IntervalMonthDayNano;
use datafusion::common::ScalarValue;
use datafusion::functions::expr_fn::date_bin;
use datafusion::functions_aggregate::expr_fn::count;
use datafusion::logical_expr::Expr;
use datafusion::prelude::{ident, lit};
use serde_json::Value;

use super::search::{parse_query, to_expr, ts_lit};
use super::udf::field_call;
use super::{EventsTable, QueryError};
use crate::schema::{self, TIMESTAMP};
use crate::Store;

/// An aggregation.
#[derive(Debug, Clone, Default)]
pub struct AggregateRequest {
    pub query: String,
    pub from: Option<i64>,
    pub to: Option<i64>,
    /// Count per time bucket of this width…
    pub interval: Option<Duration>,
    /// …split by this field (the `top` most frequent values).
    pub by: Option<String>,
    /// Or: the `top` most frequent values of this field.
    pub field: Option<String>,
    pub top: usize,
}

/// A time bucket.
#[derive(Debug, Clone, serde::Serialize, PartialEq)]
pub struct Bucket {
    pub time: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    pub count: u64,
}

/// A value and how often it occurs.
#[derive(Debug, Clone, serde::Serialize, PartialEq)]
pub struct TopValue {
    pub value: Value,
    pub count: u64,
}

/// The answer of an aggregation.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(untagged)]
pub enum AggregateResult {
    Buckets {
        interval_seconds: f64,
        #[serde(skip_serializing_if = "Option::is_none")]
        by: Option<String>,
        buckets: Vec<Bucket>,
        took_ms: f64,
    },
    Top {
        field: String,
        values: Vec<TopValue>,
        took_ms: f64,
    },
}

/// The expression of a field: its column, or its value in `fields`.
fn field_expr(name: &str) -> Expr {
    if schema::column_type(name).is_some() {
        ident(name)
    } else {
        field_call(name)
    }
}

fn check_field(name: &str) -> Result<(), QueryError> {
    let ok = !name.is_empty()
        && name.len() <= 256
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if ok {
        Ok(())
    } else {
        Err(QueryError::invalid(
            format!("{name:?} is not a field name"),
            None,
        ))
    }
}

impl Store {
    /// Runs an aggregation.
    pub async fn aggregate(&self, req: &AggregateRequest) -> Result<AggregateResult, QueryError> {
        let res = self.aggregate_inner(req).await;
        self.counted("aggregate", res)
    }

    async fn aggregate_inner(&self, req: &AggregateRequest) -> Result<AggregateResult, QueryError> {
        let started = std::time::Instant::now();
        let query = Arc::new(parse_query(&req.query)?);
        let from = req.from.unwrap_or(i64::MIN);
        let to = req.to.unwrap_or(i64::MAX);
        let filter = to_expr(&query)?
            .and(ident(TIMESTAMP).gt_eq(ts_lit(from)))
            .and(ident(TIMESTAMP).lt(ts_lit(to)));
        let top = req.top.clamp(1, 1000);
        let _ = self.refresh_if_stale().await;
        let engine = &self.shared.engine;
        let mut table = EventsTable::new(self.snapshot()).with_time_range(from, to);
        if !matches!(*query, vigie_search::Query::All) {
            table = table.with_search(query.clone());
        }
        let ctx = engine.context(table)?;
        let limit = engine.memory_bytes;
        let df = ctx
            .table("events")
            .await
            .and_then(|df| df.filter(filter))
            .map_err(|e| QueryError::from_datafusion(e, limit))?;
        let df_err = |e| QueryError::from_datafusion(e, limit);
        match (&req.field, req.interval) {
            (Some(field), _) => {
                check_field(field)?;
                let df = df
                    .aggregate(
                        vec![field_expr(field).alias("value")],
                        vec![count(lit(1)).alias("count")],
                    )
                    .and_then(|df| df.filter(ident("value").is_not_null()))
                    .and_then(|df| {
                        df.sort(vec![
                            ident("count").sort(false, false),
                            ident("value").sort(true, false),
                        ])
                    })
                    .and_then(|df| df.limit(0, Some(top)))
                    .map_err(df_err)?;
                let out = engine.collect(df, top).await?;
                let values = out
                    .rows
                    .into_iter()
                    .filter_map(|r| {
                        let mut it = r.into_iter();
                        let value = it.next()?;
                        let count = it.next()?.as_u64()?;
                        Some(TopValue { value, count })
                    })
                    .collect();
                Ok(AggregateResult::Top {
                    field: field.clone(),
                    values,
                    took_ms: started.elapsed().as_secs_f64() * 1000.0,
                })
            }
            (None, Some(interval)) => {
                let nanos = interval
                    .as_nanos()
                    .clamp(1_000_000_000, 366 * 86_400 * 1_000_000_000)
                    as i64;
                let stride = lit(ScalarValue::IntervalMonthDayNano(Some(
                    IntervalMonthDayNano::new(0, 0, nanos),
                )));
                let bucket = date_bin(stride, ident(TIMESTAMP), ts_lit(0)).alias("time");
                let mut groups = vec![bucket];
                let mut df = df;
                if let Some(by) = &req.by {
                    check_field(by)?;
                    // Only the `top` most frequent values get a series.
                    let tops = df
                        .clone()
                        .aggregate(
                            vec![field_expr(by).alias("v")],
                            vec![count(lit(1)).alias("n")],
                        )
                        .and_then(|d| d.filter(ident("v").is_not_null()))
                        .and_then(|d| d.sort(vec![ident("n").sort(false, false)]))
                        .and_then(|d| d.limit(0, Some(top)))
                        .map_err(df_err)?;
                    let out = engine.collect(tops, top).await?;
                    let values: Vec<Expr> = out
                        .rows
                        .iter()
                        .filter_map(|r| {
                            r.first().and_then(|v| {
                                v.as_str()
                                    .map(|s| lit(s.to_owned()))
                                    .or_else(|| v.as_i64().map(lit))
                            })
                        })
                        .collect();
                    if values.is_empty() {
                        return Ok(AggregateResult::Buckets {
                            interval_seconds: nanos as f64 / 1e9,
                            by: Some(by.clone()),
                            buckets: Vec::new(),
                            took_ms: started.elapsed().as_secs_f64() * 1000.0,
                        });
                    }
                    df = df
                        .filter(field_expr(by).in_list(values, false))
                        .map_err(df_err)?;
                    groups.push(field_expr(by).alias("value"));
                }
                let n_groups = groups.len();
                let mut sort = vec![ident("time").sort(true, false)];
                if n_groups > 1 {
                    sort.push(ident("value").sort(true, false));
                }
                let df = df
                    .aggregate(groups, vec![count(lit(1)).alias("count")])
                    .and_then(|d| d.sort(sort))
                    .map_err(df_err)?;
                let out = engine.collect(df, 100_000).await?;
                let count_at = out
                    .columns
                    .iter()
                    .position(|c| c == "count")
                    .unwrap_or(n_groups);
                let buckets = out
                    .rows
                    .into_iter()
                    .filter_map(|r| {
                        let time = r.first()?.as_str()?.to_owned();
                        let value = (n_groups > 1).then(|| r.get(1).cloned()).flatten();
                        let count = r.get(count_at)?.as_u64()?;
                        Some(Bucket { time, value, count })
                    })
                    .collect();
                Ok(AggregateResult::Buckets {
                    interval_seconds: nanos as f64 / 1e9,
                    by: req.by.clone(),
                    buckets,
                    took_ms: started.elapsed().as_secs_f64() * 1000.0,
                })
            }
            (None, None) => Err(QueryError::invalid(
                "give interval (counts over time) or field (top values)",
                None,
            )),
        }
    }
}
