//! The [`Wal`] handle: appends, group commit, segment rolling and
//! truncation after a flush.

use std::collections::VecDeque;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::format::{encode_record, segment_file_name, SEGMENT_HEADER_LEN};
use crate::recovery::{scan, ScannedSegment};
use crate::segment_file::{create_segment, open_segment_for_append, sync_dir, SegmentFile};
use crate::{FsyncPolicy, Recovery, WalError, WalOptions};

/// A segment no longer written to.
#[derive(Debug)]
struct SealedSegment {
    path: PathBuf,
    /// Highest seq it may hold: its last record, or just below its name.
    last_seq: u64,
    bytes: u64,
}

/// The segment appends go to.
#[derive(Debug)]
struct ActiveSegment {
    path: PathBuf,
    holds_records: bool,
    len: u64,
    file: Box<dyn SegmentFile>,
}

/// An open write-ahead log. See the crate documentation.
#[derive(Debug)]
pub struct Wal {
    dir: PathBuf,
    options: WalOptions,
    sealed: VecDeque<SealedSegment>,
    active: ActiveSegment,
    next_seq: u64,
    last_sync: Instant,
    unsynced: bool,
}

impl Wal {
    /// Opens (creating) the WAL in `dir`, recovers every segment and
    /// returns the records with `seq > after_seq`; see [`Recovery`].
    ///
    /// A torn or corrupt record ends the valid part of its segment: the
    /// segment is cut there on disk and the cut reported in
    /// [`Recovery::problems`]; later segments are still read. Appends
    /// continue at [`Recovery::next_seq`], which is above both the last
    /// valid record and `after_seq`.
    pub fn open(
        dir: &Path,
        options: WalOptions,
        after_seq: u64,
    ) -> Result<(Wal, Recovery), WalError> {
        fs::create_dir_all(dir).map_err(|e| WalError::io("creating WAL directory", dir, e))?;
        let scanned = scan(dir, after_seq)?;
        let next_seq = scanned
            .last_seq
            .unwrap_or(0)
            .max(after_seq)
            .checked_add(1)
            .ok_or(WalError::SequenceExhausted)?;
        let (mut segments, recovery) = scanned.into_recovery(next_seq);

        let reusable = segments.pop_if(|last| can_continue(last, next_seq));
        let active = match reusable {
            Some(last) => {
                let file = open_segment_for_append(&last.path)?;
                // Records replayed from the page cache after a process
                // crash become durable before anything builds on them.
                file.sync_data()
                    .map_err(|e| WalError::io("syncing segment", &last.path, e))?;
                ActiveSegment {
                    file: Box::new(file),
                    holds_records: last.last_seq.is_some(),
                    path: last.path,
                    len: last.len,
                }
            }
            None => {
                // An empty last segment named for another seq is replaced.
                if let Some(empty) =
                    segments.pop_if(|last| last.appendable && last.last_seq.is_none())
                {
                    fs::remove_file(&empty.path)
                        .map_err(|e| WalError::io("removing empty segment", &empty.path, e))?;
                }
                new_active_segment(dir, next_seq)?
            }
        };
        let sealed = segments
            .into_iter()
            .map(|segment| SealedSegment {
                last_seq: segment
                    .last_seq
                    .unwrap_or_else(|| segment.first_seq.saturating_sub(1)),
                path: segment.path,
                bytes: segment.len,
            })
            .collect();
        let wal = Wal {
            dir: dir.to_path_buf(),
            options,
            sealed,
            active,
            next_seq,
            last_sync: Instant::now(),
            unsynced: false,
        };
        Ok((wal, recovery))
    }

    /// Appends one record and returns its sequence number. The record is
    /// written to the file but not yet durable: call [`Wal::commit`].
    ///
    /// On a write error the segment is cut back to its length before this
    /// record, the error returned, and the WAL stays usable.
    pub fn append(&mut self, payload: &[u8]) -> Result<u64, WalError> {
        let seq = self.next_seq;
        let next_seq = seq.checked_add(1).ok_or(WalError::SequenceExhausted)?;
        let record = encode_record(seq, payload)?;
        let record_len = record.len() as u64;
        if self.active.holds_records
            && self.active.len.saturating_add(record_len) > self.options.segment_bytes
        {
            self.roll(seq)?;
        }
        let offset = self.active.len;
        if let Err(source) = self.active.file.write_all_at(offset, &record) {
            self.unsynced = true;
            if let Err(cut_error) = self.active.file.set_len(offset) {
                // The next append overwrites from `offset`; a leftover tail
                // fails its CRC or sequence check at recovery.
                tracing::error!(
                    segment = %self.active.path.display(),
                    error = %cut_error,
                    "could not cut a failed append back"
                );
            }
            return Err(WalError::io(
                "appending to segment",
                &self.active.path,
                source,
            ));
        }
        self.active.len = offset + record_len;
        self.active.holds_records = true;
        self.next_seq = next_seq;
        self.unsynced = true;
        Ok(seq)
    }

