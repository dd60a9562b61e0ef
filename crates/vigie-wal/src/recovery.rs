//! Recovery at open: reads every segment in sequence order, verifies each
//! record, cuts a segment at its first bad record, and collects the records
//! the caller has not yet flushed.

use std::fs;
use std::path::{Path, PathBuf};

use crate::format::{
    check_header, decode_record, parse_segment_file_name, HeaderCheck, FORMAT_VERSION,
    SEGMENT_EXTENSION, SEGMENT_HEADER_LEN,
};
use crate::segment_file::{cut_segment, reset_segment};
use crate::{Recovery, Replayed, WalError};

/// What recovery learned about one segment file.
#[derive(Debug)]
pub(crate) struct ScannedSegment {
    pub path: PathBuf,
    pub first_seq: u64,
    /// Sequence of its last valid record, `None` if it holds none.
    pub last_seq: Option<u64>,
    /// Length on disk after any cut.
    pub len: u64,
    /// Whether appends may continue in it (false when it was skipped).
    pub appendable: bool,
}

/// The result of scanning a WAL directory.
#[derive(Debug, Default)]
pub(crate) struct Scan {
    pub segments: Vec<ScannedSegment>,
    pub records: Vec<Replayed>,
    pub truncated_bytes: u64,
    pub problems: Vec<String>,
    /// Highest valid sequence number found in any segment.
    pub last_seq: Option<u64>,
}

impl Scan {
    pub(crate) fn into_recovery(self, next_seq: u64) -> (Vec<ScannedSegment>, Recovery) {
        let recovery = Recovery {
            records: self.records,
            truncated_bytes: self.truncated_bytes,
            problems: self.problems,
            next_seq,
        };
        (self.segments, recovery)
    }

    fn problem(&mut self, path: &Path, offset: u64, what: impl std::fmt::Display) {
        let message = format!("{}: offset {offset}: {what}", path.display());
        tracing::warn!(problem = %message, "WAL recovery");
        self.problems.push(message);
    }
}

/// Scans every segment of `dir` (which must exist), cutting bad tails on
/// disk, and keeps the records with `seq > after_seq`.
pub(crate) fn scan(dir: &Path, after_seq: u64) -> Result<Scan, WalError> {
    let mut scan = Scan::default();
    for (first_seq, path) in list_segments(dir, &mut scan)? {
        scan_segment(&mut scan, path, first_seq, after_seq)?;
    }
    Ok(scan)
}

/// Segment files of `dir` sorted by first sequence number.
fn list_segments(dir: &Path, scan: &mut Scan) -> Result<Vec<(u64, PathBuf)>, WalError> {
    let entries = fs::read_dir(dir).map_err(|e| WalError::io("listing WAL directory", dir, e))?;
    let mut segments = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| WalError::io("listing WAL directory", dir, e))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        match parse_segment_file_name(name) {
            Some(first_seq) => segments.push((first_seq, entry.path())),
            None if name.ends_with(&format!(".{SEGMENT_EXTENSION}")) => {
                scan.problem(&entry.path(), 0, "not a segment file name; ignored");
            }
            None => {}
        }
    }
    segments.sort_unstable_by_key(|(first_seq, _)| *first_seq);
    Ok(segments)
}

fn scan_segment(
    scan: &mut Scan,
    path: PathBuf,
    first_seq: u64,
    after_seq: u64,
) -> Result<(), WalError> {
    let bytes = fs::read(&path).map_err(|e| WalError::io("reading segment", &path, e))?;
    let file_len = bytes.len() as u64;
    match check_header(&bytes) {
        HeaderCheck::Valid => {}
        HeaderCheck::UnsupportedVersion(found) => {
            return Err(WalError::UnsupportedVersion {
                path,
                found,
                supported: FORMAT_VERSION,
            });
        }
        defect @ (HeaderCheck::Torn | HeaderCheck::BadMagic) => {
            let what = if defect == HeaderCheck::Torn {
                "torn segment header"
            } else {
                "bad segment magic"
            };
            scan.problem(&path, 0, format_args!("{what}; segment reset to empty"));
            reset_segment(&path)?;
            scan.truncated_bytes += file_len;
            scan.segments.push(ScannedSegment {
                path,
                first_seq,
                last_seq: None,
                len: SEGMENT_HEADER_LEN,
                appendable: true,
            });
            return Ok(());
        }
    }
    if let Some(previous) = scan.last_seq.filter(|previous| first_seq <= *previous) {
        scan.problem(
            &path,
            0,
            format_args!(
                "first seq {first_seq} overlaps seq {previous} already read; segment skipped"
            ),
        );
        scan.segments.push(ScannedSegment {
            path,
            first_seq,
            last_seq: None,
            len: file_len,
            appendable: false,
        });
        return Ok(());
    }

    let mut offset = SEGMENT_HEADER_LEN as usize;
    let mut expected_seq = Some(first_seq);
    let mut last_seq = None;
    let defect = loop {
        match decode_record(&bytes, offset) {
            Ok(None) => break None,
            Ok(Some(record)) if Some(record.seq) == expected_seq => {
                if record.seq > after_seq {
                    scan.records.push(Replayed {
                        seq: record.seq,
                        payload: record.payload.to_vec(),
                    });
                }
                last_seq = Some(record.seq);
                expected_seq = record.seq.checked_add(1);
                offset = record.end;
            }
            Ok(Some(record)) => {
                break Some(format!(
                    "record has seq {} where {} was expected",
                    record.seq,
                    expected_seq.map_or_else(|| "none".to_owned(), |s| s.to_string())
                ));
            }
            Err(defect) => break Some(defect.to_string()),
        }
    };
    let valid_len = offset as u64;
    if let Some(defect) = defect {
        let cut = file_len - valid_len;
        scan.problem(
            &path,
            valid_len,
            format_args!("{defect}; cut {cut} bytes from here to the end of the segment"),
        );
        cut_segment(&path, valid_len)?;
        scan.truncated_bytes += cut;
    }
    if last_seq.is_some() {
        scan.last_seq = last_seq;
    }
    scan.segments.push(ScannedSegment {
        path,
        first_seq,
        last_seq,
        len: valid_len,
        appendable: true,
    });
    Ok(())
}
