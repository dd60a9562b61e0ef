//! `wazuh.alerts` against the alert samples of Wazuh's integration tests,
//! checked field by field against their raw values.

use serde_json::{json, Value};
use vigie_normalize::Timestamp;

use crate::common::{field, normalize_bytes, read};

const DATASET: &str = "wazuh.alerts";

#[test]
fn integration_test_alert_samples() {
    let rel = "wazuh/alerts_json/alerts_from_integration_tests.jsonl";
    let text = String::from_utf8(read(rel)).unwrap();
    let mut n = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        // Each line wraps one alert sample with the test file it came from.
        let wrapper: Value = serde_json::from_str(line).unwrap();
        let alert = &wrapper["alert"];
        let raw = alert.to_string();
        let out = normalize_bytes(None, raw.as_bytes());
        assert!(out.rejected.is_empty(), "{:?}", out.rejected);
        assert_eq!(out.events.len(), 1);
        let e = &out.events[0];
        assert_eq!(e.dataset(), DATASET);
        assert_eq!(e.original, raw);
        let ts = Timestamp::parse_rfc3339(alert["timestamp"].as_str().unwrap()).unwrap();
        assert_eq!(e.timestamp, ts);
        let rule = &alert["rule"];
        assert_eq!(field(e, "rule.id").as_ref(), rule.get("id"));
        assert_eq!(field(e, "rule.name").as_ref(), rule.get("description"));
        assert_eq!(field(e, "event.severity").as_ref(), rule.get("level"));
        assert_eq!(field(e, "wazuh.rule.groups").as_ref(), rule.get("groups"));
        assert_eq!(
            field(e, "threat.technique.id").as_ref(),
            rule["mitre"].get("id")
        );
        assert_eq!(
            field(e, "threat.tactic.name").as_ref(),
            rule["mitre"].get("tactic")
        );
        assert_eq!(
            field(e, "threat.technique.name").as_ref(),
            rule["mitre"].get("technique")
        );
        assert_eq!(field(e, "wazuh.rule.pci_dss").as_ref(), rule.get("pci_dss"));
        assert_eq!(field(e, "host.name").as_ref(), alert["agent"].get("name"));
        assert_eq!(field(e, "host.ip").as_ref(), alert["agent"].get("ip"));
        assert_eq!(
            field(e, "wazuh.agent.id").as_ref(),
            alert["agent"].get("id")
        );
        assert_eq!(
            field(e, "wazuh.manager.name").as_ref(),
            alert["manager"].get("name")
        );
        assert_eq!(field(e, "event.id").as_ref(), alert.get("id"));
        assert_eq!(
            field(e, "wazuh.decoder.name").as_ref(),
            alert["decoder"].get("name")
        );
        assert_eq!(
            field(e, "wazuh.decoder.parent").as_ref(),
            alert["decoder"].get("parent")
        );
        let data = &alert["data"];
        assert_eq!(field(e, "source.ip").as_ref(), data.get("srcip"));
        assert_eq!(
            field(e, "source.port"),
            data["srcport"]
                .as_str()
                .map(|p| json!(p.parse::<i64>().unwrap()))
        );
        assert_eq!(field(e, "user.name").as_ref(), data.get("srcuser"));
        assert_eq!(field(e, "user.target.name").as_ref(), data.get("dstuser"));
        assert_eq!(field(e, "wazuh.data").as_ref(), Some(data));
        assert_eq!(field(e, "message").as_ref(), alert.get("full_log"));
        assert_eq!(
            field(e, "wazuh.previous_output").as_ref(),
            alert.get("previous_output")
        );
        assert_eq!(field(e, "log.file.path").as_ref(), alert.get("location"));
        assert_eq!(field(e, "event.kind"), Some(json!("alert")));
        // The rule groups say failed authentication.
        assert_eq!(field(e, "event.outcome"), Some(json!("failure")));
        n += 1;
    }
    assert_eq!(n, 3);
}
