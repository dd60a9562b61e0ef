//! [`StoreError`]: what can go wrong in the store, with the file or object
//! it concerns.

use std::fmt::Display;

/// A store failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Storage { path: String, message: String },
    #[error("write-ahead log: {0}")]
    Wal(String),
    #[error("the disk is full: {0}")]
    DiskFull(String),
    #[error("{0}")]
    Query(#[from] crate::query::QueryError),
}

impl StoreError {
    pub(crate) fn io(path: impl Display, source: std::io::Error) -> Self {
        if is_disk_full(&source) {
            return Self::DiskFull(format!("{path}: {source}"));
        }
        Self::Io {
            path: path.to_string(),
            source,
        }
    }

    pub(crate) fn storage(path: impl Display, e: impl Display) -> Self {
        Self::Storage {
            path: path.to_string(),
            message: e.to_string(),
        }
    }

    /// Whether the failure is a full disk (ingest answers 507).
    pub fn is_disk_full(&self) -> bool {
        matches!(self, Self::DiskFull(_))
    }
}

/// ENOSPC or EDQUOT.
pub fn is_disk_full(e: &std::io::Error) -> bool {
    matches!(e.raw_os_error(), Some(28) | Some(122)) || e.kind() == std::io::ErrorKind::StorageFull
}
