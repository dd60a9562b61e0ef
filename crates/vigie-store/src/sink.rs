//! [`StoreWriter`]: the pipeline's sink. Each batch becomes one
//! write-ahead-log record and an Arrow batch in memory; `flush` is the group
//! commit that acknowledgements wait for.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use vigie_event::Event;
use vigie_pipeline::{Sink, SinkError};
use vigie_wal::Wal;

use crate::schema::{self, MAX_EVENTS_PER_RECORD};

// One log record per pipeline write: a refused write stores nothing of it.
const _: () = assert!(vigie_pipeline::MAX_TAKE <= MAX_EVENTS_PER_RECORD);
use crate::store::Shared;
use crate::{codec, error};

/// Writes acknowledged events: log first, then memory.
pub struct StoreWriter {
    shared: Arc<Shared>,
    wal: Wal,
    truncated_through: u64,
}

fn wal_error(shared: &Shared, e: vigie_wal::WalError) -> SinkError {
    let text = e.to_string();
    let full = match &e {
        vigie_wal::WalError::Io { source, .. } => error::is_disk_full(source),
        #[allow(unreachable_patterns)]
        _ => false,
    };
    if full {
        shared.metrics.store.disk_full_refusals.inc();
        tracing::error!(error = %text, "the disk holding the write-ahead log is full: ingest is refused (507) until space is freed");
        SinkError::DiskFull(text)
    } else {
        shared.metrics.store.error("wal");
        SinkError::Other(format!("write-ahead log: {text}"))
    }
}

impl StoreWriter {
    pub(crate) fn new(shared: Arc<Shared>, wal: Wal) -> Self {
        let truncated_through = shared.flushed_seq.load(Ordering::SeqCst);
        Self {
            shared,
            wal,
            truncated_through,
        }
    }

    /// Waits while too many events wait in memory for a flush (the queue
    /// then fills and inputs are told to slow down).
    /// Publishes the log's size on disk.
    fn report_wal_bytes(&self) {
        self.shared
            .metrics
            .store
            .wal_bytes
            .set(self.wal.disk_bytes() as i64);
    }

    fn wait_for_memory(&self) {
        let max = self.shared.options.max_memory_rows.max(1);
        let (lock, cond) = &self.shared.mem_drained;
        let mut guard = lock.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            let rows = {
                let st = self.shared.state.read().unwrap_or_else(|e| e.into_inner());
                st.mem.rows()
            };
            if rows < max || self.shared.stop.load(Ordering::SeqCst) {
                return;
            }
            guard = cond
                .wait_timeout(guard, Duration::from_millis(100))
                .map(|(g, _)| g)
                .unwrap_or_else(|e| e.into_inner().0);
        }
    }
}

impl Sink for StoreWriter {
    fn write(&mut self, events: &[Event]) -> Result<(), SinkError> {
        self.wait_for_memory();
        for chunk in events.chunks(MAX_EVENTS_PER_RECORD) {
            let payload = codec::encode(chunk);
            let seq = self
                .wal
                .append(&payload)
                .map_err(|e| wal_error(&self.shared, e))?;
            let batch = schema::to_batch(chunk, seq);
            let mut st = self.shared.state.write().unwrap_or_else(|e| e.into_inner());
            st.mem.active.push(batch, seq);
        }
        self.report_wal_bytes();
        Ok(())
    }

    fn flush(&mut self) -> Result<(), SinkError> {
        self.wal.commit().map_err(|e| wal_error(&self.shared, e))?;
        self.shared.metrics.store.wal_syncs.inc();
        let flushed = self.shared.flushed_seq.load(Ordering::SeqCst);
        if flushed > self.truncated_through {
            match self.wal.truncate_through(flushed) {
                Ok(_) => self.truncated_through = flushed,
                Err(e) => {
                    self.shared.metrics.store.error("wal");
                    tracing::warn!(error = %e, "could not delete flushed write-ahead-log segments; retrying later");
                }
            }
            self.report_wal_bytes();
        }
        Ok(())
    }
}
