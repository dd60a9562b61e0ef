//! What `GET /api/v2/alerts`, `GET /api/v2/alerts/groups` and
//! `GET /api/v2/silences` return, as Alertmanager 0.25's handlers decide.
//!
//! * Booleans (`active`, `silenced`, `inhibited`, `unprocessed`, all true by
//!   default) read as go-swagger reads them: the last value counts, an
//!   empty one keeps the default, `true`/`1`/`yes`/`ok`/`y`/`on`/`t`/
//!   `selected`/`checked`/`enabled` (any case) are true, anything else
//!   false. As in Alertmanager 0.25, `unprocessed` is read but filters
//!   nothing.
//! * `filter` matchers see a missing label as matching an empty `=`/`=~`
//!   value and an empty `!=`/`!~` value as satisfied by a present label
//!   (`matchFilterLabels`); a bad matcher answers 400.
//! * `receiver` is a regex anchored at both ends; an alert passes when any
//!   of its receivers matches.
//! * Alerts whose `endsAt` is before now are not listed; the status of
//!   each listed alert is refreshed at now.

use regex::Regex;
use vigie_event::Timestamp;

use super::request::ApiAnswer;
use super::{AlertGroup, GettableAlert, GettableSilence, Receiver};
use crate::alert::{Alert, Alerts};
use crate::dispatch::Dispatcher;
use crate::inhibit::Inhibitor;
use crate::labels::{Fingerprint, LabelSet};
use crate::marker::{AlertState, AlertStatus, Marker};
use crate::matcher::{parse_matcher, MatchOp, Matcher};
use crate::silence::{SilenceQuery, SilenceState, Silences};

/// The query parameters of `GET /api/v2/alerts` and `/alerts/groups`.
#[derive(Debug, Clone)]
pub struct AlertsQuery {
    pub active: bool,
    pub silenced: bool,
    pub inhibited: bool,
    pub unprocessed: bool,
    pub filter: Vec<Matcher>,
    pub receiver: Option<Regex>,
}

impl Default for AlertsQuery {
    fn default() -> Self {
        Self {
            active: true,
            silenced: true,
            inhibited: true,
            unprocessed: true,
            filter: Vec::new(),
            receiver: None,
        }
    }
}

fn go_swagger_bool(raw: &str) -> bool {
    matches!(
        raw.to_ascii_lowercase().as_str(),
        "true" | "1" | "yes" | "ok" | "y" | "on" | "selected" | "checked" | "t" | "enabled"
    )
}

impl AlertsQuery {
    /// Reads the decoded query string pairs; a bad `filter` matcher or
    /// `receiver` regex answers 400.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, ApiAnswer> {
        let mut query = Self::default();
        for (key, value) in pairs {
            let flag = match key {
                "active" => &mut query.active,
                "silenced" => &mut query.silenced,
                "inhibited" => &mut query.inhibited,
                "unprocessed" => &mut query.unprocessed,
                "filter" => {
                    let matcher = parse_matcher(value)
                        .map_err(|e| ApiAnswer::handler_error(400, e.to_string()))?;
                    query.filter.push(matcher);
                    continue;
                }
                "receiver" => {
                    let regex = Regex::new(&format!("^(?:{value})$")).map_err(|e| {
                        ApiAnswer::handler_error(
                            400,
                            format!("failed to parse receiver param: {e}"),
                        )
                    })?;
                    query.receiver = Some(regex);
                    continue;
                }
                _ => continue,
            };
            if !value.is_empty() {
                *flag = go_swagger_bool(value);
            }
        }
        Ok(query)
    }

    /// `matchFilterLabels`.
    pub fn matches_labels(&self, labels: &LabelSet) -> bool {
        self.filter.iter().all(|m| {
            let present = labels.contains(m.name());
            let negative = matches!(m.op(), MatchOp::NotEqual | MatchOp::NotRegex);
            let vacuous = m.value().is_empty() && present == negative;
            vacuous || m.matches(labels.value_or_empty(m.name()))
        })
    }

    fn receiver_matches(&self, receiver: &str) -> bool {
        self.receiver.as_ref().is_none_or(|r| r.is_match(receiver))
    }

    /// `alertFilter`: not ended, wanted states, then the label filter.
    fn keeps(&self, alert: &Alert, status: &AlertStatus, now: Timestamp) -> bool {
        if alert.ends_at < now {
            return false;
        }
        if !self.active && status.state == AlertState::Active {
            return false;
        }
        if !self.silenced && !status.silenced_by.is_empty() {
            return false;
        }
        if !self.inhibited && !status.inhibited_by.is_empty() {
            return false;
        }
        self.matches_labels(&alert.labels)
    }
}

/// What the status of alerts is computed from.
pub struct StatusSources<'a> {
    pub silences: &'a Silences,
    pub inhibitor: &'a Inhibitor,
    /// The labels of the alerts firing now (inhibition sources).
    pub firing: &'a [LabelSet],
}

