//! Crate tests: determinism, JSON validity, the keys each format needs,
//! the traffic mix, sizes, and needle injection.

use std::collections::HashMap;

use serde_json::Value;

use super::*;

fn parse(e: &str) -> Value {
    serde_json::from_str(e).unwrap_or_else(|err| panic!("{err}: {e}"))
}

fn ratio(events: &[Value], pred: impl Fn(&Value) -> bool) -> f64 {
    events.iter().filter(|e| pred(e)).count() as f64 / events.len() as f64
}

#[test]
fn same_seed_same_output_different_seed_different() {
    for f in Format::ALL {
        let a = events(f, 7, 300);
        assert_eq!(a, events(f, 7, 300), "{f:?}");
        let b = events(f, 8, 300);
        assert_ne!(a, b, "{f:?}");
        // A prefix of a longer run is the shorter run.
        assert_eq!(&events(f, 7, 500)[..300], &a[..], "{f:?}");
        assert_eq!(a.len(), 300);
    }
}

#[test]
fn cloudtrail_events_have_realistic_shapes() {
    let raw = cloudtrail_records(42, 5000);
    let avg = average_len(&raw);
    assert!(
        (1000.0..=1700.0).contains(&avg),
        "average CloudTrail event {avg} B"
    );
    let ev: Vec<Value> = raw.iter().map(|e| parse(e)).collect();
    for e in &ev {
        for k in [
            "eventVersion",
            "userIdentity",
            "eventTime",
            "eventSource",
            "eventName",
            "awsRegion",
            "sourceIPAddress",
            "userAgent",
            "eventID",
            "eventType",
            "recipientAccountId",
        ] {
            assert!(e.get(k).is_some(), "missing {k}: {e}");
        }
        assert!(e["userIdentity"]["type"].is_string());
        assert!(e["eventTime"].as_str().unwrap().ends_with('Z'));
    }
    let mut types: HashMap<String, usize> = HashMap::new();
    for e in &ev {
        *types
            .entry(e["userIdentity"]["type"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    for t in ["IAMUser", "AssumedRole", "AWSService", "Root"] {
        assert!(types.get(t).copied().unwrap_or(0) > 0, "no {t}: {types:?}");
    }
    let assumed = types["AssumedRole"] as f64 / ev.len() as f64;
    assert!(
        (0.4..0.85).contains(&assumed),
        "AssumedRole share {assumed}"
    );
    let errors = ratio(&ev, |e| e.get("errorCode").is_some());
    assert!((0.015..0.045).contains(&errors), "errorCode share {errors}");
    let reads = ratio(&ev, |e| e["readOnly"] == true);
    assert!((0.6..0.9).contains(&reads), "read-only share {reads}");
    let pairs: std::collections::HashSet<_> = ev
        .iter()
        .map(|e| (e["eventSource"].to_string(), e["eventName"].to_string()))
        .collect();
    assert!(pairs.len() >= 40, "only {} API calls", pairs.len());
    let ips: Vec<&str> = ev
        .iter()
        .map(|e| e["sourceIPAddress"].as_str().unwrap())
        .collect();
    let service = ips.iter().filter(|s| s.ends_with(".amazonaws.com")).count();
    let v4: Vec<std::net::Ipv4Addr> = ips.iter().filter_map(|s| s.parse().ok()).collect();
    let private = v4.iter().filter(|a| a.is_private()).count();
    assert!(
        service > 100 && private > 100 && v4.len() - private > 100,
        "{service} {private} {}",
        v4.len()
    );
    assert!(ratio(&ev, |e| e.get("tlsDetails").is_some()) > 0.6);
    assert!(ratio(&ev, |e| e["requestParameters"].is_object()) > 0.7);
    assert!(ratio(&ev, |e| e["responseElements"].is_object()) > 0.05);
    assert!(ratio(&ev, |e| e.get("resources").is_some()) > 0.2);
}

#[test]
fn cloudtrail_s3_file_wraps_the_same_events() {
    let file = cloudtrail_s3_file(3, 50);
    assert!(!file.contains('\n'));
    let v = parse(&file);
    let records = v["Records"].as_array().unwrap();
    assert_eq!(records.len(), 50);
    let singles = cloudtrail_records(3, 50);
    assert!(file.contains(&singles[17]));
    assert_eq!(records[17], parse(&singles[17]));
}

#[test]
fn k8s_audit_events_have_realistic_shapes() {
    let raw = k8s_audit_events(42, 5000);
    let avg = average_len(&raw);
    assert!(
        (1000.0..=2200.0).contains(&avg),
        "average audit event {avg} B"
    );
    let ev: Vec<Value> = raw.iter().map(|e| parse(e)).collect();
    for e in &ev {
        assert_eq!(e["kind"], "Event");
        assert_eq!(e["apiVersion"], "audit.k8s.io/v1");
        for k in [
            "level",
            "auditID",
            "stage",
            "requestURI",
            "verb",
            "user",
            "sourceIPs",
            "userAgent",
            "requestReceivedTimestamp",
            "stageTimestamp",
        ] {
            assert!(e.get(k).is_some(), "missing {k}: {e}");
        }
        assert!(e["user"]["username"].is_string());
    }
    let verbs: std::collections::HashSet<_> =
        ev.iter().map(|e| e["verb"].as_str().unwrap()).collect();
    for v in [
        "get", "list", "watch", "create", "update", "patch", "delete",
    ] {
        assert!(verbs.contains(v), "no {v}");
    }
    let code = |e: &Value| e["responseStatus"]["code"].as_u64().unwrap_or(0);
    assert!(ratio(&ev, |e| code(e) == 403) > 0.005);
    assert!(ratio(&ev, |e| code(e) == 404) > 0.005);
    let rr = ratio(&ev, |e| e["level"] == "RequestResponse");
    assert!((0.1..0.3).contains(&rr), "RequestResponse share {rr}");
    assert!(ratio(&ev, |e| e.get("requestObject").is_some()) > 0.03);
    assert!(ratio(&ev, |e| e.get("responseObject").is_some()) > 0.08);
    assert!(ev.iter().any(|e| e["user"]["username"]
        .as_str()
        .unwrap()
        .starts_with("system:serviceaccount:")));
    assert!(ev.iter().any(|e| e["stage"] == "RequestReceived"));
    assert!(ev
        .iter()
        .any(|e| e["objectRef"]["namespace"].is_string() && e["objectRef"]["name"].is_string()));
}

#[test]
fn k8s_event_list_wraps_the_same_events() {
    let list = parse(&k8s_event_list(5, 40));
    assert_eq!(list["kind"], "EventList");
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 40);
    assert_eq!(items[3], parse(&k8s_audit_events(5, 40)[3]));
}

#[test]
fn vpcflow_lines_have_fourteen_fields() {
    let lines = vpcflow_v2_lines(1, 2000);
    assert_eq!(VPCFLOW_V2_HEADER.split(' ').count(), 14);
    let mut nodata = 0;
    for l in &lines {
        let f: Vec<&str> = l.split(' ').collect();
        assert_eq!(f.len(), 14, "{l}");
        assert_eq!(f[0], "2");
        let start: i64 = f[10].parse().unwrap();
        let end: i64 = f[11].parse().unwrap();
        assert!(end >= start);
        if f[13] == "OK" {
            assert!(
                f[3].parse::<std::net::IpAddr>().is_ok()
                    && f[4].parse::<std::net::IpAddr>().is_ok()
            );
            assert!(matches!(f[12], "ACCEPT" | "REJECT"));
        } else {
            nodata += 1;
            assert_eq!(f[3], "-");
        }
    }
    assert!(nodata > 0);
}

#[test]
fn gcp_and_falco_have_their_keys() {
    let raw = gcp_audit_entries(2, 1000);
    let avg = average_len(&raw);
    assert!((900.0..=2000.0).contains(&avg), "average GCP entry {avg} B");
    for e in raw.iter().map(|e| parse(e)) {
        assert!(e["logName"]
            .as_str()
            .unwrap()
            .contains("cloudaudit.googleapis.com%2F"));
        assert!(e["protoPayload"]["methodName"].is_string());
        assert!(e["protoPayload"]["authenticationInfo"]["principalEmail"].is_string());
        assert!(e["timestamp"].is_string());
    }
    let raw = falco_alerts(2, 1000);
    let avg = average_len(&raw);
    assert!(
        (500.0..=1200.0).contains(&avg),
        "average Falco alert {avg} B"
    );
    for e in raw.iter().map(|e| parse(e)) {
        for k in [
            "time",
            "rule",
            "priority",
            "output",
            "output_fields",
            "tags",
            "hostname",
            "source",
        ] {
            assert!(e.get(k).is_some(), "missing {k}");
        }
        assert!(e["output_fields"]["evt.time"].is_u64());
    }
}

#[test]
fn needles_land_in_exactly_k_events() {
    for f in Format::ALL {
        let plain = events(f, 11, 3000);
        let inj = rare_ip(f, 11, 3000, "203.0.113.77", 5).unwrap();
        assert_eq!(inj.positions.len(), 5);
        let hits: Vec<usize> = (0..3000)
            .filter(|&i| inj.events[i].contains("203.0.113.77"))
            .collect();
        assert_eq!(hits, inj.positions, "{f:?}");
        for (i, (got, want)) in inj.events.iter().zip(&plain).enumerate() {
            if !inj.positions.contains(&i) {
                assert_eq!(got, want, "{f:?}: background event {i} changed");
            }
        }
        assert_eq!(inj, rare_ip(f, 11, 3000, "203.0.113.77", 5).unwrap());
        if f != Format::VpcFlowV2 {
            let inj = rare_user(f, 11, 3000, "needle-user", 3).unwrap();
            let hits: Vec<usize> = (0..3000)
                .filter(|&i| inj.events[i].contains("needle-user"))
                .collect();
            assert_eq!(hits, inj.positions, "{f:?}");
        }
    }
    let inj = rare_ip(Format::CloudTrail, 1, 500, "198.51.100.9", 2).unwrap();
    let e = parse(&inj.events[inj.positions[0]]);
    assert_eq!(e["sourceIPAddress"], "198.51.100.9");
    let inj = rare_user(Format::K8sAudit, 1, 500, "needle@example.com", 1).unwrap();
    assert_eq!(
        parse(&inj.events[inj.positions[0]])["user"]["username"],
        "needle@example.com"
    );
    let inj = rare_user(Format::CloudTrail, 1, 500, "needle", 1).unwrap();
    let e = parse(&inj.events[inj.positions[0]]);
    assert!(
        e["userIdentity"]["userName"] == "needle"
            || e["userIdentity"]["arn"]
                .as_str()
                .unwrap()
                .ends_with("/needle")
    );
}

#[test]
fn needle_errors() {
    assert_eq!(
        rare_ip(Format::CloudTrail, 1, 3, "203.0.113.1", 4),
        Err(NeedleError::TooMany { k: 4, n: 3 })
    );
    assert!(matches!(
        rare_user(Format::VpcFlowV2, 1, 10, "x", 1),
        Err(NeedleError::Unsupported { .. })
    ));
    // "us-east-1" occurs everywhere: refused rather than silently wrong.
    assert!(matches!(
        rare_user(Format::CloudTrail, 1, 100, "us-east-1", 1),
        Err(NeedleError::Collision { .. })
    ));
    assert!(rare_ip(Format::K8sAudit, 1, 10, "", 1).is_err());
}

#[test]
fn ndjson_joins_lines() {
    let s = ndjson(&["a".to_owned(), "b".to_owned()]);
    assert_eq!(s, "a\nb\n");
    assert_eq!(average_len(&[]), 0.0);
}
