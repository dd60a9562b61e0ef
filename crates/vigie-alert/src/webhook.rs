//! The webhook notification body (version 4), as Alertmanager 0.25's
//! `notify/webhook` writes it: the template data (`receiver`, `status`,
//! `alerts`, `groupLabels`, `commonLabels`, `commonAnnotations`,
//! `externalURL`) then `version`, `groupKey` and `truncatedAlerts`, in that
//! order.
//!
//! Like Alertmanager: `max_alerts` (0: no limit) keeps the first alerts and
//! counts the others in `truncatedAlerts`, and the common labels and
//! annotations are those of the alerts kept; `receiver` is the receiver
//! name with regex metacharacters escaped (Go's `regexp.QuoteMeta`, a
//! quirk of Alertmanager's template data); an alert still firing at the
//! flush has Go's zero time as `endsAt`; times are written as Go's
//! `time.Time` writes them (RFC 3339, fraction without trailing zeros).

use serde::Serialize;
use vigie_event::Timestamp;

use crate::alert::Alert;
use crate::dispatch::Flush;
use crate::labels::LabelSet;

/// Go's zero `time.Time` as JSON.
pub const GO_ZERO_TIME: &str = "0001-01-01T00:00:00Z";

/// One alert of the payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookAlert {
    pub status: &'static str,
    pub labels: LabelSet,
    pub annotations: LabelSet,
    pub starts_at: String,
    pub ends_at: String,
    #[serde(rename = "generatorURL")]
    pub generator_url: String,
    pub fingerprint: String,
}

/// The whole payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookMessage {
    pub receiver: String,
    pub status: &'static str,
    pub alerts: Vec<WebhookAlert>,
    pub group_labels: LabelSet,
    pub common_labels: LabelSet,
    pub common_annotations: LabelSet,
    #[serde(rename = "externalURL")]
    pub external_url: String,
    pub version: &'static str,
    pub group_key: String,
    pub truncated_alerts: u64,
}

/// Go's `time.Time` JSON form (RFC 3339 with up to nine fraction digits,
/// trailing zeros dropped), in UTC.
pub fn go_time(t: Timestamp) -> String {
    let (y, mo, d, h, mi, s, n) = t.to_civil();
    let mut text = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}");
    if n > 0 {
        let fraction = format!("{n:09}");
        text.push('.');
        text.push_str(fraction.trim_end_matches('0'));
    }
    text.push('Z');
    text
}

/// Go's `regexp.QuoteMeta`.
pub fn quote_meta(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted
}

/// The labels (or annotations) shared with the same value by every set.
fn common<'a>(mut sets: impl Iterator<Item = &'a LabelSet>) -> LabelSet {
    let Some(first) = sets.next() else {
        return LabelSet::new();
    };
    let mut shared = first.clone();
    for set in sets {
        shared = shared
            .iter()
            .filter(|(name, value)| set.get(name) == Some(value))
            .collect();
    }
    shared
}

