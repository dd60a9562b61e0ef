//! Inhibition, as Alertmanager 0.25 `inhibit/inhibit.go` decides it.
//!
//! An alert is inhibited by a rule when the rule's target matchers match
//! it and some firing alert matches the rule's source matchers and has the
//! same values for every `equal` label (a missing label counts as the empty
//! string). When the alert matches the source matchers itself, source
//! alerts that also match the target matchers are not considered: such an
//! alert cannot inhibit itself, nor can two alerts matching both sides
//! inhibit each other.
//!
//! Alertmanager stops at the first inhibiting alert it finds (in no set
//! order); [`Inhibitor::inhibited_by`] returns every inhibiting alert's
//! fingerprint, sorted, so the alert is inhibited when the list is not
//! empty.

use std::collections::BTreeSet;

use crate::config::{combined_matchers, InhibitRuleConfig};
use crate::labels::{Fingerprint, LabelSet};
use crate::matcher::{MatcherError, Matchers};

/// One inhibition rule with its matchers built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InhibitRule {
    pub source_matchers: Matchers,
    pub target_matchers: Matchers,
    pub equal: BTreeSet<String>,
}

impl InhibitRule {
    /// Builds a rule from its configuration (`*_match`, `*_match_re` and
    /// `*_matchers` combined as for routes).
    pub fn from_config(config: &InhibitRuleConfig) -> Result<Self, MatcherError> {
        Ok(Self {
            source_matchers: combined_matchers(
                &config.source_match,
                &config.source_match_re,
                &config.source_matchers,
            )?,
            target_matchers: combined_matchers(
                &config.target_match,
                &config.target_match_re,
                &config.target_matchers,
            )?,
            equal: config.equal.iter().cloned().collect(),
        })
    }

    /// Fingerprints of the alerts of `firing` that inhibit `target` through
    /// this rule.
    pub fn inhibiting<'a>(
        &'a self,
        target: &'a LabelSet,
        firing: &'a [LabelSet],
    ) -> impl Iterator<Item = Fingerprint> + 'a {
        let applies = self.target_matchers.matches(target);
        let target_is_also_source = applies && self.source_matchers.matches(target);
        firing
            .iter()
            .filter(move |_| applies)
            .filter(|source| self.source_matchers.matches(source))
            .filter(|source| {
                self.equal
                    .iter()
                    .all(|name| source.value_or_empty(name) == target.value_or_empty(name))
            })
            .filter(move |source| !(target_is_also_source && self.target_matchers.matches(source)))
            .map(LabelSet::fingerprint)
    }
}

/// All the inhibition rules of a configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inhibitor {
    pub rules: Vec<InhibitRule>,
}

impl Inhibitor {
    /// Builds every rule of `inhibit_rules`.
    pub fn from_config(rules: &[InhibitRuleConfig]) -> Result<Self, MatcherError> {
        let rules = rules
            .iter()
            .map(InhibitRule::from_config)
            .collect::<Result<_, _>>()?;
        Ok(Self { rules })
    }

    /// Fingerprints (sorted, without repeats) of the alerts among `firing`
    /// (the labels of the alerts currently firing) that inhibit `target`.
    pub fn inhibited_by(&self, target: &LabelSet, firing: &[LabelSet]) -> Vec<Fingerprint> {
        let all: BTreeSet<Fingerprint> = self
            .rules
            .iter()
            .flat_map(|rule| rule.inhibiting(target, firing))
            .collect();
        all.into_iter().collect()
    }

    /// The labels of the alerts of `alerts` firing at `now` that some rule
    /// takes as a source: the `firing` that [`Inhibitor::inhibited_by`] and
    /// [`Inhibitor::is_inhibited`] need (the others cannot inhibit
    /// anything). Empty without rules, so that a flush or a listing does not
    /// copy every alert's labels for nothing.
    pub fn sources(&self, alerts: &crate::Alerts, now: crate::Timestamp) -> Vec<LabelSet> {
        if self.rules.is_empty() {
            return Vec::new();
        }
        alerts
            .iter()
            .filter(|a| !a.resolved_at(now))
            .filter(|a| {
                self.rules
                    .iter()
                    .any(|r| r.source_matchers.matches(&a.labels))
            })
            .map(|a| a.labels.clone())
            .collect()
    }