    /// Makes everything appended so far durable as the [`FsyncPolicy`]
    /// asks: `Always` syncs now, `Interval(d)` only once `d` has passed
    /// since the last sync, `Never` does nothing.
    pub fn commit(&mut self) -> Result<(), WalError> {
        match self.options.fsync {
            FsyncPolicy::Always if self.unsynced => self.sync(),
            FsyncPolicy::Interval(period)
                if self.unsynced && self.last_sync.elapsed() >= period =>
            {
                self.sync()
            }
            FsyncPolicy::Always | FsyncPolicy::Interval(_) | FsyncPolicy::Never => Ok(()),
        }
    }

    /// `fdatasync(2)` of the active segment, whatever the policy.
    pub fn sync(&mut self) -> Result<(), WalError> {
        self.active
            .file
            .sync_data()
            .map_err(|e| WalError::io("syncing segment", &self.active.path, e))?;
        self.last_sync = Instant::now();
        self.unsynced = false;
        Ok(())
    }

    /// Deletes every sealed segment whose records all have a sequence
    /// number `<= seq` (never the active segment) and returns the bytes
    /// freed.
    pub fn truncate_through(&mut self, seq: u64) -> Result<u64, WalError> {
        let mut freed = 0;
        while self
            .sealed
            .front()
            .is_some_and(|oldest| oldest.last_seq <= seq)
        {
            let Some(oldest) = self.sealed.pop_front() else {
                break;
            };
            if let Err(e) = fs::remove_file(&oldest.path) {
                let error = WalError::io("removing segment", &oldest.path, e);
                self.sealed.push_front(oldest);
                return Err(error);
            }
            freed += oldest.bytes;
        }
        if freed > 0 {
            sync_dir(&self.dir)?;
        }
        Ok(freed)
    }

    /// Sequence number of the last record appended (or `next_seq - 1` of
    /// the recovery when nothing was appended since).
    pub fn last_seq(&self) -> u64 {
        self.next_seq - 1
    }

    /// Bytes of all segment files, headers included.
    pub fn disk_bytes(&self) -> u64 {
        self.sealed.iter().map(|s| s.bytes).sum::<u64>() + self.active.len
    }

    /// Syncs the active segment, seals it and starts a new one at `first_seq`.
    fn roll(&mut self, first_seq: u64) -> Result<(), WalError> {
        self.sync()?;
        let next = new_active_segment(&self.dir, first_seq)?;
        let old = std::mem::replace(&mut self.active, next);
        self.sealed.push_back(SealedSegment {
            path: old.path,
            last_seq: first_seq.saturating_sub(1),
            bytes: old.len,
        });
        Ok(())
    }

    /// Path of the active segment and a way to swap its file for a double.
    #[cfg(test)]
    pub(crate) fn active_segment_for_test(&mut self) -> (&Path, &mut Box<dyn SegmentFile>) {
        (&self.active.path, &mut self.active.file)
    }
}

#[cfg(test)]
mod tests;

/// Whether appends at `next_seq` may go on in `segment`.
fn can_continue(segment: &ScannedSegment, next_seq: u64) -> bool {
    segment.appendable
        && match segment.last_seq {
            Some(last) => last.checked_add(1) == Some(next_seq),
            None => segment.first_seq == next_seq,
        }
}

fn new_active_segment(dir: &Path, first_seq: u64) -> Result<ActiveSegment, WalError> {
    let path = dir.join(segment_file_name(first_seq));
    let file = create_segment(dir, &path)?;
    Ok(ActiveSegment {
        path,
        holds_records: false,
        len: SEGMENT_HEADER_LEN,
        file: Box::new(file),
    })
}
