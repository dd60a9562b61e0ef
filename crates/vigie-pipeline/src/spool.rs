//! [`SpoolSink`]: events as NDJSON files under `<data_dir>/spool/`.
//!
//! The interim sink until the event store lands: one JSON document per
//! event (the same shape `vigie normalize` prints), files rotated by size.

use std::fs::{self, File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use vigie_event::Event;

use crate::{Sink, SinkError};

const ROTATE_BYTES: u64 = 64 << 20;

/// Appends events to `<dir>/events-<n>.ndjson`.
pub struct SpoolSink {
    dir: PathBuf,
    file: Option<(BufWriter<File>, u64)>,
    next_index: u64,
}

fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> SinkError {
    let context = context.into();
    move |source| SinkError::Io { context, source }
}

impl SpoolSink {
    /// Opens (creating) the spool directory.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self, SinkError> {
        let dir = dir.as_ref().to_path_buf();
        fs::create_dir_all(&dir).map_err(io(format!("creating {}", dir.display())))?;
        let next_index = fs::read_dir(&dir)
            .map_err(io(format!("listing {}", dir.display())))?
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let name = e.file_name().into_string().ok()?;
                name.strip_prefix("events-")?
                    .strip_suffix(".ndjson")?
                    .parse::<u64>()
                    .ok()
            })
            .max()
            .map_or(0, |n| n + 1);
        Ok(Self {
            dir,
            file: None,
            next_index,
        })
    }

    fn current(&mut self) -> Result<&mut (BufWriter<File>, u64), SinkError> {
        if self.file.as_ref().is_some_and(|(_, n)| *n >= ROTATE_BYTES) {
            if let Some((mut w, _)) = self.file.take() {
                w.flush().map_err(io("flushing a spool file"))?;
            }
        }
        if self.file.is_none() {
            let path = self
                .dir
                .join(format!("events-{:08}.ndjson", self.next_index));
            self.next_index += 1;
            let f = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .map_err(io(format!("opening {}", path.display())))?;
            self.file = Some((BufWriter::with_capacity(1 << 20, f), 0));
        }
        Ok(self.file.as_mut().expect("opened above"))
    }
}

impl Sink for SpoolSink {
    fn write(&mut self, events: &[Event]) -> Result<(), SinkError> {
        let (w, written) = self.current()?;
        for ev in events {
            let mut line = serde_json::to_vec(&ev.to_json()).unwrap_or_default();
            line.push(b'\n');
            w.write_all(&line).map_err(io("writing a spool file"))?;
            *written += line.len() as u64;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), SinkError> {
        if let Some((w, _)) = self.file.as_mut() {
            w.flush().map_err(io("flushing a spool file"))?;
        }
        Ok(())
    }
}
