//! A YAML document as a tree whose every node keeps its line and column.
//!
//! Built from the events of `saphyr-parser`. Aliases are expanded (with a cap
//! on the total node count against "billion laughs" documents), nesting is
//! capped so that the recursive passes over the tree cannot overflow the
//! stack, and a stream with more than one document is refused. Plain `~`,
//! `null` and empty scalars become [`Kind::Null`]; the `!!str` tag keeps a
//! plain scalar a string; other tags are ignored.

use std::collections::HashMap;

use saphyr_parser::{Event, Marker, Parser, ScalarStyle, Span};

/// Deepest nesting of sequences and mappings accepted.
pub(crate) const MAX_DEPTH: usize = 64;
/// Most nodes a document may expand to (aliases included).
pub(crate) const MAX_NODES: usize = 100_000;

/// A 1-based position in the source text (column counted in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub(crate) struct Mark {
    pub line: usize,
    pub col: usize,
}

impl From<Marker> for Mark {
    fn from(m: Marker) -> Self {
        Mark {
            line: m.line(),
            col: m.col() + 1,
        }
    }
}

/// One node of the document.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    /// Unique within a document; lets passes refer to nodes.
    pub id: usize,
    pub mark: Mark,
    pub kind: Kind,
}

#[derive(Debug, Clone)]
pub(crate) enum Kind {
    Null,
    Scalar(Scalar),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

#[derive(Debug, Clone)]
pub(crate) struct Scalar {
    /// The value, after `${VAR}` interpolation once the check pass ran.
    pub text: String,
    /// The text as written, kept when interpolation changed it so that error
    /// messages can quote the file rather than the (maybe secret) value.
    pub raw: Option<String>,
    /// Plain (unquoted, untagged) scalars are subject to type resolution.
    pub plain: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub key: Node,
    pub value: Node,
}

impl Node {
    /// Depth of the subtree (a scalar is 0).
    fn depth(&self) -> usize {
        match &self.kind {
            Kind::Null | Kind::Scalar(_) => 0,
            Kind::Seq(items) => 1 + items.iter().map(Node::depth).max().unwrap_or(0),
            Kind::Map(entries) => {
                1 + entries
                    .iter()
                    .map(|e| e.key.depth().max(e.value.depth()))
                    .max()
                    .unwrap_or(0)
            }
        }
    }

    /// Number of nodes in the subtree.
    fn count(&self) -> usize {
        match &self.kind {
            Kind::Null | Kind::Scalar(_) => 1,
            Kind::Seq(items) => 1 + items.iter().map(Node::count).sum::<usize>(),
            Kind::Map(entries) => {
                1 + entries
                    .iter()
                    .map(|e| e.key.count() + e.value.count())
                    .sum::<usize>()
            }
        }
    }

    /// Gives the subtree fresh ids (used for alias copies).
    fn renumber(&mut self, next: &mut usize) {
        self.id = *next;
        *next += 1;
        match &mut self.kind {
            Kind::Null | Kind::Scalar(_) => {}
            Kind::Seq(items) => items.iter_mut().for_each(|n| n.renumber(next)),
            Kind::Map(entries) => entries.iter_mut().for_each(|e| {
                e.key.renumber(next);
                e.value.renumber(next);
            }),
        }
    }

    /// A short description of the node's kind for type errors; never quotes
    /// the value (it might be a secret in the wrong place).
    pub fn describe(&self) -> &'static str {
        match &self.kind {
            Kind::Null => "an empty value",
            Kind::Seq(_) => "a list",
            Kind::Map(_) => "a mapping",
            Kind::Scalar(s) if s.plain && s.text.parse::<f64>().is_ok() => "a number",
            Kind::Scalar(s) if s.plain && is_bool(&s.text).is_some() => "a boolean",
            Kind::Scalar(_) => "a string",
        }
    }
}

