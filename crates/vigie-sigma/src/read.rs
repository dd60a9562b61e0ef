//! Reading: one YAML document into a [`Document`], collecting every problem
//! with its line and column instead of stopping at the first.

mod correlation;

use crate::ast::{
    Detection, Detections, Document, Filter, Item, LogSource, Meta, Rule, Source, Value,
};
use crate::condition::{self, Cond};
use crate::modifier::Modifiers;
use crate::yaml::{Mark, Node};

pub use correlation::parse_timespan;
use correlation::read_correlation;

/// A problem in a document, at a position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Where.
    pub mark: Mark,
    /// What is wrong, in words.
    pub message: String,
}

type Diags = Vec<Diagnostic>;

fn diag(diags: &mut Diags, mark: Mark, message: impl Into<String>) {
    diags.push(Diagnostic {
        mark,
        message: message.into(),
    });
}

/// Reads one document. `Err` carries every problem found.
pub fn read_document(doc: &Node, source: Source) -> Result<Document, Vec<Diagnostic>> {
    let mut diags = Vec::new();
    if !matches!(doc, Node::Map(..)) {
        diag(
            &mut diags,
            doc.mark(),
            format!("a Sigma document must be a mapping, not {}", doc.describe()),
        );
        return Err(diags);
    }
    let meta = read_meta(doc, &mut diags);
    let out = if let Some(corr) = doc.get("correlation") {
        read_correlation(corr, meta, source, &mut diags).map(|c| Document::Correlation(c.into()))
    } else if let Some(filter) = doc.get("filter") {
        read_filter(doc, filter, meta, source, &mut diags).map(|f| Document::Filter(f.into()))
    } else if let Some(det) = doc.get("detection") {
        let logsource = read_logsource(doc, &mut diags);
        read_detections(det, &mut diags).map(|detection| {
            Document::Rule(
                Rule {
                    meta,
                    logsource,
                    detection,
                    source,
                }
                .into(),
            )
        })
    } else {
        diag(
            &mut diags,
            doc.mark(),
            "the document has none of 'detection', 'correlation' or 'filter'",
        );
        None
    };
    match out {
        Some(doc) if diags.is_empty() => Ok(doc),
        _ => Err(diags),
    }
}

fn text(node: Option<&Node>) -> Option<String> {
    node.and_then(Node::as_str).map(str::to_owned)
}

fn read_meta(doc: &Node, diags: &mut Diags) -> Meta {
    let title = match doc.get("title") {
        Some(Node::Scalar { text, .. }) => text.clone(),
        Some(other) => {
            diag(diags, other.mark(), "'title' must be text");
            String::new()
        }
        None => String::new(),
    };
    Meta {
        title,
        id: text(doc.get("id")),
        name: text(doc.get("name")),
        status: text(doc.get("status")),
        level: text(doc.get("level")),
        description: text(doc.get("description")),
        references: doc.get("references").map(Node::strings).unwrap_or_default(),
        tags: doc.get("tags").map(Node::strings).unwrap_or_default(),
        author: text(doc.get("author")),
        falsepositives: doc
            .get("falsepositives")
            .map(Node::strings)
            .unwrap_or_default(),
    }
}

fn read_logsource(doc: &Node, diags: &mut Diags) -> LogSource {
    match doc.get("logsource") {
        Some(ls @ Node::Map(..)) => LogSource {
            product: text(ls.get("product")).map(|s| s.to_ascii_lowercase()),
            service: text(ls.get("service")).map(|s| s.to_ascii_lowercase()),
            category: text(ls.get("category")).map(|s| s.to_ascii_lowercase()),
        },
        Some(other) => {
            diag(diags, other.mark(), "'logsource' must be a mapping");
            LogSource::default()
        }
        None => {
            diag(diags, doc.mark(), "the rule has no 'logsource'");
            LogSource::default()
        }
    }
}

/// Reads `detection:` (selections plus `condition`).
fn read_detections(det: &Node, diags: &mut Diags) -> Option<Detections> {
    let Node::Map(mark, entries) = det else {
        diag(diags, det.mark(), "'detection' must be a mapping");
        return None;
    };
    let mut selections = Vec::new();
    // Selections that did not read: the condition may still name them, and
    // that is no second error.
    let mut unread: Vec<&str> = Vec::new();
    let mut condition = None;
    for (key, value) in entries {
        let Some(name) = key.as_str() else {
            diag(diags, key.mark(), "a selection name must be text");
            continue;
        };
        match name {
            "condition" => condition = read_condition(value, diags),
            // The old aggregation window; meaningless without an aggregation,
            // which the condition parser refuses with a clear message.
            "timeframe" => {}
            _ => match read_selection(value, diags) {
                Some(d) => selections.push((name.to_owned(), d)),
                None => unread.push(name),
            },
        }
    }
    let Some((condition, condition_mark)) = condition else {
        if !entries.iter().any(|(k, _)| k.as_str() == Some("condition")) {
            diag(diags, *mark, "'detection' has no 'condition'");
        }
        return None;
    };
    let mut names: Vec<&str> = selections.iter().map(|(n, _)| n.as_str()).collect();
    names.extend(unread);
    if let Err(e) = condition::resolve(&condition, &names) {
        diag(
            diags,
            shift(condition_mark, e.column),
            format!("condition: {}", e.message),
        );
        return None;
    }
    Some(Detections {
        selections,
        condition,
        condition_mark,
    })
}

/// The mark of column `col` (1-based) of a one-line scalar starting at `mark`.
fn shift(mark: Mark, col: usize) -> Mark {
    Mark {
        line: mark.line,
        col: mark.col + col.saturating_sub(1),
    }
}

