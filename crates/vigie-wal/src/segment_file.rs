//! File-system operations on segments: the [`SegmentFile`] seam the active
//! segment is written through (a test double stands in for it to simulate
//! a full disk), segment creation, cutting, and directory fsync.

use std::fmt::Debug;
use std::fs::{File, OpenOptions};
use std::io::{self, Seek, SeekFrom, Write};
use std::path::Path;

use crate::format::segment_header;
use crate::WalError;

/// The writes the WAL makes to its active segment.
pub(crate) trait SegmentFile: Debug + Send {
    /// Writes all of `bytes` at `offset`.
    fn write_all_at(&mut self, offset: u64, bytes: &[u8]) -> io::Result<()>;
    /// Truncates (or extends) the file to `len` bytes.
    fn set_len(&mut self, len: u64) -> io::Result<()>;
    /// `fdatasync(2)`.
    fn sync_data(&mut self) -> io::Result<()>;
}

impl SegmentFile for File {
    fn write_all_at(&mut self, offset: u64, bytes: &[u8]) -> io::Result<()> {
        self.seek(SeekFrom::Start(offset))?;
        self.write_all(bytes)
    }

    fn set_len(&mut self, len: u64) -> io::Result<()> {
        File::set_len(self, len)
    }

    fn sync_data(&mut self) -> io::Result<()> {
        File::sync_data(self)
    }
}

/// Creates a new segment at `path` holding only the header, fsyncs it and
/// then the directory, and returns it open for writing.
pub(crate) fn create_segment(dir: &Path, path: &Path) -> Result<File, WalError> {
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| WalError::io("creating segment", path, e))?;
    let written = file
        .write_all(&segment_header())
        .and_then(|()| file.sync_all());
    if let Err(e) = written {
        // Leave no half-made segment behind: the next roll retries the name.
        drop(file);
        let _ = std::fs::remove_file(path);
        return Err(WalError::io("writing segment header", path, e));
    }
    sync_dir(dir)?;
    Ok(file)
}

/// Opens an existing segment for appending at a known length.
pub(crate) fn open_segment_for_append(path: &Path) -> Result<File, WalError> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(|e| WalError::io("opening segment", path, e))
}

/// Cuts the file at `path` to `len` bytes and fsyncs it.
pub(crate) fn cut_segment(path: &Path, len: u64) -> Result<(), WalError> {
    let file = open_segment_for_append(path)?;
    file.set_len(len)
        .and_then(|()| file.sync_all())
        .map_err(|e| WalError::io("cutting segment", path, e))
}

/// Replaces the content of `path` with a bare segment header.
pub(crate) fn reset_segment(path: &Path) -> Result<(), WalError> {
    let mut file = open_segment_for_append(path)?;
    file.set_len(0)
        .and_then(|()| file.write_all(&segment_header()))
        .and_then(|()| file.sync_all())
        .map_err(|e| WalError::io("rewriting segment header", path, e))
}

/// fsyncs a directory so that created or deleted entries are durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), WalError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| WalError::io("syncing directory", dir, e))
}
