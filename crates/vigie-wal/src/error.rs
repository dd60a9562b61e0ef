//! The error type of every fallible WAL operation.

use std::io;
use std::path::PathBuf;

/// Why a WAL operation failed.
#[derive(Debug, thiserror::Error)]
pub enum WalError {
    /// An I/O call failed; `action` says what the WAL was doing.
    #[error("{action} {}: {source}", path.display())]
    Io {
        /// What the WAL was doing, e.g. "appending to segment".
        action: &'static str,
        /// The file or directory concerned.
        path: PathBuf,
        /// The operating-system error (e.g. `StorageFull` for ENOSPC).
        #[source]
        source: io::Error,
    },
    /// The payload is larger than a record can hold.
    #[error("payload of {len} bytes exceeds the record limit of {max} bytes")]
    PayloadTooLarge {
        /// Length of the rejected payload.
        len: usize,
        /// The limit, [`crate::format::MAX_PAYLOAD_LEN`].
        max: u32,
    },
    /// A segment was written by a format version this build cannot read.
    /// The WAL refuses to start rather than discard it.
    #[error(
        "segment {} has format version {found}, this build reads version {supported}",
        path.display()
    )]
    UnsupportedVersion {
        /// The segment file.
        path: PathBuf,
        /// The version found in its header.
        found: u16,
        /// The version this build writes and reads.
        supported: u16,
    },
    /// The next sequence number would not fit in a `u64`.
    #[error("sequence numbers exhausted")]
    SequenceExhausted,
}

impl WalError {
    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        WalError::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
