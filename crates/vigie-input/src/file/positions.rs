//! What a file input remembers across restarts: for each followed file,
//! its identity — `(dev, inode)` plus a [`Fingerprint`] of its first bytes,
//! so that a new file which reuses a deleted file's inode is not mistaken
//! for it — and the offset up to which its lines were admitted. Kept in
//! `<data_dir>/inputs/<name>/positions.json` with [`crate::checkpoint`].

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;

/// How many leading bytes identify a file.
pub(crate) const FINGERPRINT_BYTES: usize = 256;

/// The length and FNV-1a hash of a file's first (up to 256) bytes, written
/// as `"<len>:<hash in hex>"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Fingerprint {
    pub(crate) len: usize,
    pub(crate) hash: u64,
}

impl Fingerprint {
    pub(crate) fn of(bytes: &[u8]) -> Self {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for b in bytes {
            hash ^= u64::from(*b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        Self {
            len: bytes.len(),
            hash,
        }
    }

    /// The fingerprint of the first `len` bytes of `file` (fewer when the
    /// file is shorter, which then never equals a longer fingerprint).
    pub(crate) fn read(file: &File, len: usize) -> std::io::Result<Self> {
        let mut buf = vec![0u8; len.min(FINGERPRINT_BYTES)];
        let mut got = 0;
        while got < buf.len() {
            let Some(rest) = buf.get_mut(got..) else {
                break;
            };
            match file.read_at(rest, got as u64) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        buf.truncate(got);
        Ok(Self::of(&buf))
    }

    /// Whether `file` still starts with the bytes this fingerprint saw.
    pub(crate) fn matches(&self, file: &File) -> std::io::Result<bool> {
        Ok(Self::read(file, self.len)? == *self)
    }

    fn encode(&self) -> String {
        format!("{}:{:016x}", self.len, self.hash)
    }

    fn decode(s: &str) -> Option<Self> {
        let (len, hash) = s.split_once(':')?;
        Some(Self {
            len: len.parse().ok()?,
            hash: u64::from_str_radix(hash, 16).ok()?,
        })
    }
}

impl serde::Serialize for Fingerprint {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.encode())
    }
}

impl<'de> serde::Deserialize<'de> for Fingerprint {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::decode(&s).ok_or_else(|| serde::de::Error::custom(format!("bad fingerprint `{s}`")))
    }
}

/// One followed file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Position {
    pub(crate) path: PathBuf,
    pub(crate) dev: u64,
    pub(crate) inode: u64,
    pub(crate) fingerprint: Fingerprint,
    /// Every line before this byte was admitted.
    pub(crate) offset: u64,
}

/// The content of `positions.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Positions {
    pub(crate) files: Vec<Position>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_round_trip_and_see_changed_content() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"hello world").unwrap();
        let f = File::open(&path).unwrap();
        let fp = Fingerprint::read(&f, FINGERPRINT_BYTES).unwrap();
        assert_eq!(fp.len, 11);
        assert_eq!(Fingerprint::decode(&fp.encode()), Some(fp));
        assert!(fp.matches(&f).unwrap());
        std::fs::write(&path, b"hello there").unwrap();
        assert!(!fp.matches(&File::open(&path).unwrap()).unwrap());
        assert_eq!(Fingerprint::decode("12"), None);
    }
}
