//! "Test this rule on these events": one Sigma rule, given as text,
//! compiled as the engine compiles its rules (same placeholders, pipelines
//! and log-source mappings) and run on events already normalized the way
//! ingest normalizes them.
//!
//! Compiling does no I/O: Sigma rules become matchers (regular expressions
//! within the compiler's size limits included), nothing reads a file or the
//! network. Evaluation stops at a deadline.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use vigie_event::Event;
use vigie_sigma::{load_texts, LoadOptions};

/// Why a rule could not be tested.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RuleTestError {
    /// The text is not one valid detection rule.
    #[error("line {line}, column {column}: {message}")]
    Invalid {
        /// Line of the problem, from 1.
        line: usize,
        /// Column, from 1.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// The deadline passed before every event was evaluated.
    #[error("the rule test took too long: stopped after {evaluated} events")]
    TimedOut {
        /// Events evaluated by then.
        evaluated: usize,
    },
}

/// One input event: what normalizing it gave.
#[derive(Debug, Clone)]
pub enum TestEvent {
    /// The events it became (a record may hold several).
    Normalized(Vec<Event>),
    /// Why it was not normalized.
    Rejected(String),
}

/// A matching input event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestMatch {
    /// Its position in the input, from 0.
    pub index: usize,
    /// The selections of the rule that hold on it.
    pub selections: Vec<String>,
}

/// What the test found.
#[derive(Debug, Clone)]
pub struct TestOutcome {
    /// The rule's id (its `id`, else `name`, else title), title and level.
    pub id: String,
    pub title: String,
    pub level: Option<String>,
    /// The input events it matches, in order.
    pub matches: Vec<TestMatch>,
    /// Input events evaluated.
    pub evaluated: usize,
    /// What the user should know (an idle log source, events the rule
    /// never sees, events not normalized).
    pub diagnostics: Vec<String>,
}

fn invalid(line: usize, column: usize, message: impl Into<String>) -> RuleTestError {
    RuleTestError::Invalid {
        line,
        column,
        message: message.into(),
    }
}