/// `GET /api/v2/alerts`: the stored alerts passing `query`, by fingerprint.
pub fn list_alerts(
    alerts: &Alerts,
    dispatcher: &Dispatcher,
    marker: &mut Marker,
    sources: &StatusSources<'_>,
    query: &AlertsQuery,
    now: Timestamp,
) -> Vec<GettableAlert> {
    let mut listed = Vec::new();
    for alert in alerts.iter() {
        let receivers: Vec<String> = dispatcher
            .route()
            .matching_routes(&alert.labels)
            .iter()
            .map(|r| r.options.receiver.clone())
            .collect();
        if query.receiver.is_some() && !receivers.iter().any(|r| query.receiver_matches(r)) {
            continue;
        }
        if alert.ends_at < now {
            continue;
        }
        let status = refresh(marker, sources, &alert.labels, now);
        if query.keeps(alert, &status, now) {
            listed.push(GettableAlert::new(alert, &status, &receivers));
        }
    }
    listed.sort_by(|a, b| a.fingerprint.cmp(&b.fingerprint));
    listed
}

fn refresh(
    marker: &mut Marker,
    sources: &StatusSources<'_>,
    labels: &LabelSet,
    now: Timestamp,
) -> AlertStatus {
    marker.refresh(
        labels,
        sources.silences,
        sources.inhibitor,
        sources.firing,
        now,
    )
}

/// A listed group: its labels, receiver and alerts with their status.
type KeptGroup<'a> = (&'a LabelSet, &'a str, Vec<(&'a Alert, AlertStatus)>);

/// `GET /api/v2/alerts/groups`: the dispatcher's groups whose receiver
/// matches, each with its alerts passing `query` (groups left empty are
/// not listed); each alert names the receivers of every listed group it
/// is in.
pub fn list_alert_groups(
    dispatcher: &Dispatcher,
    marker: &mut Marker,
    sources: &StatusSources<'_>,
    query: &AlertsQuery,
    now: Timestamp,
) -> Vec<AlertGroup> {
    let mut kept: Vec<KeptGroup<'_>> = Vec::new();
    let mut receivers_of: std::collections::BTreeMap<Fingerprint, Vec<String>> =
        std::collections::BTreeMap::new();
    for group in dispatcher.groups() {
        if !query.receiver_matches(group.receiver) {
            continue;
        }
        let mut alerts = Vec::new();
        for alert in group.alerts {
            let status = refresh(marker, sources, &alert.labels, now);
            if query.keeps(alert, &status, now) {
                let names = receivers_of.entry(alert.fingerprint()).or_default();
                names.push(group.receiver.to_string());
                alerts.push((alert, status));
            }
        }
        if !alerts.is_empty() {
            kept.push((group.labels, group.receiver, alerts));
        }
    }
    for names in receivers_of.values_mut() {
        names.sort();
    }
    kept.into_iter()
        .map(|(labels, receiver, alerts)| AlertGroup {
            alerts: alerts
                .into_iter()
                .map(|(alert, status)| {
                    let names = receivers_of
                        .get(&alert.fingerprint())
                        .map(Vec::as_slice)
                        .unwrap_or_default();
                    GettableAlert::new(alert, &status, names)
                })
                .collect(),
            labels: labels.clone(),
            receiver: Receiver {
                name: receiver.to_string(),
            },
        })
        .collect()
}

/// `GET /api/v2/silences?filter=...`: the silences having, for every
/// filter matcher, an identical matcher (name, operator and value);
/// active ones first by end, then pending by start, then expired by
/// latest end. A bad filter answers 400.
pub fn list_silences(
    silences: &Silences,
    filter: &[&str],
    now: Timestamp,
) -> Result<Vec<GettableSilence>, ApiAnswer> {
    let mut wanted = Vec::with_capacity(filter.len());
    for text in filter {
        let matcher =
            parse_matcher(text).map_err(|e| ApiAnswer::handler_error(400, e.to_string()))?;
        wanted.push(matcher);
    }
    let mut listed: Vec<_> = silences
        .query(&SilenceQuery::default(), now)
        .into_iter()
        .filter(|s| {
            wanted.iter().all(|w| {
                s.matchers
                    .iter()
                    .any(|m| m.name() == w.name() && m.op() == w.op() && m.value() == w.value())
            })
        })
        .collect();
    let rank = |state: SilenceState| match state {
        SilenceState::Active => 1,
        SilenceState::Pending => 2,
        SilenceState::Expired => 3,
    };
    listed.sort_by(|a, b| {
        let (sa, sb) = (a.state(now), b.state(now));
        rank(sa).cmp(&rank(sb)).then_with(|| match sa {
            SilenceState::Active => a.ends_at.cmp(&b.ends_at),
            SilenceState::Pending => a.starts_at.cmp(&b.starts_at),
            SilenceState::Expired => b.ends_at.cmp(&a.ends_at),
        })
    });
    Ok(listed
        .into_iter()
        .map(|s| GettableSilence::new(s, now))
        .collect())
}

#[cfg(test)]
mod tests;
