//! [`Tailer`]: the poll loop of one file input — discover files, read and
//! admit their new lines, save positions.

use std::collections::HashSet;
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::time::Duration;

use vigie_config::{FileInput, StartAt};
use vigie_normalize::formats::raw::Raw;
use vigie_normalize::{normalize_records, Normalizer, Output};

use super::pattern::Pattern;
use super::positions::{Position, Positions};
use super::tail::{Batch, Tailed};
use super::KIND;
use crate::{checkpoint, SourceContext};

/// Batches read from one file per poll before moving to the next file.
const MAX_BATCHES_PER_FILE: usize = 64;
/// Rejected records logged per batch (all are counted).
const LOGGED_REJECTS: usize = 3;

/// Whether the loop goes on.
#[derive(PartialEq)]
enum Flow {
    Continue,
    Stop,
}

/// The running state of one file input.
pub(super) struct Tailer {
    config: FileInput,
    patterns: Vec<Pattern>,
    ctx: SourceContext,
    files: Vec<Tailed>,
    /// Positions saved by the previous run, not yet matched to a file.
    saved: Vec<Position>,
    state_path: Option<PathBuf>,
    /// Problems already logged (`"<what>:<path>"`), so an unreadable file
    /// is reported once, not at every poll; removed once it works again.
    warned: HashSet<String>,
    first_poll: bool,
}

impl Tailer {
    pub(super) fn new(config: FileInput, patterns: Vec<Pattern>, ctx: SourceContext) -> Self {
        Self {
            config,
            patterns,
            ctx,
            files: Vec::new(),
            saved: Vec::new(),
            state_path: None,
            warned: HashSet::new(),
            first_poll: true,
        }
    }

    fn name(&self) -> &str {
        &self.config.name
    }

    /// Logs and counts a problem unless it is already reported: an
    /// unreadable file counts once, not at every poll, until it recovers.
    fn problem(&mut self, key: String, reason: &'static str, message: &str) {
        if self.warned.insert(key) {
            self.ctx
                .metrics
                .input_error(KIND, &self.config.name, reason);
            tracing::warn!(input = %self.config.name, "{message}");
        }
    }

    pub(super) async fn run(mut self) {
        match self.ctx.state_dir_for(&self.config.name) {
            Ok(dir) => {
                let path = dir.join("positions.json");
                match checkpoint::load::<Positions>(&path) {
                    Ok(p) => self.saved = p.map(|p| p.files).unwrap_or_default(),
                    Err(e) => {
                        self.problem("state".into(), "state", &format!("{e}; starting afresh"))
                    }
                }
                self.state_path = Some(path);
            }
            Err(e) => {
                let msg =
                    format!("cannot create the state directory, positions will not be saved: {e}");
                self.problem("state".into(), "state", &msg);
            }
        }
        if let Some(d) = self.config.dataset.as_deref() {
            if d != "auto" && self.ctx.registry.get(d).is_none() {
                let msg = format!("unknown dataset `{d}`: detecting each line's format instead");
                self.problem("dataset".into(), "config", &msg);
            }
        }
        let poll = self
            .config
            .poll_interval
            .get()
            .max(Duration::from_millis(10));
        let grace = (poll * 2).max(Duration::from_secs(1));
        loop {
            if self.discover() {
                self.store();
            }
            if self.read_all().await == Flow::Stop {
                break;
            }
            let before = self.files.len();
            self.files.retain(|t| !t.finished(grace));
            if self.files.len() != before {
                self.store();
            }
            tokio::select! {
                _ = self.ctx.shutdown.cancelled() => break,
                _ = tokio::time::sleep(poll) => {}
            }
        }
        self.store();
    }

    /// Expands the patterns, opens newly matching files and marks the ones
    /// no path leads to any more. Returns whether the set of files changed.
    fn discover(&mut self) -> bool {
        let mut paths = Vec::new();
        for i in 0..self.patterns.len() {
            let Some(p) = self.patterns.get(i) else {
                continue;
            };
            let key = format!("list:{}", p.text);
            match p.expand() {
                Ok(found) => {
                    self.warned.remove(&key);
                    paths.extend(found);
                }
                Err(e) => {
                    let msg = format!("{}: cannot list the directory: {e}", p.text);
                    self.problem(key, "list", &msg);
                }
            }
        }
        let mut live = HashSet::new();
        let mut changed = false;
        for path in paths {
            let key = format!("open:{}", path.display());
            let meta = match std::fs::metadata(&path) {
                Ok(m) => m,
                Err(e) => {
                    let msg = format!("{}: cannot read: {e}", path.display());
                    self.problem(key, "open", &msg);
                    continue;
                }
            };
            let id = (meta.dev(), meta.ino());
            if !live.insert(id) {
                continue;
            }
            if let Some(t) = self.files.iter_mut().find(|t| (t.dev, t.inode) == id) {
                t.path = path;
                continue;
            }
            match self.open(path.clone()) {
                Ok(t) => {
                    self.warned.remove(&key);
                    tracing::info!(input = %self.config.name, path = %path.display(), offset = t.offset, "following file");
                    self.files.push(t);
                    changed = true;
                }
                Err(e) => {
                    let msg = format!("{}: cannot read: {e}", path.display());
                    self.problem(key, "open", &msg);
                }
            }
        }
        for t in &mut self.files {
            if !live.contains(&(t.dev, t.inode)) {
                t.gone = true;
            }
        }
        self.first_poll = false;
        changed
    }

