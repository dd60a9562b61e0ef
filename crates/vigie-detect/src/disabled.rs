//! The rules switched off by hand (the rules API): a set of rule ids kept
//! in a JSON file (`<data_dir>/rules/disabled.json`), written atomically
//! (a temporary file, then a rename) at every change, read at start and at
//! every reload. An id stays in the set while its rule is gone, so a rule
//! that comes back after a reload is still off.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

/// Why the disabled rules could not be read or saved.
#[derive(Debug, thiserror::Error)]
pub enum DisabledError {
    /// The file exists but cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not `{"disabled": ["id", ...]}`.
    #[error("{path}: expected {{\"disabled\": [\"rule id\", ...]}}: {reason}")]
    Invalid {
        /// The file.
        path: String,
        /// What is wrong, with the line and column.
        reason: String,
    },
    /// The file cannot be written.
    #[error("cannot save {path}: {source}")]
    Write {
        /// The file.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// The set of disabled rule ids, persisted.
#[derive(Debug, Default)]
pub struct Disabled {
    path: Option<PathBuf>,
    set: RwLock<Arc<BTreeSet<String>>>,
    /// Increases with every change, so the stage knows when to look again.
    version: AtomicU64,
    /// Serializes changes (read, modify, save, swap).
    change: Mutex<()>,
}

/// Reads `path`; an absent file is an empty set.
pub fn read(path: &Path) -> Result<BTreeSet<String>, DisabledError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeSet::new()),
        Err(source) => {
            return Err(DisabledError::Read {
                path: path.display().to_string(),
                source,
            })
        }
    };
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct File {
        disabled: BTreeSet<String>,
    }
    serde_json::from_str::<File>(&text)
        .map(|f| f.disabled)
        .map_err(|e| DisabledError::Invalid {
            path: path.display().to_string(),
            reason: e.to_string(),
        })
}

/// Writes `set` to `path` atomically: a temporary file beside it, synced,
/// then renamed over it.
pub fn write(path: &Path, set: &BTreeSet<String>) -> Result<(), DisabledError> {
    let err = |source| DisabledError::Write {
        path: path.display().to_string(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    let tmp = path.with_extension("json.tmp");
    let body = serde_json::json!({ "disabled": set });
    let mut f = std::fs::File::create(&tmp).map_err(err)?;
    f.write_all(format!("{body:#}\n").as_bytes()).map_err(err)?;
    f.sync_all().map_err(err)?;
    drop(f);
    std::fs::rename(&tmp, path).map_err(err)?;
    if let Some(dir) = path.parent() {
        // The rename is durable once the directory is synced.
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

impl Disabled {
    /// The set kept in `path` (`None`: in memory only).
    pub fn open(path: Option<PathBuf>) -> Result<Disabled, DisabledError> {
        let set = match &path {
            Some(p) => read(p)?,
            None => BTreeSet::new(),
        };
        Ok(Disabled {
            path,
            set: RwLock::new(Arc::new(set)),
            version: AtomicU64::new(1),
            change: Mutex::new(()),
        })
    }

    /// The disabled ids.
    pub fn current(&self) -> Arc<BTreeSet<String>> {
        match self.set.read() {
            Ok(s) => s.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Changes with every change of the set.
    pub fn version(&self) -> u64 {
        self.version.load(Ordering::SeqCst)
    }

    fn swap(&self, set: BTreeSet<String>) {
        match self.set.write() {
            Ok(mut s) => *s = Arc::new(set),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(set),
        }
        self.version.fetch_add(1, Ordering::SeqCst);
    }

    /// Disables (`enabled: false`) or enables `id`; saved before it takes
    /// effect. Whether the set changed.
    pub fn set(&self, id: &str, enabled: bool) -> Result<bool, DisabledError> {
        let _guard = self
            .change
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut next = (*self.current()).clone();
        let changed = if enabled {
            next.remove(id)
        } else {
            next.insert(id.to_owned())
        };
        if !changed {
            return Ok(false);
        }
        if let Some(p) = &self.path {
            write(p, &next)?;
        }
        self.swap(next);
        Ok(true)
    }

    /// Reads the file again (a reload): edits made by hand take effect. On
    /// error the set in force stays.
    pub fn reread(&self) -> Result<(), DisabledError> {
        let Some(p) = &self.path else {
            return Ok(());
        };
        let _guard = self
            .change
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let next = read(p)?;
        if next != *self.current() {
            self.swap(next);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_are_saved_atomically_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rules/disabled.json");
        let d = Disabled::open(Some(path.clone())).unwrap();
        assert!(d.current().is_empty());
        let v0 = d.version();
        assert!(d.set("b", false).unwrap());
        assert!(d.set("a", false).unwrap());
        assert!(!d.set("a", false).unwrap(), "already disabled");
        assert!(d.version() > v0);
        assert!(!path.with_extension("json.tmp").exists());
        let again = Disabled::open(Some(path.clone())).unwrap();
        assert_eq!(
            again.current().iter().cloned().collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert!(d.set("a", true).unwrap());
        assert_eq!(read(&path).unwrap().into_iter().collect::<Vec<_>>(), ["b"]);
    }

    #[test]
    fn a_broken_file_is_refused_and_the_set_in_force_stays() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("disabled.json");
        std::fs::write(&path, "{\"disabled\": [\"x\"]}").unwrap();
        let d = Disabled::open(Some(path.clone())).unwrap();
        std::fs::write(&path, "{\"disabled\": [\"x\",\n 3]}").unwrap();
        let e = d.reread().unwrap_err().to_string();
        assert!(e.contains("line 2"), "{e}");
        assert!(d.current().contains("x"));
        assert!(Disabled::open(Some(path)).is_err());
    }
}
