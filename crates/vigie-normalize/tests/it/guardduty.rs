//! GuardDuty fixture tests. Elastic publishes no expected file for this
//! sample here, so each mapped field is checked against the value read from
//! the raw finding itself.

use serde_json::Value;
use vigie_event::Timestamp;

use crate::common::{field, normalize_bytes, normalize_file, read};

const DATASET: &str = "aws.guardduty";
const SAMPLE: &str = "elastic/aws/guardduty/test-guardduty.log";

fn at<'v>(v: &'v Value, path: &[&str]) -> Option<&'v Value> {
    path.iter().try_fold(v, |v, k| v.get(k))
}

fn text(v: &Value, path: &[&str]) -> Option<Value> {
    at(v, path)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(Value::from)
}

fn time(v: &Value, path: &[&str]) -> Option<Value> {
    let t = Timestamp::parse_rfc3339(at(v, path)?.as_str()?).ok()?;
    Some(Value::from(t.to_rfc3339()))
}

/// The `remoteIpDetails` of the finding's action, whatever its type.
fn remote_ip(f: &Value) -> Option<Value> {
    let action = at(f, &["service", "action"])?.as_object()?;
    action
        .values()
        .find_map(|a| text(a, &["remoteIpDetails", "ipAddressV4"]))
}

#[test]
fn sample_findings_map_field_by_field() {
    for dataset in [Some(DATASET), None] {
        let out = normalize_file(dataset, SAMPLE);
        assert!(out.rejected.is_empty(), "{:?}", out.rejected);
        let raw = String::from_utf8(read(SAMPLE)).unwrap();
        let findings: Vec<&str> = raw
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.contains("\"findings\""))
            .collect();
        // The `{"findings":[]}` line is skipped.
        assert_eq!(out.skipped, 1);
        assert_eq!(out.events.len(), findings.len());
        for (ev, line) in out.events.iter().zip(&findings) {
            let f: Value = serde_json::from_str(line).unwrap();
            let id = f["id"].as_str().unwrap().to_owned();
            let check = |name: &str, want: Option<Value>| {
                assert_eq!(field(ev, name), want, "finding {id}: {name}");
            };
            assert_eq!(ev.dataset(), DATASET);
            assert_eq!(ev.original, *line);
            check("@timestamp", time(&f, &["updatedAt"]));
            check("event.created", time(&f, &["createdAt"]));
            check("event.start", time(&f, &["service", "eventFirstSeen"]));
            check("event.end", time(&f, &["service", "eventLastSeen"]));
            check("event.kind", Some(Value::from("alert")));
            check("event.id", text(&f, &["id"]));
            check(
                "event.action",
                text(&f, &["service", "action", "actionType"]),
            );
            check("rule.name", text(&f, &["type"]));
            check("message", text(&f, &["description"]));
            check("aws.guardduty.title", text(&f, &["title"]));
            check("aws.guardduty.arn", text(&f, &["arn"]));
            check("cloud.account.id", text(&f, &["accountId"]));
            check("cloud.region", text(&f, &["region"]));
            check("cloud.provider", Some(Value::from("aws")));
            check(
                "aws.guardduty.resource.type",
                text(&f, &["resource", "resourceType"]),
            );
            let sev = f["severity"].as_f64().unwrap();
            assert_eq!(
                field(ev, "event.severity").and_then(|v| v.as_f64()),
                Some(sev),
                "{id}"
            );
            let label = if sev < 4.0 {
                "Low"
            } else if sev < 7.0 {
                "Medium"
            } else {
                "High"
            };
            check("aws.guardduty.severity_label", Some(Value::from(label)));
            check("source.ip", remote_ip(&f));
            check(
                "cloud.instance.id",
                text(&f, &["resource", "instanceDetails", "instanceId"]),
            );
            check(
                "cloud.machine.type",
                text(&f, &["resource", "instanceDetails", "instanceType"]),
            );
            check(
                "dns.question.name",
                text(&f, &["service", "action", "dnsRequestAction", "domain"]),
            );
            check(
                "orchestrator.cluster.name",
                text(&f, &["resource", "eksClusterDetails", "name"]),
            );
            let k8s_user = ["resource", "kubernetesDetails", "kubernetesUserDetails"];
            let user = text(&f, &[k8s_user[0], k8s_user[1], k8s_user[2], "username"])
                .or_else(|| text(&f, &["resource", "rdsDbUserDetails", "user"]))
                .or_else(|| text(&f, &["resource", "accessKeyDetails", "userName"]));
            check("user.name", user);
            check(
                "url.original",
                text(
                    &f,
                    &["service", "action", "kubernetesApiCallAction", "requestUri"],
                ),
            );
            check(
                "process.name",
                text(&f, &["service", "runtimeDetails", "process", "name"]),
            );
            check(
                "process.executable",
                text(
                    &f,
                    &["service", "runtimeDetails", "process", "executablePath"],
                ),
            );
            check(
                "aws.guardduty.sample",
                at(&f, &["service", "additionalInfo", "sample"]).cloned(),
            );
        }
    }
}

#[test]
fn eventbridge_and_api_wrappers_of_real_findings() {
    let raw = String::from_utf8(read(SAMPLE)).unwrap();
    let first = raw.lines().next().unwrap();
    let direct = normalize_bytes(Some(DATASET), first.as_bytes());

    let envelope = format!(
        "{{\"version\":\"0\",\"id\":\"e\",\"detail-type\":\"GuardDuty Finding\",\"source\":\"aws.guardduty\",\"account\":\"123412341234\",\"time\":\"2022-11-22T12:22:21Z\",\"region\":\"us-east-1\",\"resources\":[],\"detail\":{first}}}"
    );
    let out = normalize_bytes(None, envelope.as_bytes());
    assert!(out.rejected.is_empty(), "{:?}", out.rejected);
    assert_eq!(out.events[0].original, envelope);
    assert_eq!(out.events[0].fields, direct.events[0].fields);

    let second = raw.lines().nth(1).unwrap();
    let api = format!("{{\"findings\":[{first},\n{second}]}}");
    let out = normalize_bytes(None, api.as_bytes());
    assert!(out.rejected.is_empty(), "{:?}", out.rejected);
    assert_eq!(out.events.len(), 2);
    assert_eq!(out.events[0].original, first);
    assert_eq!(out.events[1].original, second);
}
