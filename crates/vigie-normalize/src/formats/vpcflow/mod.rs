//! `aws.vpcflow`: AWS VPC Flow Logs, versions 2 to 8.
//!
//! Records are space-separated lines. A header line naming the fields
//! (`version account-id interface-id ...`, as the first line of an S3 log
//! file) sets the column order for the rest of the payload through
//! [`StreamState::header`] and is skipped. Without a header, a line of 14
//! fields is the default v2 format; longer lines are read in AWS's
//! canonical order of all fields (v2, then the v3, v4, v5, v7 and v8
//! additions), which is what "all fields" custom formats produce.
//! `-` means no value. NODATA/SKIPDATA records are kept (no addresses,
//! `event.outcome: unknown`).

mod fields;
#[cfg(test)]
mod tests;

use vigie_event::{ecs, Event, Fields, Timestamp, Value};

use crate::json::is_ip;
use crate::{NormalizeError, Normalizer, RecordOutput, StreamState};
use fields::{aws_key, is_known, transport_name, ALL_FIELDS, TCP_FLAGS};

const DATASET: &str = "aws.vpcflow";

/// The number of fields of the default (v2) format.
const V2_LEN: usize = 14;

/// The `aws.vpcflow` dataset.
#[derive(Debug, Default, Clone, Copy)]
pub struct VpcFlow;

