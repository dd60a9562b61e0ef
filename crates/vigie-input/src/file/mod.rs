//! File tailing: the `inputs.files` entries.
//!
//! Every `poll_interval` the source expands its `paths` (see [`pattern`] for
//! the glob syntax), follows each matching file by `(device, inode)` and
//! reads what was appended since its saved offset, line by line (see
//! [`tail`] for how partial and over-long lines are handled). Lines are
//! normalized in batches (one batch per read of up to 1 MiB) with the
//! configured dataset, or detected per line with `raw` as the fallback when
//! no dataset (or `auto`) is configured; every event gets `log.file.path`.
//! A batch is admitted with [`vigie_pipeline::IngestQueue::admit_wait`]
//! (back-pressure: the source waits, it never drops), then the offset
//! advances and `positions.json` is written (see [`positions`]).
//!
//! Rotation:
//! - rename and create (logrotate's default): the renamed file is still
//!   read through its open handle until its end, and dropped once it has
//!   been idle for a grace period (two polls, at least 1 s: the writer may
//!   append until it reopens its log); the new file at the path is read
//!   from its beginning;
//! - copytruncate: a file smaller than the offset read so far (or whose
//!   first bytes changed) is read again from the start;
//! - a deleted file is read to its end, then dropped.
//!
//! Start: a file whose `(device, inode, fingerprint)` matches a saved
//! position resumes there, whatever `start_at` says (a file renamed while
//! vigie was stopped is found by its inode under its new name if that name
//! matches a pattern). Other files found at start-up start at their current
//! size (`start_at: end`) or at 0 (`beginning`); files that appear later are
//! read from their beginning.
//!
//! Delivery is at least once: a crash between admitting a batch and writing
//! `positions.json` replays that batch (at most 1 MiB of lines per file) on
//! restart. A shutdown stops between batches or at a poll boundary and
//! saves the positions of what was admitted.
//!
//! Reads are plain blocking reads of local files, bounded to 1 MiB each,
//! done on the runtime thread between awaits.

mod pattern;
mod positions;
mod tail;
mod tailer;

use vigie_config::FileInput;

use crate::{BoxFuture, InputError, Source, SourceContext};

use pattern::Pattern;

/// The metrics label of this input kind.
const KIND: &str = "file";

/// Prepares the tailer described by `config`: checks that it has paths and
/// that each is a valid pattern.
pub fn build(config: &FileInput) -> Result<Box<dyn Source>, InputError> {
    let config_error = |message: String| InputError::Config {
        input: config.name.clone(),
        message,
    };
    if config.paths.is_empty() {
        return Err(config_error("`paths` is empty".into()));
    }
    let mut patterns = Vec::new();
    let mut errors = Vec::new();
    for p in &config.paths {
        match Pattern::parse(p) {
            Ok(p) => patterns.push(p),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(config_error(format!(
            "invalid path pattern: {}",
            errors.join("; ")
        )));
    }
    Ok(Box::new(FileSource {
        config: config.clone(),
        patterns,
    }))
}

/// A built file input.
struct FileSource {
    config: FileInput,
    patterns: Vec<Pattern>,
}

impl Source for FileSource {
    fn name(&self) -> &str {
        &self.config.name
    }

    fn run(self: Box<Self>, ctx: SourceContext) -> BoxFuture<()> {
        let FileSource { config, patterns } = *self;
        Box::pin(async move { tailer::Tailer::new(config, patterns, ctx).run().await })
    }
}
