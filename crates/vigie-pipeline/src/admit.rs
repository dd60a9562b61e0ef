//! Admission of a normalized [`Output`] into the [`IngestQueue`], and the
//! per-record outcome counting every input shares.
//!
//! Two ways in: [`IngestQueue::admit`] for request/response inputs (all or
//! nothing, now or refused: HTTP answers 429 and the client retries), and
//! [`IngestQueue::admit_wait`] for stream inputs (syslog over TCP, tailed
//! files, S3 objects) that apply back-pressure by waiting for room instead.
//! Outcomes are counted only once events are admitted, so
//! `vigie_ingest_records_total{outcome="accepted"}` never counts an event
//! the pipeline did not get.

use vigie_event::Event;
use vigie_normalize::Output;

use crate::{Ack, IngestQueue, QueueError};

/// What an admission queued.
#[derive(Debug)]
#[must_use = "await `ack.durable()` before acknowledging, or drop it to not wait"]
pub struct Admitted {
    /// Events queued.
    pub events: usize,
    /// Resolves once they are durable.
    pub ack: Ack,
}

impl IngestQueue {
    /// Admits all of `output`'s events or none (see
    /// [`IngestQueue::try_enqueue`]), then counts every record outcome.
    /// `dataset` names the dataset of records that have none of their own
    /// (skipped records, rejects before a format was known). Returns the
    /// number of events queued and their acknowledgement; on error
    /// `output` keeps nothing.
    pub fn admit(
        &self,
        dataset: Option<&str>,
        output: &mut Output,
    ) -> Result<Admitted, QueueError> {
        let events = std::mem::take(&mut output.events);
        let per_dataset = per_dataset(&events);
        let n = events.len();
        let ack = self.try_enqueue(events)?;
        self.count(dataset, &per_dataset, output);
        Ok(Admitted { events: n, ack })
    }

    /// Admits `output`'s events, waiting for room as long as needed (a batch
    /// larger than the queue goes in queue-sized parts), then counts every
    /// record outcome. Fails only when the pipeline has stopped.
    pub async fn admit_wait(
        &self,
        dataset: Option<&str>,
        output: &mut Output,
    ) -> Result<Admitted, QueueError> {
        let events = std::mem::take(&mut output.events);
        let per_dataset = per_dataset(&events);
        let n = events.len();
        let ack = self.enqueue_wait(events).await?;
        self.count(dataset, &per_dataset, output);
        Ok(Admitted { events: n, ack })
    }

    fn count(&self, dataset: Option<&str>, per_dataset: &[(String, u64)], output: &Output) {
        let metrics = self.metrics();
        for (d, n) in per_dataset {
            metrics.record(d, "accepted", *n);
        }
        let fallback = dataset.unwrap_or("unknown");
        if output.skipped > 0 {
            metrics.record(fallback, "skipped", output.skipped as u64);
        }
        for r in &output.rejected {
            metrics.reject(r.dataset.as_deref().unwrap_or(fallback), r.error.kind());
        }
    }
}

/// Events per dataset, taken before the events move to the queue.
fn per_dataset(events: &[Event]) -> Vec<(String, u64)> {
    let mut out: Vec<(String, u64)> = Vec::new();
    for ev in events {
        let d = ev.dataset();
        match out.iter_mut().find(|(k, _)| k == d) {
            Some((_, n)) => *n += 1,
            None => out.push((d.to_owned(), 1)),
        }
    }
    out
}
