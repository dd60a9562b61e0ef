//! [`EventsTable`]: the `events` table of one snapshot — the live Parquet
//! files (pruned by time range and, for searches, by token filters row group
//! by row group) united with the in-memory tail.

use std::sync::Arc;

use arrow::datatypes::SchemaRef;
use async_trait::async_trait;
use datafusion::catalog::Session;
use datafusion::common::DFSchema;
use datafusion::datasource::listing::PartitionedFile;
use datafusion::datasource::memory::MemorySourceConfig;
use datafusion::datasource::physical_plan::parquet::ParquetAccessPlan;
use datafusion::datasource::physical_plan::{FileGroup, FileScanConfigBuilder, ParquetSource};
use datafusion::datasource::source::DataSourceExec;
use datafusion::datasource::{TableProvider, TableType};
use datafusion::error::Result;
use datafusion::logical_expr::utils::conjunction;
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown};
use datafusion::physical_plan::union::UnionExec;
use datafusion::physical_plan::ExecutionPlan;
use vigie_search::{might_match, Query};

use crate::schema;
use crate::storage::object_store_url;
use crate::Snapshot;

/// The `events` table over one snapshot.
#[derive(Debug)]
pub struct EventsTable {
    snapshot: Snapshot,
    /// Only files overlapping `[from, to)` (nanoseconds) are read.
    time: Option<(i64, i64)>,
    /// A search whose token filters prune row groups.
    search: Option<Arc<Query>>,
}

impl EventsTable {
    pub fn new(snapshot: Snapshot) -> Self {
        Self {
            snapshot,
            time: None,
            search: None,
        }
    }

    pub fn with_time_range(mut self, from: i64, to: i64) -> Self {
        self.time = Some((from, to));
        self
    }

    pub fn with_search(mut self, query: Arc<Query>) -> Self {
        self.search = Some(query);
        self
    }

    /// Files to read, each with the row groups its token filters allow.
    fn files(&self) -> Vec<PartitionedFile> {
        let mut out = Vec::new();
        for f in &self.snapshot.files {
            if let Some((from, to)) = self.time {
                if f.max_ts < from || f.min_ts >= to {
                    continue;
                }
            }
            let mut file = PartitionedFile::new(f.path.as_ref().to_owned(), f.data_size);
            if let (Some(q), Some(index)) = (&self.search, &f.tokens) {
                let mut plan = ParquetAccessPlan::new_all(index.row_groups.len());
                let mut any = false;
                for (i, filter) in index.row_groups.iter().enumerate() {
                    if might_match(q, &mut |h| filter.might_contain(h)) {
                        any = true;
                    } else {
                        plan.skip(i);
                    }
                }
                if !any {
                    continue;
                }
                file = file.with_extension(plan);
            }
            out.push(file);
        }
        out
    }
}

#[async_trait]
impl TableProvider for EventsTable {
    fn schema(&self) -> SchemaRef {
        schema::schema()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> Result<Vec<TableProviderFilterPushDown>> {
        Ok(vec![TableProviderFilterPushDown::Inexact; filters.len()])
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let schema = schema::schema();
        let mut inputs: Vec<Arc<dyn ExecutionPlan>> = Vec::new();
        let files = self.files();
        if !files.is_empty() {
            let mut source = ParquetSource::new(schema.clone())
                .with_pushdown_filters(true)
                .with_reorder_filters(true);
            if let Some(expr) = conjunction(filters.to_vec()) {
                let df_schema = DFSchema::try_from(schema.as_ref().clone())?;
                let predicate = state.create_physical_expr(expr, &df_schema)?;
                source = source.with_predicate(predicate);
            }
            let partitions = state.config().target_partitions().max(1);
            let mut groups: Vec<Vec<PartitionedFile>> =
                vec![Vec::new(); partitions.min(files.len())];
            let n = groups.len();
            for (i, f) in files.into_iter().enumerate() {
                groups[i % n].push(f);
            }
            let config = FileScanConfigBuilder::new(object_store_url(), Arc::new(source))
                .with_file_groups(groups.into_iter().map(FileGroup::new).collect())
                .with_projection_indices(projection.cloned())?
                .with_limit(limit)
                .build();
            inputs.push(DataSourceExec::from_data_source(config));
        }
        if !self.snapshot.mem.is_empty() || inputs.is_empty() {
            let mem = MemorySourceConfig::try_new_exec(
                std::slice::from_ref(&self.snapshot.mem),
                schema.clone(),
                projection.cloned(),
            )?;
            inputs.push(mem);
        }
        UnionExec::try_new(inputs)
    }
}
