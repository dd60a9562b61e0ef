//! VPC Flow Logs in the default format (version 2): 14 space-separated
//! fields, `-` for the fields of NODATA / SKIPDATA records.
//!
//! Mix: east-west traffic inside the VPC, egress to public HTTPS/DNS/NTP,
//! and inbound scans from the internet that are mostly rejected.

use std::fmt::Write;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::common::{account_id, derive, hex, pick, private_ip, public_ip, weighted, BASE_EPOCH};
use crate::Override;

/// The header line of a default-format file delivered to S3.
pub(crate) const HEADER: &str =
    "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status";

pub(crate) fn generate<'o>(seed: u64, n: usize, ov: impl Fn(usize) -> Override<'o>) -> Vec<String> {
    let mut rng = StdRng::seed_from_u64(derive(seed, 0xF10));
    let account = account_id(&mut rng);
    let enis: Vec<(String, String)> = (0..40)
        .map(|_| (format!("eni-{}", hex(&mut rng, 17)), private_ip(&mut rng)))
        .collect();
    let scanners: Vec<String> = (0..25).map(|_| public_ip(&mut rng)).collect();
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let ov = ov(i);
        let (eni, local) = pick(&mut rng, &enis).clone();
        let start = BASE_EPOCH + (i / 50) as i64 - rng.gen_range(0..60);
        let end = start + rng.gen_range(1..60);
        let status = *weighted(&mut rng, &[("OK", 96), ("NODATA", 3), ("SKIPDATA", 1)]);
        let kind = rng.gen_range(0..10);
        let peer_private = private_ip(&mut rng);
        let peer_public = public_ip(&mut rng);
        let scanner = pick(&mut rng, &scanners).clone();
        let ephemeral = rng.gen_range(32_768..61_000u32);
        let (src, dst, sport, dport, proto, action) = match kind {
            0..=3 => {
                let port = *pick(&mut rng, &[443u32, 5432, 6379, 8080, 9090, 2049]);
                (local, peer_private, ephemeral, port, 6u8, "ACCEPT")
            }
            4..=6 => {
                let (port, proto) = *pick(
                    &mut rng,
                    &[(443u32, 6u8), (443, 6), (53, 17), (123, 17), (80, 6)],
                );
                (local, peer_public, ephemeral, port, proto, "ACCEPT")
            }
            7 => (peer_public, local, 443, ephemeral, 6, "ACCEPT"),
            _ => {
                let port = *pick(&mut rng, &[22u32, 23, 3389, 445, 1433, 8443, 5900]);
                let action = if rng.gen_bool(0.9) {
                    "REJECT"
                } else {
                    "ACCEPT"
                };
                (scanner, local, ephemeral, port, 6, action)
            }
        };
        let packets = if action == "REJECT" {
            rng.gen_range(1..4)
        } else {
            rng.gen_range(1..5000u64)
        };
        let bytes = packets * rng.gen_range(40..1500u64);
        let mut line = String::with_capacity(128);
        if status != "OK" && ov.ip.is_none() {
            let _ = write!(
                line,
                "2 {account} {eni} - - - - - - - {start} {end} - {status}"
            );
        } else {
            let src = ov.ip.map_or(src, str::to_owned);
            let _ = write!(
                line,
                "2 {account} {eni} {src} {dst} {sport} {dport} {proto} {packets} {bytes} {start} {end} {action} OK"
            );
        }
        out.push(line);
    }
    out
}
