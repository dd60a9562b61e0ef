//! Saving and restoring correlation state: a versioned JSON snapshot,
//! written to a temporary file, synced and renamed over the old one, so a
//! crash mid-save leaves the previous snapshot whole.

use std::io::Write;
use std::path::Path;

use vigie_sigma::correlate::Correlator;

/// Largest snapshot read back (a bigger file is refused, not loaded).
const MAX_STATE_BYTES: u64 = 512 << 20;

/// Saves `correlator`'s state to `path`.
pub fn save(path: &Path, correlator: &Correlator) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("tmp");
    let mut f = std::fs::File::create(&tmp)?;
    serde_json::to_writer(&mut f, &correlator.snapshot())?;
    f.flush()?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)
}

/// Restores state saved at `path` into `correlator`: `Ok(None)` when there
/// is no file, else how many correlations got their state back.
pub fn restore(path: &Path, correlator: &mut Correlator) -> Result<Option<usize>, String> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    if meta.len() > MAX_STATE_BYTES {
        return Err(format!(
            "{}: {} bytes, over the {MAX_STATE_BYTES}-byte limit",
            path.display(),
            meta.len()
        ));
    }
    let text = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let value: serde_json::Value =
        serde_json::from_slice(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    correlator
        .restore(&value)
        .map(Some)
        .map_err(|e| format!("{}: {e}", path.display()))
}
