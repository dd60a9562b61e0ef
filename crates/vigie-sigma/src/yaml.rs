//! A YAML stream as a list of documents whose nodes keep their line and column.
//!
//! Sigma files are YAML; rule authors need errors that point at the line, so
//! this builds a small tree from `saphyr-parser` events instead of going
//! through serde. A file may hold several documents (`---`): rules,
//! correlations and filters side by side. Aliases are expanded with a cap on
//! the node count, nesting is capped so recursive passes cannot overflow the
//! stack, and plain `~`, `null` and empty scalars become [`Node::Null`].

use std::collections::HashMap;

use saphyr_parser::{Event, Marker, Parser, ScalarStyle, Span};

/// Deepest nesting of sequences and mappings accepted.
const MAX_DEPTH: usize = 64;
/// Most nodes a stream may expand to (aliases included).
const MAX_NODES: usize = 200_000;

/// A 1-based position in the source text (column counted in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
pub struct Mark {
    /// Line, from 1.
    pub line: usize,
    /// Column, from 1.
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

/// One node of a document.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// `~`, `null` or nothing.
    Null(Mark),
    /// A scalar; `plain` is false when quoted or tagged `!!str`.
    Scalar {
        /// Where it starts.
        mark: Mark,
        /// The text.
        text: String,
        /// Unquoted: subject to type resolution (numbers, booleans).
        plain: bool,
    },
    /// A sequence.
    Seq(Mark, Vec<Node>),
    /// A mapping, in document order.
    Map(Mark, Vec<(Node, Node)>),
}

impl Node {
    /// Where the node starts.
    pub fn mark(&self) -> Mark {
        match self {
            Node::Null(m) | Node::Seq(m, _) | Node::Map(m, _) => *m,
            Node::Scalar { mark, .. } => *mark,
        }
    }

