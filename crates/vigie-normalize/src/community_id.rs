//! Community ID flow hashing, version 1 (corelight/community-id-spec): a
//! flow's 5-tuple hashed to the same string by Zeek, Suricata, Elastic and
//! vigie, so one flow can be followed across sensors and datasets.
//!
//! `1:` + base64(SHA-1(seed ‖ ordered src/dst address ‖ proto ‖ 0 ‖
//! ordered ports)). The endpoints are ordered so both directions of a flow
//! give the same ID; ICMP types and codes stand in for ports, with
//! request/reply types paired as the specification lists them.

use std::net::IpAddr;

use vigie_event::{ecs, Fields, Value};

use base64::Engine as _;
use sha1::{Digest, Sha1};

const ICMP: u8 = 1;
const TCP: u8 = 6;
const UDP: u8 = 17;
const ICMP6: u8 = 58;
const SCTP: u8 = 132;

/// The IANA protocol number of an ECS `network.transport` name.
pub fn iana_number(transport: &str) -> Option<u8> {
    match transport.to_ascii_lowercase().as_str() {
        "icmp" => Some(ICMP),
        "tcp" => Some(TCP),
        "udp" => Some(UDP),
        "ipv6-icmp" | "icmpv6" | "icmp6" => Some(ICMP6),
        "sctp" => Some(SCTP),
        _ => None,
    }
}

/// The paired ICMP/ICMPv6 type of a request or reply type.
fn icmp_pair(proto: u8, icmp_type: u16) -> Option<u16> {
    let v4: &[(u16, u16)] = &[(8, 0), (13, 14), (15, 16), (10, 9), (17, 18)];
    let v6: &[(u16, u16)] = &[
        (128, 129),
        (130, 131),
        (133, 134),
        (135, 136),
        (139, 140),
        (144, 145),
    ];
    let table = if proto == ICMP { v4 } else { v6 };
    table.iter().find_map(|&(a, b)| {
        if a == icmp_type {
            Some(b)
        } else if b == icmp_type {
            Some(a)
        } else {
            None
        }
    })
}

fn octets(ip: IpAddr) -> Vec<u8> {
    match ip {
        IpAddr::V4(v4) => v4.octets().to_vec(),
        IpAddr::V6(v6) => v6.octets().to_vec(),
    }
}

/// The Community ID v1 of a flow, seed 0 unless told otherwise. Ports are
/// ignored for protocols that have none; for ICMP, `src_port` is the type
/// and `dst_port` the code. `None` when the two addresses are of different
/// families.
pub fn v1(
    seed: u16,
    src: IpAddr,
    dst: IpAddr,
    proto: u8,
    src_port: Option<u16>,
    dst_port: Option<u16>,
) -> Option<String> {
    if src.is_ipv4() != dst.is_ipv4() {
        return None;
    }
    let (mut a, mut b) = (octets(src), octets(dst));
    let has_ports = matches!(proto, ICMP | TCP | UDP | ICMP6 | SCTP);
    let (mut pa, mut pb) = (src_port.unwrap_or(0), dst_port.unwrap_or(0));
    let mut one_way = false;
    if matches!(proto, ICMP | ICMP6) {
        match icmp_pair(proto, pa) {
            Some(pair) => pb = pair,
            None => one_way = true,
        }
    }
    if !one_way && (a > b || (a == b && pa > pb)) {
        std::mem::swap(&mut a, &mut b);
        std::mem::swap(&mut pa, &mut pb);
    }
    let mut h = Sha1::new();
    h.update(seed.to_be_bytes());
    h.update(&a);
    h.update(&b);
    h.update([proto, 0]);
    if has_ports {
        h.update(pa.to_be_bytes());
        h.update(pb.to_be_bytes());
    }
    let digest = h.finalize();
    Some(format!(
        "1:{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    ))
}

/// Sets `network.community_id` from the event's ECS flow fields
/// (`source.ip`, `destination.ip`, `network.iana_number` or
/// `network.transport`, and the ports) when the source did not log one.
pub fn fill(fields: &mut Fields) {
    if fields.get(ecs::NETWORK_COMMUNITY_ID).is_some() {
        return;
    }
    let ip = |k: &str| fields.get_str(k).and_then(|s| s.parse::<IpAddr>().ok());
    let (Some(src), Some(dst)) = (ip(ecs::SOURCE_IP), ip(ecs::DESTINATION_IP)) else {
        return;
    };
    let number = |v: &Value| match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    };
    let proto = fields
        .get(ecs::NETWORK_IANA_NUMBER)
        .and_then(number)
        .and_then(|n| u8::try_from(n).ok())
        .or_else(|| fields.get_str(ecs::NETWORK_TRANSPORT).and_then(iana_number));
    let Some(proto) = proto else { return };
    let port = |k: &str| {
        fields
            .get(k)
            .and_then(number)
            .and_then(|n| u16::try_from(n).ok())
    };
    let (sp, dp) = (port(ecs::SOURCE_PORT), port(ecs::DESTINATION_PORT));
    if matches!(proto, ICMP | TCP | UDP | ICMP6 | SCTP) && (sp.is_none() || dp.is_none()) {
        return;
    }
    if let Some(id) = v1(0, src, dst, proto, sp, dp) {
        fields.set(ecs::NETWORK_COMMUNITY_ID, id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    // Vectors from the community-id specification's baseline.
    #[test]
    fn specification_baseline_vectors() {
        let cases = [
            (
                "128.232.110.120",
                "66.35.250.204",
                TCP,
                34855,
                80,
                "1:LQU9qZlK+B5F3KDmev6m5PMibrg=",
            ),
            (
                "66.35.250.204",
                "128.232.110.120",
                TCP,
                80,
                34855,
                "1:LQU9qZlK+B5F3KDmev6m5PMibrg=",
            ),
            (
                "192.168.1.52",
                "8.8.8.8",
                UDP,
                54585,
                53,
                "1:d/FP5EW3wiY1vCndhwleRRKHowQ=",
            ),
            (
                "192.168.0.89",
                "192.168.0.1",
                ICMP,
                8,
                0,
                "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=",
            ),
            (
                "192.168.0.1",
                "192.168.0.89",
                ICMP,
                0,
                0,
                "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=",
            ),
            (
                "fe80::200:86ff:fe05:80da",
                "fe80::260:97ff:fe07:69ea",
                ICMP6,
                135,
                0,
                "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=",
            ),
        ];
        for (s, d, p, sp, dp, want) in cases {
            assert_eq!(
                v1(0, ip(s), ip(d), p, Some(sp), Some(dp)).as_deref(),
                Some(want),
                "{s}:{sp} -> {d}:{dp} proto {p}"
            );
        }
    }

    #[test]
    fn mixed_families_have_no_id() {
        assert_eq!(
            v1(0, ip("10.0.0.1"), ip("::1"), TCP, Some(1), Some(2)),
            None
        );
    }

    proptest! {
        #[test]
        fn both_directions_give_the_same_id(
            a in any::<[u8; 4]>(), b in any::<[u8; 4]>(),
            pa in any::<u16>(), pb in any::<u16>(),
            proto in prop::sample::select(vec![TCP, UDP, SCTP]),
        ) {
            let (a, b) = (IpAddr::from(a), IpAddr::from(b));
            prop_assert_eq!(
                v1(0, a, b, proto, Some(pa), Some(pb)),
                v1(0, b, a, proto, Some(pb), Some(pa))
            );
        }
    }
}
