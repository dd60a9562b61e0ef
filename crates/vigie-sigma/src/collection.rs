//! Rule collections: the legacy multi-document form where a document with
//! `action: global` holds keys shared by the documents after it,
//! `action: reset` forgets them, and `action: repeat` repeats the previous
//! document with some keys replaced.
//!
//! Merging is deep for mappings (the later document wins on conflicts) and
//! replaces everything else.

use crate::yaml::Node;

/// Merges `over` onto `base`.
pub fn merge(base: &Node, over: &Node) -> Node {
    match (base, over) {
        (Node::Map(mark, b), Node::Map(_, o)) => {
            let mut out: Vec<(Node, Node)> = b.clone();
            for (k, v) in o {
                match out
                    .iter_mut()
                    .find(|(bk, _)| bk.as_str() == k.as_str() && k.as_str().is_some())
                {
                    Some((_, bv)) => *bv = merge(bv, v),
                    None => out.push((k.clone(), v.clone())),
                }
            }
            Node::Map(*mark, out)
        }
        (_, over) => over.clone(),
    }
}

fn without_action(doc: &Node) -> Node {
    match doc {
        Node::Map(mark, entries) => Node::Map(
            *mark,
            entries
                .iter()
                .filter(|(k, _)| k.as_str() != Some("action"))
                .cloned()
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The documents of a file with collection actions applied: `global`
/// documents are merged into the following ones and dropped, `reset` is
/// dropped, `repeat` becomes the previous document with its keys replaced.
pub fn expand(docs: Vec<Node>) -> Vec<Node> {
    let mut global: Option<Node> = None;
    let mut previous: Option<Node> = None;
    let mut out = Vec::with_capacity(docs.len());
    for doc in docs {
        match doc.get("action").and_then(Node::as_str) {
            Some("global") => {
                let g = without_action(&doc);
                global = Some(match &global {
                    Some(old) => merge(old, &g),
                    None => g,
                });
            }
            Some("reset") => global = None,
            Some("repeat") => {
                let base = previous.clone().unwrap_or_else(|| without_action(&doc));
                let d = merge(&base, &without_action(&doc));
                previous = Some(d.clone());
                out.push(d);
            }
            _ => {
                let d = match &global {
                    Some(g) => merge(g, &doc),
                    None => doc,
                };
                previous = Some(d.clone());
                out.push(d);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse_stream;

    #[test]
    fn global_documents_merge_into_the_next_ones_and_repeat_and_reset_work() {
        let text = "action: global\ntitle: shared\nlogsource: {product: windows}\ndetection:\n  condition: sel\n---\nlogsource: {service: security}\ndetection:\n  sel: {EventID: 1}\n---\naction: repeat\ndetection:\n  sel: {EventID: 2}\n---\naction: reset\n---\ntitle: alone\n";
        let docs = expand(parse_stream(text).unwrap());
        assert_eq!(docs.len(), 3);
        let first = &docs[0];
        assert_eq!(first.get("title").and_then(Node::as_str), Some("shared"));
        let ls = first.get("logsource").unwrap();
        assert_eq!(ls.get("product").and_then(Node::as_str), Some("windows"));
        assert_eq!(ls.get("service").and_then(Node::as_str), Some("security"));
        let det = first.get("detection").unwrap();
        assert_eq!(det.get("condition").and_then(Node::as_str), Some("sel"));
        let sel2 = docs[1].get("detection").and_then(|d| d.get("sel")).unwrap();
        assert_eq!(sel2.get("EventID").and_then(Node::as_str), Some("2"));
        assert!(docs[1].get("action").is_none());
        assert_eq!(docs[2].get("title").and_then(Node::as_str), Some("alone"));
        assert!(
            docs[2].get("logsource").is_none(),
            "reset forgot the global keys"
        );
    }
}
