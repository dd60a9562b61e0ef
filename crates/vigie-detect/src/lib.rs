//! Detection in the pipeline: Sigma rules on every ingested event, before
//! storage.
//!
//! [`Detector`] holds the loaded rules and swaps them atomically on reload;
//! [`DetectingSink`] is the pipeline stage that evaluates each batch, feeds
//! correlations (state bounded, saved and restored) and publishes the
//! resulting [`Alert`]s through an [`AlertOutput`] once the batch is stored.
//! Rules can be switched off by hand ([`disabled`]) and a rule can be tried
//! on pasted events ([`rule_test`]).

pub mod alert;
pub mod disabled;
pub mod output;
pub mod rule_test;
pub mod rules;
pub mod stage;
pub mod state;

pub use alert::{Alert, ALERT_DATASET};
pub use output::{AlertOutput, LogAndStore};
pub use rule_test::{test_rule, RuleTestError, TestEvent, TestMatch, TestOutcome};
pub use rules::{DetectError, Detector, Loaded, RuleSettings};
pub use stage::{DetectingSink, StageSettings};
