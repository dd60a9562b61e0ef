//! The pure-logic core of vigie's Alertmanager-compatible alert manager:
//! the semantics of Prometheus Alertmanager 0.25, without any I/O.
//!
//! * [`labels`]: label sets and their Prometheus fingerprints.
//! * [`matcher`]: label matchers, their parser and printed form.
//! * [`duration`]: durations in Prometheus notation.
//! * [`config`]: the configuration file, every error reported with its
//!   line and column.
//! * [`route`]: the routing tree and which routes an alert takes.
//! * [`silence`]: silences and their in-memory store.
//! * [`inhibit`]: inhibition rules.
//! * [`time_interval`]: whether an instant lies in a time interval.
//!
//! Nothing here panics on bad input: every problem is a typed error.

pub mod config;
pub mod duration;
pub mod inhibit;
pub mod labels;
pub mod matcher;
pub mod route;
pub mod silence;
pub mod time_interval;
mod timestamp_serde;

pub use config::{Config, ConfigError, ConfigErrors};
pub use inhibit::{InhibitRule, Inhibitor};
pub use labels::{is_valid_label_name, Fingerprint, LabelError, LabelSet};
pub use matcher::{parse_matcher, parse_matchers, MatchOp, Matcher, MatcherError, Matchers};
pub use route::{Route, RouteOptions};
pub use silence::{Silence, SilenceError, SilenceQuery, SilenceState, Silences};
pub use time_interval::{NamedTimeInterval, TimeInterval};
pub use vigie_event::Timestamp;