    /// The scalar's text, if this is a scalar.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Node::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// The value for `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Map(_, entries) => entries
                .iter()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// The scalar's text, or every scalar of a list (other shapes give nothing).
    pub fn strings(&self) -> Vec<String> {
        match self {
            Node::Scalar { text, .. } => vec![text.clone()],
            Node::Seq(_, items) => items
                .iter()
                .filter_map(|n| n.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// A short description of the node's shape, for error messages.
    pub fn describe(&self) -> &'static str {
        match self {
            Node::Null(_) => "an empty value",
            Node::Scalar { .. } => "a scalar",
            Node::Seq(..) => "a list",
            Node::Map(..) => "a mapping",
        }
    }

    fn count(&self) -> usize {
        match self {
            Node::Null(_) | Node::Scalar { .. } => 1,
            Node::Seq(_, items) => 1 + items.iter().map(Node::count).sum::<usize>(),
            Node::Map(_, entries) => {
                1 + entries
                    .iter()
                    .map(|(k, v)| k.count() + v.count())
                    .sum::<usize>()
            }
        }
    }

    fn depth(&self) -> usize {
        match self {
            Node::Null(_) | Node::Scalar { .. } => 0,
            Node::Seq(_, items) => 1 + items.iter().map(Node::depth).max().unwrap_or(0),
            Node::Map(_, entries) => {
                1 + entries
                    .iter()
                    .map(|(k, v)| k.depth().max(v.depth()))
                    .max()
                    .unwrap_or(0)
            }
        }
    }
}

/// A problem that stops reading the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// Where.
    pub mark: Mark,
    /// What.
    pub message: String,
}

enum Frame {
    Seq(Mark, usize, Vec<Node>),
    Map(Mark, usize, Vec<(Node, Node)>, Option<Node>),
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    docs: Vec<Node>,
    in_doc: bool,
    doc_has_root: bool,
    nodes: usize,
}

/// Parses every document of `text`. An empty document (`---` followed by
/// nothing) gives [`Node::Null`].
pub fn parse_stream(text: &str) -> Result<Vec<Node>, SyntaxError> {
    let mut b = Builder::default();
    for item in Parser::new_from_str(text) {
        let (event, span) = item.map_err(|e| SyntaxError {
            mark: (*e.marker()).into(),
            message: format!("YAML syntax error: {}", e.info()),
        })?;
        b.event(event, span)?;
    }
    Ok(b.docs)
}

fn fail<T>(span: Span, message: impl Into<String>) -> Result<T, SyntaxError> {
    Err(SyntaxError {
        mark: span.start.into(),
        message: message.into(),
    })
}

impl Builder {
    fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), SyntaxError> {
        let mark = Mark::from(span.start);
        match event {
            Event::DocumentStart(_) => {
                self.in_doc = true;
                self.doc_has_root = false;
                self.anchors.clear();
            }
            Event::DocumentEnd => {
                if self.in_doc && !self.doc_has_root {
                    self.docs.push(Node::Null(mark));
                }
                self.in_doc = false;
            }
            Event::Scalar(value, style, anchor, tag) => {
                let forced_str = tag
                    .as_ref()
                    .is_some_and(|t| t.is_yaml_core_schema() && t.suffix == "str");
                let plain = style == ScalarStyle::Plain && !forced_str;
                let node = if plain && matches!(&*value, "" | "~" | "null" | "Null" | "NULL") {
                    Node::Null(mark)
                } else {
                    Node::Scalar {
                        mark,
                        text: value.into_owned(),
                        plain,
                    }
                };
                self.complete(node, anchor, span)?;
            }
            Event::SequenceStart(anchor, _) => {
                self.open(span)?;
                self.stack.push(Frame::Seq(mark, anchor, Vec::new()));
            }
            Event::MappingStart(anchor, _) => {
                self.open(span)?;
                self.stack.push(Frame::Map(mark, anchor, Vec::new(), None));
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor) = match self.stack.pop() {
                    Some(Frame::Seq(m, anchor, items)) => (Node::Seq(m, items), anchor),
                    Some(Frame::Map(m, anchor, entries, _)) => (Node::Map(m, entries), anchor),
                    None => return fail(span, "YAML syntax error: unbalanced collection"),
                };
                self.complete(node, anchor, span)?;
            }
            Event::Alias(anchor) => {
                let Some(original) = self.anchors.get(&anchor) else {
                    return fail(span, "YAML alias refers to an unknown anchor");
                };
                if self.stack.len() + original.depth() > MAX_DEPTH {
                    return fail(span, format!("nesting deeper than {MAX_DEPTH} levels"));
                }
                let copy = original.clone();
                self.nodes += copy.count().saturating_sub(1);
                self.complete(copy, 0, span)?;
            }
            Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
        }
        Ok(())
    }

    fn open(&mut self, span: Span) -> Result<(), SyntaxError> {
        if self.stack.len() >= MAX_DEPTH {
            return fail(span, format!("nesting deeper than {MAX_DEPTH} levels"));
        }
        Ok(())
    }

    fn complete(&mut self, node: Node, anchor: usize, span: Span) -> Result<(), SyntaxError> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return fail(
                span,
                format!("the file expands to more than {MAX_NODES} values (alias bomb?)"),
            );
        }
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            Some(Frame::Seq(_, _, items)) => items.push(node),
            Some(Frame::Map(_, _, entries, key)) => match key.take() {
                None => *key = Some(node),
                Some(k) => entries.push((k, node)),
            },
            None => {
                self.doc_has_root = true;
                self.docs.push(node);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn several_documents_are_read_in_order_with_their_lines() {
        let docs = parse_stream("title: a\n---\ntitle: b\nx: [1, 2]\n").unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].get("title").and_then(Node::as_str), Some("a"));
        assert_eq!(docs[1].get("title").and_then(Node::as_str), Some("b"));
        assert_eq!(docs[1].get("x").map(|n| n.mark().line), Some(4));
        assert_eq!(
            docs[1].get("x").map(Node::strings),
            Some(vec!["1".into(), "2".into()])
        );
    }

    #[test]
    fn quoted_scalars_are_not_plain_and_null_forms_are_null() {
        let docs = parse_stream("a: '1'\nb: 1\nc: ~\nd:\ne: 'null'\n").unwrap();
        let d = &docs[0];
        assert!(matches!(
            d.get("a"),
            Some(Node::Scalar { plain: false, .. })
        ));
        assert!(matches!(d.get("b"), Some(Node::Scalar { plain: true, .. })));
        assert!(matches!(d.get("c"), Some(Node::Null(_))));
        assert!(matches!(d.get("d"), Some(Node::Null(_))));
        assert!(matches!(
            d.get("e"),
            Some(Node::Scalar { plain: false, .. })
        ));
    }

    #[test]
    fn syntax_errors_and_bombs_point_at_a_line() {
        let err = parse_stream("a: [1, 2\nb: c\n").unwrap_err();
        assert!(err.mark.line >= 1, "{err:?}");
        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..8 {
            let p = i - 1;
            bomb.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let err = parse_stream(&bomb).unwrap_err();
        assert!(err.message.contains("alias bomb"), "{err:?}");
        let deep = "[".repeat(100) + &"]".repeat(100);
        assert!(parse_stream(&deep).unwrap_err().message.contains("nesting"));
    }
}
