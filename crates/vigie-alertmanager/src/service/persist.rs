//! Saving the state: each part (silences, notification log, alerts) is
//! written when it changed, and only then.
//!
//! * Silences and the notification log are small and change rarely: they
//!   are saved `persist_debounce` after a change.
//! * Alerts come in floods (Prometheus re-sends every firing alert each
//!   evaluation): they are saved `alert_persist_interval` after the first
//!   change since the last save, a chunk of [`SAVE_CHUNK`] alerts at a
//!   time, each chunk copied under the lock and written outside it, so a
//!   large store is never copied whole and posts and flushes wait at most
//!   one chunk.
//! * Shutdown saves everything.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use tokio::sync::watch;
use tokio::time::Instant;

use super::AlertManager;
use crate::state::StateError;

/// Parts of the state, as bits of [`AlertManager::dirty_parts`].
pub(crate) const SILENCES: u8 = 1;
pub(crate) const NFLOG: u8 = 2;
pub(crate) const ALERTS: u8 = 4;
const ALL: u8 = SILENCES | NFLOG | ALERTS;

/// Alerts copied per lock while saving.
const SAVE_CHUNK: usize = 2048;

/// Runs blocking file work off the async threads.
async fn blocking<T: Send + 'static>(
    path: &std::path::Path,
    work: impl FnOnce() -> Result<T, StateError> + Send + 'static,
) -> Result<T, StateError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| StateError::Write {
            path: path.to_path_buf(),
            source: std::io::Error::other(e.to_string()),
        })?
}

impl AlertManager {
    /// Records that `parts` changed and wakes the persistence loop.
    pub(super) fn mark_changed(&self, parts: u8) {
        self.dirty_parts.fetch_or(parts, Ordering::SeqCst);
        if parts & (SILENCES | NFLOG) != 0 {
            self.dirty.notify_one();
        }
        if parts & ALERTS != 0 {
            self.alerts_dirty.notify_one();
        }
    }

    /// Saves silences, notification log and alerts now.
    pub async fn save_now(&self) -> Result<(), StateError> {
        self.save_changed(ALL, true).await
    }

    /// Saves those of `parts` that changed (all of them when `force`); a
    /// part that fails to save stays marked as changed.
    async fn save_changed(&self, parts: u8, force: bool) -> Result<(), StateError> {
        let _one_at_a_time = self.saving.lock().await;
        let changed = self.dirty_parts.fetch_and(!parts, Ordering::SeqCst) & parts;
        let todo = if force { parts } else { changed };
        let result = self.save_parts(todo).await;
        if result.is_err() {
            self.dirty_parts.fetch_or(todo, Ordering::SeqCst);
        }
        result
    }

    async fn save_parts(&self, parts: u8) -> Result<(), StateError> {
        if parts & (SILENCES | NFLOG) != 0 {
            let (silences, nflog) = {
                let state = self.state.lock().await;
                (
                    (parts & SILENCES != 0).then(|| state.silences.clone()),
                    (parts & NFLOG != 0).then(|| state.nflog.clone()),
                )
            };
            let dir = self.state_dir.clone();
            blocking(self.state_dir.path(), move || {
                if let Some(silences) = silences {
                    dir.save_silences(&silences)?;
                }
                if let Some(nflog) = nflog {
                    dir.save_nflog(&nflog)?;
                }
                Ok(())
            })
            .await?;
        }
        if parts & ALERTS != 0 {
            self.save_alerts().await?;
        }
        Ok(())
    }

    /// Writes the alerts a chunk at a time (see the module documentation).
    async fn save_alerts(&self) -> Result<(), StateError> {
        let path = self.state_dir.path();
        let dir = self.state_dir.clone();
        let mut writer = blocking(path, move || dir.alerts_writer()).await?;
        let mut after = None;
        loop {
            let chunk = self
                .state
                .lock()
                .await
                .alerts
                .chunk_after(after, SAVE_CHUNK);
            let Some(last) = chunk.last() else {
                break;
            };
            after = Some(last.fingerprint());
            writer = blocking(path, move || writer.write_chunk(&chunk).map(|()| writer)).await?;
        }
        blocking(path, move || writer.finish()).await
    }

    /// Saves silences and the notification log a debounce delay after each
    /// change, and alerts `alert_persist_interval` after their first change
    /// since they were last saved.
    pub(super) async fn run_persist_loop(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        let mut alerts_due: Option<Instant> = None;
        loop {
            let far = Instant::now() + std::time::Duration::from_secs(3600);
            tokio::select! {
                () = self.dirty.notified() => {
                    tokio::select! {
                        () = tokio::time::sleep(self.options.persist_debounce) => {}
                        _ = shutdown.changed() => return,
                    }
                    if let Err(error) = self.save_changed(SILENCES | NFLOG, false).await {
                        tracing::error!(error = %error, "saving silences and notification log failed");
                    }
                }
                () = self.alerts_dirty.notified(), if alerts_due.is_none() => {
                    alerts_due = Some(Instant::now() + self.options.alert_persist_interval);
                }
                () = tokio::time::sleep_until(alerts_due.unwrap_or(far)), if alerts_due.is_some() => {
                    alerts_due = None;
                    if let Err(error) = self.save_changed(ALERTS, false).await {
                        tracing::error!(error = %error, "saving alerts failed");
                        alerts_due = Some(Instant::now() + self.options.alert_persist_interval);
                    }
                }
                _ = shutdown.changed() => return,
            }
        }
    }
}
