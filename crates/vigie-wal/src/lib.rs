//! Write-ahead log for vigie's ingest: an event batch is acknowledged only
//! once its record is in the WAL and committed.
//!
//! # Use
//!
//! The pipeline thread calls [`Wal::append`] once per batch (the payload is
//! whatever bytes the caller serializes), then [`Wal::commit`] once per
//! group — one `fdatasync` covers everything appended since the previous
//! commit — and then acknowledges the clients of that group. Once events
//! are flushed elsewhere, [`Wal::truncate_through`] deletes the segments
//! holding only flushed records. After a crash, [`Wal::open`] returns every
//! committed record (and possibly some appended but uncommitted ones)
//! exactly once, in order; a torn or corrupt tail is cut off and reported,
//! never an error.
//!
//! # On-disk format (version 1)
//!
//! The WAL is a directory of *segment* files named after the sequence
//! number of their first record: 20 zero-padded decimal digits and `.wal`,
//! e.g. `00000000000000000001.wal`. Each segment is
//!
//! ```text
//! header : b"VGWL" | u16 LE version = 1 | 2 bytes of zero padding   (8 bytes)
//! record : u32 LE payload_len | u32 LE crc32 | u64 LE seq | payload  (16 + payload_len bytes)
//! record : ...
//! ```
//!
//! The CRC-32 (IEEE) covers the 8 sequence bytes followed by the payload.
//! Sequence numbers are contiguous inside a segment, the first one equal to
//! the file name. The valid part of a segment ends at the first record that
//! is torn (past the end of the file), has `payload_len` above
//! [`format::MAX_PAYLOAD_LEN`] (256 MiB), fails its CRC, or carries an
//! unexpected sequence number; recovery cuts the file there.
//!
//! # Durability rules
//!
//! * A new segment is created with its header written and fsynced, then the
//!   directory fsynced, before any record goes in.
//! * Before rolling to a new segment the old one is fsynced, so a crash can
//!   never keep a later record while losing an earlier one.
//! * Deleting segments is followed by a directory fsync.
//! * A failed append cuts the segment back to its previous length, so no
//!   partial record is left behind by a write error such as ENOSPC.
//! * Sequence numbers never go backwards: [`Wal::open`] continues above both
//!   the last record found and the `after_seq` the caller passes (the
//!   highest sequence number already flushed), even if every segment was
//!   deleted.

mod error;
pub mod format;
mod recovery;
mod segment_file;
mod wal;

use std::time::Duration;

pub use error::WalError;
pub use wal::Wal;

/// When [`Wal::commit`] makes appended records durable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FsyncPolicy {
    /// `fdatasync` at every commit that follows an append.
    Always,
    /// `fdatasync` at a commit only once this long has passed since the
    /// last sync; the caller also calls [`Wal::sync`] from a timer.
    Interval(Duration),
    /// Never sync on commit (the OS writes back when it likes).
    Never,
}

/// Settings of a [`Wal`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WalOptions {
    /// Roll to a new segment when the next record would take the active
    /// one past this many bytes (a segment always takes at least one
    /// record). Default 64 MiB.
    pub segment_bytes: u64,
    /// Durability of [`Wal::commit`]. Default [`FsyncPolicy::Always`].
    pub fsync: FsyncPolicy,
}

impl Default for WalOptions {
    fn default() -> Self {
        WalOptions {
            segment_bytes: 64 * 1024 * 1024,
            fsync: FsyncPolicy::Always,
        }
    }
}

/// One record returned by recovery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replayed {
    /// Its sequence number.
    pub seq: u64,
    /// The bytes given to [`Wal::append`].
    pub payload: Vec<u8>,
}

/// What [`Wal::open`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovery {
    /// Valid records with `seq > after_seq`, in sequence order.
    pub records: Vec<Replayed>,
    /// Bytes cut off segments (torn or corrupt parts).
    pub truncated_bytes: u64,
    /// Human-readable reports of what was cut or ignored: file, offset, what.
    pub problems: Vec<String>,
    /// The sequence number the next [`Wal::append`] returns.
    pub next_seq: u64,
}
