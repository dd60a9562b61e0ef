//! Generated payloads for `vigie bench ingest`: realistic sshd/sudo syslog
//! lines (RFC 5424 and RFC 3164), built before the clock starts.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use vigie_ingest::loki::proto::{
    encode_snappy, EntryAdapter, ProtoTimestamp, PushRequest, StreamAdapter,
};

const USERS: &[&str] = &[
    "root", "admin", "deploy", "ubuntu", "alice", "bob", "oracle", "git",
];

/// One syslog message (no framing): sshd failures and successes, sudo.
fn message(rng: &mut StdRng, i: usize) -> String {
    let user = USERS[rng.gen_range(0..USERS.len())];
    let ip = format!(
        "{}.{}.{}.{}",
        rng.gen_range(1..224),
        rng.gen_range(0..256),
        rng.gen_range(0..256),
        rng.gen_range(1..255)
    );
    let port = rng.gen_range(1024..65535);
    let host = format!("web-{:02}", rng.gen_range(0..40));
    let pid = rng.gen_range(1000..99999);
    let second = i % 60;
    let minute = (i / 60) % 60;
    match rng.gen_range(0..4) {
        0 => format!(
            "<38>1 2026-11-23T10:{minute:02}:{second:02}.{:03}Z {host} sshd {pid} - - Failed password for invalid user {user} from {ip} port {port} ssh2",
            i % 1000
        ),
        1 => format!(
            "<38>1 2026-11-23T10:{minute:02}:{second:02}.{:03}Z {host} sshd {pid} - - Accepted publickey for {user} from {ip} port {port} ssh2: RSA SHA256:8aBcDeF{i}",
            i % 1000
        ),
        2 => format!(
            "<86>Nov 23 10:{minute:02}:{second:02} {host} sudo: {user} : TTY=pts/0 ; PWD=/home/{user} ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx"
        ),
        _ => format!(
            "<38>Nov 23 10:{minute:02}:{second:02} {host} sshd[{pid}]: Connection closed by authenticating user {user} {ip} port {port} [preauth]"
        ),
    }
}

/// `n` messages, RFC 6587 octet-counted, as one byte stream.
pub fn syslog_octet_counted(seed: u64, n: usize) -> Vec<u8> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut out = Vec::with_capacity(n * 120);
    for i in 0..n {
        let m = message(&mut rng, i);
        out.extend_from_slice(format!("{} ", m.len()).as_bytes());
        out.extend_from_slice(m.as_bytes());
    }
    out
}

/// `n` messages as Loki push bodies (protobuf + snappy) of `batch` entries,
/// spread over 4 streams per body as Promtail sends them.
pub fn loki_snappy_batches(seed: u64, n: usize, batch: usize) -> Vec<bytes::Bytes> {
    let mut rng = StdRng::seed_from_u64(seed);
    let batch = batch.max(1);
    let mut out = Vec::new();
    let mut i = 0;
    let base_ns: i64 = 1_795_428_000_000_000_000;
    while i < n {
        let take = batch.min(n - i);
        let mut streams: Vec<StreamAdapter> = (0..4)
            .map(|s| StreamAdapter {
                labels: format!(
                    "{{job=\"varlogs\", host=\"web-{s:02}\", filename=\"/var/log/auth.log\"}}"
                ),
                entries: Vec::with_capacity(take / 4 + 1),
                hash: 0,
            })
            .collect();
        for k in 0..take {
            let ts = base_ns + ((i + k) as i64) * 1_000_000;
            streams[k % 4].entries.push(EntryAdapter {
                timestamp: Some(ProtoTimestamp {
                    seconds: ts / 1_000_000_000,
                    nanos: (ts % 1_000_000_000) as i32,
                }),
                line: message(&mut rng, i + k).into_bytes(),
                structured_metadata: Vec::new(),
            });
        }
        streams.retain(|s| !s.entries.is_empty());
        out.push(bytes::Bytes::from(encode_snappy(&PushRequest { streams })));
        i += take;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn octet_counts_match_the_messages() {
        let stream = syslog_octet_counted(7, 50);
        let mut rest = stream.as_slice();
        let mut n = 0;
        while !rest.is_empty() {
            let sp = rest.iter().position(|b| *b == b' ').unwrap();
            let len: usize = std::str::from_utf8(&rest[..sp]).unwrap().parse().unwrap();
            let msg = &rest[sp + 1..sp + 1 + len];
            assert_eq!(msg[0], b'<');
            rest = &rest[sp + 1 + len..];
            n += 1;
        }
        assert_eq!(n, 50);
    }

    #[test]
    fn loki_batches_hold_every_entry() {
        use prost::Message;
        let bodies = loki_snappy_batches(1, 2_500, 1_000);
        assert_eq!(bodies.len(), 3);
        let total: usize = bodies
            .iter()
            .map(|b| {
                let raw = snap::raw::Decoder::new().decompress_vec(b).unwrap();
                let req = PushRequest::decode(raw.as_slice()).unwrap();
                req.streams.iter().map(|s| s.entries.len()).sum::<usize>()
            })
            .sum();
        assert_eq!(total, 2_500);
    }
}
