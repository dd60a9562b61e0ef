//! `vigie import`: normalize files and directories (gzip too) into the same
//! store as `vigie serve`, resumably.
//!
//! Files are read in chunks of whole lines (8 MiB by default), never whole:
//! a file that starts with `{` or `[` and fits in `max_record_bytes` is one
//! payload (a CloudTrail document is one record); anything else is cut at
//! line boundaries. Each chunk is normalized with `normalize_payload`,
//! written to the sink and flushed before the checkpoint moves past it.
//!
//! Checkpoint (`<data_dir>/import-checkpoint.json` unless `--checkpoint` or
//! `--no-checkpoint`): the completed files (path, size, mtime) and, for the
//! file in progress, the byte offset after the last admitted chunk
//! (uncompressed files only; a gzip file restarts from 0 unless completed).
//! It is written right after each chunk's events are flushed to the sink
//! (the import owns the data directory, so it writes the sink directly,
//! without the ingest queue), so the checkpoint never runs ahead of the
//! store: a graceful interruption (Ctrl-C, SIGTERM, `--stop-after-chunks`)
//! stops between chunks and a re-run imports every record exactly once;
//! after a SIGKILL between a flush and its checkpoint write, that one chunk
//! is imported again (at-least-once, never a gap).

use std::io::{IsTerminal, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Instant, UNIX_EPOCH};

use anyhow::Context;
use indicatif::{HumanBytes, ProgressBar, ProgressStyle};
use vigie_normalize::{normalize_payload, Limits, Normalizer, Registry};
use vigie_pipeline::Sink;
use vigie_store::{Store, StoreWriter};

use crate::cli::ImportArgs;
use crate::serve::{load_config, lock_data_dir, registry_for};

const MAX_REJECT_LINES: usize = 20;

/// A file as last seen: a changed size or mtime means it is imported again.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct Stamp {
    path: PathBuf,
    size: u64,
    mtime_ns: u64,
}

#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct Checkpoint {
    completed: Vec<Stamp>,
    /// The file in progress and the offset after its last admitted chunk.
    partial: Option<(Stamp, u64)>,
}

#[derive(Default)]
struct Totals {
    files: usize,
    skipped_files: usize,
    records: usize,
    accepted: usize,
    rejected: usize,
    skipped: usize,
    events: usize,
    bytes: u64,
    unreadable: usize,
    reject_lines: Vec<String>,
}

struct Importer<'a> {
    registry: &'a Registry,
    normalizer: Option<&'a dyn Normalizer>,
    limits: Limits,
    sink: StoreWriter,
    chunk_bytes: usize,
    checkpoint_path: Option<PathBuf>,
    checkpoint: Checkpoint,
    chunks_left: Option<u64>,
    stop: Arc<AtomicBool>,
    totals: Totals,
    /// Files done/total, bytes and events/s; hidden when stderr is not a
    /// terminal (a line per file is printed instead).
    bar: ProgressBar,
    started: Instant,
}

