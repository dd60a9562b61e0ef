//! What every input test needs: a sink that collects what the pipeline
//! writes, and a [`SourceContext`] around a queue.

use std::path::Path;
use std::sync::{Arc, Mutex};

use tokio_util::sync::CancellationToken;
use vigie_event::Event;
use vigie_input::SourceContext;
use vigie_metrics::Metrics;
use vigie_normalize::{Limits, Registry};
use vigie_pipeline::{IngestQueue, Sink, SinkError};

/// Collects what the pipeline writes; clones share the events.
#[derive(Clone, Default)]
pub struct Collect(pub Arc<Mutex<Vec<Event>>>);

impl Sink for Collect {
    fn write(&mut self, events: &[Event]) -> Result<(), SinkError> {
        self.0.lock().unwrap().extend_from_slice(events);
        Ok(())
    }
    fn flush(&mut self) -> Result<(), SinkError> {
        Ok(())
    }
}

/// A context with the built-in registry, `ingest.max_decompressed_bytes`
/// at its default, and a fresh shutdown token (returned too).
pub fn context(
    queue: IngestQueue,
    metrics: Arc<Metrics>,
    state_dir: &Path,
    limits: Limits,
) -> (SourceContext, CancellationToken) {
    let shutdown = CancellationToken::new();
    let ctx = SourceContext {
        registry: Arc::new(Registry::default()),
        queue,
        metrics,
        limits,
        max_decompressed_bytes: 128 << 20,
        state_dir: state_dir.to_path_buf(),
        shutdown: shutdown.clone(),
    };
    (ctx, shutdown)
}
