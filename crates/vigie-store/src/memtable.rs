//! The in-memory tail: events acknowledged but not yet in a file, as Arrow
//! batches that queries read together with the files.

use std::sync::Arc;
use std::time::Instant;

use arrow::array::RecordBatch;

/// Batches waiting for a flush.
#[derive(Debug, Default)]
pub struct Memtable {
    pub batches: Vec<RecordBatch>,
    pub rows: usize,
    /// The highest log sequence number in here.
    pub max_seq: u64,
    /// When the first batch arrived.
    pub since: Option<Instant>,
}

impl Memtable {
    pub fn push(&mut self, batch: RecordBatch, seq: u64) {
        self.rows += batch.num_rows();
        self.max_seq = self.max_seq.max(seq);
        self.since.get_or_insert_with(Instant::now);
        self.batches.push(batch);
    }

    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }
}

/// Memory state: the active table and the frozen ones being flushed.
#[derive(Debug, Default)]
pub struct MemState {
    pub active: Memtable,
    pub frozen: Vec<Arc<Memtable>>,
}

impl MemState {
    /// Every batch, for a query snapshot.
    pub fn batches(&self) -> Vec<RecordBatch> {
        self.frozen
            .iter()
            .flat_map(|m| m.batches.iter().cloned())
            .chain(self.active.batches.iter().cloned())
            .collect()
    }

    pub fn rows(&self) -> usize {
        self.active.rows + self.frozen.iter().map(|m| m.rows).sum::<usize>()
    }

    /// Moves the active table to the frozen list; returns it.
    pub fn freeze(&mut self) -> Option<Arc<Memtable>> {
        if self.active.is_empty() {
            return None;
        }
        let m = Arc::new(std::mem::take(&mut self.active));
        self.frozen.push(m.clone());
        Some(m)
    }

    /// Drops a frozen table once its files are in the catalog.
    pub fn release(&mut self, table: &Arc<Memtable>) {
        self.frozen.retain(|m| !Arc::ptr_eq(m, table));
    }
}
