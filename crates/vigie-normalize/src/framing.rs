//! Framing: split a payload into records without parsing them fully.
//!
//! The shape of the payload decides the framing:
//! - a top-level JSON array: each element is a record;
//! - JSON values spread over several lines (pretty-printed, concatenated):
//!   each value is a record;
//! - otherwise one record per non-empty line (NDJSON, syslog, VPC Flow Logs).
//!
//! A syntax error inside an array or a multi-line stream cannot be resynced,
//! so it ends the framing there: the records before it are kept and the
//! error is reported at the index it happened, with its line and column.

use serde_json::value::RawValue;

use crate::NormalizeError;

/// One record of a payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record<'a> {
    /// 0-based position among the payload's records.
    pub index: usize,
    /// 1-based line of the payload where the record starts.
    pub line: usize,
    pub bytes: &'a [u8],
}

/// The records of a payload, and the error that stopped framing, if any.
#[derive(Debug, Default)]
pub struct Framed<'a> {
    pub records: Vec<Record<'a>>,
    /// `(index, line, error)`: framing stopped at record `index`.
    pub error: Option<(usize, usize, NormalizeError)>,
}

/// How a payload is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    Array,
    Stream,
    Lines,
}

/// Decides the layout from the first bytes of the payload.
pub fn layout(payload: &[u8]) -> Layout {
    let start = skip_ws(payload, 0);
    match payload.get(start) {
        Some(b'[') => Layout::Array,
        Some(b'{') => {
            let end = memchr::memchr(b'\n', &payload[start..]).map_or(payload.len(), |i| start + i);
            let first_line = payload[start..end].trim_ascii_end();
            if first_line.ends_with(b"}") {
                Layout::Lines
            } else {
                Layout::Stream
            }
        }
        _ => Layout::Lines,
    }
}

/// Splits `payload` into records.
pub fn frame(payload: &[u8]) -> Framed<'_> {
    let payload = payload.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(payload);
    match layout(payload) {
        Layout::Lines => frame_lines(payload),
        Layout::Array => frame_values(payload, true),
        Layout::Stream => frame_values(payload, false),
    }
}

fn frame_lines(payload: &[u8]) -> Framed<'_> {
    let mut out = Framed::default();
    let mut start = 0;
    let ends = memchr::memchr_iter(b'\n', payload).chain(std::iter::once(payload.len()));
    for (i, end) in ends.enumerate() {
        let line = &payload[start..end];
        start = end + 1;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        out.records.push(Record {
            index: out.records.len(),
            line: i + 1,
            bytes: line,
        });
    }
    out
}

fn frame_values(payload: &[u8], array: bool) -> Framed<'_> {
    let mut out = Framed::default();
    let mut pos = skip_ws(payload, 0);
    let mut line = 1 + count_newlines(&payload[..pos]);
    if array {
        pos += 1; // the '['
    }
    loop {
        let next = skip_ws(payload, pos);
        line += count_newlines(&payload[pos..next]);
        pos = next;
        match payload.get(pos) {
            None if array => {
                let err = NormalizeError::Json {
                    line,
                    column: 0,
                    message: "the array is not closed with `]`".into(),
                };
                out.error = Some((out.records.len(), line, err));
                return out;
            }
            None => return out,
            Some(b']') if array => {
                let rest = skip_ws(payload, pos + 1);
                if rest < payload.len() {
                    let err = NormalizeError::Json {
                        line: line + count_newlines(&payload[pos..rest]),
                        column: 0,
                        message: "unexpected data after the closing `]`".into(),
                    };
                    out.error = Some((out.records.len(), line, err));
                }
                return out;
            }
            _ => {}
        }
        let mut values =
            serde_json::Deserializer::from_slice(&payload[pos..]).into_iter::<&RawValue>();
        match values.next() {
            Some(Ok(raw)) => {
                let start = raw.get().as_ptr() as usize - payload.as_ptr() as usize;
                let end = start + raw.get().len();
                out.records.push(Record {
                    index: out.records.len(),
                    line: line + count_newlines(&payload[pos..start]),
                    bytes: &payload[start..end],
                });
                line += count_newlines(&payload[pos..end]);
                pos = end;
            }
            Some(Err(e)) => {
                let err = match NormalizeError::json(&e) {
                    NormalizeError::Json {
                        line: l,
                        column,
                        message,
                    } => NormalizeError::Json {
                        line: line + l - 1,
                        column,
                        message,
                    },
                    other => other,
                };
                out.error = Some((out.records.len(), line, err));
                return out;
            }
            None => return out,
        }
        if array {
            let next = skip_ws(payload, pos);
            line += count_newlines(&payload[pos..next]);
            pos = next;
            match payload.get(pos) {
                Some(b',') => pos += 1,
                Some(b']') => {}
                None => {
                    let err = NormalizeError::Json {
                        line,
                        column: 0,
                        message: "the array is not closed with `]`".into(),
                    };
                    out.error = Some((out.records.len(), line, err));
                    return out;
                }
                Some(_) => {
                    let err = NormalizeError::Json {
                        line,
                        column: 0,
                        message: "expected `,` or `]` after an array element".into(),
                    };
                    out.error = Some((out.records.len(), line, err));
                    return out;
                }
            }
        }
    }
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

