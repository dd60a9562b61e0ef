//! Shared random helpers: identifiers, IP addresses, timestamps, choices.
//!
//! Addresses: [`public_ip`] never returns an address in the documentation
//! ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24), in private or
//! reserved space, so those ranges are safe needles for
//! [`crate::rare_ip`].

use std::fmt::Write;

use rand::rngs::StdRng;
use rand::Rng;

/// 2024-05-01T00:00:00Z: the start of every generated timeline.
pub(crate) const BASE_EPOCH: i64 = 1_714_521_600;

const UPPER_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const LOWER_ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
const HEX: &[u8] = b"0123456789abcdef";

/// One element of a non-empty slice.
pub(crate) fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.gen_range(0..items.len())]
}

/// One element of `(item, weight)` pairs, drawn in proportion to weight.
pub(crate) fn weighted<'a, T>(rng: &mut StdRng, items: &'a [(T, u32)]) -> &'a T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut x = rng.gen_range(0..total);
    for (item, w) in items {
        if x < *w {
            return item;
        }
        x -= w;
    }
    &items[items.len() - 1].0
}

/// An index in `0..len` skewed towards small indices (a few heavy hitters,
/// a long tail), as real actor and resource popularity is.
pub(crate) fn skewed(rng: &mut StdRng, len: usize) -> usize {
    let u: f64 = rng.gen();
    ((u * u * u) * len as f64) as usize % len.max(1)
}

fn chars(rng: &mut StdRng, set: &[u8], n: usize) -> String {
    (0..n)
        .map(|_| set[rng.gen_range(0..set.len())] as char)
        .collect()
}

/// Uppercase letters and digits (AWS ids such as `AIDA...`, `AKIA...`).
pub(crate) fn upper(rng: &mut StdRng, n: usize) -> String {
    chars(rng, UPPER_ALNUM, n)
}

/// Lowercase letters and digits (pod suffixes, GCP insert ids).
pub(crate) fn lower(rng: &mut StdRng, n: usize) -> String {
    chars(rng, LOWER_ALNUM, n)
}

pub(crate) fn hex(rng: &mut StdRng, n: usize) -> String {
    chars(rng, HEX, n)
}

/// A random (version 4) UUID.
pub(crate) fn uuid(rng: &mut StdRng) -> String {
    let v: u128 = rng.gen();
    let v = (v & !(0xf << 76) | (0x4 << 76)) & !(0x3 << 62) | (0x2 << 62);
    let h = format!("{v:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// A 12-digit AWS account id.
pub(crate) fn account_id(rng: &mut StdRng) -> String {
    format!("{:012}", rng.gen_range(100_000_000_000u64..999_999_999_999))
}

/// First octets of busy public address space (clouds, ISPs, hosting).
const PUBLIC_FIRST: &[u8] = &[
    3, 13, 18, 20, 23, 31, 34, 35, 37, 40, 44, 46, 52, 54, 62, 64, 66, 68, 73, 77, 78, 81, 82, 84,
    86, 88, 89, 91, 93, 95, 98, 103, 104, 107, 109, 115, 118, 121, 130, 138, 141, 142, 146, 151,
    152, 157, 159, 162, 164, 167, 170, 176, 178, 185, 188, 195, 212, 213, 217,
];

/// A public IPv4 address (never private, reserved or documentation space).
pub(crate) fn public_ip(rng: &mut StdRng) -> String {
    let a = *pick(rng, PUBLIC_FIRST);
    format!(
        "{a}.{}.{}.{}",
        rng.gen_range(0..=255u8),
        rng.gen_range(0..=255u8),
        rng.gen_range(1..=254u8)
    )
}

/// An RFC 1918 address, mostly VPC-like `10.x` space.
pub(crate) fn private_ip(rng: &mut StdRng) -> String {
    match rng.gen_range(0..10) {
        0..=6 => format!(
            "10.{}.{}.{}",
            rng.gen_range(0..=3u8),
            rng.gen_range(0..=255u8),
            rng.gen_range(1..=254u8)
        ),
        7 | 8 => format!(
            "172.{}.{}.{}",
            rng.gen_range(16..=31u8),
            rng.gen_range(0..=255u8),
            rng.gen_range(1..=254u8)
        ),
        _ => format!(
            "192.168.{}.{}",
            rng.gen_range(0..=255u8),
            rng.gen_range(1..=254u8)
        ),
    }
}

/// A public IPv6 address in 2600::/12-like provider space.
pub(crate) fn public_ipv6(rng: &mut StdRng) -> String {
    format!(
        "2600:1f18:{:x}:{:x}:{:x}:{:x}:{:x}:{:x}",
        rng.gen::<u16>(),
        rng.gen::<u16>(),
        rng.gen::<u16>(),
        rng.gen::<u16>(),
        rng.gen::<u16>(),
        rng.gen::<u16>()
    )
}

/// `(year, month, day)` of a day count since 1970-01-01 (proleptic
/// Gregorian; Howard Hinnant's `civil_from_days`).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// RFC 3339 UTC text of `secs` + `nanos`, with `digits` fractional digits
/// (0 to 9) and a `Z` suffix: `2024-05-01T00:00:07.123456Z`.
pub(crate) fn rfc3339(secs: i64, nanos: u32, digits: u32) -> String {
    let (y, mo, d) = civil(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    let mut out = format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}",
        s / 3600,
        s / 60 % 60,
        s % 60
    );
    if digits > 0 {
        let frac = nanos / 10u32.pow(9 - digits.min(9));
        let _ = write!(out, ".{frac:0width$}", width = digits.min(9) as usize);
    }
    out.push('Z');
    out
}

/// A seed for a sub-generator, derived so that streams do not overlap.
pub(crate) fn derive(seed: u64, salt: u64) -> u64 {
    // splitmix64 finalizer
    let mut z = seed ^ salt.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn civil_dates() {
        assert_eq!(rfc3339(0, 0, 0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(BASE_EPOCH, 0, 0), "2024-05-01T00:00:00Z");
        assert_eq!(
            rfc3339(951_782_400, 5_000_000, 3),
            "2000-02-29T00:00:00.005Z"
        );
        assert_eq!(
            rfc3339(1_709_251_199, 123_456_789, 9),
            "2024-02-29T23:59:59.123456789Z"
        );
    }

    #[test]
    fn ids_and_addresses_have_their_shapes() {
        let mut rng = StdRng::seed_from_u64(1);
        for _ in 0..1000 {
            let u = uuid(&mut rng);
            assert_eq!(u.len(), 36);
            assert_eq!(&u[14..15], "4");
            let ip = public_ip(&mut rng);
            let parts: Vec<u8> = ip.split('.').map(|p| p.parse().unwrap()).collect();
            assert_eq!(parts.len(), 4);
            assert!(![10, 127, 172, 192, 198, 203].contains(&parts[0]), "{ip}");
            assert!(private_ip(&mut rng)
                .parse::<std::net::Ipv4Addr>()
                .unwrap()
                .is_private());
            assert!(public_ipv6(&mut rng).parse::<std::net::Ipv6Addr>().is_ok());
            assert!(skewed(&mut rng, 7) < 7);
        }
        assert_eq!(account_id(&mut rng).len(), 12);
    }
}
