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
//! * [`alert`]: alerts, the API's defaults when posting, the alert store.
//! * [`marker`]: each alert's status (unprocessed, active, suppressed).
//! * [`dispatch`]: aggregation groups and their timers, with an injected
//!   clock.
//! * [`nflog`]: the notification log and whether to notify again.
//! * [`api_v2`]: the API v2 JSON models, request checks and list filters.
//! * [`webhook`]: the webhook notification body (version 4).
//! * [`template`]: notification templates (a subset of Go's
//!   `text/template`) and Alertmanager's default templates.
//!
//! Nothing here panics on bad input: every problem is a typed error.

/// Implements `Serialize` through `Display` and `Deserialize` through
/// `Self::parse(&str) -> Result<Self, String>` for a type written as text
/// (defined before the modules so that all of them can use it).
macro_rules! text_serde {
    ($ty:ty) => {
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <String as serde::Deserialize>::deserialize(d)?;
                Self::parse(&text).map_err(serde::de::Error::custom)
            }
        }
    };
}

pub mod alert;
pub mod api_v2;
pub mod config;
pub mod dispatch;
pub mod duration;
pub mod inhibit;
mod instant;
pub mod labels;
pub mod marker;
pub mod matcher;
pub mod nflog;
pub mod route;
pub mod silence;
pub mod template;
pub mod time_interval;
mod timestamp_serde;
pub mod webhook;

pub use alert::{Alert, AlertError, Alerts, FiringStatus, PostedAlert};
pub use config::{Config, ConfigError, ConfigErrors};
pub use dispatch::{DispatchError, Dispatcher, Flush, GroupView};
pub use inhibit::{InhibitRule, Inhibitor};
pub use labels::{is_valid_label_name, Fingerprint, LabelError, LabelSet};
pub use marker::{AlertState, AlertStatus, Marker};
pub use matcher::{parse_matcher, parse_matchers, MatchOp, Matcher, MatcherError, Matchers};
pub use nflog::{Decision, IntegrationKey, NotificationLog};
pub use route::{Route, RouteOptions};
pub use silence::{Silence, SilenceError, SilenceQuery, SilenceState, Silences};
pub use time_interval::{NamedTimeInterval, TimeInterval};
pub use vigie_event::Timestamp;
