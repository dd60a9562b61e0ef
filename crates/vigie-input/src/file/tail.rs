//! [`Tailed`]: one followed file, read through its open handle (so a
//! renamed or deleted file is still read to its end), cut into complete
//! lines.
//!
//! Line rules: a line ends at `\n` (a trailing `\r` is removed; empty lines
//! are skipped). A last line without its newline waits for it, except when
//! it stays unterminated for [`PARTIAL_TIMEOUT`] — then it is delivered as
//! is, and whatever is appended later starts a new line — or when it grows
//! past `max_record_bytes` — then what was read of it is delivered (and
//! rejected as too large by the normalizer, so it is counted) and the rest
//! of it, up to its newline, is discarded.

use std::fs::File;
use std::ops::Range;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::positions::{Fingerprint, Position, FINGERPRINT_BYTES};

/// How long an unterminated last line waits for its newline.
pub(crate) const PARTIAL_TIMEOUT: Duration = Duration::from_secs(5);
/// How much is read per `read` call; a batch holds the lines of one read.
const READ_CHUNK: usize = 1 << 20;

/// Complete lines read from a file, not yet admitted.
pub(crate) struct Batch {
    pub(crate) buf: Vec<u8>,
    /// Each line: its byte offset in the file and its range in `buf`.
    pub(crate) lines: Vec<(u64, Range<usize>)>,
    /// The file offset just after the last byte this batch consumed.
    pub(crate) end: u64,
    /// Bytes of the file this batch consumed.
    pub(crate) bytes: u64,
}

/// One followed file.
pub(crate) struct Tailed {
    pub(crate) path: PathBuf,
    file: File,
    pub(crate) dev: u64,
    pub(crate) inode: u64,
    fingerprint: Fingerprint,
    /// Every line before this offset was admitted.
    pub(crate) offset: u64,
    /// The next byte to read.
    read_pos: u64,
    /// Bytes `[read_pos - pending.len(), read_pos)`: an unfinished line.
    pending: Vec<u8>,
    partial_since: Option<Instant>,
    /// Discarding the rest of an over-long line up to its newline.
    skipping: bool,
    /// When the path stopped leading to this file (renamed or deleted).
    pub(crate) gone: bool,
    last_growth: Instant,
}

impl Tailed {
    /// Opens `path`, to be read from `offset` (clamped to its size).
    pub(crate) fn open(path: PathBuf, offset: Option<u64>) -> std::io::Result<Self> {
        let file = File::open(&path)?;
        let meta = file.metadata()?;
        let size = meta.len();
        let offset = offset.unwrap_or(size).min(size);
        let fingerprint = Fingerprint::read(&file, FINGERPRINT_BYTES)?;
        Ok(Self {
            path,
            file,
            dev: meta.dev(),
            inode: meta.ino(),
            fingerprint,
            offset,
            read_pos: offset,
            pending: Vec::new(),
            partial_since: None,
            skipping: false,
            gone: false,
            last_growth: Instant::now(),
        })
    }

    /// The handle of the open file (to check a saved fingerprint).
    pub(crate) fn file(&self) -> &File {
        &self.file
    }

    pub(crate) fn position(&self) -> Position {
        Position {
            path: self.path.clone(),
            dev: self.dev,
            inode: self.inode,
            fingerprint: self.fingerprint,
            offset: self.offset,
        }
    }

    /// Checks the open file for truncation (copytruncate) or rewritten
    /// first bytes; in both cases it is read again from the start. Returns
    /// whether that happened.
    pub(crate) fn check_truncation(&mut self) -> std::io::Result<bool> {
        let meta = self.file.metadata()?;
        if meta.nlink() == 0 {
            self.gone = true;
        }
        let size = meta.len();
        let rewritten = size < self.read_pos
            || (self.fingerprint.len > 0 && !self.fingerprint.matches(&self.file)?);
        if rewritten {
            self.offset = 0;
            self.read_pos = 0;
            self.pending.clear();
            self.partial_since = None;
            self.skipping = false;
        }
        if rewritten || self.fingerprint.len < FINGERPRINT_BYTES {
            self.fingerprint = Fingerprint::read(&self.file, FINGERPRINT_BYTES)?;
        }
        Ok(rewritten)
    }

