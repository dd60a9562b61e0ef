//! Compiling: rules as read into matchers that evaluate events.
//!
//! Every value is turned into its final form once (wildcards parsed, case
//! folded, placeholders expanded, encodings applied, regexes built under
//! size limits), so evaluating an event does no rule parsing.

mod item;
pub mod trigger;

use std::collections::HashMap;
use std::sync::Arc;

use crate::ast::{Detection, Detections, Filter, Rule};
use crate::condition::{self, Expr};
use crate::texts::EventView;
use crate::view::FieldView;
use crate::yaml::Mark;

use item::{compile_item, CompiledItem};

/// Values for `%name%` placeholders of the `expand` modifier.
pub type Placeholders = HashMap<String, Vec<String>>;

/// Most memory a compiled regular expression may take.
pub const REGEX_SIZE_LIMIT: usize = 16 << 20;
/// Most memory the lazy DFA of one regular expression may take.
pub const REGEX_DFA_LIMIT: usize = 8 << 20;

/// Why a rule did not compile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompileError {
    /// A value or modifier is wrong.
    #[error("{message}")]
    Invalid {
        /// Where.
        mark: Mark,
        /// What.
        message: String,
    },
    /// An `expand` placeholder has no configured values: the rule is kept
    /// idle until it has.
    #[error("needs placeholder '%{name}%' (configure its values)")]
    Placeholder {
        /// The placeholder's name.
        name: String,
    },
}

/// A compiled selection.
#[derive(Debug, Clone)]
enum CompiledDetection {
    All(Vec<CompiledItem>),
    Any(Vec<CompiledDetection>),
}

impl CompiledDetection {
    fn matches<'a>(&'a self, ev: &EventView<'a>) -> bool {
        match self {
            CompiledDetection::All(items) => items.iter().all(|i| i.matches(ev)),
            CompiledDetection::Any(parts) => parts.iter().any(|d| d.matches(ev)),
        }
    }
}

fn compile_detection(d: &Detection, ph: &Placeholders) -> Result<CompiledDetection, CompileError> {
    Ok(match d {
        Detection::All(items) => CompiledDetection::All(
            items
                .iter()
                .map(|i| compile_item(i, ph))
                .collect::<Result<_, _>>()?,
        ),
        Detection::Any(parts) => CompiledDetection::Any(
            parts
                .iter()
                .map(|p| compile_detection(p, ph))
                .collect::<Result<_, _>>()?,
        ),
    })
}

/// Selections and the condition over them, compiled.
#[derive(Debug, Clone)]
pub struct CompiledDetections {
    names: Vec<String>,
    selections: Vec<CompiledDetection>,
    expr: Expr,
}

impl CompiledDetections {
    /// Compiles `d`.
    pub fn compile(d: &Detections, ph: &Placeholders) -> Result<Self, CompileError> {
        let names: Vec<&str> = d.selections.iter().map(|(n, _)| n.as_str()).collect();
        let expr = condition::resolve(&d.condition, &names).map_err(|e| CompileError::Invalid {
            mark: d.condition_mark,
            message: format!("condition: {}", e.message),
        })?;
        let selections = d
            .selections
            .iter()
            .map(|(_, s)| compile_detection(s, ph))
            .collect::<Result<_, _>>()?;
        Ok(CompiledDetections {
            names: names.iter().map(|s| (*s).to_owned()).collect(),
            selections,
            expr,
        })
    }

    /// Whether the condition holds for the event. Selections are evaluated
    /// lazily, at most once each.
    pub fn matches<'a>(&'a self, ev: &EventView<'a>) -> bool {
        if self.selections.len() <= 64 {
            // The usual case: the memo is two words on the stack.
            let (mut known, mut value) = (0u64, 0u64);
            return self.expr.eval(&mut |i| {
                let bit = 1u64 << (i & 63);
                if known & bit != 0 {
                    return value & bit != 0;
                }
                let r = self.selections.get(i).is_some_and(|s| s.matches(ev));
                known |= bit;
                if r {
                    value |= bit;
                }
                r
            });
        }
        let mut memo: Vec<Option<bool>> = vec![None; self.selections.len()];
        self.expr.eval(&mut |i| {
            if let Some(Some(known)) = memo.get(i) {
                return *known;
            }
            let r = self.selections.get(i).is_some_and(|s| s.matches(ev));
            if let Some(slot) = memo.get_mut(i) {
                *slot = Some(r);
            }
            r
        })
    }

    /// The names of the selections that hold for the event (slow path, for
    /// explaining a match).
    pub fn matching_selections<'a>(&'a self, ev: &EventView<'a>) -> Vec<String> {
        self.selections
            .iter()
            .zip(&self.names)
            .filter(|(s, _)| s.matches(ev))
            .map(|(_, n)| n.clone())
            .collect()
    }
}

/// A rule ready to evaluate events.
#[derive(Debug, Clone)]
pub struct CompiledRule {
    /// The rule as read.
    pub rule: Arc<Rule>,
    detections: CompiledDetections,
    filters: Vec<(Arc<Filter>, CompiledDetections)>,
}

impl CompiledRule {
    /// Compiles `rule`.
    pub fn compile(rule: Arc<Rule>, ph: &Placeholders) -> Result<Self, CompileError> {
        let detections = CompiledDetections::compile(&rule.detection, ph)?;
        Ok(CompiledRule {
            rule,
            detections,
            filters: Vec::new(),
        })
    }

    /// Adds a filter: from now on the rule matches only when the filter's
    /// condition holds too.
    pub fn add_filter(
        &mut self,
        filter: Arc<Filter>,
        ph: &Placeholders,
    ) -> Result<(), CompileError> {
        let compiled = CompiledDetections::compile(&filter.detection, ph)?;
        self.filters.push((filter, compiled));
        Ok(())
    }

    /// The filters applied to this rule.
    pub fn filters(&self) -> impl Iterator<Item = &Filter> {
        self.filters.iter().map(|(f, _)| f.as_ref())
    }

    /// Whether the rule matches the event (filters included).
    pub fn matches(&self, view: &dyn FieldView) -> bool {
        self.matches_in(&EventView::new(view))
    }

    /// Like [`CompiledRule::matches`], sharing the event's text cache with
    /// the other rules.
    pub fn matches_in<'a>(&'a self, ev: &EventView<'a>) -> bool {
        self.detections.matches(ev) && self.filters.iter().all(|(_, f)| f.matches(ev))
    }

    /// Which selections of the rule hold (for explanations).
    pub fn matching_selections(&self, view: &dyn FieldView) -> Vec<String> {
        self.detections.matching_selections(&EventView::new(view))
    }
}
