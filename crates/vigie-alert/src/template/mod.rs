//! Notification templates: the subset of Go's `text/template` (and of
//! `html/template`'s escaping) that Alertmanager's templates use, with
//! Alertmanager's functions and default templates.
//!
//! ```
//! use vigie_alert::template::{TemplateData, Templates};
//! let templates = Templates::with_defaults();
//! let mut data = TemplateData::default();
//! data.status = "resolved".into();
//! data.group_labels.insert("alertname".into(), "Down".into());
//! let title = templates
//!     .execute_text(r#"{{ template "slack.default.title" . }}"#, &data)
//!     .expect("renders");
//! assert_eq!(title, "[RESOLVED] Down ");
//! ```
//!
//! The language: text and `{{ actions }}` with `{{-`/`-}}` trimming and
//! `{{/* comments */}}`; `define`, `template`, `block`, `if`/`else if`/
//! `else`, `with`/`else with`, `range` (with `$i, $e :=`, `else`, `break`,
//! `continue`), variables (`$`, `$x := ...`, `$x = ...`), pipelines,
//! parenthesized sub-pipelines, field and method chains (`.A.B`,
//! `.CommonLabels.Remove .GroupLabels.Names`), string, raw string, number,
//! boolean and `nil` literals. Functions: see [`funcs`]. The whole list
//! and the differences from Go are in `docs/alerting-templates.md`.
//!
//! Execution is sandboxed: no function reaches files or the network, and
//! [`Limits`] bound the output size, the steps taken and the template call
//! depth; nothing panics.

mod data;
mod exec;
pub mod funcs;
mod lex;
mod parse;
mod value;

use std::collections::BTreeMap;

pub use data::{TemplateAlert, TemplateData};
pub use exec::{sorted_pairs, Limits};
pub use parse::{Node, TemplateError};
pub use value::{html_autoescape, html_escape, html_url_escape, Object, Value};

/// The default templates (`slack.default.title`, `email.default.html`...).
pub const DEFAULT_TEMPLATES: &str = include_str!("defaults.tmpl");

/// A set of named templates (`{{ define }}` blocks) and the execution
/// limits.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Templates {
    defines: BTreeMap<String, Vec<Node>>,
    limits: Limits,
}

impl Templates {
    /// No template at all.
    pub fn empty() -> Self {
        Self::default()
    }

    /// The default templates only.
    pub fn with_defaults() -> Self {
        let mut templates = Self::default();
        // The embedded file is checked by the tests; should it ever fail to
        // parse, the set stays empty rather than panicking.
        let _ = templates.add_file("default.tmpl", DEFAULT_TEMPLATES);
        templates
    }

    /// Replaces the execution limits.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Parses a template file and adds its definitions (replacing those of
    /// the same name, unless the new one is empty, as Go does). `name` is
    /// used in error messages.
    pub fn add_file(&mut self, name: &str, text: &str) -> Result<(), TemplateError> {
        let parsed = parse::parse(name, text)?;
        for (define, body) in parsed.defines {
            let empty = body
                .iter()
                .all(|n| matches!(n, Node::Text(t) if t.trim().is_empty()));
            if empty && self.defines.contains_key(&define) {
                continue;
            }
            self.defines.insert(define, body);
        }
        Ok(())
    }

    /// Whether a template named `name` is defined.
    pub fn has(&self, name: &str) -> bool {
        self.defines.contains_key(name)
    }

    /// Checks that `text` parses (for configuration checks).
    pub fn check(text: &str) -> Result<(), TemplateError> {
        parse::parse("", text).map(|_| ())
    }

    /// Renders `text` as Alertmanager's `ExecuteTextString` (the empty text
    /// renders as the empty string).
    pub fn execute_text(&self, text: &str, data: &TemplateData) -> Result<String, TemplateError> {
        self.render(text, &data.to_value(), false)
    }

    /// Renders `text` as Alertmanager's `ExecuteHTMLString`: printed values
    /// are HTML-escaped unless marked with `safeHtml`, HTML comments of the
    /// template text are dropped.
    pub fn execute_html(&self, text: &str, data: &TemplateData) -> Result<String, TemplateError> {
        self.render(text, &data.to_value(), true)
    }

    /// Renders `text` against any value.
    pub fn render(&self, text: &str, dot: &Value, html: bool) -> Result<String, TemplateError> {
        if text.is_empty() {
            return Ok(String::new());
        }
        let parsed = parse::parse("", text)?;
        let extended;
        let defines = if parsed.defines.is_empty() {
            &self.defines
        } else {
            let mut all = self.defines.clone();
            all.extend(parsed.defines);
            extended = all;
            &extended
        };
        let mut exec = exec::Exec::new(defines, html, self.limits, "");
        exec.run(&parsed.body, dot)?;
        Ok(exec.out)
    }
}

#[cfg(test)]
mod tests;
