//! Needle injection: a given IP address or user placed in exactly `k`
//! events of a generated stream, for search and detection tests.
//!
//! The background stream is the same as without a needle (the needle
//! events draw the same random numbers and only have their address or user
//! replaced), and the positions are drawn from a separate seeded stream.

use std::fmt;

use rand::rngs::StdRng;
use rand::seq::index::sample;
use rand::SeedableRng;

use crate::common::derive;
use crate::{generate, Format, Override};

/// What to inject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needle<'a> {
    /// A source address: CloudTrail `sourceIPAddress`, Kubernetes
    /// `sourceIPs[0]`, VPC Flow `srcaddr`, GCP `requestMetadata.callerIp`,
    /// Falco `fd.sip`.
    Ip(&'a str),
    /// A user: CloudTrail `userIdentity.userName` (the identity becomes an
    /// `IAMUser` with that name), Kubernetes `user.username`, GCP
    /// `authenticationInfo.principalEmail`, Falco `user.name`.
    User(&'a str),
}

impl Needle<'_> {
    fn text(&self) -> &str {
        match self {
            Needle::Ip(s) | Needle::User(s) => s,
        }
    }
}

/// A stream with a needle, and where the needle is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Injected {
    pub events: Vec<String>,
    /// Indices (ascending) of the `k` events that contain the needle.
    pub positions: Vec<usize>,
}

/// Why a needle could not be injected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NeedleError {
    /// `k` is larger than the number of events.
    TooMany { k: usize, n: usize },
    /// The format has no field for this kind of needle (VPC Flow users).
    Unsupported { format: Format },
    /// The needle is empty, or its text already occurs in event `index` of
    /// the background stream (pick a needle from a documentation range).
    Collision { index: usize },
}

impl fmt::Display for NeedleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NeedleError::TooMany { k, n } => write!(f, "cannot place a needle in {k} of {n} events"),
            NeedleError::Unsupported { format } => {
                write!(f, "{} events have no user field", format.dataset())
            }
            NeedleError::Collision { index } => write!(
                f,
                "the needle text already occurs in background event {index}; use an address in 192.0.2.0/24, 198.51.100.0/24 or 203.0.113.0/24, or a user containing `needle`"
            ),
        }
    }
}

impl std::error::Error for NeedleError {}

/// `n` events of `format` from `seed`, with `needle` in exactly `k` of
/// them: the needle text occurs (as a substring) in those events and in no
/// other.
pub fn with_needle(
    format: Format,
    seed: u64,
    n: usize,
    needle: Needle<'_>,
    k: usize,
) -> Result<Injected, NeedleError> {
    if k > n {
        return Err(NeedleError::TooMany { k, n });
    }
    if format == Format::VpcFlowV2 && matches!(needle, Needle::User(_)) {
        return Err(NeedleError::Unsupported { format });
    }
    if needle.text().is_empty() {
        return Err(NeedleError::Collision { index: 0 });
    }
    let mut rng = StdRng::seed_from_u64(derive(seed, 0x4EED));
    let mut positions = sample(&mut rng, n, k).into_vec();
    positions.sort_unstable();
    let mut marked = vec![false; n];
    for &p in &positions {
        marked[p] = true;
    }
    let ov = match needle {
        Needle::Ip(ip) => Override {
            ip: Some(ip),
            user: None,
        },
        Needle::User(user) => Override {
            ip: None,
            user: Some(user),
        },
    };
    let events = generate(format, seed, n, |i| {
        if marked[i] {
            ov
        } else {
            Override::default()
        }
    });
    for (i, e) in events.iter().enumerate() {
        if e.contains(needle.text()) != marked[i] {
            return Err(NeedleError::Collision { index: i });
        }
    }
    Ok(Injected { events, positions })
}

/// `n` events with the source address `ip` in exactly `k` of them.
pub fn rare_ip(
    format: Format,
    seed: u64,
    n: usize,
    ip: &str,
    k: usize,
) -> Result<Injected, NeedleError> {
    with_needle(format, seed, n, Needle::Ip(ip), k)
}

/// `n` events with the user `user` in exactly `k` of them.
pub fn rare_user(
    format: Format,
    seed: u64,
    n: usize,
    user: &str,
    k: usize,
) -> Result<Injected, NeedleError> {
    with_needle(format, seed, n, Needle::User(user), k)
}
