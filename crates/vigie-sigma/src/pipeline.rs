//! Processing pipelines, in the spirit (and a subset of the YAML format) of
//! pySigma's: transformations applied to rules before they are compiled, so
//! that rules written for one log schema run on another.
//!
//! ```yaml
//! name: my-edr
//! priority: 10
//! transformations:
//!   - id: edr_names
//!     type: field_name_mapping
//!     mapping:
//!       CommandLine: process.command_line
//!       Image: [process.executable, process.name]   # any of them
//!     rule_conditions:
//!       - type: logsource
//!         product: windows
//!         category: process_creation
//!   - type: field_name_prefix
//!     prefix: "data."
//!     rule_conditions: [{type: logsource, product: myapp}]
//!   - type: replace_string
//!     regex: "^C:\\\\"
//!     replacement: "/mnt/c/"
//! ```
//!
//! Supported transformation types: `field_name_mapping` (one field to one
//! or several; several means any of them), `field_name_prefix`,
//! `field_name_prefix_mapping`, `replace_string` (on plain string values)
//! and `change_logsource`. Conditions: `logsource` (every key given must
//! equal the rule's). Pipelines apply in ascending `priority`, then in the
//! order given. An unknown type or condition is an error naming it.

use std::collections::BTreeMap;

use regex::Regex;

use crate::ast::{Detection, Detections, Item, LogSource, Rule, Value};
use crate::yaml::{parse_stream, Node};

/// One transformation.
#[derive(Debug, Clone)]
pub enum Transform {
    /// Field renames; several targets mean any of them.
    FieldMap(BTreeMap<String, Vec<String>>),
    /// A prefix put before every field name.
    FieldPrefix(String),
    /// Renames by prefix: a field starting with a key has that prefix replaced.
    FieldPrefixMap(BTreeMap<String, String>),
    /// A regular-expression replacement in every plain string value.
    ReplaceString(Regex, String),
    /// The rule's log source is replaced (keys given only).
    ChangeLogSource(LogSource),
}

/// A transformation with the rules it applies to.
#[derive(Debug, Clone)]
pub struct Step {
    /// Its id, if given (for reports).
    pub id: Option<String>,
    /// What it does.
    pub transform: Transform,
    /// Log sources it applies to (any of them; empty = every rule).
    pub when: Vec<LogSource>,
}

/// A processing pipeline.
#[derive(Debug, Clone)]
pub struct Pipeline {
    /// Its name.
    pub name: String,
    /// Lower runs first.
    pub priority: i64,
    /// The steps, in order.
    pub steps: Vec<Step>,
}

fn err(node: &Node, msg: impl Into<String>) -> String {
    let m = node.mark();
    format!("{}:{}: {}", m.line, m.col, msg.into())
}

fn logsource_of(node: &Node) -> LogSource {
    let get = |k: &str| {
        node.get(k)
            .and_then(Node::as_str)
            .map(str::to_ascii_lowercase)
    };
    LogSource {
        product: get("product"),
        service: get("service"),
        category: get("category"),
    }
}

fn string_map(node: &Node) -> Result<BTreeMap<String, Vec<String>>, String> {
    let Node::Map(_, entries) = node else {
        return Err(err(node, "'mapping' must be a mapping of field names"));
    };
    let mut out = BTreeMap::new();
    for (k, v) in entries {
        let key = k
            .as_str()
            .ok_or_else(|| err(k, "a field name must be text"))?;
        let targets = v.strings();
        if targets.is_empty() {
            return Err(err(v, format!("'{key}' maps to no field")));
        }
        out.insert(key.to_owned(), targets);
    }
    Ok(out)
}

