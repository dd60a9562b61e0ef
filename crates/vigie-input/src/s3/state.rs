//! The S3 poller's checkpoint: which keys were processed, and the
//! `start_after` watermark that keeps that set bounded.
//!
//! A key is recorded (with its ETag and size) once its events were admitted,
//! so an object is never read twice across restarts; a crash between the
//! admission and the checkpoint write re-reads that one object
//! (at-least-once).
//!
//! # The watermark
//!
//! S3 lists keys in ascending order and can start after a given key. Once
//! every key up to `K` is done, those keys are dropped from the set and the
//! bucket is listed after `K`. This assumes new keys arrive *above* the
//! keys already seen, which holds for CloudTrail and VPC Flow Log deliveries
//! (`.../<region>/YYYY/MM/DD/<account>_..._<YYYYMMDDTHHMMZ>_<id>.json.gz`):
//! within one directory, names grow with time. Two guards cover the cases
//! where it does not hold, since a key that lands below the watermark is
//! never read:
//! - the watermark only passes keys last modified more than [`QUIET`] ago,
//!   so deliveries that arrive slightly out of order are still seen;
//! - it only leaves a directory (the key up to its last `/`) for the next
//!   one when that directory's newest key is older than [`CLOSED`]. With a
//!   prefix that spans several regions or accounts, a quiet region's
//!   directory of today stays open, so its next delivery (a later name in
//!   that directory, or a new day's directory) lands above the watermark.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// How old a key must be before the watermark may pass it.
pub const QUIET: Duration = Duration::from_secs(3600);
/// How old the newest key of a directory must be before the watermark may
/// move on to the next directory.
pub const CLOSED: Duration = Duration::from_secs(48 * 3600);

/// One processed object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Done {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    pub size: u64,
}

/// The persisted state (`s3-checkpoint.json`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The bucket and prefix this state belongs to: a checkpoint of another
    /// bucket or prefix is not reused.
    pub bucket: String,
    pub prefix: String,
    /// Every key `<=` this one is done; listing starts after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_after: Option<String>,
    /// Keys above the watermark that are done.
    #[serde(default)]
    pub done: BTreeMap<String, Done>,
}

impl Checkpoint {
    pub fn new(bucket: &str, prefix: &str) -> Self {
        Self {
            bucket: bucket.to_owned(),
            prefix: prefix.to_owned(),
            ..Self::default()
        }
    }

    /// Whether `key` was processed.
    pub fn is_done(&self, key: &str) -> bool {
        self.start_after.as_deref().is_some_and(|w| key <= w) || self.done.contains_key(key)
    }

    /// Records `key` as processed.
    pub fn mark_done(&mut self, key: &str, etag: Option<String>, size: u64) {
        self.done.insert(key.to_owned(), Done { etag, size });
    }

    /// Moves the watermark up to `key` (never down) and forgets the keys it
    /// now covers.
    pub fn advance(&mut self, key: &str) {
        if self.start_after.as_deref().is_some_and(|w| key <= w) {
            return;
        }
        self.start_after = Some(key.to_owned());
        self.done = self.done.split_off(&format!("{key}\0"));
        self.done.remove(key);
    }
}

/// Walks one listing in key order and finds how far the watermark may go.
#[derive(Debug, Default)]
pub struct Walker {
    /// Set at the first key the watermark may not pass.
    blocked: bool,
    /// The last key passed.
    last: Option<String>,
    /// The newest age (smallest) seen in the current directory.
    dir_newest: Option<Duration>,
}

fn dir(key: &str) -> &str {
    key.rfind('/').map_or("", |i| &key[..=i])
}

impl Walker {
    /// Sees the next listed key: `done` when it is processed (or skipped
    /// deliberately), `age` how long ago it was last modified.
    pub fn observe(&mut self, key: &str, done: bool, age: Duration) {
        if self.blocked {
            return;
        }
        if !done || age < QUIET {
            self.blocked = true;
            return;
        }
        if let Some(last) = &self.last {
            if dir(last) != dir(key) {
                if self.dir_newest.is_some_and(|newest| newest < CLOSED) {
                    self.blocked = true;
                    return;
                }
                self.dir_newest = None;
            }
        }
        self.dir_newest = Some(self.dir_newest.map_or(age, |n| n.min(age)));
        self.last = Some(key.to_owned());
    }

    /// The key the watermark may move to.
    pub fn watermark(&self) -> Option<&str> {
        self.last.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD: Duration = Duration::from_secs(3 * 24 * 3600);
    const HOURS_2: Duration = Duration::from_secs(2 * 3600);

    #[test]
    fn advance_drops_covered_keys_and_never_goes_back() {
        let mut c = Checkpoint::new("b", "p/");
        for k in ["a/1", "a/2", "a/3", "b/1"] {
            c.mark_done(k, Some("\"e\"".into()), 1);
        }
        c.advance("a/2");
        assert_eq!(c.start_after.as_deref(), Some("a/2"));
        assert_eq!(c.done.keys().collect::<Vec<_>>(), ["a/3", "b/1"]);
        assert!(c.is_done("a/1") && c.is_done("a/2") && c.is_done("a/3"));
        assert!(!c.is_done("a/4"));
        c.advance("a/1");
        assert_eq!(c.start_after.as_deref(), Some("a/2"));
    }

    #[test]
    fn watermark_stops_at_the_first_pending_or_recent_key() {
        let mut w = Walker::default();
        w.observe("d/1", true, HOURS_2);
        w.observe("d/2", true, HOURS_2);
        w.observe("d/3", false, HOURS_2);
        w.observe("d/4", true, HOURS_2);
        assert_eq!(w.watermark(), Some("d/2"));

        let mut w = Walker::default();
        w.observe("d/1", true, HOURS_2);
        w.observe("d/2", true, Duration::from_secs(60));
        w.observe("d/3", true, HOURS_2);
        assert_eq!(w.watermark(), Some("d/1"));

        let mut w = Walker::default();
        w.observe("d/1", false, OLD);
        assert_eq!(w.watermark(), None);
    }

    #[test]
    fn watermark_leaves_a_directory_only_once_it_is_closed() {
        // eu-west-1's directory of today had its last delivery 2 hours
        // ago: the watermark must not pass into us-east-1, or eu-west-1's
        // next delivery would land below it.
        let mut w = Walker::default();
        w.observe("eu-west-1/2026/11/22/a", true, OLD);
        w.observe("eu-west-1/2026/11/23/a", true, HOURS_2);
        w.observe("us-east-1/2026/11/23/a", true, HOURS_2);
        assert_eq!(w.watermark(), Some("eu-west-1/2026/11/23/a"));

        let mut w = Walker::default();
        w.observe("eu-west-1/2026/11/20/a", true, OLD);
        w.observe("eu-west-1/2026/11/20/b", true, OLD);
        w.observe("us-east-1/2026/11/20/a", true, OLD);
        assert_eq!(w.watermark(), Some("us-east-1/2026/11/20/a"));
    }
}
