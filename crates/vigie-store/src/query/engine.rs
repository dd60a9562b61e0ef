//! [`QueryEngine`]: builds a sandboxed DataFusion session per query and runs
//! SQL with time, memory and row limits.

use std::sync::Arc;
use std::time::{Duration, Instant};

use datafusion::common::DataFusionError;
use datafusion::dataframe::DataFrame;
use datafusion::datasource::{provider_as_source, ViewTable};
use datafusion::execution::cache::cache_manager::{CacheManagerConfig, FileMetadataCache};
use datafusion::execution::cache::default_cache::DefaultCache;
use datafusion::execution::disk_manager::{DiskManagerBuilder, DiskManagerMode};
use datafusion::execution::memory_pool::GreedyMemoryPool;
use datafusion::execution::object_store::ObjectStoreRegistry;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::logical_expr::{Expr, LogicalPlanBuilder};
use datafusion::prelude::{ident, SQLOptions, SessionConfig, SessionContext};
use futures_util::StreamExt;
use object_store::ObjectStore;

use super::output::QueryOutput;
use super::{udf, EventsTable, QueryError};
use crate::options::StoreOptions;
use crate::schema;
use crate::storage::{object_store_url, Storage};
use crate::Store;

/// Knows only the event store: a query can reach no other file or URL.
#[derive(Debug)]
struct StoreOnlyRegistry {
    store: Arc<dyn ObjectStore>,
}

impl ObjectStoreRegistry for StoreOnlyRegistry {
    fn register_store(
        &self,
        _url: &url::Url,
        _store: Arc<dyn ObjectStore>,
    ) -> Option<Arc<dyn ObjectStore>> {
        None
    }

    fn get_store(&self, url: &url::Url) -> datafusion::error::Result<Arc<dyn ObjectStore>> {
        let ours_url = object_store_url();
        let ours: &url::Url = ours_url.as_ref();
        if url.scheme() == ours.scheme() && url.host_str() == ours.host_str() {
            Ok(self.store.clone())
        } else {
            Err(DataFusionError::Plan(format!(
                "access to {url} is not allowed: queries read the event store only"
            )))
        }
    }
}

/// Shared pieces of every query session.
pub struct QueryEngine {
    registry: Arc<StoreOnlyRegistry>,
    metadata_cache: Arc<FileMetadataCache>,
    pub(crate) timeout: Duration,
    pub(crate) memory_bytes: usize,
    pub(crate) max_rows: usize,
}

impl QueryEngine {
    pub(crate) fn new(storage: &Storage, options: &StoreOptions) -> Self {
        Self {
            registry: Arc::new(StoreOnlyRegistry {
                store: storage.rooted(),
            }),
            metadata_cache: Arc::new(
                DefaultCache::new(64 << 20).with_name("vigie-parquet-footers"),
            ),
            timeout: options.query_timeout,
            memory_bytes: options.query_memory_bytes,
            max_rows: options.query_max_rows,
        }
    }

    /// A fresh session with `events` (the storage columns) registered and
    /// vigie's functions.
    pub(crate) fn context(&self, table: EventsTable) -> Result<SessionContext, QueryError> {
        let ctx = self.context_without_events()?;
        ctx.register_table("events", Arc::new(table))
            .map_err(|e| QueryError::Internal(e.to_string()))?;
        Ok(ctx)
    }

    fn context_without_events(&self) -> Result<SessionContext, QueryError> {
        let runtime = RuntimeEnvBuilder::new()
            .with_memory_pool(Arc::new(GreedyMemoryPool::new(self.memory_bytes)))
            .with_disk_manager_builder(
                DiskManagerBuilder::default().with_mode(DiskManagerMode::Disabled),
            )
            .with_object_store_registry(self.registry.clone())
            .with_cache_manager(
                CacheManagerConfig::default()
                    .with_file_metadata_cache(Some(self.metadata_cache.clone())),
            )
            .build_arc()
            .map_err(|e| QueryError::Internal(e.to_string()))?;
        let mut config = SessionConfig::new()
            .with_target_partitions(2)
            .with_information_schema(false);
        let opts = config.options_mut();
        opts.execution.parquet.pushdown_filters = true;
        opts.execution.parquet.reorder_filters = true;
        // Spans let planning errors (an unknown column) say where they are.
        opts.sql_parser.collect_spans = true;
        let mut ctx = SessionContext::new_with_config_rt(config, runtime);
        datafusion_functions_json::register_all(&mut ctx)
            .map_err(|e| QueryError::Internal(e.to_string()))?;
        udf::register(&ctx);
        Ok(ctx)
    }