fn step(node: &Node) -> Result<Step, String> {
    let kind = node
        .get("type")
        .and_then(Node::as_str)
        .ok_or_else(|| err(node, "a transformation needs a 'type'"))?;
    let transform = match kind {
        "field_name_mapping" => Transform::FieldMap(string_map(
            node.get("mapping")
                .ok_or_else(|| err(node, "field_name_mapping needs 'mapping'"))?,
        )?),
        "field_name_prefix" => Transform::FieldPrefix(
            node.get("prefix")
                .and_then(Node::as_str)
                .ok_or_else(|| err(node, "field_name_prefix needs 'prefix'"))?
                .to_owned(),
        ),
        "field_name_prefix_mapping" => {
            let m = string_map(
                node.get("mapping")
                    .ok_or_else(|| err(node, "field_name_prefix_mapping needs 'mapping'"))?,
            )?;
            Transform::FieldPrefixMap(
                m.into_iter()
                    .filter_map(|(k, v)| v.into_iter().next().map(|t| (k, t)))
                    .collect(),
            )
        }
        "replace_string" => {
            let re = node
                .get("regex")
                .and_then(Node::as_str)
                .ok_or_else(|| err(node, "replace_string needs 'regex'"))?;
            let re = regex::RegexBuilder::new(re)
                .size_limit(1 << 20)
                .build()
                .map_err(|e| err(node, format!("replace_string: bad regex: {e}")))?;
            let with = node
                .get("replacement")
                .and_then(Node::as_str)
                .unwrap_or_default()
                .to_owned();
            Transform::ReplaceString(re, with)
        }
        "change_logsource" => Transform::ChangeLogSource(logsource_of(node)),
        other => {
            return Err(err(
                node,
                format!("unsupported transformation type '{other}' (supported: field_name_mapping, field_name_prefix, field_name_prefix_mapping, replace_string, change_logsource)"),
            ))
        }
    };
    let mut when = Vec::new();
    if let Some(other @ (Node::Map(..) | Node::Scalar { .. })) = node.get("rule_conditions") {
        return Err(err(other, "'rule_conditions' must be a list"));
    }
    if let Some(Node::Seq(_, conds)) = node.get("rule_conditions") {
        for c in conds {
            match c.get("type").and_then(Node::as_str) {
                Some("logsource") => when.push(logsource_of(c)),
                Some(other) => {
                    return Err(err(
                        c,
                        format!("unsupported rule condition '{other}' (supported: logsource)"),
                    ))
                }
                None => return Err(err(c, "a rule condition needs a 'type'")),
            }
        }
    }
    Ok(Step {
        id: node.get("id").and_then(Node::as_str).map(str::to_owned),
        transform,
        when,
    })
}

impl Pipeline {
    /// Parses a pipeline from YAML; errors are `line:col: reason`.
    pub fn parse(text: &str) -> Result<Pipeline, String> {
        let docs = parse_stream(text)
            .map_err(|e| format!("{}:{}: {}", e.mark.line, e.mark.col, e.message))?;
        let [doc] = docs.as_slice() else {
            return Err("a pipeline file holds exactly one YAML document".into());
        };
        let name = doc
            .get("name")
            .and_then(Node::as_str)
            .unwrap_or("pipeline")
            .to_owned();
        let priority = doc
            .get("priority")
            .and_then(Node::as_str)
            .map(|p| {
                p.parse::<i64>()
                    .map_err(|_| err(doc, "'priority' must be a whole number"))
            })
            .transpose()?
            .unwrap_or(0);
        let Some(Node::Seq(_, steps)) = doc.get("transformations") else {
            return Err(err(doc, "a pipeline needs a list of 'transformations'"));
        };
        let steps = steps.iter().map(step).collect::<Result<_, _>>()?;
        Ok(Pipeline {
            name,
            priority,
            steps,
        })
    }
}

fn applies(when: &[LogSource], ls: &LogSource) -> bool {
    let eq = |w: &Option<String>, r: &Option<String>| w.is_none() || w == r;
    when.is_empty()
        || when.iter().any(|w| {
            eq(&w.product, &ls.product)
                && eq(&w.service, &ls.service)
                && eq(&w.category, &ls.category)
        })
}

