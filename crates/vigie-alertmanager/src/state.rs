//! Persistence of the alert manager's state under a data directory:
//! `silences.json`, `nflog.json` and `alerts.json`, each a small envelope
//! `{"format": 1, "data": ...}` around the serde form of the vigie-alert
//! store.
//!
//! Every file is written atomically: the bytes go to a temporary file in
//! the same directory, which is flushed to disk (`fsync`) and renamed over
//! the old file, then the directory itself is synced, so that a crash
//! leaves either the old or the new file, never a torn one. A missing file
//! is an empty store (first start); an unreadable one is an error, so
//! that silences are never lost silently.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use vigie_alert::{Alert, Alerts, NotificationLog, Silences};

/// The version of the files' layout.
pub const FORMAT: u32 = 1;

const SILENCES_FILE: &str = "silences.json";
const NFLOG_FILE: &str = "nflog.json";
const ALERTS_FILE: &str = "alerts.json";

/// Why state could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("create data directory {path}: {source}")]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("decode {path}: {source}")]
    Decode {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("{path}: unsupported format {found} (expected {FORMAT})")]
    Format { path: PathBuf, found: u32 },
    #[error("encode {what}: {source}")]
    Encode {
        what: &'static str,
        source: serde_json::Error,
    },
    #[error("write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Everything that is persisted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersistedState {
    pub silences: Silences,
    pub nflog: NotificationLog,
    pub alerts: Alerts,
}

#[derive(Serialize)]
struct EnvelopeOut<'a, T> {
    format: u32,
    data: &'a T,
}

#[derive(Deserialize)]
struct EnvelopeIn<T> {
    format: u32,
    data: T,
}

/// The data directory.
#[derive(Debug, Clone)]
pub struct StateDir {
    dir: PathBuf,
}

impl StateDir {
    /// The directory `dir`, created if missing.
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self, StateError> {
        let dir = dir.into();
        fs::create_dir_all(&dir).map_err(|source| StateError::CreateDir {
            path: dir.clone(),
            source,
        })?;
        Ok(Self { dir })
    }

    /// The directory's path.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Reads every file; missing files give empty stores.
    pub fn load(&self) -> Result<PersistedState, StateError> {
        Ok(PersistedState {
            silences: self.read(SILENCES_FILE)?.unwrap_or_default(),
            nflog: self.read(NFLOG_FILE)?.unwrap_or_default(),
            alerts: self.read(ALERTS_FILE)?.unwrap_or_default(),
        })
    }

    /// Writes every file atomically.
    pub fn save(&self, state: &PersistedState) -> Result<(), StateError> {
        self.save_silences(&state.silences)?;
        self.save_nflog(&state.nflog)?;
        self.write(ALERTS_FILE, "alerts", &state.alerts)?;
        Ok(())
    }

    /// Writes `silences.json` atomically.
    pub fn save_silences(&self, silences: &Silences) -> Result<(), StateError> {
        self.write(SILENCES_FILE, "silences", silences)
    }

    /// Writes `nflog.json` atomically.
    pub fn save_nflog(&self, nflog: &NotificationLog) -> Result<(), StateError> {
        self.write(NFLOG_FILE, "notification log", nflog)
    }

    /// Starts writing `alerts.json` a chunk of alerts at a time (see
    /// [`AlertsWriter`]).
    pub fn alerts_writer(&self) -> Result<AlertsWriter, StateError> {
        AlertsWriter::create(&self.dir)
    }

    fn read<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, StateError> {
        let path = self.dir.join(name);
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(StateError::Read { path, source }),
        };
        let envelope: EnvelopeIn<serde_json::Value> =
            serde_json::from_slice(&bytes).map_err(|source| StateError::Decode {
                path: path.clone(),
                source,
            })?;
        if envelope.format != FORMAT {
            return Err(StateError::Format {
                path,
                found: envelope.format,
            });
        }
        serde_json::from_value(envelope.data)
            .map(Some)
            .map_err(|source| StateError::Decode { path, source })
    }

    fn write<T: Serialize>(
        &self,
        name: &str,
        what: &'static str,
        value: &T,
    ) -> Result<(), StateError> {
        let bytes = serde_json::to_vec(&EnvelopeOut {
            format: FORMAT,
            data: value,
        })
        .map_err(|source| StateError::Encode { what, source })?;
        write_atomically(&self.dir, name, &bytes)
    }
}

