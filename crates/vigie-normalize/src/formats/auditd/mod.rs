//! Linux auditd (`audit.log`): records `type=T msg=audit(EPOCH:SERIAL): k=v`
//! grouped into one event per `(node, EPOCH, SERIAL)`.
//!
//! Records of one event (SYSCALL, EXECVE, CWD, PATH..., PROCTITLE) wait in
//! [`StreamState::custom`] until their `EOE` record, or until
//! [`Normalizer::finish`] at the end of the payload; events interleave. A
//! user-space record (USER_*, CRED_*, SERVICE_*, anything with a nested
//! `msg='...'`) is a whole event by itself and is emitted at once. At most
//! [`MAX_OPEN`] groups stay open: beyond that the oldest is emitted.

mod build;
mod parse;
mod syscalls;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap};

use vigie_event::Timestamp;

use crate::{NormalizeError, Normalizer, RecordOutput, StreamState};

pub(crate) const DATASET: &str = "auditd";

/// Open groups beyond which the oldest one is emitted.
pub const MAX_OPEN: usize = 10_000;

/// The `auditd` dataset.
#[derive(Debug, Default, Clone, Copy)]
pub struct Auditd;

/// What identifies one event: node, epoch text, serial.
type Key = (Option<String>, String, u64);

/// Records waiting for the rest of their event.
#[derive(Debug, Default)]
struct Pending {
    /// Open groups by arrival order of their first record.
    groups: BTreeMap<u64, (Key, String)>,
    /// Arrival number of each open group.
    index: HashMap<Key, u64>,
    next: u64,
}

impl Pending {
    fn take(&mut self, key: &Key) -> Option<String> {
        let n = self.index.remove(key)?;
        self.groups.remove(&n).map(|(_, text)| text)
    }

    fn pop_oldest(&mut self) -> Option<String> {
        let (_, (key, text)) = self.groups.pop_first()?;
        self.index.remove(&key);
        Some(text)
    }
}

/// Takes this format's pending groups out of the stream state (a fresh
/// set if the state holds none, or another format's).
fn take_pending(state: &mut StreamState) -> Box<Pending> {
    state
        .custom
        .take()
        .and_then(|c| c.downcast::<Pending>().ok())
        .unwrap_or_default()
}

/// Whether a record type is a whole event by itself (user-space messages).
fn single_record(rtype: &str, body: &str) -> bool {
    const PREFIXES: [&str; 16] = [
        "USER_",
        "CRED_",
        "DAEMON_",
        "SERVICE_",
        "SYSTEM_",
        "CRYPTO_",
        "ACCT_",
        "ADD_",
        "DEL_",
        "GRP_",
        "CHGRP_",
        "CHUSER_",
        "VIRT_",
        "ROLE_",
        "ANOM_LOGIN",
        "MAC_IPSEC",
    ];
    PREFIXES.iter().any(|p| rtype.starts_with(p))
        || matches!(rtype, "SOFTWARE_UPDATE" | "USYS_CONFIG" | "LOGIN" | "TTY")
        || body.contains(" msg='")
}

/// Builds the event of one group and pushes it (an item error if it fails).
fn emit(text: &str, out: &mut RecordOutput<'_>) {
    match build::event(text) {
        Ok(e) => out.push(e),
        Err(e) => out.reject_item(0, e),
    }
}

impl Normalizer for Auditd {
    fn dataset(&self) -> &str {
        DATASET
    }

    fn sniff(&self, record: &str) -> bool {
        let r = record.trim_start();
        let r = match r.strip_prefix("node=") {
            Some(rest) => match rest.find(' ') {
                Some(i) => rest[i..].trim_start(),
                None => return false,
            },
            None => r,
        };
        r.starts_with("type=") && r.contains("msg=audit(")
    }

    fn continues(&self, record: &str, _state: &StreamState) -> bool {
        parse::header(record).is_ok()
    }

    fn normalize(
        &self,
        record: &str,
        state: &mut StreamState,
        out: &mut RecordOutput<'_>,
    ) -> Result<(), NormalizeError> {
        let record = record.trim_end_matches(['\r', '\n']);
        let h = parse::header(record)?;
        let Some((epoch, serial)) = h.stamp else {
            // No `msg=audit(...)` (e.g. `type=UNKNOWN[1329] msg=g`): a whole
            // event stamped at ingest.
            out.push(build::event(record)?);
            return Ok(());
        };
        let key: Key = (h.node.map(str::to_owned), epoch.to_owned(), serial);
        let mut p = take_pending(state);
        let result = step(&mut p, key, &h, record, out);
        state.custom = Some(p);
        result
    }

    fn finish(&self, state: &mut StreamState, out: &mut RecordOutput<'_>) {
        if let Some(c) = state.custom.take() {
            match c.downcast::<Pending>() {
                Ok(mut p) => {
                    while let Some(text) = p.pop_oldest() {
                        emit(&text, out);
                    }
                }
                Err(other) => state.custom = Some(other),
            }
        }
    }
}

/// Files one timestamped record into its group; emits what completes.
fn step(
    p: &mut Pending,
    key: Key,
    h: &parse::Header<'_>,
    record: &str,
    out: &mut RecordOutput<'_>,
) -> Result<(), NormalizeError> {
    if h.rtype == "EOE" {
        match p.take(&key) {
            Some(mut text) => {
                text.push('\n');
                text.push_str(record);
                emit(&text, out);
            }
            None => out.skip("auditd EOE without records"),
        }
        return Ok(());
    }
    if let Some(&n) = p.index.get(&key) {
        if let Some((_, text)) = p.groups.get_mut(&n) {
            text.push('\n');
            text.push_str(record);
        }
        return Ok(());
    }
    if single_record(h.rtype, h.body) {
        out.push(build::event(record)?);
        return Ok(());
    }
    let n = p.next;
    p.next += 1;
    p.index.insert(key.clone(), n);
    p.groups.insert(n, (key, record.to_owned()));
    while p.groups.len() > MAX_OPEN {
        match p.pop_oldest() {
            Some(text) => emit(&text, out),
            None => break,
        }
    }
    Ok(())
}

/// The `@timestamp` of `msg=audit(EPOCH...)`, or the ingest time.
pub(crate) fn stamp(epoch: Option<&str>) -> (Timestamp, bool) {
    match epoch.and_then(|e| Timestamp::parse_epoch_decimal(e).ok()) {
        Some(t) => (t, true),
        None => (Timestamp::now(), false),
    }
}