pub fn run(args: ImportArgs) -> anyhow::Result<ExitCode> {
    let config = match load_config(args.config.as_deref()) {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
    crate::logging::init(config.log.level.as_str(), false);
    let data_dir = config.server.data_dir.clone();
    let _lock = lock_data_dir(&data_dir)?;
    let registry = registry_for(&config);
    let dataset = args.dataset.as_deref().filter(|d| *d != "auto");
    let normalizer = match dataset {
        Some(d) => Some(
            registry
                .get(d)
                .with_context(|| format!("unknown dataset `{d}` (see `vigie datasets`)"))?,
        ),
        None => None,
    };
    let checkpoint_path = match (&args.checkpoint, args.no_checkpoint) {
        (_, true) => None,
        (Some(p), false) => Some(p.clone()),
        (None, false) => Some(data_dir.join("import-checkpoint.json")),
    };
    let checkpoint = match &checkpoint_path {
        Some(p) => vigie_input::checkpoint::load::<Checkpoint>(p)
            .map_err(anyhow::Error::msg)?
            .unwrap_or_default(),
        None => Checkpoint::default(),
    };
    let limits = Limits {
        max_record_bytes: usize::try_from(config.ingest.max_record_bytes.0).unwrap_or(usize::MAX),
        max_depth: config.ingest.max_depth as usize,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let metrics = std::sync::Arc::new(vigie_metrics::Metrics::new());
    let (store, sink, _) = runtime
        .block_on(Store::open(
            crate::store_setup::store_options(&config),
            metrics,
        ))
        .with_context(|| format!("opening the event store under {}", data_dir.display()))?;
    let maintenance = store.start_maintenance();
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    runtime.spawn(async move {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => return,
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
        flag.store(true, Ordering::SeqCst);
    });
    let started = Instant::now();
    let mut importer = Importer {
        registry: &registry,
        normalizer,
        limits,
        sink,
        chunk_bytes: args.chunk_bytes.max(1),
        checkpoint_path,
        checkpoint,
        chunks_left: args.stop_after_chunks,
        stop,
        totals: Totals::default(),
        bar: ProgressBar::hidden(),
        started,
    };
    let files = collect(&args.paths, &mut importer.totals);
    let total_files = files.len();
    let terminal = std::io::stderr().is_terminal();
    if terminal {
        importer.bar = ProgressBar::new(total_files as u64);
        if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} files {msg}") {
            importer.bar.set_style(style);
        }
    }
    for (n, path) in files.iter().enumerate() {
        if importer.interrupted() {
            break;
        }
        if let Err(e) = runtime.block_on(importer.import(path)) {
            importer.totals.unreadable += 1;
            importer
                .bar
                .suspend(|| eprintln!("vigie: {}: {e:#}", path.display()));
        }
        importer.bar.inc(1);
        if !terminal {
            eprintln!(
                "[{}/{total_files}] {} {}",
                n + 1,
                path.display(),
                importer.progress()
            );
        }
    }
    importer.bar.finish_and_clear();
    let interrupted = importer.interrupted();
    let flushed = importer.sink.flush();
    let Importer { totals, .. } = importer;
    flushed.context("flushing the store")?;
    // Everything imported goes to files before the command returns.
    maintenance.stop();
    let t = &totals;
    println!(
        "imported {} file(s) ({} already done): {} records ({} accepted, {} rejected, {} skipped), {} events in {:.1} s",
        t.files,
        t.skipped_files,
        t.records,
        t.accepted,
        t.rejected,
        t.skipped,
        t.events,
        started.elapsed().as_secs_f64()
    );
    for line in &t.reject_lines {
        eprintln!("{line}");
    }
    if interrupted {
        eprintln!("vigie: import interrupted; run the same command again to resume");
        return Ok(ExitCode::from(130));
    }
    Ok(ExitCode::from(if t.unreadable > 0 {
        2
    } else if t.rejected > 0 {
        1
    } else {
        0
    }))
}

/// The files under `paths`: directories walked recursively in name order,
/// hidden entries skipped. Unreadable paths are reported and counted.
fn collect(paths: &[PathBuf], totals: &mut Totals) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>, totals: &mut Totals) {
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) => {
                eprintln!("vigie: {}: {e}", dir.display());
                totals.unreadable += 1;
                return;
            }
        };
        let mut children: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
            .map(|e| e.path())
            .collect();
        children.sort();
        for c in children {
            if c.is_dir() {
                walk(&c, out, totals);
            } else {
                out.push(c);
            }
        }
    }
    let mut out = Vec::new();
    for p in paths {
        match std::fs::metadata(p) {
            Ok(m) if m.is_dir() => walk(p, &mut out, totals),
            Ok(_) => out.push(p.clone()),
            Err(e) => {
                eprintln!("vigie: {}: {e}", p.display());
                totals.unreadable += 1;
            }
        }
    }
    out
}

fn stamp(path: &Path) -> std::io::Result<Stamp> {
    let meta = std::fs::metadata(path)?;
    let mtime_ns = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
    Ok(Stamp {
        path: std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()),
        size: meta.len(),
        mtime_ns,
    })
}

