//! The Prometheus label string Loki's protobuf push carries per stream:
//! `{job="varlogs", filename="/var/log/auth.log"}`.
//!
//! Values are double-quoted with Go escapes (`\\`, `\"`, `\n`, `\t`, `\r`,
//! `\xNN` below 0x80, `\uNNNN`, `\UNNNNNNNN`); whitespace is allowed around
//! every token and a trailing comma is accepted. Label names match
//! `[a-zA-Z_][a-zA-Z0-9_]*` and may not repeat. Every error names the byte
//! position where the string stopped making sense.

/// Why a label string did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid label string at byte {position}: {reason}")]
pub struct LabelError {
    /// 0-based byte offset in the label string.
    pub position: usize,
    pub reason: String,
}

/// True when `name` is a valid Prometheus/Loki label name.
pub fn is_valid_label_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b'a'..=b'z' | b'A'..=b'Z' | b'_'))
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Parses `{name="value", ...}` into its pairs, in order.
pub fn parse_labels(input: &str) -> Result<Vec<(String, String)>, LabelError> {
    let mut p = Parser { s: input, pos: 0 };
    let mut out: Vec<(String, String)> = Vec::new();
    p.skip_ws();
    p.expect(b'{', "expected `{`")?;
    loop {
        p.skip_ws();
        if p.eat(b'}') {
            break;
        }
        let start = p.pos;
        let name = p.name()?;
        if out.iter().any(|(n, _)| n == name) {
            return Err(p.err_at(start, format!("duplicate label name `{name}`")));
        }
        p.skip_ws();
        p.expect(b'=', "expected `=` after the label name")?;
        p.skip_ws();
        let value = p.quoted()?;
        out.push((name.to_owned(), value));
        p.skip_ws();
        if p.eat(b',') {
            continue;
        }
        p.expect(b'}', "expected `,` or `}`")?;
        break;
    }
    p.skip_ws();
    if p.pos < input.len() {
        return Err(p.err("unexpected text after `}`"));
    }
    Ok(out)
}