/// The payload for `alerts` (those the notification plan sends) of `flush`.
pub fn webhook_message(
    flush: &Flush,
    alerts: &[Alert],
    external_url: &str,
    max_alerts: u64,
) -> WebhookMessage {
    let limit = usize::try_from(max_alerts).unwrap_or(usize::MAX);
    let (kept, truncated) = if max_alerts != 0 && alerts.len() > limit {
        (&alerts[..limit], (alerts.len() - limit) as u64)
    } else {
        (alerts, 0)
    };
    let at = flush.flushed_at;
    let any_firing = kept.iter().any(|a| !a.resolved_at(at));
    WebhookMessage {
        receiver: quote_meta(&flush.receiver),
        status: if any_firing { "firing" } else { "resolved" },
        alerts: kept
            .iter()
            .map(|a| WebhookAlert {
                status: a.status_at(at).as_str(),
                labels: a.labels.clone(),
                annotations: a.annotations.clone(),
                starts_at: go_time(a.starts_at),
                ends_at: if a.resolved_at(at) {
                    go_time(a.ends_at)
                } else {
                    GO_ZERO_TIME.to_string()
                },
                generator_url: a.generator_url.clone(),
                fingerprint: a.fingerprint().to_string(),
            })
            .collect(),
        group_labels: flush.group_labels.clone(),
        common_labels: common(kept.iter().map(|a| &a.labels)),
        common_annotations: common(kept.iter().map(|a| &a.annotations)),
        external_url: external_url.to_string(),
        version: "4",
        group_key: flush.group_key.clone(),
        truncated_alerts: truncated,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn t(nanos: i64) -> Timestamp {
        let base = Timestamp::from_civil(2024, 3, 5, 12, 0, 0, 0).unwrap();
        Timestamp::from_nanos(base.as_nanos() + nanos)
    }

    const SEC: i64 = 1_000_000_000;

    fn alert(instance: &str, end: i64) -> Alert {
        Alert {
            labels: [("alertname", "Down"), ("instance", instance)]
                .into_iter()
                .collect(),
            annotations: [("summary", format!("{instance} down"))]
                .into_iter()
                .collect(),
            starts_at: t(500_000_000),
            ends_at: t(end),
            generator_url: "http://prom/graph".into(),
            updated_at: t(0),
            timeout: false,
        }
    }

    fn flush(alerts: Vec<Alert>) -> Flush {
        Flush {
            group_key: "{}:{alertname=\"Down\"}".into(),
            receiver: "team.ops".into(),
            route_id: "{}".into(),
            group_labels: [("alertname", "Down")].into_iter().collect(),
            alerts,
            flushed_at: t(60 * SEC),
            repeat_interval: Duration::from_secs(3600),
        }
    }

    #[test]
    fn the_payload_is_byte_for_byte_alertmanagers_shape() {
        let f = flush(vec![alert("a", 30 * SEC), alert("b", 3600 * SEC)]);
        let message = webhook_message(&f, &f.alerts, "http://am:9093", 0);
        let json = serde_json::to_string(&message).unwrap();
        let expected = concat!(
            r#"{"receiver":"team\\.ops","status":"firing","alerts":["#,
            r#"{"status":"resolved","labels":{"alertname":"Down","instance":"a"},"annotations":{"summary":"a down"},"#,
            r#""startsAt":"2024-03-05T12:00:00.5Z","endsAt":"2024-03-05T12:00:30Z","generatorURL":"http://prom/graph","#,
            r#""fingerprint":"FPA"},"#,
            r#"{"status":"firing","labels":{"alertname":"Down","instance":"b"},"annotations":{"summary":"b down"},"#,
            r#""startsAt":"2024-03-05T12:00:00.5Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://prom/graph","#,
            r#""fingerprint":"FPB"}],"#,
            r#""groupLabels":{"alertname":"Down"},"commonLabels":{"alertname":"Down"},"commonAnnotations":{},"#,
            r#""externalURL":"http://am:9093","version":"4","groupKey":"{}:{alertname=\"Down\"}","truncatedAlerts":0}"#
        )
        .replace("FPA", &f.alerts[0].fingerprint().to_string())
        .replace("FPB", &f.alerts[1].fingerprint().to_string());
        assert_eq!(json, expected);
    }

    #[test]
    fn max_alerts_truncates_and_common_labels_follow_the_kept_alerts() {
        let f = flush(vec![alert("a", 3600 * SEC), alert("b", 3600 * SEC)]);
        let message = webhook_message(&f, &f.alerts, "", 1);
        assert_eq!(message.alerts.len(), 1);
        assert_eq!(message.truncated_alerts, 1);
        assert_eq!(message.common_labels.get("instance"), Some("a"));
        assert_eq!(message.common_annotations.get("summary"), Some("a down"));
        let all = webhook_message(&f, &f.alerts, "", 5);
        assert_eq!((all.alerts.len(), all.truncated_alerts), (2, 0));
        assert!(all.common_labels.get("instance").is_none());
    }

    #[test]
    fn all_resolved_makes_the_message_resolved() {
        let f = flush(vec![alert("a", 30 * SEC)]);
        assert_eq!(webhook_message(&f, &f.alerts, "", 0).status, "resolved");
        let empty = webhook_message(&f, &[], "", 0);
        assert_eq!((empty.status, empty.common_labels.len()), ("resolved", 0));
    }

    #[test]
    fn go_time_and_quote_meta_match_go() {
        assert_eq!(go_time(t(0)), "2024-03-05T12:00:00Z");
        assert_eq!(go_time(t(120_000)), "2024-03-05T12:00:00.00012Z");
        assert_eq!(go_time(t(1)), "2024-03-05T12:00:00.000000001Z");
        assert_eq!(quote_meta("a.b*c[d]"), "a\\.b\\*c\\[d\\]");
        assert_eq!(quote_meta("plain-name_1"), "plain-name_1");
    }
}