/// Compiles `text` (one Sigma detection rule) with `options` and evaluates
/// it on `events`, until `deadline`.
pub fn test_rule(
    options: &LoadOptions,
    text: &str,
    events: &[TestEvent],
    deadline: Instant,
) -> Result<TestOutcome, RuleTestError> {
    let (engine, report) = load_texts([(PathBuf::from("rule.yml"), text.to_owned())], options);
    if let Some(f) = report.failed.first() {
        return Err(invalid(
            f.mark.line.max(1),
            f.mark.col.max(1),
            f.reason.clone(),
        ));
    }
    if report.correlations + report.filters > 0 {
        return Err(invalid(
            1,
            1,
            "only a detection rule can be tested here (not a correlation or a filter)",
        ));
    }
    let rule = match engine.rules() {
        [rule] => rule,
        [] => {
            // A rule that compiled into nothing waits for a placeholder.
            let why = report.idle.first().map(|i| i.reason.as_str());
            return Err(invalid(1, 1, why.unwrap_or("the text holds no Sigma rule")));
        }
        more => {
            return Err(invalid(
                more[1].rule.source.line.max(1),
                1,
                format!("one rule at a time: the text holds {} rules", more.len()),
            ))
        }
    };
    let meta = &rule.rule.meta;
    let mut diagnostics: Vec<String> = report
        .idle
        .iter()
        .map(|i| format!("the rule is idle on this server: {}", i.reason))
        .collect();
    let mut unrouted: BTreeMap<String, usize> = BTreeMap::new();
    let mut matches = Vec::new();
    let mut evaluated = 0;
    let mut hits = Vec::new();
    for (index, input) in events.iter().enumerate() {
        if Instant::now() > deadline {
            return Err(RuleTestError::TimedOut { evaluated });
        }
        evaluated += 1;
        let produced = match input {
            TestEvent::Rejected(why) => {
                diagnostics.push(format!("event {index}: not normalized: {why}"));
                continue;
            }
            TestEvent::Normalized(v) => v,
        };
        if produced.is_empty() {
            diagnostics.push(format!("event {index}: skipped by its dataset (no event)"));
        }
        let mut selections: Option<Vec<String>> = None;
        for event in produced {
            hits.clear();
            engine.evaluate(event, &mut hits);
            if !hits.is_empty() {
                selections.get_or_insert_with(|| engine.explain(event, 0));
                continue;
            }
            let mut routed = false;
            engine.with_view(event, &mut |bucket, _| routed = bucket.rules.contains(&0));
            if !routed {
                *unrouted.entry(event.dataset().to_owned()).or_default() += 1;
            }
        }
        if let Some(selections) = selections {
            matches.push(TestMatch { index, selections });
        }
    }
    for (dataset, n) in unrouted {
        diagnostics.push(format!(
            "{n} event(s) of dataset {dataset} are not of the rule's log source ({}): the engine never runs the rule on them",
            rule.rule.logsource
        ));
    }
    Ok(TestOutcome {
        id: meta.key().to_owned(),
        title: meta.title.clone(),
        level: meta.level.clone(),
        matches,
        evaluated,
        diagnostics,
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use vigie_normalize::{normalize_payload, Limits, Registry};

    use super::*;

    const RULE: &str = "title: Shell in container\nid: r-1\nlevel: high\nlogsource: {product: falco}\ndetection:\n  sel:\n    rule|contains: Shell\n  condition: sel\n";

    fn falco(rule: &str) -> TestEvent {
        let raw = format!(
            r#"{{"time":"2024-02-03T04:05:06Z","priority":"Warning","rule":"{rule}","output":"o","output_fields":{{}}}}"#
        );
        let registry = Registry::default();
        let out = normalize_payload(
            &registry,
            registry.get("falco.alerts"),
            raw.as_bytes(),
            &Limits::default(),
        );
        assert!(out.rejected.is_empty(), "{:?}", out.rejected);
        TestEvent::Normalized(out.events)
    }

    /// Falco alerts are mapped to `product: falco`, as a configuration
    /// would (vigie has no built-in mapping for them).
    fn options() -> LoadOptions {
        LoadOptions {
            logsources: vec![vigie_sigma::logsource::DatasetLogSource {
                dataset: "falco.alerts".into(),
                product: Some("falco".into()),
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    fn later() -> Instant {
        Instant::now() + Duration::from_secs(10)
    }

    #[test]
    fn a_rule_matches_the_events_it_should_and_says_why() {
        let events = [
            falco("Terminal shell in container"),
            falco("Write below etc"),
            TestEvent::Rejected("not JSON".into()),
        ];
        let out = test_rule(&options(), RULE, &events, later()).unwrap();
        assert_eq!(
            (out.id.as_str(), out.level.as_deref()),
            ("r-1", Some("high"))
        );
        assert_eq!(out.evaluated, 3);
        assert_eq!(out.matches.len(), 1);
        assert_eq!(out.matches[0].index, 0);
        assert_eq!(out.matches[0].selections, ["sel"]);
        assert!(
            out.diagnostics.iter().any(|d| d.contains("event 2")),
            "{:?}",
            out.diagnostics
        );
    }

    #[test]
    fn an_invalid_rule_is_refused_with_its_position() {
        let bad = "title: x\nlogsource: {product: falco}\ndetection:\n  sel:\n    rule|contans: a\n  condition: sel\n";
        match test_rule(&LoadOptions::default(), bad, &[], later()) {
            Err(RuleTestError::Invalid { line, message, .. }) => {
                assert_eq!(line, 5);
                assert!(message.contains("contans"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        let yaml = "title: x\ndetection: [a\n";
        assert!(matches!(
            test_rule(&LoadOptions::default(), yaml, &[], later()),
            Err(RuleTestError::Invalid { line: 2.., .. })
        ));
        let two = format!("{RULE}---\n{}", RULE.replace("r-1", "r-2"));
        assert!(matches!(
            test_rule(&LoadOptions::default(), &two, &[], later()),
            Err(RuleTestError::Invalid { .. })
        ));
    }

    #[test]
    fn events_of_another_log_source_are_reported_and_a_past_deadline_stops() {
        let windows = "title: w\nid: w-1\nlogsource: {product: windows, category: process_creation}\ndetection:\n  sel: {Image|endswith: cmd.exe}\n  condition: sel\n";
        let out = test_rule(&LoadOptions::default(), windows, &[falco("x")], later()).unwrap();
        assert!(out.matches.is_empty());
        assert!(
            out.diagnostics.iter().any(|d| d.contains("falco.alerts")),
            "{:?}",
            out.diagnostics
        );
        let past = Instant::now() - Duration::from_secs(1);
        assert_eq!(
            test_rule(&options(), RULE, &[falco("x")], past).unwrap_err(),
            RuleTestError::TimedOut { evaluated: 0 }
        );
    }
}