/// Writes `alerts.json` in the same form as [`StateDir::save`], from chunks
/// of alerts in fingerprint order, so that a large store is never copied
/// or encoded whole in memory. The file appears (atomically, as
/// [`write_atomically`] does) only at [`AlertsWriter::finish`]; dropped
/// before, it leaves the old file in place.
pub struct AlertsWriter {
    target: PathBuf,
    temporary: PathBuf,
    file: std::io::BufWriter<File>,
    first: bool,
}

impl AlertsWriter {
    fn create(dir: &Path) -> Result<Self, StateError> {
        let target = dir.join(ALERTS_FILE);
        let temporary = dir.join(format!(".{ALERTS_FILE}.tmp"));
        let file = File::create(&temporary).map_err(|source| StateError::Write {
            path: target.clone(),
            source,
        })?;
        let mut writer = Self {
            target,
            temporary,
            file: std::io::BufWriter::with_capacity(256 * 1024, file),
            first: true,
        };
        let head = format!("{{\"format\":{FORMAT},\"data\":{{");
        writer.put(head.as_bytes())?;
        Ok(writer)
    }

    fn failed(&self, source: std::io::Error) -> StateError {
        StateError::Write {
            path: self.target.clone(),
            source,
        }
    }

    fn put(&mut self, bytes: &[u8]) -> Result<(), StateError> {
        self.file.write_all(bytes).map_err(|e| self.failed(e))
    }

    /// Appends alerts; chunks must come in increasing fingerprint order.
    pub fn write_chunk(&mut self, alerts: &[Arc<Alert>]) -> Result<(), StateError> {
        for alert in alerts {
            if !self.first {
                self.put(b",")?;
            }
            self.first = false;
            let key = format!("\"{}\":", alert.fingerprint());
            self.put(key.as_bytes())?;
            serde_json::to_writer(&mut self.file, &**alert).map_err(|source| {
                StateError::Encode {
                    what: "alerts",
                    source,
                }
            })?;
        }
        Ok(())
    }

    /// Closes the object, syncs the file and renames it over the old one.
    pub fn finish(mut self) -> Result<(), StateError> {
        self.put(b"}}")?;
        let file = self.file.into_inner().map_err(|e| StateError::Write {
            path: self.target.clone(),
            source: e.into_error(),
        })?;
        file.sync_all().map_err(|source| StateError::Write {
            path: self.target.clone(),
            source,
        })?;
        drop(file);
        fs::rename(&self.temporary, &self.target).map_err(|source| StateError::Write {
            path: self.target.clone(),
            source,
        })?;
        if let Some(dir) = self.target.parent() {
            if let Ok(directory) = File::open(dir) {
                let _ = directory.sync_all();
            }
        }
        Ok(())
    }
}

