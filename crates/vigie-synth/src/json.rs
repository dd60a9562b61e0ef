//! A tiny JSON writer that keeps keys in the order they are written.
//!
//! Real producers (CloudTrail, the Kubernetes API server) emit their keys in a
//! fixed order that is not alphabetical; `serde_json::Value` would sort them
//! (or need the `preserve_order` feature, which would leak into every crate
//! of the workspace through feature unification). Writing the text directly
//! is also much faster, which matters when generating millions of events.

use std::fmt::{Display, Write};

/// Writes `{ ... }` to `out`, letting `f` add the members.
pub(crate) fn object(out: &mut String, f: impl FnOnce(&mut Obj<'_>)) {
    out.push('{');
    let mut o = Obj { out, empty: true };
    f(&mut o);
    o.out.push('}');
}

/// Appends `s` as a JSON string literal (quoted and escaped).
pub(crate) fn push_str(out: &mut String, s: &str) {
    out.push('"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let esc: Option<&str> = match b {
            b'"' => Some("\\\""),
            b'\\' => Some("\\\\"),
            b'\n' => Some("\\n"),
            b'\r' => Some("\\r"),
            b'\t' => Some("\\t"),
            0..=0x1f => None,
            _ => continue,
        };
        out.push_str(&s[start..i]);
        match esc {
            Some(e) => out.push_str(e),
            None => {
                let _ = write!(out, "\\u{:04x}", b);
            }
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// The members of an object being written.
pub(crate) struct Obj<'a> {
    out: &'a mut String,
    empty: bool,
}

impl Obj<'_> {
    fn key(&mut self, k: &str) {
        if !self.empty {
            self.out.push(',');
        }
        self.empty = false;
        push_str(self.out, k);
        self.out.push(':');
    }

    pub fn str(&mut self, k: &str, v: &str) -> &mut Self {
        self.key(k);
        push_str(self.out, v);
        self
    }

    /// A number, a boolean, or any value whose `Display` is valid JSON.
    pub fn num(&mut self, k: &str, v: impl Display) -> &mut Self {
        self.key(k);
        let _ = write!(self.out, "{v}");
        self
    }

    pub fn null(&mut self, k: &str) -> &mut Self {
        self.key(k);
        self.out.push_str("null");
        self
    }

    /// Already-serialized JSON text.
    pub fn raw(&mut self, k: &str, json: &str) -> &mut Self {
        self.key(k);
        self.out.push_str(json);
        self
    }

    pub fn obj(&mut self, k: &str, f: impl FnOnce(&mut Obj<'_>)) -> &mut Self {
        self.key(k);
        object(self.out, f);
        self
    }

    pub fn arr(&mut self, k: &str, f: impl FnOnce(&mut Arr<'_>)) -> &mut Self {
        self.key(k);
        array(self.out, f);
        self
    }

    pub fn strs<S: AsRef<str>>(&mut self, k: &str, items: &[S]) -> &mut Self {
        self.arr(k, |a| {
            for s in items {
                a.str(s.as_ref());
            }
        })
    }
}

fn array(out: &mut String, f: impl FnOnce(&mut Arr<'_>)) {
    out.push('[');
    let mut a = Arr { out, empty: true };
    f(&mut a);
    a.out.push(']');
}

/// The elements of an array being written.
pub(crate) struct Arr<'a> {
    out: &'a mut String,
    empty: bool,
}

impl Arr<'_> {
    fn sep(&mut self) {
        if !self.empty {
            self.out.push(',');
        }
        self.empty = false;
    }

    pub fn str(&mut self, v: &str) -> &mut Self {
        self.sep();
        push_str(self.out, v);
        self
    }

    pub fn obj(&mut self, f: impl FnOnce(&mut Obj<'_>)) -> &mut Self {
        self.sep();
        object(self.out, f);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_ordered_escaped_json() {
        let mut s = String::new();
        object(&mut s, |o| {
            o.str("z", "a\"b\\c\nd\u{1}é")
                .num("a", 1.5)
                .null("n")
                .arr("l", |a| {
                    a.str("1").str("x").obj(|o| {
                        o.raw("r", "{}");
                    });
                })
                .strs("s", &["p", "q"]);
        });
        assert_eq!(
            s,
            r#"{"z":"a\"b\\c\nd\u0001é","a":1.5,"n":null,"l":["1","x",{"r":{}}],"s":["p","q"]}"#
        );
        let v: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(v["z"], "a\"b\\c\nd\u{1}é");
    }
}
