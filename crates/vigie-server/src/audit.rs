//! The audit log: every state-changing request outside the ingest APIs
//! (silences, rule changes, reloads, tokens, users), every login, logout and
//! failed login, written to the event store as events of dataset
//! `vigie.audit`, so they are searched like any other data.
//!
//! Records hold who (user or token name), from where, what (method and
//! path, never the body, which may carry a password or a token) and the
//! outcome. They also go to the log at `info`.

use std::net::IpAddr;

use serde_json::json;
use vigie_event::{Event, Timestamp};
use vigie_pipeline::IngestQueue;

/// Dataset of audit records.
pub const AUDIT_DATASET: &str = "vigie.audit";

/// Who made a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A user, through a web UI session.
    User(String),
    /// An API token, by its name.
    Token(String),
    /// Not authenticated (a failed login).
    Anonymous,
}

impl Actor {
    fn name(&self) -> &str {
        match self {
            Self::User(n) | Self::Token(n) => n,
            Self::Anonymous => "",
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Self::User(_) => "user",
            Self::Token(_) => "token",
            Self::Anonymous => "anonymous",
        }
    }
}

/// One audited action.
#[derive(Debug, Clone)]
pub struct AuditRecord<'a> {
    /// `event.action`: e.g. `login`, `logout`, `login_failed`, `request`.
    pub action: &'a str,
    pub actor: Actor,
    pub source_ip: Option<IpAddr>,
    pub method: &'a str,
    pub path: &'a str,
    pub status: u16,
}

impl AuditRecord<'_> {
    /// The record as an event of dataset `vigie.audit`.
    pub fn to_event(&self) -> Event {
        let outcome = if self.status < 400 {
            "success"
        } else {
            "failure"
        };
        let ip = self.source_ip.map(|ip| ip.to_string());
        let doc = json!({
            "action": self.action,
            "actor": self.actor.name(),
            "actor_kind": self.actor.kind(),
            "source_ip": ip,
            "method": self.method,
            "path": self.path,
            "status": self.status,
        });
        let mut e = Event::new(AUDIT_DATASET, Timestamp::now(), doc.to_string());
        let f = &mut e.fields;
        f.set("event.kind", "event");
        f.set("event.category", "configuration");
        f.set("event.action", self.action.to_owned());
        f.set("event.outcome", outcome);
        if !self.actor.name().is_empty() {
            f.set("user.name", self.actor.name().to_owned());
        }
        f.set("vigie.actor_kind", self.actor.kind());
        if let Some(ip) = ip {
            f.set("source.ip", ip);
        }
        f.set("http.request.method", self.method.to_owned());
        f.set("url.path", self.path.to_owned());
        f.set("http.response.status_code", i64::from(self.status));
        e
    }
}

/// Writes `record` to the log and, through `queue`, to the store. Never
/// waits: a full queue drops the record with a warning (and a metric of
/// the queue itself), it never blocks the request it describes.
pub fn write(queue: &IngestQueue, record: &AuditRecord<'_>) {
    tracing::info!(
        target: "vigie::audit",
        action = record.action,
        actor = record.actor.name(),
        actor_kind = record.actor.kind(),
        source_ip = record.source_ip.map(|ip| ip.to_string()).unwrap_or_default(),
        method = record.method,
        path = record.path,
        status = record.status,
        "audit"
    );
    let queue = queue.clone();
    let event = record.to_event();
    tokio::spawn(async move {
        if let Err(e) = queue.enqueue_wait(vec![event]).await {
            tracing::warn!(error = %e, "audit record not stored");
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_becomes_a_searchable_event_field_by_field() {
        let r = AuditRecord {
            action: "request",
            actor: Actor::User("alice".into()),
            source_ip: Some("192.0.2.7".parse().unwrap()),
            method: "POST",
            path: "/api/v2/silences",
            status: 200,
        };
        let e = r.to_event();
        assert_eq!(e.dataset(), AUDIT_DATASET);
        let get = |k: &str| e.fields.get(k).cloned();
        assert_eq!(get("user.name"), Some("alice".into()));
        assert_eq!(get("source.ip"), Some("192.0.2.7".into()));
        assert_eq!(get("url.path"), Some("/api/v2/silences".into()));
        assert_eq!(get("http.request.method"), Some("POST".into()));
        assert_eq!(get("http.response.status_code"), Some(200.into()));
        assert_eq!(get("event.outcome"), Some("success".into()));
        assert_eq!(get("vigie.actor_kind"), Some("user".into()));
        let failed = AuditRecord {
            action: "login_failed",
            actor: Actor::Anonymous,
            status: 401,
            ..r
        }
        .to_event();
        assert_eq!(failed.fields.get("event.outcome"), Some(&"failure".into()));
        assert_eq!(failed.fields.get("user.name"), None);
    }
}