impl Importer<'_> {
    /// Bytes read and events per second so far.
    fn progress(&self) -> String {
        let secs = self.started.elapsed().as_secs_f64().max(1e-3);
        format!(
            "({} read, {:.0} events/s)",
            HumanBytes(self.totals.bytes),
            self.totals.events as f64 / secs
        )
    }

    fn interrupted(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    fn save(&self) -> anyhow::Result<()> {
        if let Some(p) = &self.checkpoint_path {
            vigie_input::checkpoint::store(p, &self.checkpoint)
                .with_context(|| format!("writing the checkpoint {}", p.display()))?;
        }
        Ok(())
    }

    async fn import(&mut self, path: &Path) -> anyhow::Result<()> {
        let stamp = stamp(path)?;
        if self.checkpoint.completed.contains(&stamp) {
            self.totals.skipped_files += 1;
            return Ok(());
        }
        let mut file = std::fs::File::open(path)?;
        let mut magic = [0u8; 2];
        let got = file.read(&mut magic)?;
        file.seek(SeekFrom::Start(0))?;
        let gzip =
            (got == 2 && magic == [0x1f, 0x8b]) || path.extension().is_some_and(|e| e == "gz");
        let mut offset = match &self.checkpoint.partial {
            Some((s, off)) if *s == stamp && !gzip => *off,
            _ => 0,
        };
        let mut reader: Box<dyn Read> = if gzip {
            Box::new(flate2::read::MultiGzDecoder::new(std::io::BufReader::new(
                file,
            )))
        } else {
            file.seek(SeekFrom::Start(offset))?;
            Box::new(std::io::BufReader::new(file))
        };
        self.totals.files += 1;
        let mut buf: Vec<u8> = Vec::new();
        let mut line_base = 0usize;
        let mut eof = false;
        let mut whole_doc: Option<bool> = None;
        while !eof {
            if self.interrupted() {
                return Ok(());
            }
            // Fill up to one chunk (or the whole document).
            let want = match whole_doc {
                Some(true) => self.limits.max_record_bytes.saturating_add(1),
                _ => self.chunk_bytes,
            };
            while buf.len() < want {
                let mut tmp = vec![0u8; (want - buf.len()).min(1 << 20)];
                let n = reader.read(&mut tmp)?;
                if n == 0 {
                    eof = true;
                    break;
                }
                buf.extend_from_slice(tmp.get(..n).unwrap_or_default());
                if whole_doc.is_none() && offset == 0 {
                    whole_doc = buf
                        .iter()
                        .find(|b| !b.is_ascii_whitespace())
                        .map(|b| matches!(b, b'{' | b'['));
                    if whole_doc == Some(true) {
                        break;
                    }
                }
            }
            if whole_doc == Some(true) && !eof && buf.len() <= self.limits.max_record_bytes {
                continue;
            }
            let cut = if eof {
                buf.len()
            } else {
                match memchr_last(&buf) {
                    Some(nl) => nl + 1,
                    None if buf.len() > self.limits.max_record_bytes => buf.len(),
                    None => {
                        // A line longer than a chunk: read on until its end.
                        self.chunk_bytes = self.chunk_bytes.saturating_mul(2);
                        continue;
                    }
                }
            };
            whole_doc = Some(false);
            let rest = buf.split_off(cut);
            let chunk = std::mem::replace(&mut buf, rest);
            self.chunk(path, &chunk, line_base).await?;
            line_base += chunk.iter().filter(|b| **b == b'\n').count();
            offset += chunk.len() as u64;
            self.checkpoint.partial = (!gzip).then(|| (stamp.clone(), offset));
            self.save()?;
            if let Some(left) = &mut self.chunks_left {
                *left = left.saturating_sub(1);
                if *left == 0 {
                    self.stop.store(true, Ordering::SeqCst);
                }
            }
        }
        self.checkpoint.partial = None;
        self.checkpoint.completed.retain(|s| s.path != stamp.path);
        self.checkpoint.completed.push(stamp);
        self.save()
    }

    async fn chunk(&mut self, path: &Path, chunk: &[u8], line_base: usize) -> anyhow::Result<()> {
        let out = normalize_payload(self.registry, self.normalizer, chunk, &self.limits);
        let t = &mut self.totals;
        t.bytes += chunk.len() as u64;
        t.records += out.records;
        t.accepted += out.accepted;
        t.skipped += out.skipped;
        t.rejected += out.rejected.len();
        for r in &out.rejected {
            if t.reject_lines.len() < MAX_REJECT_LINES {
                t.reject_lines.push(format!(
                    "{}:{}: {}",
                    path.display(),
                    line_base + r.line,
                    r.error
                ));
            }
        }
        let n = out.events.len();
        self.sink
            .write(&out.events)
            .and_then(|()| self.sink.flush())
            .context("writing to the store")?;
        self.totals.events += n;
        self.bar.set_message(self.progress());
        Ok(())
    }
}

fn memchr_last(buf: &[u8]) -> Option<usize> {
    buf.iter().rposition(|b| *b == b'\n')
}