/// Writes `bytes` to `dir/name` through a synced temporary file renamed
/// over the target, then syncs the directory.
pub fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), StateError> {
    let target = dir.join(name);
    let temporary = dir.join(format!(".{name}.tmp"));
    let failed = |source| StateError::Write {
        path: target.clone(),
        source,
    };
    let mut file = File::create(&temporary).map_err(failed)?;
    file.write_all(bytes).map_err(failed)?;
    file.sync_all().map_err(failed)?;
    drop(file);
    fs::rename(&temporary, &target).map_err(failed)?;
    // Make the rename itself durable (not possible on every platform).
    if let Ok(directory) = File::open(dir) {
        let _ = directory.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigie_alert::{parse_matchers, Silence, Timestamp};

    fn silence() -> Silence {
        Silence {
            id: String::new(),
            matchers: parse_matchers("{team=db}").expect("valid"),
            starts_at: Timestamp::from_secs(1_900_000_000).expect("in range"),
            ends_at: Timestamp::from_secs(1_900_003_600).expect("in range"),
            updated_at: Timestamp::default(),
            created_by: "ops".into(),
            comment: "maintenance".into(),
        }
    }

    #[test]
    fn a_saved_state_loads_back_identical() {
        let dir = tempfile::tempdir().expect("temp dir");
        let state_dir = StateDir::open(dir.path().join("am")).expect("open");
        let mut state = PersistedState::default();
        let now = Timestamp::from_secs(1_899_999_000).expect("in range");
        state.silences.set(silence(), now).expect("valid silence");
        state_dir.save(&state).expect("save");
        assert_eq!(state_dir.load().expect("load"), state);
        assert!(!dir.path().join("am/.silences.json.tmp").exists());
    }

    #[test]
    fn alerts_written_in_chunks_load_back_as_the_store_saved_whole() {
        let dir = tempfile::tempdir().expect("temp dir");
        let state_dir = StateDir::open(dir.path()).expect("open");
        let now = Timestamp::from_secs(1_899_999_000).expect("in range");
        let mut alerts = Alerts::new();
        for i in 0..10 {
            let posted = vigie_alert::alert::PostedAlert {
                labels: [("alertname", "Down".to_string()), ("i", format!("{i}\"q"))]
                    .into_iter()
                    .collect(),
                ..Default::default()
            };
            let alert = posted
                .into_alert(now, std::time::Duration::from_secs(300))
                .expect("valid");
            alerts.put(alert, now);
        }
        let mut writer = state_dir.alerts_writer().expect("writer");
        let mut after = None;
        loop {
            let chunk = alerts.chunk_after(after, 3);
            let Some(last) = chunk.last() else { break };
            after = Some(last.fingerprint());
            writer.write_chunk(&chunk).expect("chunk");
        }
        writer.finish().expect("finish");
        let streamed = fs::read(dir.path().join(ALERTS_FILE)).expect("read");
        assert_eq!(state_dir.load().expect("load").alerts, alerts);
        let whole = serde_json::to_vec(&EnvelopeOut {
            format: FORMAT,
            data: &alerts,
        })
        .expect("encode");
        assert_eq!(
            String::from_utf8_lossy(&streamed),
            String::from_utf8_lossy(&whole)
        );
    }

    #[test]
    fn an_unfinished_alerts_writer_leaves_the_old_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let state_dir = StateDir::open(dir.path()).expect("open");
        state_dir.save(&PersistedState::default()).expect("save");
        let before = fs::read(dir.path().join(ALERTS_FILE)).expect("read");
        let writer = state_dir.alerts_writer().expect("writer");
        drop(writer);
        assert_eq!(
            fs::read(dir.path().join(ALERTS_FILE)).expect("read"),
            before
        );
    }

    #[test]
    fn missing_files_are_empty_stores() {
        let dir = tempfile::tempdir().expect("temp dir");
        let loaded = StateDir::open(dir.path()).expect("open").load();
        assert_eq!(loaded.expect("load"), PersistedState::default());
    }

    #[test]
    fn regression_a_corrupt_file_is_an_error_naming_it_not_an_empty_store() {
        let dir = tempfile::tempdir().expect("temp dir");
        fs::write(dir.path().join(SILENCES_FILE), b"{\"format\":1,\"data\":[").expect("write");
        let error = StateDir::open(dir.path())
            .expect("open")
            .load()
            .expect_err("corrupt");
        assert!(error.to_string().contains("silences.json"), "{error}");
    }

    #[test]
    fn an_unknown_format_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        fs::write(dir.path().join(NFLOG_FILE), b"{\"format\":9,\"data\":{}}").expect("write");
        let error = StateDir::open(dir.path()).expect("open").load();
        assert!(matches!(error, Err(StateError::Format { found: 9, .. })));
    }
}
