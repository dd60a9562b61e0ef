//! The `alerting` section: vigie's Alertmanager-compatible alert manager.
//!
//! Its routing, receivers, inhibition and time intervals are an
//! Alertmanager configuration, given either as a file in Alertmanager's own
//! format (`alerting.config_file`) or inline under `alerting.alertmanager`.
//! This crate does not read that configuration (`vigie-alert` does, and
//! depends on this crate): for the inline form it keeps the mapping's text
//! as written ([`EmbeddedYaml`]), padded so that the line and column of
//! every key are the same as in the vigie file, so errors found later still
//! point at the right place.

use std::fmt;
use std::path::PathBuf;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};

/// `alerting`.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AlertingConfig {
    /// `alerting.enabled`: run the alert manager (API v2 under `/api/v2`).
    pub enabled: bool,
    /// `alerting.config_file`: an Alertmanager configuration file, read at
    /// start and at every reload.
    pub config_file: Option<PathBuf>,
    /// `alerting.alertmanager`: the Alertmanager configuration inline.
    pub alertmanager: Option<EmbeddedYaml>,
    /// `alerting.external_url`: the URL users reach vigie at (the
    /// `externalURL` of notifications and the API's status).
    pub external_url: Option<String>,
    /// `alerting.detections`: vigie's own detections (Sigma rules and
    /// correlations) become alerts of the alert manager.
    pub detections: bool,
    /// `alerting.store_alerts`: alerts posted by other tools (Prometheus,
    /// amtool) are stored as events of dataset `vigie.alerts` when they
    /// start firing and when they are resolved.
    pub store_alerts: bool,
}

impl Default for AlertingConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            config_file: None,
            alertmanager: None,
            external_url: None,
            detections: true,
            store_alerts: true,
        }
    }
}

impl AlertingConfig {
    /// The semantic errors of this section, as `(key path, message)`.
    pub(crate) fn problems(&self, out: &mut Vec<(String, String)>) {
        if self.config_file.is_some() && self.alertmanager.is_some() {
            out.push((
                "alerting.alertmanager".into(),
                "give the Alertmanager configuration either inline (alerting.alertmanager) \
                 or as a file (alerting.config_file), not both"
                    .into(),
            ));
        }
        if let Some(f) = &self.config_file {
            if f.as_os_str().is_empty() {
                out.push(("alerting.config_file".into(), "must not be empty".into()));
            }
        }
        if let Some(url) = &self.external_url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                out.push((
                    "alerting.external_url".into(),
                    format!("{url:?} is not an http:// or https:// URL"),
                ));
            }
        }
    }
}

/// A YAML mapping kept as text: the inline Alertmanager configuration.
///
/// [`EmbeddedYaml::text`] is the source text of the mapping with every
/// line before it left empty and the text before its first key on its
/// first line blanked, so a YAML reader gives the same line and column as
/// in the file the mapping was written in. Empty until the loader fills it
/// in (a mapping set from the environment has no text).
#[derive(Clone, PartialEq, Eq, Default)]
pub struct EmbeddedYaml {
    pub text: String,
}

impl fmt::Debug for EmbeddedYaml {
    // The text may hold receivers' secrets: never printed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EmbeddedYaml({} lines)", self.text.lines().count())
    }
}

impl EmbeddedYaml {
    /// The 1-based line of the file where the mapping starts (0: no text).
    pub fn first_line(&self) -> usize {
        self.text
            .lines()
            .position(|l| !l.trim().is_empty())
            .map_or(0, |i| i + 1)
    }

    /// How deep the mapping's keys are indented in the file.
    pub fn indent(&self) -> usize {
        self.text
            .lines()
            .filter(|l| {
                let t = l.trim_start();
                !t.is_empty() && !t.starts_with('#')
            })
            .map(|l| l.len() - l.trim_start_matches(' ').len())
            .min()
            .unwrap_or(0)
    }

    /// The mapping's text on its own: from its first line, its indentation
    /// removed (what an Alertmanager file holding it would say). Positions
    /// in it map back to the file with [`EmbeddedYaml::file_position`].
    pub fn dedented(&self) -> String {
        let indent = self.indent();
        let mut out = String::new();
        for l in self.text.lines().skip(self.first_line().saturating_sub(1)) {
            let depth = l.len() - l.trim_start_matches(' ').len();
            out.push_str(if depth >= indent {
                &l[indent..]
            } else {
                l.trim_start()
            });
            out.push('\n');
        }
        out
    }

    /// The file's line and column of `line` and `column` of
    /// [`EmbeddedYaml::dedented`] (`0` stays `0`: no position).
    pub fn file_position(&self, line: usize, column: usize) -> (usize, usize) {
        if line == 0 {
            return (0, 0);
        }
        let first = self.first_line().max(1);
        (line + first - 1, column + self.indent())
    }
}

impl<'de> serde::Deserialize<'de> for EmbeddedYaml {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct MappingOnly;
        impl<'de> Visitor<'de> for MappingOnly {
            type Value = EmbeddedYaml;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping (an Alertmanager configuration: route, receivers, ...)")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(EmbeddedYaml::default())
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Err(E::invalid_type(de::Unexpected::Str(v), &self))
            }
        }
        d.deserialize_map(MappingOnly)
    }
}

/// The text of the block mapping whose first key is at 1-based `line` and
/// `col` of `source`: that line from `col` on and the following lines
/// indented at least as deep (blank and comment lines included), with every
/// earlier line kept as an empty line and the first `col - 1` characters
/// of the first line blanked, so positions match `source`.
pub(crate) fn embedded_text(source: &str, line: usize, col: usize) -> String {
    let indent = col.saturating_sub(1);
    let mut out = String::new();
    for (i, l) in source.lines().enumerate() {
        let n = i + 1;
        if n < line {
            out.push('\n');
            continue;
        }
        if n == line {
            let rest: String = l.chars().skip(indent).collect();
            out.push_str(&" ".repeat(indent));
            out.push_str(&rest);
            out.push('\n');
            continue;
        }
        let trimmed = l.trim_start_matches(' ');
        let depth = l.len() - trimmed.len();
        let blank = trimmed.is_empty() || trimmed.starts_with('#');
        if !blank && (depth < indent || trimmed.starts_with("---") || trimmed.starts_with("...")) {
            break;
        }
        out.push_str(l);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = "server:\n  listen: 127.0.0.1:1\nalerting:\n  alertmanager:\n    route:\n      receiver: x\n\n    # a comment\n    receivers:\n      - name: x\nstore:\n  storage: local\n";

    #[test]
    fn embedded_text_keeps_lines_and_columns_and_stops_at_the_next_section() {
        let text = embedded_text(SOURCE, 5, 5);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 10, "{text}");
        assert!(lines[..4].iter().all(|l| l.is_empty()));
        assert_eq!(lines[4], "    route:");
        assert_eq!(lines[9], "      - name: x");
        assert!(!text.contains("store"));
    }

    #[test]
    fn dedented_text_starts_at_the_first_key_without_indentation() {
        let e = EmbeddedYaml {
            text: embedded_text(SOURCE, 5, 5),
        };
        assert_eq!(
            e.dedented(),
            "route:\n  receiver: x\n\n# a comment\nreceivers:\n  - name: x\n"
        );
        assert_eq!(format!("{e:?}"), "EmbeddedYaml(10 lines)");
        assert_eq!((e.first_line(), e.indent()), (5, 4));
        // `receivers:` is line 5, column 1 of the dedented text.
        assert_eq!(e.file_position(5, 1), (9, 5));
        assert_eq!(e.file_position(0, 0), (0, 0));
    }
}
