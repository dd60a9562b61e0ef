//! [`Origin`]: where each setting of a [`crate::Config`] came from (a line
//! and column of the file, or an environment variable), so that validation
//! run after loading still points at the right place.

use std::collections::HashMap;
use std::fmt;

use crate::error::ConfigError;
use crate::tree::Mark;

/// Positions of the settings of one configuration, by key path.
///
/// Metadata only: every `Origin` compares equal to every other, so that
/// configurations compare by their settings.
#[derive(Clone, Default)]
pub struct Origin {
    source: String,
    file: HashMap<String, Mark>,
    env: HashMap<String, String>,
    lists: HashMap<String, Vec<usize>>,
}

impl Origin {
    pub(crate) fn new(
        source: &str,
        file: HashMap<String, Mark>,
        lists: HashMap<String, Vec<usize>>,
    ) -> Self {
        Self {
            source: source.to_string(),
            file,
            env: HashMap::new(),
            lists,
        }
    }

    /// The path as written in the file for a path of the typed
    /// configuration: list items dropped because they were invalid shift the
    /// typed indices, e.g. `auth.tokens[0]` may be the file's
    /// `auth.tokens[1]`. Unchanged when nothing was dropped.
    pub fn file_path(&self, typed: &str) -> String {
        let mut out = String::with_capacity(typed.len());
        let mut rest = typed;
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix('[') {
                let Some(end) = after.find(']') else { break };
                let index = &after[..end];
                let mapped = index
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| self.lists.get(&out)?.get(i).copied());
                match mapped {
                    Some(i) => out.push_str(&format!("[{i}]")),
                    None => out.push_str(&format!("[{index}]")),
                }
                rest = &after[end + 1..];
            } else {
                let end = rest
                    .char_indices()
                    .skip(1)
                    .find(|(_, c)| *c == '[')
                    .map_or(rest.len(), |(i, _)| i);
                out.push_str(&rest[..end]);
                rest = &rest[end..];
            }
        }
        out.push_str(rest);
        out
    }

    /// Records that the setting at `path` (and everything under it) now comes
    /// from the environment variable `var`.
    pub(crate) fn set_env(&mut self, path: &str, var: &str) {
        let prefix_dot = format!("{path}.");
        let prefix_idx = format!("{path}[");
        self.file
            .retain(|p, _| p != path && !p.starts_with(&prefix_dot) && !p.starts_with(&prefix_idx));
        self.env.insert(path.to_string(), var.to_string());
    }

    /// The name of the file the configuration was read from (empty for
    /// defaults).
    pub fn source_name(&self) -> &str {
        &self.source
    }

    /// Where the setting at `path` (e.g. `auth.tokens[1].name`) came from:
    /// `(source, line, column)`, with line and column `0` when it did not come
    /// from a file position. Falls back to the closest enclosing key that has
    /// a position; `None` when neither the file nor the environment set it.
    pub fn position(&self, path: &str) -> Option<(String, usize, usize)> {
        let mut p = path;
        loop {
            if let Some(var) = self.env.get(p) {
                return Some((format!("env {var}"), 0, 0));
            }
            if let Some(m) = self.file.get(p) {
                return Some((self.source.clone(), m.line, m.col));
            }
            p = parent(p)?;
        }
    }

    /// An error about `path` (a file path, see [`Origin::file_path`]),
    /// placed with [`Origin::position`].
    pub fn error(&self, path: &str, message: impl Into<String>) -> ConfigError {
        let (source, line, col) = self.position(path).unwrap_or_else(|| {
            let name = if self.source.is_empty() {
                "defaults".to_string()
            } else {
                self.source.clone()
            };
            (name, 0, 0)
        });
        ConfigError::new(source, line, col, path, message)
    }
}

/// `a.b[2].c` -> `a.b[2]` -> `a.b` -> `a` -> none.
pub(crate) fn parent(path: &str) -> Option<&str> {
    let cut = path.rfind(['.', '['])?;
    Some(&path[..cut])
}

/// Whether `a` is `b` or one encloses the other (`x.y` and `x.y[0].z`).
pub fn related(a: &str, b: &str) -> bool {
    let encloses = |outer: &str, inner: &str| {
        inner.len() > outer.len()
            && inner.starts_with(outer)
            && matches!(inner.as_bytes()[outer.len()], b'.' | b'[')
    };
    a == b || encloses(a, b) || encloses(b, a)
}

impl PartialEq for Origin {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl fmt::Debug for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Origin")
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_fall_back_to_the_enclosing_key() {
        let mut file = HashMap::new();
        file.insert("auth.tokens[0]".to_string(), Mark { line: 4, col: 7 });
        file.insert("server.listen".to_string(), Mark { line: 2, col: 11 });
        let mut o = Origin::new("v.yaml", file, HashMap::new());
        assert_eq!(
            o.position("auth.tokens[0].scopes"),
            Some(("v.yaml".into(), 4, 7))
        );
        assert_eq!(o.position("ingest.max_depth"), None);
        o.set_env("server.listen", "VIGIE_LISTEN");
        assert_eq!(
            o.position("server.listen"),
            Some(("env VIGIE_LISTEN".into(), 0, 0))
        );
        assert_eq!(o.error("ingest", "m").source_name, "v.yaml");
    }

    #[test]
    fn typed_paths_map_to_file_paths() {
        let mut lists = HashMap::new();
        lists.insert("auth.tokens".to_string(), vec![1, 2]);
        lists.insert("auth.tokens[2].scopes".to_string(), vec![0, 3]);
        let o = Origin::new("v.yaml", HashMap::new(), lists);
        assert_eq!(o.file_path("auth.tokens[0].name"), "auth.tokens[1].name");
        assert_eq!(
            o.file_path("auth.tokens[1].scopes[1]"),
            "auth.tokens[2].scopes[3]"
        );
        assert_eq!(o.file_path("auth.tokens[5]"), "auth.tokens[5]");
        assert_eq!(o.file_path("ingest.max_depth"), "ingest.max_depth");
        assert_eq!(o.file_path(""), "");
    }

    #[test]
    fn path_relations() {
        assert_eq!(parent("a.b[2].c"), Some("a.b[2]"));
        assert_eq!(parent("a.b[2]"), Some("a.b"));
        assert_eq!(parent("a"), None);
        assert!(related("a.b", "a.b[0].c"));
        assert!(related("a.b[0].c", "a.b"));
        assert!(related("a.b", "a.b"));
        assert!(!related("a.b", "a.bc"));
        assert!(!related("a.b[1]", "a.b[10]"));
    }
}