    /// Opens a newly seen file at its saved position, or where `start_at`
    /// (at start-up) or the beginning (later) says.
    fn open(&mut self, path: PathBuf) -> std::io::Result<Tailed> {
        let mut t = Tailed::open(path, Some(0))?;
        let saved = self
            .saved
            .iter()
            .position(|s| (s.dev, s.inode) == (t.dev, t.inode));
        let resume = match saved {
            Some(i) => {
                let s = self.saved.swap_remove(i);
                s.fingerprint.matches(t.file())?.then_some(s.offset)
            }
            None => None,
        };
        let start = match resume {
            Some(offset) => Some(offset),
            None if self.first_poll && self.config.start_at == StartAt::End => None,
            None => Some(0),
        };
        if start != Some(0) {
            t = Tailed::open(t.path, start)?;
        }
        Ok(t)
    }

    /// Reads and admits what each file has; `Stop` on shutdown or when the
    /// pipeline is gone.
    async fn read_all(&mut self) -> Flow {
        let max_record = self.ctx.limits.max_record_bytes;
        for i in 0..self.files.len() {
            let Some(t) = self.files.get_mut(i) else {
                break;
            };
            let key = format!("read:{}", t.path.display());
            match t.check_truncation() {
                Ok(true) => {
                    tracing::info!(input = %self.config.name, path = %t.path.display(), "file truncated, reading it again from the start")
                }
                Ok(false) => {}
                Err(e) => {
                    let msg = format!("{}: cannot read: {e}", t.path.display());
                    self.problem(key, "read", &msg);
                    continue;
                }
            }
            for _ in 0..MAX_BATCHES_PER_FILE {
                if self.ctx.shutdown.is_cancelled() {
                    return Flow::Stop;
                }
                let Some(t) = self.files.get_mut(i) else {
                    break;
                };
                match t.read_batch(max_record) {
                    Ok(Some(batch)) => {
                        if self.deliver(i, batch).await == Flow::Stop {
                            return Flow::Stop;
                        }
                    }
                    Ok(None) => {
                        self.warned.remove(&key);
                        break;
                    }
                    Err(e) => {
                        let msg =
                            format!("{}: read error at byte {}: {e}", t.path.display(), t.offset);
                        self.problem(key.clone(), "read", &msg);
                        break;
                    }
                }
            }
        }
        Flow::Continue
    }

    /// Normalizes and admits one batch of file `i`, then commits its offset.
    async fn deliver(&mut self, i: usize, batch: Batch) -> Flow {
        let Some(t) = self.files.get(i) else {
            return Flow::Continue;
        };
        let path = t.path.to_string_lossy().into_owned();
        let dataset = self.config.dataset.as_deref();
        let mut out = normalize(&self.ctx, dataset, &batch, &path);
        for r in out.rejected.iter().take(LOGGED_REJECTS) {
            let offset = batch.lines.get(r.index).map_or(0, |l| l.0);
            tracing::warn!(input = %self.config.name, path = %path, byte = offset, error = %r.error, "line rejected");
        }
        if out.rejected.len() > LOGGED_REJECTS {
            tracing::warn!(input = %self.config.name, path = %path, more = out.rejected.len() - LOGGED_REJECTS, "more lines rejected in this batch");
        }
        if !batch.lines.is_empty() {
            let admitted = match self.ctx.queue.admit_wait(dataset, &mut out).await {
                Ok(a) => a,
                Err(e) => {
                    tracing::warn!(input = %self.config.name, error = %e, "pipeline stopped; stopping");
                    return Flow::Stop;
                }
            };
            // The position moves only past events that are durable.
            if let Err(e) = admitted.ack.durable().await {
                tracing::error!(input = %self.config.name, path = %path, error = %e, "events not stored; stopping this input (the lines are read again at restart)");
                return Flow::Stop;
            }
        }
        self.ctx
            .metrics
            .input_read(KIND, self.name(), batch.lines.len() as u64, batch.bytes);
        if let Some(t) = self.files.get_mut(i) {
            t.commit(batch.end);
        }
        self.store();
        Flow::Continue
    }

    /// Writes `positions.json`.
    fn store(&mut self) {
        let Some(path) = &self.state_path else { return };
        let positions = Positions {
            files: self.files.iter().map(Tailed::position).collect(),
        };
        match checkpoint::store(path, &positions) {
            Ok(()) => {
                self.warned.remove("store");
            }
            Err(e) => {
                let msg = format!("cannot save positions to {}: {e}", path.display());
                self.problem("store".into(), "state", &msg);
            }
        }
    }
}

/// Normalizes the lines of `batch`, marking each event with its file.
fn normalize(ctx: &SourceContext, dataset: Option<&str>, batch: &Batch, path: &str) -> Output {
    let detect = dataset.is_none_or(|d| d == "auto");
    let fallback: Option<&dyn Normalizer> = if detect { Some(&Raw) } else { None };
    let lines = batch
        .lines
        .iter()
        .map(|(_, r)| batch.buf.get(r.clone()).unwrap_or_default());
    normalize_records(
        &ctx.registry,
        ctx.normalizer(dataset),
        fallback,
        lines,
        &ctx.limits,
        |_, events| {
            for ev in events {
                ev.fields.set("log.file.path", path.to_owned());
            }
        },
    )
}