/// A field name of a header line: `account-id`, or `${account-id}` as in
/// the log format definition.
fn header_name(token: &str) -> Option<&str> {
    let name = token
        .strip_prefix("${")
        .and_then(|t| t.strip_suffix('}'))
        .unwrap_or(token);
    let mut bytes = name.bytes();
    let first_ok = bytes.next().is_some_and(|b| b.is_ascii_lowercase());
    (first_ok && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'))
        .then_some(name)
}

/// The field names if `tokens` is a header line: every token is a field
/// name and at least `min_known` of them are names AWS defines.
fn parse_header(tokens: &[&str], min_known: usize) -> Option<Vec<String>> {
    let names: Option<Vec<&str>> = tokens.iter().map(|t| header_name(t)).collect();
    let names = names?;
    let known = names.iter().filter(|n| is_known(n)).count();
    (known >= min_known.max(1)).then(|| names.iter().map(|n| (*n).to_owned()).collect())
}

fn is_ip_or_dash(s: &str) -> bool {
    s == "-" || is_ip(s)
}

impl Normalizer for VpcFlow {
    fn dataset(&self) -> &str {
        DATASET
    }

    fn sniff(&self, record: &str) -> bool {
        let first = record.trim_start().as_bytes().first().copied();
        if matches!(first, Some(b'{' | b'[') | None) {
            return false;
        }
        let tokens: Vec<&str> = record
            .split_ascii_whitespace()
            .take(ALL_FIELDS.len() + 1)
            .collect();
        // A header: field names only (`version account-id ...`, any order).
        if matches!(first, Some(b'a'..=b'z' | b'$')) {
            return parse_header(&tokens, 3).is_some();
        }
        if tokens.len() < V2_LEN || tokens.len() > ALL_FIELDS.len() {
            return false;
        }
        let version_ok = matches!(tokens[0].as_bytes(), [b'2'..=b'8']);
        version_ok
            && is_ip_or_dash(tokens[3])
            && is_ip_or_dash(tokens[4])
            && matches!(tokens[12], "ACCEPT" | "REJECT" | "-")
            && matches!(tokens[13], "OK" | "NODATA" | "SKIPDATA")
    }

    fn normalize(
        &self,
        record: &str,
        state: &mut StreamState,
        out: &mut RecordOutput<'_>,
    ) -> Result<(), NormalizeError> {
        // At most 64 fields on the stack; a longer line is no flow record.
        let mut buf = [""; 64];
        let mut count = 0;
        for t in record.split_ascii_whitespace() {
            let Some(slot) = buf.get_mut(count) else {
                return Err(NormalizeError::WrongFormat {
                    dataset: DATASET,
                    reason: format!("more than {} fields", buf.len()),
                });
            };
            *slot = t;
            count += 1;
        }
        let tokens = &buf[..count];
        if let Some(names) = parse_header(tokens, 1) {
            state.header = Some(names);
            out.skip("vpc flow log header");
            return Ok(());
        }
        let event = match &state.header {
            Some(names) => {
                if names.len() != tokens.len() {
                    return Err(NormalizeError::invalid(
                        "line",
                        format!(
                            "has {} fields but the header names {}",
                            tokens.len(),
                            names.len()
                        ),
                    ));
                }
                to_event(
                    names.iter().map(String::as_str).zip(tokens.iter().copied()),
                    record,
                )?
            }
            None => {
                if tokens.len() < V2_LEN || tokens.len() > ALL_FIELDS.len() {
                    return Err(NormalizeError::WrongFormat {
                        dataset: DATASET,
                        reason: format!(
                            "{} fields: expected {V2_LEN} to {} without a header line",
                            tokens.len(),
                            ALL_FIELDS.len()
                        ),
                    });
                }
                to_event(
                    ALL_FIELDS.iter().copied().zip(tokens.iter().copied()),
                    record,
                )?
            }
        };
        let mut event = event;
        crate::community_id::fill(&mut event.fields);
        out.push(event);
        Ok(())
    }
}

fn parse_num<T: std::str::FromStr>(
    name: &str,
    value: &str,
    what: &str,
) -> Result<T, NormalizeError> {
    value
        .parse()
        .map_err(|_| NormalizeError::invalid(name, format!("expected {what}, got {value:?}")))
}

fn epoch(name: &str, value: &str) -> Result<Timestamp, NormalizeError> {
    let secs: i64 = parse_num(name, value, "epoch seconds")?;
    Timestamp::from_secs(secs).ok_or_else(|| NormalizeError::invalid(name, "out of range"))
}

/// [`Timestamp::to_rfc3339`] for whole seconds, without the formatting
/// machinery (two of these per flow).
fn rfc3339_secs(t: Timestamp) -> String {
    let (y, mo, d, h, mi, s, n) = t.to_civil();
    if n != 0 || !(0..=9999).contains(&y) {
        return t.to_rfc3339();
    }
    let y = y as u32;
    let mut out = String::with_capacity(24);
    for (v, width, sep) in [
        (y, 4, '-'),
        (mo, 2, '-'),
        (d, 2, 'T'),
        (h, 2, ':'),
        (mi, 2, ':'),
        (s, 2, '.'),
    ] {
        for k in (0..width).rev() {
            let digit = (v / 10u32.pow(k)) % 10;
            out.push(char::from(b'0' + digit as u8));
        }
        out.push(sep);
    }
    out.push_str("000Z");
    out
}

/// Builds the event from `(field name, value)` pairs.
fn to_event<'a>(
    pairs: impl Iterator<Item = (&'a str, &'a str)>,
    line: &str,
) -> Result<Event, NormalizeError> {
    // The time is known only once the fields are read: set it at the end.
    // A flow maps to 20 to 40 fields: allocate once.
    let mut fields = Fields::with_capacity(40);
    fields.set(ecs::EVENT_DATASET, DATASET);
    let mut ev = Event {
        timestamp: Timestamp::default(),
        fields,
        original: line.to_owned(),
    };
    let f = &mut ev.fields;
    f.set(ecs::EVENT_KIND, ecs::kind::EVENT);
    f.set(ecs::EVENT_CATEGORY, vec![Value::from("network")]);
    f.set(ecs::EVENT_TYPE, vec![Value::from("connection")]);
    f.set(ecs::CLOUD_PROVIDER, "aws");
    let (mut start, mut end) = (None, None);
    let mut action = None;
    let (mut src, mut dst) = (None, None);
    for (name, value) in pairs {
        if value == "-" {
            continue;
        }
        match name {
            "srcaddr" => {
                f.set(ecs::SOURCE_ADDRESS, value);
                src = Some(value);
            }
            "dstaddr" => {
                f.set(ecs::DESTINATION_ADDRESS, value);
                dst = Some(value);
            }
            "srcport" => f.set(ecs::SOURCE_PORT, parse_num::<u16>(name, value, "a port")?),
            "dstport" => f.set(
                ecs::DESTINATION_PORT,
                parse_num::<u16>(name, value, "a port")?,
            ),
            "protocol" => {
                let n: u8 = parse_num(name, value, "an IANA protocol number")?;
                f.set(ecs::NETWORK_IANA_NUMBER, n.to_string());
                if let Some(t) = transport_name(n) {
                    f.set(ecs::NETWORK_TRANSPORT, t);
                }
            }
            "packets" => {
                let n: u64 = parse_num(name, value, "a packet count")?;
                f.set(ecs::SOURCE_PACKETS, n);
                f.set(ecs::NETWORK_PACKETS, n);
            }
            "bytes" => {
                let n: u64 = parse_num(name, value, "a byte count")?;
                f.set(ecs::SOURCE_BYTES, n);
                f.set(ecs::NETWORK_BYTES, n);
            }
            "start" => start = Some(epoch(name, value)?),
            "end" => end = Some(epoch(name, value)?),
            "action" => {
                f.set("aws.vpcflow.action", value);
                action = Some(value);
            }
            "account-id" => {
                f.set("aws.vpcflow.account_id", value);
                f.set(ecs::CLOUD_ACCOUNT_ID, value);
            }
            "instance-id" => {
                f.set("aws.vpcflow.instance_id", value);
                f.set(ecs::CLOUD_INSTANCE_ID, value);
            }
            "region" => {
                f.set("aws.vpcflow.region", value);
                f.set(ecs::CLOUD_REGION, value);
            }
            "az-id" => {
                f.set("aws.vpcflow.az_id", value);
                f.set(ecs::CLOUD_AVAILABILITY_ZONE, value);
            }
            "flow-direction" => {
                f.set("aws.vpcflow.flow_direction", value);
                f.set(ecs::NETWORK_DIRECTION, value.to_ascii_lowercase());
            }
            "type" => {
                f.set("aws.vpcflow.type", value);
                f.set(ecs::NETWORK_TYPE, value.to_ascii_lowercase());
            }
            "tcp-flags" => {
                let bits: u16 = parse_num(name, value, "a TCP flags bitmask")?;
                f.set("aws.vpcflow.tcp_flags", value);
                let flags: Vec<Value> = TCP_FLAGS
                    .iter()
                    .filter(|(bit, _)| bits & bit != 0)
                    .map(|(_, flag)| Value::from(*flag))
                    .collect();
                if !flags.is_empty() {
                    f.set("aws.vpcflow.tcp_flags_array", flags);
                }
            }
            other => f.set(aws_key(other), value),
        }
    }
    for (addr, ip_key) in [(src, ecs::SOURCE_IP), (dst, ecs::DESTINATION_IP)] {
        if let Some(a) = addr.filter(|a| is_ip(a)) {
            f.set(ip_key, a);
            f.push_unique(ecs::RELATED_IP, a);
        }
    }
    if let Some(t) = start {
        f.set(ecs::EVENT_START, rfc3339_secs(t));
    }
    if let Some(t) = end {
        f.set(ecs::EVENT_END, rfc3339_secs(t));
    }
    let (outcome, verdict) = match action {
        Some("ACCEPT") => (ecs::outcome::SUCCESS, Some("allowed")),
        Some("REJECT") => (ecs::outcome::FAILURE, Some("denied")),
        _ => (ecs::outcome::UNKNOWN, None),
    };
    f.push_unique(ecs::EVENT_TYPE, verdict);
    f.set(ecs::EVENT_OUTCOME, outcome);
    ev.timestamp = end.or(start).ok_or(NormalizeError::MissingField("end"))?;
    Ok(ev)
}