    /// Whether any firing alert inhibits `target`.
    pub fn is_inhibited(&self, target: &LabelSet, firing: &[LabelSet]) -> bool {
        self.rules
            .iter()
            .any(|rule| rule.inhibiting(target, firing).next().is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn labels(pairs: &[(&str, &str)]) -> LabelSet {
        pairs.iter().copied().collect()
    }

    fn inhibitor(rules_yaml: &str) -> Inhibitor {
        let text =
            format!("route:\n  receiver: r\nreceivers:\n  - name: r\ninhibit_rules:\n{rules_yaml}");
        let config = Config::parse(&text).unwrap_or_else(|e| panic!("{e}"));
        Inhibitor::from_config(&config.inhibit_rules).unwrap()
    }

    fn critical_silences_warning() -> Inhibitor {
        inhibitor(
            "  - source_matchers: [severity=critical]\n    target_match: {severity: warning}\n    equal: [cluster]\n",
        )
    }

    #[test]
    fn a_source_alert_with_equal_labels_inhibits_the_target() {
        let ih = critical_silences_warning();
        let source = labels(&[("severity", "critical"), ("cluster", "eu")]);
        let target = labels(&[("severity", "warning"), ("cluster", "eu")]);
        let firing = vec![source.clone()];
        assert_eq!(ih.inhibited_by(&target, &firing), [source.fingerprint()]);
        assert!(ih.is_inhibited(&target, &firing));
    }

    #[test]
    fn only_firing_alerts_matching_a_source_are_inhibition_sources() {
        let now = crate::Timestamp::from_secs(1_000).unwrap();
        let alert = |pairs: &[(&str, &str)], ends: i64| crate::Alert {
            labels: labels(pairs),
            annotations: LabelSet::new(),
            starts_at: crate::Timestamp::from_secs(900).unwrap(),
            ends_at: crate::Timestamp::from_secs(ends).unwrap(),
            generator_url: String::new(),
            updated_at: crate::Timestamp::from_secs(900).unwrap(),
            timeout: false,
        };
        let mut alerts = crate::Alerts::new();
        let critical = labels(&[("severity", "critical"), ("cluster", "eu")]);
        alerts.put(
            alert(&[("severity", "critical"), ("cluster", "eu")], 2_000),
            now,
        );
        alerts.put(
            alert(&[("severity", "critical"), ("cluster", "us")], 500),
            now,
        );
        alerts.put(
            alert(&[("severity", "warning"), ("cluster", "eu")], 2_000),
            now,
        );
        assert_eq!(
            critical_silences_warning().sources(&alerts, now),
            [critical],
            "the resolved critical and the warning are no sources"
        );
        assert!(Inhibitor::default().sources(&alerts, now).is_empty());
    }

    #[test]
    fn different_equal_labels_or_no_source_do_not_inhibit() {
        let ih = critical_silences_warning();
        let target = labels(&[("severity", "warning"), ("cluster", "eu")]);
        let other_cluster = vec![labels(&[("severity", "critical"), ("cluster", "us")])];
        assert!(ih.inhibited_by(&target, &other_cluster).is_empty());
        assert!(!ih.is_inhibited(&target, &[]));
        let not_a_target = labels(&[("severity", "info"), ("cluster", "eu")]);
        let source = vec![labels(&[("severity", "critical"), ("cluster", "eu")])];
        assert!(ih.inhibited_by(&not_a_target, &source).is_empty());
    }

    #[test]
    fn missing_equal_labels_count_as_empty_on_both_sides() {
        let ih = critical_silences_warning();
        let target = labels(&[("severity", "warning")]);
        let source = vec![labels(&[("severity", "critical")])];
        assert_eq!(ih.inhibited_by(&target, &source).len(), 1);
        let source_with_cluster = vec![labels(&[("severity", "critical"), ("cluster", "eu")])];
        assert!(ih.inhibited_by(&target, &source_with_cluster).is_empty());
    }

    #[test]
    fn regression_an_alert_matching_both_sides_does_not_inhibit_itself() {
        let ih = inhibitor("  - source_matchers: [alertname=Down]\n    target_matchers: [alertname=Down]\n    equal: [job]\n");
        let a = labels(&[("alertname", "Down"), ("job", "api"), ("instance", "1")]);
        let b = labels(&[("alertname", "Down"), ("job", "api"), ("instance", "2")]);
        let firing = vec![a.clone(), b.clone()];
        assert!(ih.inhibited_by(&a, &firing).is_empty());
        assert!(ih.inhibited_by(&b, &firing).is_empty());
    }

    #[test]
    fn a_two_sided_target_is_still_inhibited_by_a_source_only_alert() {
        let ih =
            inhibitor("  - source_matchers: ['team=~\"a|b\"']\n    target_matchers: [team=b]\n");
        let both = labels(&[("team", "b")]);
        let source_only = labels(&[("team", "a")]);
        let firing = vec![both.clone(), source_only.clone()];
        assert_eq!(ih.inhibited_by(&both, &firing), [source_only.fingerprint()]);
    }

    #[test]
    fn legacy_maps_combine_with_matchers_and_every_rule_counts() {
        let ih = inhibitor(
            "  - source_match: {alertname: NodeDown}\n    source_match_re: {env: 'prod.*'}\n    target_matchers: ['severity!=critical']\n    equal: [node]\n\
             \x20 - source_matchers: [alertname=ClusterDown]\n    target_matchers: [severity=warning]\n",
        );
        let node_down = labels(&[
            ("alertname", "NodeDown"),
            ("env", "production"),
            ("node", "n1"),
        ]);
        let cluster_down = labels(&[("alertname", "ClusterDown")]);
        let target = labels(&[("severity", "warning"), ("node", "n1")]);
        let firing = vec![node_down.clone(), cluster_down.clone()];
        let mut expected = vec![node_down.fingerprint(), cluster_down.fingerprint()];
        expected.sort();
        assert_eq!(ih.inhibited_by(&target, &firing), expected);
        let staging = vec![labels(&[
            ("alertname", "NodeDown"),
            ("env", "staging"),
            ("node", "n1"),
        ])];
        assert!(ih.inhibited_by(&target, &staging).is_empty());
    }
}
