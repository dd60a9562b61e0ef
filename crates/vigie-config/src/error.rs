//! Configuration errors: one [`ConfigError`] per problem, collected into a
//! [`ConfigErrors`] list so that a user sees every mistake of a file at once.
//!
//! Messages never contain secret values: token values are only ever named by
//! their key path.

use std::fmt;

/// One problem found in the configuration.
///
/// `line` and `column` are 1-based positions in the file named by
/// `source_name`; both are `0` when the problem has no position in a file
/// (a value that came from an environment override, or a default).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ConfigError {
    /// The file name (as given to the loader) or `env NAME` for an
    /// environment override.
    pub source_name: String,
    /// 1-based line, `0` when unknown.
    pub line: usize,
    /// 1-based column (in characters), `0` when unknown.
    pub column: usize,
    /// Dotted key path such as `ingest.max_body_bytes` or
    /// `auth.tokens[1].name`; empty for problems of the document itself.
    pub path: String,
    /// What is wrong, and what would be accepted.
    pub message: String,
}

impl ConfigError {
    /// A new error; see the field docs for the meaning of each argument.
    pub fn new(
        source_name: impl Into<String>,
        line: usize,
        column: usize,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            source_name: source_name.into(),
            line,
            column,
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for ConfigError {
    /// `file:line:col: path: message`; the position is left out when unknown
    /// and the path when empty.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source_name)?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.column)?;
        }
        f.write_str(": ")?;
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConfigError {}

/// Every problem found while loading or validating a configuration, sorted
/// by position (problems without a file position come last). Displayed one
/// error per line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", render(.0))]
pub struct ConfigErrors(pub Vec<ConfigError>);

fn render(errors: &[ConfigError]) -> String {
    let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
    lines.join("\n")
}

impl ConfigErrors {
    /// Sorts by position (file positions first, in order; then the rest in
    /// the order they were found) and drops exact duplicates.
    pub fn new(mut errors: Vec<ConfigError>) -> Self {
        errors.sort_by_key(|e| (e.line == 0, e.line, e.column));
        let mut out: Vec<ConfigError> = Vec::with_capacity(errors.len());
        for e in errors {
            if !out.contains(&e) {
                out.push(e);
            }
        }
        Self(out)
    }

    /// `Ok(())` when there is no error, the sorted list otherwise.
    pub fn into_result(errors: Vec<ConfigError>) -> Result<(), Self> {
        if errors.is_empty() {
            Ok(())
        } else {
            Err(Self::new(errors))
        }
    }

    /// How many errors there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the list is empty (never the case for a returned error).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The errors, in order.
    pub fn iter(&self) -> std::slice::Iter<'_, ConfigError> {
        self.0.iter()
    }
}

impl From<ConfigError> for ConfigErrors {
    fn from(e: ConfigError) -> Self {
        Self(vec![e])
    }
}

impl<'a> IntoIterator for &'a ConfigErrors {
    type Item = &'a ConfigError;
    type IntoIter = std::slice::Iter<'a, ConfigError>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl IntoIterator for ConfigErrors {
    type Item = ConfigError;
    type IntoIter = std::vec::IntoIter<ConfigError>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_with_and_without_position_and_path() {
        let e = ConfigError::new("vigie.yaml", 3, 5, "server.listen", "bad");
        assert_eq!(e.to_string(), "vigie.yaml:3:5: server.listen: bad");
        let e = ConfigError::new("env VIGIE_LISTEN", 0, 0, "server.listen", "bad");
        assert_eq!(e.to_string(), "env VIGIE_LISTEN: server.listen: bad");
        let e = ConfigError::new("vigie.yaml", 1, 1, "", "syntax");
        assert_eq!(e.to_string(), "vigie.yaml:1:1: syntax");
    }

    #[test]
    fn sorted_by_position_unpositioned_last_and_deduplicated() {
        let a = ConfigError::new("f", 9, 1, "a", "x");
        let b = ConfigError::new("f", 2, 7, "b", "x");
        let c = ConfigError::new("env X", 0, 0, "c", "x");
        let d = ConfigError::new("f", 2, 3, "d", "x");
        let errs = ConfigErrors::new(vec![c.clone(), a.clone(), b.clone(), d.clone(), a.clone()]);
        assert_eq!(errs.0, vec![d, b, a, c]);
        assert_eq!(errs.to_string().lines().count(), 4);
    }
}
