//! Crash-safe state files: a value serialized as JSON, written to a
//! temporary file, fsynced, then renamed over the old one (and the
//! directory fsynced), so a crash leaves either the old or the new state,
//! never a torn one.

use std::io::Write;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde::Serialize;

/// Reads the state at `path`: `Ok(None)` when there is none yet; an error
/// naming the file when it is unreadable or not the expected JSON.
pub fn load<T: DeserializeOwned>(path: &Path) -> Result<Option<T>, String> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| format!("{}: not a valid state file: {e}", path.display()))
}

/// Replaces the state at `path` with `value`, atomically and durably.
pub fn store<T: Serialize>(path: &Path, value: &T) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = std::path::PathBuf::from(tmp);
    {
        let mut f = std::fs::File::create(&tmp)?;
        serde_json::to_writer(&mut f, value).map_err(std::io::Error::other)?;
        f.write_all(b"\n")?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn round_trips_and_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/state.json");
        assert_eq!(load::<BTreeMap<String, u64>>(&path).unwrap(), None);
        let mut m = BTreeMap::new();
        m.insert("a".to_string(), 1u64);
        store(&path, &m).unwrap();
        m.insert("b".to_string(), 2);
        store(&path, &m).unwrap();
        assert_eq!(load::<BTreeMap<String, u64>>(&path).unwrap(), Some(m));
        assert!(!path.with_extension("json.tmp").exists());
    }

    #[test]
    fn a_corrupt_state_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        std::fs::write(&path, b"{\"a\": ").unwrap();
        let err = load::<BTreeMap<String, u64>>(&path).unwrap_err();
        assert!(err.contains("state.json"), "{err}");
    }
}