fn map_items(d: &Detection, f: &dyn Fn(&Item) -> Detection) -> Detection {
    match d {
        Detection::All(items) => {
            let mapped: Vec<Detection> = items.iter().map(f).collect();
            if mapped
                .iter()
                .all(|m| matches!(m, Detection::All(v) if v.len() == 1))
            {
                Detection::All(
                    mapped
                        .into_iter()
                        .flat_map(|m| match m {
                            Detection::All(v) => v,
                            Detection::Any(_) => Vec::new(),
                        })
                        .collect(),
                )
            } else {
                // An item renamed to several fields is an OR of copies; the
                // AND across items is distributed over them.
                and_of(mapped)
            }
        }
        Detection::Any(parts) => Detection::Any(parts.iter().map(|p| map_items(p, f)).collect()),
    }
}

/// AND of detections, distributing ORs (bounded by the few multi-target
/// renames a pipeline has).
fn and_of(parts: Vec<Detection>) -> Detection {
    let mut alts: Vec<Vec<Item>> = vec![Vec::new()];
    for p in parts {
        let options: Vec<Vec<Item>> = match p {
            Detection::All(v) => vec![v],
            Detection::Any(v) => v
                .into_iter()
                .map(|d| match d {
                    Detection::All(items) => items,
                    Detection::Any(_) => Vec::new(),
                })
                .collect(),
        };
        alts = alts
            .iter()
            .flat_map(|a| {
                options.iter().map(move |o| {
                    let mut n = a.clone();
                    n.extend(o.iter().cloned());
                    n
                })
            })
            .take(1024)
            .collect();
    }
    Detection::Any(alts.into_iter().map(Detection::All).collect())
}

fn transform_rule(rule: &mut Rule, t: &Transform) {
    match t {
        Transform::ChangeLogSource(ls) => {
            if ls.product.is_some() {
                rule.logsource.product = ls.product.clone();
            }
            if ls.service.is_some() {
                rule.logsource.service = ls.service.clone();
            }
            if ls.category.is_some() {
                rule.logsource.category = ls.category.clone();
            }
        }
        other => transform_detections(&mut rule.detection, other),
    }
}

/// Applies a field or value transformation to every item of `d`.
pub fn transform_detections(d: &mut Detections, t: &Transform) {
    let f = |item: &Item| -> Detection {
        let mut item = item.clone();
        match t {
            Transform::FieldMap(map) => {
                if let Some(targets) = item.field.as_ref().and_then(|f| map.get(f)) {
                    if targets.len() > 1 {
                        return Detection::Any(
                            targets
                                .iter()
                                .map(|t| {
                                    let mut c = item.clone();
                                    c.field = Some(t.clone());
                                    Detection::All(vec![c])
                                })
                                .collect(),
                        );
                    }
                    item.field = targets.first().cloned();
                }
            }
            Transform::FieldPrefix(p) => {
                if let Some(f) = &item.field {
                    item.field = Some(format!("{p}{f}"));
                }
            }
            Transform::FieldPrefixMap(map) => {
                if let Some(f) = item.field.clone() {
                    if let Some((from, to)) =
                        map.iter().find(|(from, _)| f.starts_with(from.as_str()))
                    {
                        item.field = Some(format!("{to}{}", &f[from.len()..]));
                    }
                }
            }
            Transform::ReplaceString(re, with) => {
                for v in &mut item.values {
                    if let Value::Str(s) = v {
                        *s = re.replace_all(s, with.as_str()).into_owned();
                    }
                }
            }
            Transform::ChangeLogSource(_) => {}
        }
        Detection::All(vec![item])
    };
    for (_, sel) in &mut d.selections {
        *sel = map_items(sel, &f);
    }
}

/// Applies `pipelines` to `rule` (priority order).
pub fn apply(pipelines: &[Pipeline], rule: &Rule) -> Rule {
    let mut rule = rule.clone();
    let mut ordered: Vec<&Pipeline> = pipelines.iter().collect();
    ordered.sort_by_key(|p| p.priority);
    for p in ordered {
        for s in &p.steps {
            if applies(&s.when, &rule.logsource) {
                transform_rule(&mut rule, &s.transform);
            }
        }
    }
    rule
}

