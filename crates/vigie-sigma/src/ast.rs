//! What a Sigma document says, once read: rules, correlations and filters.
//!
//! The reader ([`crate::read`]) builds these from YAML; the compiler
//! ([`crate::compile`]) turns them into matchers. Nothing here knows about
//! events.

use std::path::Path;
use std::sync::Arc;

use crate::condition::Cond;
use crate::modifier::Modifiers;
use crate::yaml::Mark;

/// Where a document came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The file.
    pub file: Arc<Path>,
    /// The document's first line in the file.
    pub line: usize,
}

/// Metadata shared by every kind of document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Meta {
    /// `title`.
    pub title: String,
    /// `id` (a UUID in SigmaHQ).
    pub id: Option<String>,
    /// `name`: a stable name other documents may refer to.
    pub name: Option<String>,
    /// `status` (stable, test, experimental, deprecated, unsupported).
    pub status: Option<String>,
    /// `level` (informational, low, medium, high, critical).
    pub level: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// `references`.
    pub references: Vec<String>,
    /// `tags` (`attack.t1059`, `attack.execution`, `cve.2021-44228`, ...).
    pub tags: Vec<String>,
    /// `author`.
    pub author: Option<String>,
    /// `falsepositives`.
    pub falsepositives: Vec<String>,
}

impl Meta {
    /// The id if present, else the name, else the title: how to refer to
    /// this document in reports.
    pub fn key(&self) -> &str {
        self.id
            .as_deref()
            .or(self.name.as_deref())
            .unwrap_or(&self.title)
    }
}

/// `logsource`: which events a rule is about.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct LogSource {
    /// `product` (windows, linux, aws, kubernetes, zeek, ...).
    pub product: Option<String>,
    /// `service` (sysmon, security, cloudtrail, audit, ...).
    pub service: Option<String>,
    /// `category` (process_creation, firewall, proxy, ...).
    pub category: Option<String>,
}

impl std::fmt::Display for LogSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = [
            ("product", &self.product),
            ("service", &self.service),
            ("category", &self.category),
        ]
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={v}")))
        .collect();
        if parts.is_empty() {
            f.write_str("(any)")
        } else {
            f.write_str(&parts.join(","))
        }
    }
}

/// One value of a detection item, typed as YAML gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// A string (quoted, or plain text that is not a number or boolean).
    Str(String),
    /// A plain number, kept as written (`4688`, `-1`, `1.5`).
    Num(String),
    /// A plain boolean.
    Bool(bool),
    /// `null`, `~` or nothing.
    Null,
}

impl Value {
    /// The text a string comparison uses.
    pub fn text(&self) -> Option<String> {
        match self {
            Value::Str(s) | Value::Num(s) => Some(s.clone()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Null => None,
        }
    }
}

/// `Field|modifiers: values`, or keywords when `field` is `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// The field; `None` for keywords (search everywhere).
    pub field: Option<String>,
    /// The modifiers after the field name.
    pub modifiers: Modifiers,
    /// The values (any of them, or all with `all`).
    pub values: Vec<Value>,
    /// Where the item is written.
    pub mark: Mark,
}

/// A selection, or part of one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Detection {
    /// Every item must hold (a mapping).
    All(Vec<Item>),
    /// Any of the parts may hold (a list).
    Any(Vec<Detection>),
}

/// The named selections of a rule or filter, with the condition over them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detections {
    /// Selections by name, in document order.
    pub selections: Vec<(String, Detection)>,
    /// The condition (several `condition` entries are ORed).
    pub condition: Cond,
    /// Where `condition` is written.
    pub condition_mark: Mark,
}

/// A detection rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// Title, id, level, tags and the rest.
    pub meta: Meta,
    /// Which events it applies to.
    pub logsource: LogSource,
    /// What it looks for.
    pub detection: Detections,
    /// Where it was read.
    pub source: Source,
}

/// The kinds of correlation (Sigma v2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CorrelationType {
    /// Number of matching events per group in the window.
    EventCount,
    /// Number of distinct values of a field per group in the window.
    ValueCount,
    /// All referenced rules matched in the window, in any order.
    Temporal,
    /// All referenced rules matched in the window, in the listed order.
    TemporalOrdered,
}

/// A comparison in a correlation condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cmp {
    /// `gt`.
    Gt,
    /// `gte`.
    Gte,
    /// `lt`.
    Lt,
    /// `lte`.
    Lte,
    /// `eq`.
    Eq,
}

impl Cmp {
    /// Whether `value cmp threshold` holds.
    pub fn holds(self, value: u64, threshold: u64) -> bool {
        match self {
            Cmp::Gt => value > threshold,
            Cmp::Gte => value >= threshold,
            Cmp::Lt => value < threshold,
            Cmp::Lte => value <= threshold,
            Cmp::Eq => value == threshold,
        }
    }
}

/// A correlation rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correlation {
    /// Title, id, level, tags and the rest.
    pub meta: Meta,
    /// Its type.
    pub kind: CorrelationType,
    /// The rules (ids or names) it correlates.
    pub rules: Vec<String>,
    /// The fields events are grouped by (empty: one group).
    pub group_by: Vec<String>,
    /// The window, in seconds.
    pub timespan_secs: u64,
    /// The condition: every comparison must hold (may be empty for temporal).
    pub condition: Vec<(Cmp, u64)>,
    /// For `value_count`: the field whose distinct values are counted.
    pub field: Option<String>,
    /// Group-by aliases: alias name, and the field it means in each rule.
    pub aliases: Vec<(String, Vec<(String, String)>)>,
    /// Whether the referenced rules also raise their own alerts.
    pub generate: bool,
    /// Where it was read.
    pub source: Source,
}

/// A Sigma filter: extra conditions ANDed onto the rules it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    /// Title, id and the rest.
    pub meta: Meta,
    /// Its log source.
    pub logsource: LogSource,
    /// The rules it applies to (ids or names).
    pub rules: Vec<String>,
    /// The selections and condition to AND on.
    pub detection: Detections,
    /// Where it was read.
    pub source: Source,
}

/// One document of a Sigma file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Document {
    /// A detection rule.
    Rule(Box<Rule>),
    /// A correlation rule.
    Correlation(Box<Correlation>),
    /// A filter.
    Filter(Box<Filter>),
}