struct Parser<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.pos).copied()
    }

    fn err(&self, reason: impl Into<String>) -> LabelError {
        self.err_at(self.pos, reason)
    }

    fn err_at(&self, position: usize, reason: impl Into<String>) -> LabelError {
        LabelError {
            position,
            reason: reason.into(),
        }
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, b: u8, reason: &str) -> Result<(), LabelError> {
        if self.eat(b) {
            Ok(())
        } else if self.peek().is_none() {
            Err(self.err(format!("{reason}, found the end of the string")))
        } else {
            Err(self.err(reason))
        }
    }

    fn name(&mut self) -> Result<&'a str, LabelError> {
        let start = self.pos;
        let bytes = self.s.as_bytes();
        while bytes
            .get(self.pos)
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
        {
            self.pos += 1;
        }
        let name = self.s.get(start..self.pos).unwrap_or("");
        if name.is_empty() {
            return Err(self.err("expected a label name"));
        }
        if !is_valid_label_name(name) {
            return Err(self.err_at(start, format!("invalid label name `{name}`")));
        }
        Ok(name)
    }

    /// A double-quoted value with Go escapes.
    fn quoted(&mut self) -> Result<String, LabelError> {
        self.expect(b'"', "expected `\"` to open the label value")?;
        let mut out = String::new();
        let rest = self.s.get(self.pos..).unwrap_or("");
        let mut chars = rest.char_indices();
        let base = self.pos;
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    self.pos = base + i + 1;
                    return Ok(out);
                }
                '\\' => {
                    let at = base + i;
                    let Some((_, e)) = chars.next() else { break };
                    let simple = match e {
                        '\\' => Some('\\'),
                        '"' => Some('"'),
                        '\'' => Some('\''),
                        'n' => Some('\n'),
                        't' => Some('\t'),
                        'r' => Some('\r'),
                        'a' => Some('\u{7}'),
                        'b' => Some('\u{8}'),
                        'f' => Some('\u{c}'),
                        'v' => Some('\u{b}'),
                        _ => None,
                    };
                    if let Some(ch) = simple {
                        out.push(ch);
                        continue;
                    }
                    let digits = match e {
                        'x' => 2,
                        'u' => 4,
                        'U' => 8,
                        _ => return Err(self.err_at(at, format!("unknown escape `\\{e}`"))),
                    };
                    let mut code = 0u32;
                    for _ in 0..digits {
                        let d = chars.next().and_then(|(_, h)| h.to_digit(16));
                        let Some(d) = d else {
                            return Err(
                                self.err_at(at, format!("`\\{e}` needs {digits} hex digits"))
                            );
                        };
                        code = code * 16 + d;
                    }
                    let ch = char::from_u32(code)
                        .filter(|_| e != 'x' || code < 0x80)
                        .ok_or_else(|| {
                            self.err_at(at, format!("escape `\\{e}` gives an invalid character"))
                        })?;
                    out.push(ch);
                }
                _ => out.push(c),
            }
        }
        self.pos = self.s.len();
        Err(self.err("unterminated label value"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    #[test]
    fn parses_promtail_labels_in_order() {
        let got = parse_labels(r#"{job="varlogs", filename="/var/log/auth.log"}"#).unwrap();
        assert_eq!(
            got,
            pairs(&[("job", "varlogs"), ("filename", "/var/log/auth.log")])
        );
    }

    #[test]
    fn tolerates_whitespace_empty_sets_and_a_trailing_comma() {
        assert_eq!(parse_labels("{}").unwrap(), pairs(&[]));
        assert_eq!(parse_labels("  { }\n").unwrap(), pairs(&[]));
        let got = parse_labels("{ a = \"1\" ,\n\t_b=\"2\", }").unwrap();
        assert_eq!(got, pairs(&[("a", "1"), ("_b", "2")]));
    }

    #[test]
    fn decodes_go_escapes() {
        let got = parse_labels(r#"{c="d\"e", p="C:\\tmp", n="a\nb\tc", u="\u00e9\x41\U0001F600"}"#)
            .unwrap();
        assert_eq!(
            got,
            pairs(&[
                ("c", "d\"e"),
                ("p", "C:\\tmp"),
                ("n", "a\nb\tc"),
                ("u", "éA😀")
            ])
        );
        // Non-ASCII text is kept as is.
        assert_eq!(
            parse_labels(r#"{x="été"}"#).unwrap(),
            pairs(&[("x", "été")])
        );
    }

    #[test]
    fn errors_name_the_byte_position() {
        let cases: &[(&str, usize, &str)] = &[
            ("", 0, "expected `{`"),
            ("job=\"x\"", 0, "expected `{`"),
            ("{job \"x\"}", 5, "expected `=`"),
            ("{9job=\"x\"}", 1, "invalid label name `9job`"),
            ("{job=x}", 5, "expected `\"`"),
            ("{job=\"x}", 8, "unterminated"),
            ("{a=\"1\" b=\"2\"}", 7, "expected `,` or `}`"),
            ("{a=\"1\"} x", 8, "after `}`"),
            ("{a=\"\\q\"}", 4, "unknown escape `\\q`"),
            ("{a=\"\\xff\"}", 4, "invalid character"),
            ("{a=\"\\u12\"}", 4, "4 hex digits"),
            ("{a=\"1\", a=\"2\"}", 8, "duplicate label name `a`"),
            ("{a=\"1\",", 7, "expected a label name"),
            ("{-=\"1\"}", 1, "expected a label name"),
        ];
        for (input, position, reason) in cases {
            let err = parse_labels(input).unwrap_err();
            assert_eq!(err.position, *position, "{input:?}: {err}");
            assert!(err.reason.contains(reason), "{input:?}: {err}");
            assert!(err.to_string().contains(&format!("at byte {position}")));
        }
    }

    #[test]
    fn label_name_rule() {
        for ok in ["a", "_", "job", "A_1", "__name__"] {
            assert!(is_valid_label_name(ok), "{ok}");
        }
        for bad in ["", "1a", "a-b", "a.b", "é", "a b"] {
            assert!(!is_valid_label_name(bad), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn never_panics(s in ".{0,64}") {
            let _ = parse_labels(&s);
        }

        #[test]
        fn round_trips_quoted_values(v in "[^\"\\\\]{0,20}", name in "[a-z_][a-z0-9_]{0,8}") {
            let s = format!("{{{name}=\"{v}\"}}");
            prop_assert_eq!(parse_labels(&s).unwrap(), vec![(name, v)]);
        }
    }
}