/// Applies `pipelines` to a filter's detections (its log source decides
/// which steps apply), so filters see the same field names as rules.
pub fn apply_filter(pipelines: &[Pipeline], filter: &crate::ast::Filter) -> crate::ast::Filter {
    let mut filter = filter.clone();
    let mut ordered: Vec<&Pipeline> = pipelines.iter().collect();
    ordered.sort_by_key(|p| p.priority);
    for p in ordered {
        for s in &p.steps {
            if applies(&s.when, &filter.logsource)
                && !matches!(s.transform, Transform::ChangeLogSource(_))
            {
                transform_detections(&mut filter.detection, &s.transform);
            }
        }
    }
    filter
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::Document;
    use crate::read::read_document;
    use std::path::Path;
    use std::sync::Arc;

    fn rule(yaml: &str) -> Rule {
        let docs = parse_stream(yaml).unwrap();
        let source = crate::ast::Source {
            file: Arc::from(Path::new("r.yml")),
            line: 1,
        };
        match read_document(&docs[0], source).unwrap() {
            Document::Rule(r) => *r,
            other => panic!("{other:?}"),
        }
    }

    const RULE: &str = "title: t\nlogsource: {product: windows, category: process_creation}\ndetection:\n  sel:\n    CommandLine|contains: 'C:\\x'\n    Image: a.exe\n  condition: sel\n";

    fn fields(d: &Detection, out: &mut Vec<String>) {
        match d {
            Detection::All(items) => out.extend(items.iter().filter_map(|i| i.field.clone())),
            Detection::Any(parts) => parts.iter().for_each(|p| fields(p, out)),
        }
    }

    #[test]
    fn a_pipeline_renames_fields_of_matching_rules_only() {
        let p = Pipeline::parse(
            "name: edr\ntransformations:\n  - type: field_name_mapping\n    mapping: {CommandLine: process.command_line}\n    rule_conditions: [{type: logsource, category: process_creation}]\n  - type: field_name_prefix\n    prefix: x.\n    rule_conditions: [{type: logsource, product: linux}]\n",
        )
        .unwrap();
        let out = apply(&[p], &rule(RULE));
        let mut f = Vec::new();
        fields(&out.detection.selections[0].1, &mut f);
        assert_eq!(
            f,
            vec!["process.command_line".to_owned(), "Image".to_owned()]
        );
    }

    #[test]
    fn a_rename_to_several_fields_becomes_any_of_them_and_values_can_be_rewritten() {
        let p = Pipeline::parse(
            "name: p\ntransformations:\n  - type: field_name_mapping\n    mapping: {Image: [process.executable, process.name]}\n  - type: replace_string\n    regex: '^C:'\n    replacement: '/c'\n  - type: change_logsource\n    product: edr\n",
        )
        .unwrap();
        let out = apply(&[p], &rule(RULE));
        assert_eq!(out.logsource.product.as_deref(), Some("edr"));
        assert_eq!(out.logsource.category.as_deref(), Some("process_creation"));
        let Detection::Any(alts) = &out.detection.selections[0].1 else {
            panic!("{:?}", out.detection.selections[0].1)
        };
        assert_eq!(alts.len(), 2);
        let mut f = Vec::new();
        fields(&out.detection.selections[0].1, &mut f);
        assert_eq!(
            f,
            vec![
                "CommandLine",
                "process.executable",
                "CommandLine",
                "process.name"
            ]
        );
        let Detection::All(items) = &alts[0] else {
            panic!()
        };
        assert_eq!(items[0].values, vec![Value::Str("/c\\x".into())]);
    }

    #[test]
    fn unknown_transformations_and_conditions_are_refused_with_their_position() {
        let e =
            Pipeline::parse("name: p\ntransformations:\n  - type: drop_everything\n").unwrap_err();
        assert!(
            e.starts_with("3:") && e.contains("'drop_everything'"),
            "{e}"
        );
        let e = Pipeline::parse(
            "transformations:\n  - type: field_name_prefix\n    prefix: a\n    rule_conditions: [{type: include_fields}]\n",
        )
        .unwrap_err();
        assert!(
            e.contains("unsupported rule condition 'include_fields'"),
            "{e}"
        );
        assert!(Pipeline::parse("name: p\n")
            .unwrap_err()
            .contains("transformations"));
    }
}
