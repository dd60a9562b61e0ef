//! Reading an Alertmanager configuration file: YAML text to a [`Config`],
//! with every error of the file reported at once, each with its line and
//! column.
//!
//! ```
//! let text = "route:\n  receiver: team\nreceivers:\n  - name: team\n";
//! let config = vigie_alert::config::Config::parse(text).expect("valid");
//! assert_eq!(config.route.receiver, "team");
//! assert_eq!(config.global.resolve_timeout.to_string(), "5m");
//! ```
//!
//! Like Alertmanager, unknown keys are errors; unlike it, reading goes on
//! after the first problem so that all of them are listed. The checks that
//! span sections (receivers and time intervals that routes name, global
//! defaults that notifiers need) are in `validate.rs`.

mod mask;
mod model;
mod receivers;
mod validate;
mod values;

use std::fmt;

use serde::Serialize;
use vigie_config::read_document;

pub use mask::{mask_secrets, SECRET_PLACEHOLDER};
pub use model::{
    combined_matchers, FileConfig, GlobalConfig, InhibitRuleConfig, RouteConfig,
    DEFAULT_OPSGENIE_API_URL, DEFAULT_PAGERDUTY_URL,
};
pub use receivers::{
    default_pagerduty_details, EmailConfig, MsTeamsConfig, OpsGenieConfig, OpsGenieResponder,
    PagerdutyConfig, PagerdutyImage, PagerdutyLink, Receiver, SlackAction, SlackConfig,
    SlackConfirm, SlackField, TlsConfig, WebhookConfig,
};
pub use values::{HostPort, HttpConfig, MatcherLine, RegexText, Secret, Url};

use crate::time_interval::NamedTimeInterval;

/// A configuration that passed every check, global defaults applied.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Config {
    pub global: GlobalConfig,
    pub route: RouteConfig,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub inhibit_rules: Vec<InhibitRuleConfig>,
    pub receivers: Vec<Receiver>,
    pub templates: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mute_time_intervals: Vec<NamedTimeInterval>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub time_intervals: Vec<NamedTimeInterval>,
    /// The text the configuration was read from (the API's
    /// `config.original`).
    #[serde(skip)]
    pub original: String,
}

impl Config {
    /// Reads and checks a configuration; see the module documentation.
    pub fn parse(text: &str) -> Result<Config, ConfigErrors> {
        let document = read_document::<FileConfig>(text, "", None);
        let mut errors: Vec<ConfigError> = document.errors.iter().map(ConfigError::from).collect();
        let mut file = document.value;
        // When the document as a whole could not be read, checking the
        // defaults that replaced it would only add noise.
        if !document.failed.iter().any(String::is_empty) {
            let checked = validate::check(&mut file, &document.origin, &document.failed);
            errors.extend(checked);
        }
        if !errors.is_empty() {
            errors.sort_by_key(|e| (e.line, e.column));
            errors.dedup();
            return Err(ConfigErrors(errors));
        }
        Ok(Config {
            global: file.global.unwrap_or_default(),
            route: file.route.unwrap_or_default(),
            inhibit_rules: file.inhibit_rules,
            receivers: file.receivers,
            templates: file.templates,
            mute_time_intervals: file.mute_time_intervals,
            time_intervals: file.time_intervals,
            original: text.to_string(),
        })
    }

    /// The time interval named `name`, from `time_intervals` or the legacy
    /// `mute_time_intervals`.
    pub fn time_interval(&self, name: &str) -> Option<&NamedTimeInterval> {
        self.time_intervals
            .iter()
            .chain(&self.mute_time_intervals)
            .find(|ti| ti.name == name)
    }

    /// The receiver named `name`.
    pub fn receiver(&self, name: &str) -> Option<&Receiver> {
        self.receivers.iter().find(|r| r.name == name)
    }
}

/// One problem of a configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// 1-based line; `0` for problems of the whole file.
    pub line: usize,
    /// 1-based column (in characters); `0` with `line`.
    pub column: usize,
    /// The dotted key path (`route.routes[1].receiver`), empty for the
    /// document itself.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl ConfigError {
    pub(crate) fn at(line: usize, column: usize, path: &str, message: impl Into<String>) -> Self {
        Self {
            line,
            column,
            path: path.to_string(),
            message: message.into(),
        }
    }
}

impl From<&vigie_config::ConfigError> for ConfigError {
    fn from(e: &vigie_config::ConfigError) -> Self {
        Self::at(e.line, e.column, &e.path, e.message.clone())
    }
}

impl fmt::Display for ConfigError {
    /// `line 12, column 5: route.recever: unknown key ...`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "line {}, column {}: ", self.line, self.column)?;
        }
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConfigError {}

/// Every problem of a file, sorted by position; displays one per line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

#[cfg(test)]
mod tests;
