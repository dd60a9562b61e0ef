//! The pure-logic core of vigie's Alertmanager-compatible alert manager:
//! the semantics of Prometheus Alertmanager 0.25, without any I/O.
//!
//! * [`labels`]: label sets and their Prometheus fingerprints.
//! * [`matcher`]: label matchers, their parser and printed form.
//!
//! Nothing here panics on bad input: every problem is a typed error.

pub mod config;
pub mod duration;
pub mod labels;
pub mod matcher;
pub mod route;
pub mod silence;
pub mod time_interval;
mod timestamp_serde;

pub use labels::{is_valid_label_name, Fingerprint, LabelError, LabelSet};
pub use matcher::{parse_matcher, parse_matchers, MatchOp, Matcher, MatcherError, Matchers};