fn count_newlines(b: &[u8]) -> usize {
    memchr::memchr_iter(b'\n', b).count()
}

/// Checks that a JSON text nests at most `limit` levels; returns the byte
/// offset where it goes deeper. String contents are skipped with `memchr`
/// (brackets inside them do not count), so the pass costs little more than
/// reading the structure: no allocation, no parse.
pub fn check_depth(bytes: &[u8], limit: usize) -> Result<(), usize> {
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                loop {
                    let rest = bytes.get(i..).unwrap_or_default();
                    match memchr::memchr2(b'"', b'\\', rest) {
                        None => return Ok(()),
                        Some(j) if rest[j] == b'\\' => i += j + 2,
                        Some(j) => {
                            i += j;
                            break;
                        }
                    }
                }
            }
            b'{' | b'[' => {
                depth += 1;
                if depth > limit {
                    return Err(i);
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(f: &Framed<'_>) -> Vec<String> {
        f.records
            .iter()
            .map(|r| String::from_utf8_lossy(r.bytes).into_owned())
            .collect()
    }

    #[test]
    fn ndjson_is_split_by_line_and_blank_lines_skipped() {
        let f = frame(b"{\"a\":1}\r\n\n{\"b\":2}\n");
        assert_eq!(texts(&f), ["{\"a\":1}", "{\"b\":2}"]);
        assert_eq!(f.records[1].line, 3);
        assert_eq!(f.records[1].index, 1);
        assert!(f.error.is_none());
    }

    #[test]
    fn array_elements_are_records() {
        let f = frame(b" [ {\"a\":1},\n {\"b\":[2]} ] ");
        assert_eq!(texts(&f), ["{\"a\":1}", "{\"b\":[2]}"]);
        assert_eq!(f.records[1].line, 2);
        assert!(f.error.is_none());
    }

    #[test]
    fn pretty_printed_values_are_one_record_each() {
        let f = frame(b"{\n  \"a\": 1\n}\n{\n  \"b\": 2\n}\n");
        assert_eq!(texts(&f), ["{\n  \"a\": 1\n}", "{\n  \"b\": 2\n}"]);
        assert_eq!(f.records[1].line, 4);
    }

    #[test]
    fn a_broken_array_keeps_the_elements_before_the_error() {
        let f = frame(b"[{\"a\":1},\n{\"b\":}]");
        assert_eq!(texts(&f), ["{\"a\":1}"]);
        let (index, _, err) = f.error.unwrap();
        assert_eq!(index, 1);
        assert!(
            matches!(err, NormalizeError::Json { line: 2, .. }),
            "{err:?}"
        );
    }

    #[test]
    fn an_unclosed_array_is_reported() {
        let f = frame(b"[{\"a\":1}");
        assert_eq!(f.records.len(), 1);
        assert!(f.error.unwrap().2.to_string().contains("not closed"));
    }

    #[test]
    fn a_trailing_line_without_newline_is_a_record() {
        let f = frame(b"a\n\nb");
        assert_eq!(texts(&f), ["a", "b"]);
        assert_eq!(f.records[1].line, 3);
    }

    #[test]
    fn depth_check_ignores_brackets_in_strings() {
        assert!(check_depth(br#"{"a":"[[[[[[["}"#, 2).is_ok());
        assert_eq!(check_depth(b"[[[1]]]", 2), Err(2));
        assert!(check_depth(br#"{"a":"\"[[["}"#, 1).is_ok());
        assert!(check_depth(br#"{"a":"\\"}"#, 1).is_ok());
        assert_eq!(check_depth(br#"{"a":"\\",[["#, 2), Err(11));
        assert!(check_depth(br#"{"unterminated \"#, 1).is_ok());
    }

    proptest::proptest! {
        /// The memchr-based pass agrees with a plain byte-by-byte one.
        #[test]
        fn depth_check_matches_a_naive_scan(s in "[\\[\\]{}\"\\\\a ]{0,64}", limit in 0usize..6) {
            proptest::prop_assert_eq!(check_depth(s.as_bytes(), limit), naive_depth(s.as_bytes(), limit));
        }
    }

    fn naive_depth(bytes: &[u8], limit: usize) -> Result<(), usize> {
        let (mut depth, mut i, mut in_str) = (0usize, 0, false);
        while i < bytes.len() {
            let b = bytes[i];
            if in_str {
                match b {
                    b'\\' => i += 1,
                    b'"' => in_str = false,
                    _ => {}
                }
            } else {
                match b {
                    b'"' => in_str = true,
                    b'{' | b'[' => {
                        depth += 1;
                        if depth > limit {
                            return Err(i);
                        }
                    }
                    b'}' | b']' => depth = depth.saturating_sub(1),
                    _ => {}
                }
            }
            i += 1;
        }
        Ok(())
    }
}
