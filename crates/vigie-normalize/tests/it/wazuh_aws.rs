//! `wazuh.aws` against Wazuh's AWS rule tests: every S3 server access and
//! Security Hub line normalizes, and the user, source address, time and
//! main fields equal the values read from the raw line by this test.

use serde_json::Value;
use vigie_normalize::{Event, Timestamp};

use crate::common::{self, field, normalize_bytes};

/// The `log N pass = <json>` payloads of a Wazuh rule test file.
fn ini_lines(rel: &str) -> Vec<String> {
    let text = String::from_utf8(common::read(rel)).unwrap();
    text.lines()
        .filter_map(|l| l.split_once(" pass = ").map(|(_, j)| j.trim().to_owned()))
        .collect()
}

/// Normalizes `line` by name and by auto-detection; both must give the
/// same single event, kept verbatim.
fn one_event(line: &str) -> Event {
    let mut events = Vec::new();
    for dataset in [Some("wazuh.aws"), None] {
        let out = normalize_bytes(dataset, line.as_bytes());
        assert!(out.rejected.is_empty(), "{line}: {:?}", out.rejected);
        assert_eq!(out.events.len(), 1, "{line}");
        let ev = out.events.into_iter().next().unwrap();
        assert_eq!(ev.dataset(), "wazuh.aws");
        assert_eq!(ev.original, line);
        events.push(ev);
    }
    events.swap_remove(0)
}

fn s(v: &Value) -> Option<Value> {
    v.as_str()
        .filter(|s| !s.is_empty() && *s != "-")
        .map(|s| Value::String(s.to_owned()))
}

/// `29/Apr/2021:08:47:53 +0000` rewritten as RFC 3339.
fn clf_to_rfc3339(t: &str) -> String {
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (dt, zone) = t.split_once(' ').unwrap();
    let (date, time) = dt.split_once(':').unwrap();
    let d: Vec<&str> = date.split('/').collect();
    let month = months.iter().position(|m| *m == d[1]).unwrap() + 1;
    format!(
        "{}-{month:02}-{}T{time}{}:{}",
        d[2],
        d[0],
        &zone[..3],
        &zone[3..]
    )
}

#[test]
fn wazuh_s3_server_access_lines() {
    let lines = ini_lines("wazuh/ruleset-testing-tests/aws_s3_access.ini");
    assert_eq!(lines.len(), 10);
    let (mut users, mut ips) = (0, 0);
    for line in &lines {
        let raw: Value = serde_json::from_str(line).unwrap();
        let aws = &raw["aws"];
        assert_eq!(aws["source"], "s3_server_access");
        let ev = one_event(line);
        let ts = Timestamp::parse_rfc3339(&clf_to_rfc3339(aws["time"].as_str().unwrap()));
        assert_eq!(ev.timestamp, ts.unwrap(), "{line}");
        assert_eq!(field(&ev, "event.provider"), s(&aws["source"]));
        assert_eq!(field(&ev, "event.action"), s(&aws["operation"]));
        assert_eq!(field(&ev, "source.ip"), s(&aws["remote_ip"]));
        if let Some(ip) = s(&aws["remote_ip"]) {
            ips += 1;
            assert!(field(&ev, "related.ip")
                .unwrap()
                .as_array()
                .unwrap()
                .contains(&ip));
        }
        let requester = aws["requester"].as_str().unwrap();
        assert_eq!(field(&ev, "user.id"), s(&aws["requester"]));
        let user = requester
            .strip_prefix("arn:aws:iam::")
            .and_then(|r| r.split_once(":user/"))
            .map(|(_, path)| Value::String(path.rsplit('/').next().unwrap().to_owned()));
        if user.is_some() {
            users += 1;
        }
        assert_eq!(field(&ev, "user.name"), user, "{line}");
        let status: u64 = aws["http_status"].as_str().unwrap().parse().unwrap();
        assert_eq!(
            field(&ev, "http.response.status_code"),
            Some(Value::from(status))
        );
        assert_eq!(field(&ev, "error.code"), s(&aws["error_code"]));
        let failed = status >= 400 || s(&aws["error_code"]).is_some();
        let outcome = if failed { "failure" } else { "success" };
        assert_eq!(field(&ev, "event.outcome").unwrap(), outcome);
        assert_eq!(field(&ev, "aws.s3.bucket.name"), s(&aws["bucket"]));
        assert_eq!(field(&ev, "aws.s3.object.key"), s(&aws["key"]));
        assert_eq!(field(&ev, "user_agent.original"), s(&aws["user_agent"]));
        assert_eq!(
            field(&ev, "aws.s3access.request_uri"),
            s(&aws["request_uri"])
        );
        assert_eq!(field(&ev, "log.file.path"), s(&aws["log_info"]["log_file"]));
        assert_eq!(field(&ev, "cloud.provider").unwrap(), "aws");
        assert_eq!(field(&ev, "event.module").unwrap(), "aws");
    }
    assert_eq!((users, ips), (5, 7), "IAM users and remote IPs in the file");
}

#[test]
fn wazuh_security_hub_lines() {
    let lines = ini_lines("wazuh/ruleset-testing-tests/aws_security_hub.ini");
    assert_eq!(lines.len(), 25);
    let mut users = 0;
    for line in &lines {
        let raw: Value = serde_json::from_str(line).unwrap();
        let aws = &raw["aws"];
        let f = &aws["finding"];
        assert_eq!(aws["source"], "securityhub");
        let ev = one_event(line);
        let ts = Timestamp::parse_rfc3339(f["UpdatedAt"].as_str().unwrap()).unwrap();
        assert_eq!(ev.timestamp, ts, "{line}");
        assert_eq!(field(&ev, "event.kind").unwrap(), "alert");
        assert_eq!(field(&ev, "event.provider").unwrap(), "securityhub");
        assert_eq!(field(&ev, "message"), s(&f["Title"]));
        assert_eq!(field(&ev, "rule.name"), s(&f["Title"]));
        assert_eq!(field(&ev, "rule.description"), s(&f["Description"]));
        assert_eq!(field(&ev, "event.id"), s(&f["Id"]));
        assert_eq!(field(&ev, "cloud.account.id"), s(&f["AwsAccountId"]));
        assert_eq!(field(&ev, "cloud.region"), s(&f["Region"]));
        assert_eq!(
            field(&ev, "event.severity").as_ref(),
            Some(&f["Severity"]["Normalized"])
        );
        assert_eq!(
            field(&ev, "aws.securityhub_findings.severity.label"),
            s(&f["Severity"]["Label"])
        );
        assert_eq!(
            field(&ev, "aws.securityhub_findings.compliance.status"),
            s(&f["Compliance"]["Status"])
        );
        let resources = f["Resources"].as_array().unwrap();
        let ids: Vec<Value> = resources.iter().map(|r| r["Id"].clone()).collect();
        assert_eq!(
            field(&ev, "aws.securityhub_findings.resources.id"),
            Some(Value::Array(ids))
        );
        let user = resources
            .iter()
            .find(|r| r["Type"] == "AwsIamUser")
            .and_then(|r| r["Id"].as_str())
            .and_then(|id| id.split_once(":user/"))
            .map(|(_, path)| Value::String(path.rsplit('/').next().unwrap().to_owned()));
        if user.is_some() {
            users += 1;
        }
        assert_eq!(field(&ev, "user.name"), user, "{line}");
        let ip = f["Network"]["SourceIpV4"].as_str().map(Value::from);
        assert_eq!(field(&ev, "source.ip"), ip, "{line}");
    }
    assert_eq!(users, 1, "one finding is about an IAM user");
}