fn read_condition(node: &Node, diags: &mut Diags) -> Option<(Cond, Mark)> {
    let parse_one = |n: &Node, diags: &mut Diags| -> Option<Cond> {
        let Some(text) = n.as_str() else {
            diag(diags, n.mark(), "a condition must be text");
            return None;
        };
        match condition::parse(text) {
            Ok(c) => Some(c),
            Err(e) => {
                diag(
                    diags,
                    shift(n.mark(), e.column),
                    format!("condition: {}", e.message),
                );
                None
            }
        }
    };
    match node {
        Node::Seq(mark, items) if !items.is_empty() => {
            let conds: Option<Vec<Cond>> = items.iter().map(|n| parse_one(n, diags)).collect();
            let mut conds = conds?;
            if conds.len() == 1 {
                conds.pop().map(|c| (c, *mark))
            } else {
                Some((Cond::Or(conds), *mark))
            }
        }
        other => parse_one(other, diags).map(|c| (c, other.mark())),
    }
}

fn read_selection(node: &Node, diags: &mut Diags) -> Option<Detection> {
    match node {
        Node::Map(_, entries) => {
            let mut items = Vec::with_capacity(entries.len());
            for (key, value) in entries {
                items.push(read_item(key, value, diags)?);
            }
            if items.is_empty() {
                diag(diags, node.mark(), "an empty selection matches nothing");
                return None;
            }
            Some(Detection::All(items))
        }
        Node::Seq(mark, elems) => {
            let mut parts = Vec::new();
            let mut keywords = Vec::new();
            for elem in elems {
                match elem {
                    Node::Map(..) | Node::Seq(..) => parts.push(read_selection(elem, diags)?),
                    scalar => keywords.push(scalar_value(scalar)),
                }
            }
            if !keywords.is_empty() {
                parts.push(Detection::All(vec![Item {
                    field: None,
                    modifiers: Modifiers::default(),
                    values: keywords,
                    mark: *mark,
                }]));
            }
            match parts.len() {
                0 => {
                    diag(diags, *mark, "an empty selection matches nothing");
                    None
                }
                1 => parts.pop(),
                _ => Some(Detection::Any(parts)),
            }
        }
        Node::Scalar { mark, .. } => Some(Detection::All(vec![Item {
            field: None,
            modifiers: Modifiers::default(),
            values: vec![scalar_value(node)],
            mark: *mark,
        }])),
        Node::Null(mark) => {
            diag(diags, *mark, "a selection needs a value");
            None
        }
    }
}

fn read_item(key: &Node, value: &Node, diags: &mut Diags) -> Option<Item> {
    let Some(spec) = key.as_str() else {
        diag(diags, key.mark(), "a field name must be text");
        return None;
    };
    let mut parts = spec.split('|');
    let field = parts.next().unwrap_or_default();
    let modifiers = match Modifiers::parse(parts) {
        Ok(m) => m,
        Err(e) => {
            diag(diags, key.mark(), format!("'{spec}': {e}"));
            return None;
        }
    };
    let values = match value {
        Node::Seq(mark, elems) => {
            if elems.is_empty() {
                diag(
                    diags,
                    *mark,
                    format!("'{spec}' has an empty list of values"),
                );
                return None;
            }
            let mut vs = Vec::with_capacity(elems.len());
            for e in elems {
                if matches!(e, Node::Seq(..) | Node::Map(..)) {
                    diag(
                        diags,
                        e.mark(),
                        format!("'{spec}': a value must be a scalar, not {}", e.describe()),
                    );
                    return None;
                }
                vs.push(scalar_value(e));
            }
            vs
        }
        Node::Map(mark, _) => {
            diag(
                diags,
                *mark,
                format!("'{spec}': a value must be a scalar or a list, not a mapping"),
            );
            return None;
        }
        scalar => vec![scalar_value(scalar)],
    };
    Some(Item {
        field: (!field.is_empty()).then(|| field.to_owned()),
        modifiers,
        values,
        mark: key.mark(),
    })
}

fn scalar_value(node: &Node) -> Value {
    match node {
        Node::Scalar {
            text, plain: true, ..
        } => match text.as_str() {
            "true" | "True" | "TRUE" => Value::Bool(true),
            "false" | "False" | "FALSE" => Value::Bool(false),
            t if t.parse::<i64>().is_ok() || (t.parse::<f64>().is_ok() && is_decimal(t)) => {
                Value::Num(t.to_owned())
            }
            t => Value::Str(t.to_owned()),
        },
        Node::Scalar { text, .. } => Value::Str(text.clone()),
        _ => Value::Null,
    }
}

/// YAML floats look like `1.5` or `-2e3`; Rust also parses `inf` and `NaN`,
/// which YAML writes as `.inf` and `.nan`: those stay text.
fn is_decimal(t: &str) -> bool {
    t.bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'))
}

fn read_filter(
    doc: &Node,
    filter: &Node,
    meta: Meta,
    source: Source,
    diags: &mut Diags,
) -> Option<Filter> {
    let logsource = read_logsource(doc, diags);
    let rules = filter.get("rules").map(Node::strings).unwrap_or_default();
    if rules.is_empty() {
        diag(
            diags,
            filter.mark(),
            "'filter' needs 'rules': the rules it applies to",
        );
    }
    let Node::Map(mark, entries) = filter else {
        diag(diags, filter.mark(), "'filter' must be a mapping");
        return None;
    };
    let rest = Node::Map(
        *mark,
        entries
            .iter()
            .filter(|(k, _)| k.as_str() != Some("rules"))
            .cloned()
            .collect(),
    );
    let detection = read_detections(&rest, diags)?;
    Some(Filter {
        meta,
        logsource,
        rules,
        detection,
        source,
    })
}
