//! Reading correlation rules (`correlation:` documents).

use crate::ast::{Cmp, Correlation, CorrelationType, Meta, Source};
use crate::yaml::Node;

use super::{diag, Diags};

/// Parses a Sigma timespan: `<n><unit>`, unit one of s, m, h, d, w.
pub fn parse_timespan(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (n, unit) = text.split_at(split);
    let n: u64 = n.parse().ok()?;
    let mult = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 604_800,
        _ => return None,
    };
    n.checked_mul(mult).filter(|&s| s > 0)
}

pub(super) fn read_correlation(
    corr: &Node,
    meta: Meta,
    source: Source,
    diags: &mut Diags,
) -> Option<Correlation> {
    let before = diags.len();
    let kind = match corr.get("type").and_then(Node::as_str) {
        Some("event_count") => Some(CorrelationType::EventCount),
        Some("value_count") => Some(CorrelationType::ValueCount),
        Some("temporal") => Some(CorrelationType::Temporal),
        Some("temporal_ordered") => Some(CorrelationType::TemporalOrdered),
        Some(other) => {
            diag(
                diags,
                corr.mark(),
                format!("unsupported correlation type '{other}' (known: event_count, value_count, temporal, temporal_ordered)"),
            );
            None
        }
        None => {
            diag(diags, corr.mark(), "the correlation has no 'type'");
            None
        }
    };
    let rules = corr.get("rules").map(Node::strings).unwrap_or_default();
    if rules.is_empty() {
        diag(diags, corr.mark(), "the correlation names no 'rules'");
    }
    let group_by = corr.get("group-by").map(Node::strings).unwrap_or_default();
    let timespan_secs = match corr.get("timespan") {
        Some(n) => match n.as_str().and_then(parse_timespan) {
            Some(s) => s,
            None => {
                diag(
                    diags,
                    n.mark(),
                    "'timespan' must be a number and a unit: s, m, h, d or w (e.g. 5m)",
                );
                0
            }
        },
        None => {
            diag(diags, corr.mark(), "the correlation has no 'timespan'");
            0
        }
    };
    let (condition, field) = read_corr_condition(corr.get("condition"), diags);
    if kind == Some(CorrelationType::ValueCount) && field.is_none() {
        diag(
            diags,
            corr.mark(),
            "a value_count correlation needs 'condition.field': the field whose values are counted",
        );
    }
    if matches!(
        kind,
        Some(CorrelationType::EventCount | CorrelationType::ValueCount)
    ) && condition.is_empty()
    {
        diag(
            diags,
            corr.mark(),
            "the correlation needs a 'condition' (e.g. gte: 10)",
        );
    }
    let aliases = match corr.get("aliases") {
        Some(Node::Map(_, entries)) => entries
            .iter()
            .filter_map(|(k, v)| {
                let alias = k.as_str()?.to_owned();
                let Node::Map(_, per_rule) = v else {
                    diag(
                        diags,
                        v.mark(),
                        format!("alias '{alias}' must map rules to fields"),
                    );
                    return None;
                };
                let pairs = per_rule
                    .iter()
                    .filter_map(|(r, f)| Some((r.as_str()?.to_owned(), f.as_str()?.to_owned())))
                    .collect();
                Some((alias, pairs))
            })
            .collect(),
        Some(other) => {
            diag(diags, other.mark(), "'aliases' must be a mapping");
            Vec::new()
        }
        None => Vec::new(),
    };
    let generate = matches!(corr.get("generate"), Some(Node::Scalar { text, .. }) if text.eq_ignore_ascii_case("true"));
    if diags.len() > before {
        return None;
    }
    Some(Correlation {
        meta,
        kind: kind?,
        rules,
        group_by,
        timespan_secs,
        condition,
        field,
        aliases,
        generate,
        source,
    })
}

fn read_corr_condition(
    node: Option<&Node>,
    diags: &mut Diags,
) -> (Vec<(Cmp, u64)>, Option<String>) {
    let mut out = Vec::new();
    let mut field = None;
    let Some(node) = node else {
        return (out, field);
    };
    let Node::Map(_, entries) = node else {
        diag(
            diags,
            node.mark(),
            "a correlation 'condition' must be a mapping (e.g. gte: 10)",
        );
        return (out, field);
    };
    for (k, v) in entries {
        let key = k.as_str().unwrap_or_default();
        let cmp = match key {
            "gt" => Cmp::Gt,
            "gte" => Cmp::Gte,
            "lt" => Cmp::Lt,
            "lte" => Cmp::Lte,
            "eq" => Cmp::Eq,
            "field" => {
                field = v.as_str().map(str::to_owned);
                continue;
            }
            other => {
                diag(
                    diags,
                    k.mark(),
                    format!("unknown correlation condition '{other}' (known: gt, gte, lt, lte, eq, field)"),
                );
                continue;
            }
        };
        match v.as_str().and_then(|t| t.parse::<u64>().ok()) {
            Some(n) => out.push((cmp, n)),
            None => diag(diags, v.mark(), format!("'{key}' needs a whole number")),
        }
    }
    (out, field)
}