    /// Marks everything up to `end` as admitted.
    pub(crate) fn commit(&mut self, end: u64) {
        self.offset = self.offset.max(end);
    }

    /// Whether a gone file has been read to its end and stayed idle for
    /// `grace` (the writer may still append between a rename and reopening
    /// its log): then it is dropped.
    pub(crate) fn finished(&self, grace: Duration) -> bool {
        self.gone
            && self.pending.is_empty()
            && self.offset == self.read_pos
            && self.last_growth.elapsed() >= grace
    }

    /// Reads until the next complete lines (or EOF); `None` when there is
    /// nothing to deliver now.
    pub(crate) fn read_batch(&mut self, max_record: usize) -> std::io::Result<Option<Batch>> {
        loop {
            if let Some(batch) = self.take_lines() {
                return Ok(Some(batch));
            }
            if self.pending.len() > max_record {
                return Ok(Some(self.take_pending(true)));
            }
            let size = self.file.metadata()?.len();
            if size <= self.read_pos {
                break;
            }
            let want =
                usize::try_from(size - self.read_pos).map_or(READ_CHUNK, |n| n.min(READ_CHUNK));
            let was_empty = self.pending.is_empty();
            let old = self.pending.len();
            self.pending.resize(old + want, 0);
            let read = loop {
                let buf = self.pending.get_mut(old..).unwrap_or_default();
                match self.file.read_at(buf, self.read_pos) {
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    other => break other,
                }
            };
            let n = *read.as_ref().unwrap_or(&0);
            self.pending.truncate(old + n);
            let n = read?;
            if n == 0 {
                break;
            }
            self.last_growth = Instant::now();
            if was_empty {
                self.partial_since = Some(Instant::now());
            }
            self.read_pos += n as u64;
        }
        let expired = self
            .partial_since
            .is_some_and(|t| t.elapsed() >= PARTIAL_TIMEOUT);
        if !self.pending.is_empty() && expired {
            return Ok(Some(self.take_pending(false)));
        }
        Ok(None)
    }

    /// The complete lines in `pending`, if any.
    fn take_lines(&mut self) -> Option<Batch> {
        let last_nl = memchr::memrchr(b'\n', &self.pending)?;
        let start = self.read_pos - self.pending.len() as u64;
        let rest = self.pending.split_off(last_nl + 1);
        let buf = std::mem::replace(&mut self.pending, rest);
        self.partial_since = (!self.pending.is_empty()).then(Instant::now);
        let mut lines = Vec::new();
        let mut from = 0;
        for nl in memchr::memchr_iter(b'\n', &buf) {
            let mut to = nl;
            if to > from && buf.get(to - 1) == Some(&b'\r') {
                to -= 1;
            }
            if std::mem::take(&mut self.skipping) {
                // The tail of an over-long line already delivered.
            } else if to > from {
                lines.push((start + from as u64, from..to));
            }
            from = nl + 1;
        }
        let bytes = buf.len() as u64;
        Some(Batch {
            buf,
            lines,
            end: start + bytes,
            bytes,
        })
    }

    /// Everything in `pending` as one record: an unterminated line that
    /// waited too long, or the first part of an over-long one (`overlong`:
    /// the rest of it, up to its newline, is then skipped). While skipping,
    /// the bytes are consumed without delivering anything.
    fn take_pending(&mut self, overlong: bool) -> Batch {
        let start = self.read_pos - self.pending.len() as u64;
        let buf = std::mem::take(&mut self.pending);
        self.partial_since = None;
        let lines = if self.skipping {
            Vec::new()
        } else {
            vec![(start, 0..buf.len())]
        };
        self.skipping = overlong;
        let bytes = buf.len() as u64;
        Batch {
            buf,
            lines,
            end: start + bytes,
            bytes,
        }
    }
}