    /// A session for SQL: `events` shows every row's `fields` whole (rows
    /// stored split are rebuilt, only when `fields` is read) and hides the
    /// split storage columns.
    pub(crate) fn sql_context(&self, table: EventsTable) -> Result<SessionContext, QueryError> {
        let ctx = self.context_without_events()?;
        let internal = |e: DataFusionError| QueryError::Internal(e.to_string());
        let columns: Vec<Expr> = schema::schema()
            .fields()
            .iter()
            .filter(|f| !schema::HIDDEN_COLUMNS.contains(&f.name().as_str()))
            .map(|f| {
                if f.name() == schema::FIELDS {
                    udf::fields_call().alias(schema::FIELDS)
                } else {
                    ident(f.name())
                }
            })
            .collect();
        let plan = LogicalPlanBuilder::scan("events", provider_as_source(Arc::new(table)), None)
            .and_then(|b| b.project(columns))
            .and_then(|b| b.build())
            .map_err(internal)?;
        ctx.register_table("events", Arc::new(ViewTable::new(plan, None)))
            .map_err(internal)?;
        Ok(ctx)
    }

    /// Runs a DataFrame to at most `max_rows` rows within the time limit.
    pub(crate) async fn collect(
        &self,
        df: DataFrame,
        max_rows: usize,
    ) -> Result<QueryOutput, QueryError> {
        let started = Instant::now();
        let limit = self.memory_bytes;
        let run = async {
            let schema = df.schema().as_arrow().clone();
            let mut stream = df
                .execute_stream()
                .await
                .map_err(|e| QueryError::from_datafusion(e, limit))?;
            let mut out = QueryOutput::new(&schema);
            while let Some(batch) = stream.next().await {
                let batch = batch.map_err(|e| QueryError::from_datafusion(e, limit))?;
                if out.push(&batch, max_rows) {
                    break;
                }
            }
            Ok(out)
        };
        let mut out = tokio::time::timeout(self.timeout, run)
            .await
            .map_err(|_| QueryError::Timeout(self.timeout))??;
        out.elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
        Ok(out)
    }
}

/// The parser reports "found: EOF" without a position: that position is
/// the end of the text.
fn at_end_if_eof(e: QueryError, sql: &str) -> QueryError {
    match e {
        QueryError::Invalid {
            message,
            position: None,
        } if message.contains("found: EOF") => {
            let line = sql.lines().count().max(1) as u64;
            let column = sql.lines().last().map_or(0, |l| l.chars().count()) as u64 + 1;
            QueryError::Invalid {
                message,
                position: Some(super::Position { line, column }),
            }
        }
        other => other,
    }
}

impl Store {
    /// Counts a query of `api` by its outcome, and hands its result back.
    pub(crate) fn counted<T>(
        &self,
        api: &'static str,
        res: Result<T, QueryError>,
    ) -> Result<T, QueryError> {
        let outcome = res.as_ref().map(|_| "ok").unwrap_or_else(|e| e.kind());
        self.shared.metrics.store.query(api, outcome);
        res
    }

    /// Runs a read-only SQL query over the `events` table.
    pub async fn sql(&self, sql: &str) -> Result<QueryOutput, QueryError> {
        let res = self.sql_inner(sql).await;
        self.counted("sql", res)
    }

    async fn sql_inner(&self, sql: &str) -> Result<QueryOutput, QueryError> {
        if sql.len() > 64 * 1024 {
            return Err(QueryError::invalid("the query is longer than 64 KiB", None));
        }
        let _ = self.refresh_if_stale().await;
        let engine = &self.shared.engine;
        let table = EventsTable::new(self.snapshot());
        let ctx = engine.sql_context(table)?;
        let options = SQLOptions::new()
            .with_allow_ddl(false)
            .with_allow_dml(false)
            .with_allow_statements(false);
        let limit = engine.memory_bytes;
        let plan = tokio::time::timeout(engine.timeout, ctx.sql_with_options(sql, options))
            .await
            .map_err(|_| QueryError::Timeout(engine.timeout))?
            .map_err(|e| at_end_if_eof(QueryError::from_datafusion(e, limit), sql))?;
        engine.collect(plan, engine.max_rows).await
    }
}