/// YAML 1.2 core-schema booleans.
pub(crate) fn is_bool(s: &str) -> Option<bool> {
    match s {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

/// A fatal problem: the text is not YAML we can read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    pub mark: Mark,
    pub message: String,
}

enum Frame {
    Seq {
        mark: Mark,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        mark: Mark,
        anchor: usize,
        entries: Vec<Entry>,
        key: Option<Node>,
    },
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    root: Option<Node>,
    documents: usize,
    next_id: usize,
    nodes: usize,
}

/// Parses `text`; `Ok(None)` for a stream without a document (empty, or only
/// comments).
pub(crate) fn parse(text: &str) -> Result<Option<Node>, SyntaxError> {
    let mut b = Builder::default();
    for item in Parser::new_from_str(text) {
        let (event, span) = item.map_err(|e| SyntaxError {
            mark: (*e.marker()).into(),
            message: format!("YAML syntax error: {}", e.info()),
        })?;
        b.event(event, span)?;
    }
    Ok(b.root)
}

impl Builder {
    fn fail<T>(span: Span, message: impl Into<String>) -> Result<T, SyntaxError> {
        Err(SyntaxError {
            mark: span.start.into(),
            message: message.into(),
        })
    }

    fn id(&mut self) -> usize {
        self.next_id += 1;
        self.next_id
    }

    fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), SyntaxError> {
        let mark = Mark::from(span.start);
        match event {
            Event::DocumentStart(_) => {
                self.documents += 1;
                if self.documents > 1 {
                    return Self::fail(
                        span,
                        "the file holds more than one YAML document (`---`); \
                         put the whole configuration in one",
                    );
                }
            }
            Event::Scalar(value, style, anchor, tag) => {
                let forced_str = tag
                    .as_ref()
                    .is_some_and(|t| t.is_yaml_core_schema() && t.suffix == "str");
                let plain = style == ScalarStyle::Plain && !forced_str;
                let kind = if plain && matches!(&*value, "" | "~" | "null" | "Null" | "NULL") {
                    Kind::Null
                } else {
                    Kind::Scalar(Scalar {
                        text: value.into_owned(),
                        raw: None,
                        plain,
                    })
                };
                let id = self.id();
                self.complete(Node { id, mark, kind }, anchor, span)?;
            }
            Event::SequenceStart(anchor, _) => {
                self.open(span)?;
                self.stack.push(Frame::Seq {
                    mark,
                    anchor,
                    items: Vec::new(),
                });
            }
            Event::MappingStart(anchor, _) => {
                self.open(span)?;
                self.stack.push(Frame::Map {
                    mark,
                    anchor,
                    entries: Vec::new(),
                    key: None,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let id = self.id();
                let (node, anchor) = match self.stack.pop() {
                    Some(Frame::Seq {
                        mark,
                        anchor,
                        items,
                    }) => (
                        Node {
                            id,
                            mark,
                            kind: Kind::Seq(items),
                        },
                        anchor,
                    ),
                    Some(Frame::Map {
                        mark,
                        anchor,
                        entries,
                        ..
                    }) => (
                        Node {
                            id,
                            mark,
                            kind: Kind::Map(entries),
                        },
                        anchor,
                    ),
                    None => return Self::fail(span, "YAML syntax error: unbalanced collection"),
                };
                self.complete(node, anchor, span)?;
            }
            Event::Alias(anchor) => {
                let Some(original) = self.anchors.get(&anchor) else {
                    return Self::fail(span, "YAML alias refers to an unknown anchor");
                };
                if self.stack.len() + original.depth() > MAX_DEPTH {
                    return Self::fail(span, format!("nesting deeper than {MAX_DEPTH} levels"));
                }
                let mut copy = original.clone();
                copy.mark = mark;
                copy.renumber(&mut self.next_id);
                // `complete` counts one node; count the rest of the copy here.
                self.nodes += copy.count() - 1;
                self.complete(copy, 0, span)?;
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
        }
        Ok(())
    }

    fn open(&mut self, span: Span) -> Result<(), SyntaxError> {
        if self.stack.len() >= MAX_DEPTH {
            return Self::fail(span, format!("nesting deeper than {MAX_DEPTH} levels"));
        }
        Ok(())
    }

    fn complete(&mut self, node: Node, anchor: usize, span: Span) -> Result<(), SyntaxError> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Self::fail(
                span,
                format!("the document expands to more than {MAX_NODES} values (alias bomb?)"),
            );
        }
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                None => *key = Some(node),
                Some(k) => entries.push(Entry {
                    key: k,
                    value: node,
                }),
            },
            None => self.root = Some(node),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(node: &Node) -> &[Entry] {
        match &node.kind {
            Kind::Map(e) => e,
            other => panic!("not a map: {other:?}"),
        }
    }

    fn text(node: &Node) -> &str {
        match &node.kind {
            Kind::Scalar(s) => &s.text,
            other => panic!("not a scalar: {other:?}"),
        }
    }

    #[test]
    fn keeps_line_and_column_of_keys_and_values() {
        let root = parse("server:\n  listen: 1.2.3.4:5\n  data_dir: x\n")
            .unwrap()
            .unwrap();
        let top = map(&root);
        assert_eq!(top[0].key.mark, Mark { line: 1, col: 1 });
        let server = map(&top[0].value);
        assert_eq!(server[0].key.mark, Mark { line: 2, col: 3 });
        assert_eq!(server[0].value.mark, Mark { line: 2, col: 11 });
        assert_eq!(text(&server[1].value), "x");
        assert_eq!(server[1].value.mark, Mark { line: 3, col: 13 });
    }

    #[test]
    fn empty_and_comment_only_streams_have_no_document() {
        assert!(parse("").unwrap().is_none());
        assert!(parse("# nothing here\n\n").unwrap().is_none());
        assert!(matches!(parse("---\n").unwrap().unwrap().kind, Kind::Null));
    }

    #[test]
    fn nulls_and_forced_strings() {
        let root = parse("a: ~\nb:\nc: !!str null\nd: 'null'\n")
            .unwrap()
            .unwrap();
        let m = map(&root);
        assert!(matches!(m[0].value.kind, Kind::Null));
        assert!(matches!(m[1].value.kind, Kind::Null));
        assert_eq!(text(&m[2].value), "null");
        assert_eq!(text(&m[3].value), "null");
    }

    #[test]
    fn aliases_are_expanded_with_fresh_ids() {
        let root = parse("a: &x [1, 2]\nb: *x\n").unwrap().unwrap();
        let m = map(&root);
        let (Kind::Seq(a), Kind::Seq(b)) = (&m[0].value.kind, &m[1].value.kind) else {
            panic!("not lists")
        };
        assert_eq!(b.len(), 2);
        assert_ne!(a[0].id, b[0].id);
        assert_eq!(m[1].value.mark.line, 2);
    }

    #[test]
    fn fatal_problems_have_positions() {
        let e = parse("a: [1, 2\n").unwrap_err();
        assert!(e.message.starts_with("YAML syntax error"), "{e:?}");
        assert!(e.mark.line >= 1);
        let e = parse("a: 1\n---\nb: 2\n").unwrap_err();
        assert_eq!(e.mark.line, 2);
        let deep = "[".repeat(200);
        assert!(parse(&deep).unwrap_err().message.contains("nesting"));
        let bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n\
                    c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n\
                    e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n";
        assert!(parse(bomb).unwrap_err().message.contains("more than"));
    }
}
