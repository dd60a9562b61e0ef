//! The [`Source`] trait, the [`SourceContext`] every source runs with, and
//! the start-up and run loop for the configured inputs.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;
use vigie_config::InputsConfig;
use vigie_metrics::Metrics;
use vigie_normalize::{Limits, Normalizer, Registry};
use vigie_pipeline::IngestQueue;

use crate::InputError;

/// A boxed, sendable future.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// A built input, ready to run: sockets bound, certificates loaded.
pub trait Source: Send {
    /// The configured name.
    fn name(&self) -> &str;
    /// Runs until `ctx.shutdown` is cancelled, then returns once what was
    /// read is admitted (or the queue closed) and state is saved.
    fn run(self: Box<Self>, ctx: SourceContext) -> BoxFuture<()>;
}

/// What a running source shares with the rest of vigie.
#[derive(Clone)]
pub struct SourceContext {
    pub registry: Arc<Registry>,
    pub queue: IngestQueue,
    pub metrics: Arc<Metrics>,
    pub limits: Limits,
    /// Largest payload after decompression (`ingest.max_decompressed_bytes`):
    /// bounds a whole object or file a source reads at once.
    pub max_decompressed_bytes: usize,
    /// `data_dir/inputs`: each stateful source keeps its files under
    /// `<state_dir>/<name>/`.
    pub state_dir: PathBuf,
    pub shutdown: CancellationToken,
}

impl SourceContext {
    /// The normalizer for `dataset`; `None` means detect each record
    /// (`"auto"` or no dataset configured).
    pub fn normalizer(&self, dataset: Option<&str>) -> Option<&dyn Normalizer> {
        dataset
            .filter(|d| *d != "auto")
            .and_then(|d| self.registry.get(d))
    }

    /// The directory where source `name` keeps its state, created.
    pub fn state_dir_for(&self, name: &str) -> std::io::Result<PathBuf> {
        let dir = self.state_dir.join(name);
        std::fs::create_dir_all(&dir)?;
        Ok(dir)
    }
}

/// Builds every configured input (binds listeners, loads certificates,
/// checks paths), returning every error at once.
pub async fn build_sources(config: &InputsConfig) -> Result<Vec<Box<dyn Source>>, Vec<InputError>> {
    let mut sources: Vec<Box<dyn Source>> = Vec::new();
    let mut errors = Vec::new();
    for s in &config.syslog {
        match crate::syslog::build(s).await {
            Ok(src) => sources.push(src),
            Err(e) => errors.push(e),
        }
    }
    for f in &config.files {
        match crate::file::build(f) {
            Ok(src) => sources.push(src),
            Err(e) => errors.push(e),
        }
    }
    for b in &config.s3 {
        match crate::s3::build(b) {
            Ok(src) => sources.push(src),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(sources)
    } else {
        Err(errors)
    }
}

/// Runs `sources` until `ctx.shutdown` is cancelled and each has stopped.
pub async fn run_sources(sources: Vec<Box<dyn Source>>, ctx: SourceContext) {
    let mut tasks = tokio::task::JoinSet::new();
    for source in sources {
        let name = source.name().to_owned();
        tracing::info!(input = %name, "input started");
        let fut = source.run(ctx.clone());
        tasks.spawn(async move {
            fut.await;
            name
        });
    }
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok(name) => tracing::info!(input = %name, "input stopped"),
            Err(e) => tracing::error!(error = %e, "an input task failed"),
        }
    }
}
