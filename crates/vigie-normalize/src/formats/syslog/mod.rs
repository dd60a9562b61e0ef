//! The `syslog` dataset: RFC 5424 and RFC 3164 (BSD) lines, as files such as
//! /var/log/auth.log hold them, with sshd, sudo and PAM session messages
//! mapped to ECS authentication and session events.
//!
//! RFC 3164 timestamps carry no year and no zone: they are read as UTC and
//! the year is inferred from a reference time ([`header::infer_year`]); the
//! normalizer passes the current time, tests pass explicit ones. A line that
//! is neither RFC is kept (timestamp = now) and flagged
//! `vigie.parse_failure: "syslog"`.

mod auth;
pub mod header;

#[cfg(test)]
mod tests;

use vigie_event::{ecs, Event, Timestamp};

use crate::{NormalizeError, Normalizer, RecordOutput, StreamState};

const DATASET: &str = "syslog";

/// The `syslog` dataset.
#[derive(Debug, Default, Clone, Copy)]
pub struct Syslog;

const FACILITIES: [&str; 24] = [
    "kern",
    "user",
    "mail",
    "daemon",
    "auth",
    "syslog",
    "lpr",
    "news",
    "uucp",
    "cron",
    "authpriv",
    "ftp",
    "ntp",
    "security",
    "console",
    "solaris-cron",
    "local0",
    "local1",
    "local2",
    "local3",
    "local4",
    "local5",
    "local6",
    "local7",
];

const SEVERITIES: [&str; 8] = [
    "emergency",
    "alert",
    "critical",
    "error",
    "warning",
    "notice",
    "informational",
    "debug",
];

impl Normalizer for Syslog {
    fn dataset(&self) -> &str {
        DATASET
    }

    fn sniff(&self, record: &str) -> bool {
        sniff(record)
    }

    fn normalize(
        &self,
        record: &str,
        _state: &mut StreamState,
        out: &mut RecordOutput<'_>,
    ) -> Result<(), NormalizeError> {
        out.push(normalize_at(record, Timestamp::now()));
        Ok(())
    }
}

/// Whether `record` looks like a syslog line: `<digits>` then `>`, a month
/// name, space and day, or an ISO date-time followed by a host.
pub fn sniff(record: &str) -> bool {
    let b = record.as_bytes();
    match b.first() {
        None | Some(b'{') | Some(b'[') => false,
        Some(b'<') => {
            let digits = b.iter().skip(1).take_while(|c| c.is_ascii_digit()).count();
            (1..=3).contains(&digits) && b.get(1 + digits) == Some(&b'>')
        }
        Some(c) if c.is_ascii_digit() => {
            // `YYYY-MM-DDThh:mm:ss... host` (or a space instead of `T`).
            let shape = b"dddd-dd-dd?dd:dd:dd";
            b.len() > shape.len()
                && shape.iter().zip(b).all(|(s, c)| match s {
                    b'd' => c.is_ascii_digit(),
                    b'?' => *c == b'T' || *c == b' ',
                    s => s == c,
                })
                && record
                    .get(shape.len()..)
                    .and_then(|r| r.split_once(' '))
                    .is_some_and(|(_, host)| !host.trim_start().is_empty())
        }
        Some(_) => {
            record.get(..3).is_some_and(|m| {
                [
                    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
                    "Dec",
                ]
                .contains(&m)
            }) && b.get(3) == Some(&b' ')
                && b.get(4).is_some_and(|c| c.is_ascii_digit() || *c == b' ')
                && b.get(5).is_some_and(|c| c.is_ascii_digit() || *c == b' ')
        }
    }
}

/// Normalizes one line with `now` as the reference time (for 3164's year
/// and for lines without a usable timestamp). Never fails: a line that is
/// not syslog becomes a flagged event.
pub fn normalize_at(record: &str, now: Timestamp) -> Event {
    let line = record.trim_end_matches(['\r', '\n']);
    let h = match header::parse(line, now) {
        Ok(h) => h,
        Err(reason) => return parse_failure(record, line, reason, now),
    };
    let mut ev = Event::new(DATASET, h.timestamp.unwrap_or(now), record);
    let f = &mut ev.fields;
    f.set(ecs::EVENT_KIND, "event");
    if let Some(pri) = h.pri {
        f.set("log.syslog.priority", pri);
        let (fac, sev) = (usize::from(pri >> 3), usize::from(pri & 7));
        f.set("log.syslog.facility.code", fac);
        if let Some(name) = FACILITIES.get(fac) {
            f.set("log.syslog.facility.name", *name);
        }
        f.set("log.syslog.severity.code", sev);
        if let Some(name) = SEVERITIES.get(sev) {
            f.set("log.syslog.severity.name", *name);
        }
    }
    f.set_str("log.syslog.version", h.version);
    if let Some(host) = h.host {
        f.set(ecs::HOST_HOSTNAME, host);
        f.set(ecs::HOST_NAME, host);
        f.push_unique(ecs::RELATED_HOSTS, host);
    }
    f.set_str(ecs::PROCESS_NAME, h.app);
    if let Some(pid) = h.procid {
        match pid.parse::<u32>() {
            Ok(n) => f.set(ecs::PROCESS_PID, n),
            Err(_) => f.set("log.syslog.procid", pid),
        }
    }
    f.set_str("log.syslog.msgid", h.msgid);
    for el in &h.sd {
        let prefix = format!("log.syslog.structured_data.{}", el.id);
        if el.params.is_empty() {
            f.set(
                prefix.clone(),
                serde_json::Value::Object(Default::default()),
            );
        }
        for (name, value) in &el.params {
            f.set(format!("{prefix}.{name}"), value.as_str());
        }
    }
    // rsyslog's RFC 5424 forwarding template (`RSYSLOG_SyslogProtocol23Format`)
    // keeps the space that followed the 3164 tag: `- -  Failed password ...`.
    let msg = header::decode_escapes(h.msg.trim_start_matches([' ', '\t']));
    f.set_str(ecs::MESSAGE, Some(&msg));
    auth::map(h.app, &msg, f);
    ev
}

fn parse_failure(record: &str, line: &str, reason: &str, now: Timestamp) -> Event {
    let mut ev = Event::new(DATASET, now, record);
    let f = &mut ev.fields;
    f.set(ecs::EVENT_KIND, "event");
    f.set("vigie.parse_failure", DATASET);
    f.push_unique(ecs::TAGS, "syslog_parse_failure");
    f.set(ecs::ERROR_MESSAGE, reason);
    f.set_str(ecs::MESSAGE, Some(&header::decode_escapes(line)));
    ev
}
