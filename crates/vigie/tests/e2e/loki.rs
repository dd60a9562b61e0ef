//! The Loki push API against the real binary, driven by a Python shipper
//! that speaks protobuf + snappy the way Promtail and Alloy do.

use serde_json::{json, Value};

use crate::harness::{run_python_client, scratch, Server};

fn find<'a>(events: &'a [Value], original: &str) -> &'a Value {
    events
        .iter()
        .find(|e| e["event"]["original"] == original)
        .unwrap_or_else(|| panic!("no event with original {original:?}"))
}

#[test]
fn python_loki_client_pushes_protobuf_snappy_and_json() {
    let dir = scratch("loki");
    let mut server = Server::start(&dir, None);
    let summary = run_python_client("loki_client.py", &server);
    assert_eq!(server.terminate().code(), Some(0));

    let events = server.stored();
    let n = summary["events"].as_u64().unwrap() as usize;
    assert_eq!(events.len(), n, "every accepted entry reached the store");
    let cloudtrail: Vec<&Value> = events
        .iter()
        .filter(|e| e["event"]["dataset"] == "aws.cloudtrail")
        .collect();
    assert_eq!(
        cloudtrail.len() as u64,
        summary["cloudtrail"].as_u64().unwrap()
    );
    for ct in &cloudtrail {
        assert_eq!(ct["labels"], json!({"job": "cloudtrail"}));
        assert_eq!(ct["service"]["name"], "cloudtrail");
        assert!(
            ct["@timestamp"].as_str().unwrap().starts_with("2014-07-"),
            "the record's own time is kept: {}",
            ct["@timestamp"]
        );
    }

    let sshd = find(
        &events,
        "<86>Jan  5 10:00:00 bastion sshd[42]: Accepted publickey for deploy from 10.1.2.3 port 5555 ssh2",
    );
    assert_eq!(sshd["event"]["dataset"], "syslog");
    assert_eq!(sshd["host"]["name"], "bastion", "the record's host wins");
    assert_eq!(sshd["log"]["file"]["path"], "/var/log/auth.log");
    assert_eq!(sshd["labels"], json!({"job": "varlogs"}));

    let app = find(&events, "payment service started in 3.2s");
    assert_eq!(app["event"]["dataset"], "raw");
    assert_eq!(app["message"], "payment service started in 3.2s");
    assert_eq!(app["@timestamp"], "2024-01-05T10:00:01.250Z");
    assert_eq!(app["host"]["name"], "edge-1");
    assert_eq!(
        app["labels"],
        json!({"job": "varlogs", "trace_id": "4bf92f35"})
    );

    let vector = find(&events, "json pushed line");
    assert_eq!(vector["event"]["dataset"], "raw");
    assert_eq!(vector["@timestamp"], "2024-01-05T10:03:20.000Z");
    assert_eq!(vector["host"]["name"], "vec-0");
    assert_eq!(vector["labels"], json!({"job": "vector", "user": "alice"}));
    assert_eq!(vector["service"]["name"], "vector");
}
