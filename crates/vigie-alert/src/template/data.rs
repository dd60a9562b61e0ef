//! Alertmanager's template data (`template.Data`) for one notification:
//! `Receiver`, `Status`, `Alerts`, `GroupLabels`, `CommonLabels`,
//! `CommonAnnotations` and `ExternalURL`, built from a [`Flush`] exactly as
//! the webhook payload is (same statuses, common labels, quoted receiver).

use std::collections::BTreeMap;
use std::rc::Rc;

use vigie_event::Timestamp;

use super::value::{Object, Value};
use crate::alert::Alert;
use crate::dispatch::Flush;
use crate::labels::LabelSet;
use crate::webhook::webhook_message;

/// One alert of the template data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateAlert {
    pub status: String,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub starts_at: Timestamp,
    /// `None` for an alert still firing (Go's zero time).
    pub ends_at: Option<Timestamp>,
    pub generator_url: String,
    pub fingerprint: String,
}

/// The data of one notification.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TemplateData {
    pub receiver: String,
    pub status: String,
    pub alerts: Vec<TemplateAlert>,
    pub group_labels: BTreeMap<String, String>,
    pub common_labels: BTreeMap<String, String>,
    pub common_annotations: BTreeMap<String, String>,
    pub external_url: String,
}

fn map(set: &LabelSet) -> BTreeMap<String, String> {
    set.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

impl TemplateData {
    /// The data for `alerts` (those the notification plan sends) of `flush`.
    pub fn new(flush: &Flush, alerts: &[Alert], external_url: &str) -> Self {
        let message = webhook_message(flush, alerts, external_url, 0);
        Self {
            receiver: message.receiver,
            status: message.status.to_string(),
            alerts: alerts
                .iter()
                .zip(&message.alerts)
                .map(|(alert, sent)| TemplateAlert {
                    status: sent.status.to_string(),
                    labels: map(&alert.labels),
                    annotations: map(&alert.annotations),
                    starts_at: alert.starts_at,
                    ends_at: alert.resolved_at(flush.flushed_at).then_some(alert.ends_at),
                    generator_url: alert.generator_url.clone(),
                    fingerprint: sent.fingerprint.clone(),
                })
                .collect(),
            group_labels: map(&message.group_labels),
            common_labels: map(&message.common_labels),
            common_annotations: map(&message.common_annotations),
            external_url: message.external_url,
        }
    }

    /// Whether no alert is firing (`Status` is `resolved`).
    pub fn is_resolved(&self) -> bool {
        self.status == "resolved"
    }

    /// The data as a template value (`.`).
    pub fn to_value(&self) -> Value {
        let kv = |m: &BTreeMap<String, String>| Value::Kv(Rc::new(m.clone()));
        let alerts = self
            .alerts
            .iter()
            .map(|a| {
                Value::Object(Rc::new(Object {
                    type_name: "template.Alert",
                    fields: vec![
                        ("Status", Value::str(a.status.clone())),
                        ("Labels", kv(&a.labels)),
                        ("Annotations", kv(&a.annotations)),
                        ("StartsAt", Value::Time(a.starts_at)),
                        ("EndsAt", a.ends_at.map_or(Value::ZeroTime, Value::Time)),
                        ("GeneratorURL", Value::str(a.generator_url.clone())),
                        ("Fingerprint", Value::str(a.fingerprint.clone())),
                    ],
                }))
            })
            .collect();
        Value::Object(Rc::new(Object {
            type_name: "*template.Data",
            fields: vec![
                ("Receiver", Value::str(self.receiver.clone())),
                ("Status", Value::str(self.status.clone())),
                ("Alerts", Value::Alerts(Rc::new(alerts))),
                ("GroupLabels", kv(&self.group_labels)),
                ("CommonLabels", kv(&self.common_labels)),
                ("CommonAnnotations", kv(&self.common_annotations)),
                ("ExternalURL", Value::str(self.external_url.clone())),
            ],
        }))
    }
}
