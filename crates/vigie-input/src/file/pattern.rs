//! The `paths` of a file input: a literal path, or a directory plus a
//! shell-style pattern for the file name (`*`, `?`, `[abc]`, `[a-z]`,
//! `[!abc]`). Wildcards are only allowed in the file name part, so
//! expanding a pattern is one directory listing. As in a shell, `*` and `?`
//! do not match a leading `.`: hidden files need a pattern starting with `.`.

use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// One compiled entry of `paths`.
#[derive(Debug, Clone)]
pub(crate) struct Pattern {
    /// The text as configured.
    pub(crate) text: String,
    dir: PathBuf,
    /// `None` for a literal path.
    name: Option<Vec<Token>>,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Byte(u8),
    Any,
    Star,
    Class {
        negated: bool,
        ranges: Vec<(u8, u8)>,
    },
}

fn is_wild(b: u8) -> bool {
    matches!(b, b'*' | b'?' | b'[')
}

impl Pattern {
    /// Compiles `text`; the error says what is wrong with it.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        if text.is_empty() {
            return Err("an empty path".into());
        }
        let path = Path::new(text);
        let name = path
            .file_name()
            .ok_or_else(|| format!("`{text}` does not name a file"))?;
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if dir.as_os_str().as_bytes().iter().any(|b| is_wild(*b)) {
            return Err(format!(
                "`{text}`: wildcards are only allowed in the file name, not in directories"
            ));
        }
        let bytes = name.as_bytes();
        let name = if bytes.iter().any(|b| is_wild(*b)) {
            Some(compile(bytes).map_err(|e| format!("`{text}`: {e}"))?)
        } else {
            None
        };
        Ok(Self {
            text: text.to_owned(),
            dir,
            name,
        })
    }

    /// The existing regular files (after following symlinks) this pattern
    /// names, sorted; an error when the directory cannot be listed.
    pub(crate) fn expand(&self) -> std::io::Result<Vec<PathBuf>> {
        let Some(tokens) = &self.name else {
            let path = PathBuf::from(&self.text);
            return Ok(match std::fs::metadata(&path) {
                Ok(m) if m.is_file() => vec![path],
                Ok(_) => Vec::new(),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
                Err(e) => return Err(e),
            });
        };
        let mut out = Vec::new();
        for entry in std::fs::read_dir(&self.dir)? {
            let Ok(entry) = entry else { continue };
            let name = entry.file_name();
            if !matches(tokens, name.as_bytes()) {
                continue;
            }
            let path = self.dir.join(&name);
            if std::fs::metadata(&path).is_ok_and(|m| m.is_file()) {
                out.push(path);
            }
        }
        out.sort();
        Ok(out)
    }
}

fn compile(bytes: &[u8]) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        i += 1;
        match b {
            b'*' => {
                if tokens.last() != Some(&Token::Star) {
                    tokens.push(Token::Star);
                }
            }
            b'?' => tokens.push(Token::Any),
            b'[' => {
                let start = i - 1;
                let negated = matches!(bytes.get(i), Some(b'!' | b'^'));
                if negated {
                    i += 1;
                }
                let mut ranges = Vec::new();
                let mut first = true;
                loop {
                    let Some(&c) = bytes.get(i) else {
                        return Err(format!("unclosed `[` at byte {start}"));
                    };
                    i += 1;
                    if c == b']' && !first {
                        break;
                    }
                    first = false;
                    match (bytes.get(i), bytes.get(i + 1)) {
                        (Some(b'-'), Some(&hi)) if hi != b']' => {
                            if hi < c {
                                return Err(format!(
                                    "reversed range `{}-{}` at byte {start}",
                                    c as char, hi as char
                                ));
                            }
                            ranges.push((c, hi));
                            i += 2;
                        }
                        _ => ranges.push((c, c)),
                    }
                }
                tokens.push(Token::Class { negated, ranges });
            }
            _ => tokens.push(Token::Byte(b)),
        }
    }
    Ok(tokens)
}

fn one(token: &Token, b: u8) -> bool {
    match token {
        Token::Byte(t) => *t == b,
        Token::Any => true,
        Token::Star => false,
        Token::Class { negated, ranges } => {
            ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&b)) != *negated
        }
    }
}

/// Whether `name` matches; iterative, with one backtracking point per `*`.
fn matches(tokens: &[Token], name: &[u8]) -> bool {
    if name.first() == Some(&b'.') && !matches!(tokens.first(), Some(Token::Byte(b'.'))) {
        return false;
    }
    let (mut t, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        match tokens.get(t) {
            Some(Token::Star) => {
                star = Some((t, n));
                t += 1;
            }
            Some(tok) if name.get(n).is_some_and(|b| one(tok, *b)) => {
                t += 1;
                n += 1;
            }
            _ => match star {
                Some((st, sn)) => {
                    t = st + 1;
                    n = sn + 1;
                    star = Some((st, sn + 1));
                }
                None => return false,
            },
        }
    }
    tokens[t.min(tokens.len())..]
        .iter()
        .all(|tok| *tok == Token::Star)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, name: &str) -> bool {
        matches(&compile(pattern.as_bytes()).unwrap(), name.as_bytes())
    }

    #[test]
    fn wildcards_match_like_a_shell() {
        assert!(m("*.log", "app.log"));
        assert!(!m("*.log", "app.log.1"));
        assert!(m("app*", "app"));
        assert!(m("a?c", "abc"));
        assert!(!m("a?c", "ac"));
        assert!(m("[ab]x", "bx"));
        assert!(!m("[!ab]x", "bx"));
        assert!(m("[a-c][0-9]", "c7"));
        assert!(m("[]]", "]"));
        assert!(m("*a*b", "xxaxxb"));
        assert!(!m("*a*b", "xxaxxbc"));
        assert!(!m("*.log", ".hidden.log"));
        assert!(m(".*.log", ".hidden.log"));
    }

    #[test]
    fn malformed_patterns_are_refused_with_the_reason() {
        let e = Pattern::parse("/var/log/app[.log").unwrap_err();
        assert!(e.contains("app[.log") && e.contains("unclosed"), "{e}");
        let e = Pattern::parse("/var/*/app.log").unwrap_err();
        assert!(e.contains("only allowed in the file name"), "{e}");
        assert!(Pattern::parse("[z-a].log").is_err());
        assert!(Pattern::parse("").is_err());
        assert!(Pattern::parse("/var/log/*.log").is_ok());
    }
}
