//! Generic Sigma categories on vigie datasets: proxy rules (W3C field
//! names) on Zeek HTTP logs, firewall rules on VPC flow logs, DNS rules on
//! Zeek DNS logs, and a configured mapping for a dataset vigie does not
//! know.

use std::path::PathBuf;

use serde_json::json;
use vigie_event::{Event, Timestamp};
use vigie_sigma::logsource::DatasetLogSource;
use vigie_sigma::{load_texts, LoadOptions};

use crate::common::engine;

const PROXY: &str = "title: rclone\nlogsource: {category: proxy}\ndetection:\n  sel:\n    c-useragent|startswith: 'rclone/v'\n    cs-method: GET\n  condition: sel\n";
const FIREWALL: &str = "title: cleartext\nlogsource: {category: firewall}\ndetection:\n  sel: {dst_port: [21, 3306]}\n  allow: {action: [forward, accept]}\n  condition: sel and allow\n";
const DNS: &str = "title: mining pool\nlogsource: {category: dns}\ndetection:\n  sel: {query|endswith: '.minergate.com'}\n  condition: sel\n";

#[test]
fn a_proxy_rule_reads_zeek_http_fields_under_their_w3c_names() {
    let (engine, report) = engine(PROXY);
    assert!(
        report.failed.is_empty() && report.idle.is_empty(),
        "{report:?}"
    );
    let mut out = Vec::new();
    let hit = json!({"uri": "/x", "method": "GET", "user_agent": "rclone/v1.65.0", "host": "a"});
    engine.evaluate_json("zeek.http", &hit, &mut out);
    assert_eq!(out, [0]);
    out.clear();
    let miss = json!({"uri": "/x", "method": "POST", "user_agent": "rclone/v1.65.0"});
    engine.evaluate_json("zeek.http", &miss, &mut out);
    assert!(out.is_empty());
    engine.evaluate_json("zeek.dns", &hit, &mut out);
    assert!(out.is_empty(), "zeek.dns is not a proxy log");
}

fn vpcflow(port: u16, action: &str) -> Event {
    let line = format!("2 123456789012 eni-1 10.0.0.5 10.0.1.9 49152 {port} 6 10 840 1700000000 1700000060 {action} OK");
    let mut e = Event::new(
        "aws.vpcflow",
        Timestamp::from_secs(1_700_000_000).unwrap(),
        line,
    );
    e.fields.set("destination.port", port);
    e.fields.set("aws.vpcflow.action", action);
    e
}

#[test]
fn a_firewall_rule_reads_vpc_flow_ports_and_actions() {
    let (engine, report) = engine(FIREWALL);
    assert!(report.idle.is_empty(), "{report:?}");
    let mut out = Vec::new();
    engine.evaluate(&vpcflow(3306, "ACCEPT"), &mut out);
    assert_eq!(out, [0], "accept is compared case-insensitively");
    out.clear();
    engine.evaluate(&vpcflow(3306, "REJECT"), &mut out);
    engine.evaluate(&vpcflow(443, "ACCEPT"), &mut out);
    assert!(out.is_empty());
}

#[test]
fn a_dns_rule_runs_on_zeek_dns_and_is_not_reported_idle() {
    let (engine, report) = engine(DNS);
    assert!(report.idle.is_empty(), "{report:?}");
    let mut out = Vec::new();
    engine.evaluate_json(
        "zeek.dns",
        &json!({"query": "xmr.pool.minergate.com"}),
        &mut out,
    );
    assert_eq!(out, [0]);
}

#[test]
fn a_configured_mapping_serves_rules_on_a_dataset_vigie_does_not_map() {
    let rule = "title: app admin\nlogsource: {product: myapp, service: audit}\ndetection:\n  sel: {action: grant_admin}\n  condition: sel\n";
    let load = |logsources: Vec<DatasetLogSource>| {
        load_texts(
            [(PathBuf::from("r.yml"), rule.to_owned())],
            &LoadOptions {
                logsources,
                ..LoadOptions::default()
            },
        )
    };
    let event = json!({"action": "grant_admin", "user": "eve"});
    let (plain, report) = load(Vec::new());
    assert_eq!(report.idle.len(), 1, "no dataset provides myapp/audit");
    let mut out = Vec::new();
    plain.evaluate_json("myapp.audit", &event, &mut out);
    assert!(out.is_empty());
    let (mapped, report) = load(vec![DatasetLogSource {
        dataset: "myapp.audit".into(),
        product: Some("myapp".into()),
        service: Some("audit".into()),
        category: None,
    }]);
    assert!(report.idle.is_empty(), "{report:?}");
    mapped.evaluate_json("myapp.audit", &event, &mut out);
    assert_eq!(out, [0]);
}

const WEB_QUERY: &str = "title: traversal\nlogsource: {category: webserver}\ndetection:\n  sel:\n    cs-method: GET\n    cs-uri-query|contains: '../../etc/passwd'\n  condition: sel\n";
const WEB_KEYWORDS: &str = "title: java payload\nlogsource: {category: webserver}\ndetection:\n  keywords: ['${@java', 'getRuntime().exec(']\n  condition: keywords\n";

fn suricata(record: serde_json::Value) -> Event {
    let mut e = Event::new(
        "suricata.eve",
        Timestamp::from_secs(1_700_000_000).unwrap(),
        record.to_string(),
    );
    if let Some(t) = record.get("event_type").and_then(|t| t.as_str()) {
        e.fields.set("suricata.eve.event_type", t);
    }
    e
}

#[test]
fn webserver_rules_read_suricata_http_records_and_zeek_http_logs() {
    let (engine, report) = engine(WEB_QUERY);
    assert!(report.idle.is_empty(), "{report:?}");
    let http = |method: &str, url: &str| {
        suricata(
            json!({"event_type": "http", "src_ip": "203.0.113.9", "dest_ip": "10.0.0.2",
            "http": {"hostname": "shop.example", "url": url, "http_method": method, "status": 404}}),
        )
    };
    let mut out = Vec::new();
    engine.evaluate(&http("GET", "/view?f=../../etc/passwd"), &mut out);
    assert_eq!(out, [0]);
    out.clear();
    engine.evaluate(&http("POST", "/view?f=../../etc/passwd"), &mut out);
    engine.evaluate(&http("GET", "/view?f=report.pdf"), &mut out);
    assert!(out.is_empty(), "{out:?}");
    // The same request target in a DNS record is not a web request.
    let dns = suricata(
        json!({"event_type": "dns", "http": {"url": "/?f=../../etc/passwd", "http_method": "GET"}}),
    );
    engine.evaluate(&dns, &mut out);
    assert!(out.is_empty(), "a dns record is not a webserver log");
    engine.evaluate_json(
        "zeek.http",
        &json!({"method": "GET", "uri": "/a?x=../../etc/passwd"}),
        &mut out,
    );
    assert_eq!(out, [0], "zeek.http is a webserver log too");
}

#[test]
fn webserver_keyword_rules_look_through_the_whole_suricata_record() {
    let (engine, _) = engine(WEB_KEYWORDS);
    let mut out = Vec::new();
    let hit = suricata(json!({"event_type": "http",
        "http": {"url": "/x?q=${@java.lang.Runtime@getRuntime().exec('id')}", "http_method": "GET"}}));
    engine.evaluate(&hit, &mut out);
    assert_eq!(out, [0]);
    out.clear();
    engine.evaluate(
        &suricata(json!({"event_type": "http", "http": {"url": "/index.html"}})),
        &mut out,
    );
    assert!(out.is_empty());
}

#[test]
fn dns_rules_read_suricata_dns_records_in_both_eve_formats() {
    let (engine, report) = engine(DNS);
    assert!(report.idle.is_empty(), "{report:?}");
    let mut out = Vec::new();
    // EVE format 2: one record per query.
    let v2 = json!({"event_type": "dns", "dns": {"type": "query", "rrname": "xmr.pool.minergate.com", "rrtype": "A"}});
    engine.evaluate(&suricata(v2), &mut out);
    assert_eq!(out, [0]);
    out.clear();
    // EVE format 3: queries in an array.
    let v3 = json!({"event_type": "dns", "dns": {"version": 3, "type": "request",
        "queries": [{"rrname": "example.org", "rrtype": "A"}, {"rrname": "a.minergate.com", "rrtype": "A"}]}});
    engine.evaluate(&suricata(v3.clone()), &mut out);
    assert_eq!(out, [0]);
    out.clear();
    engine.evaluate_json("suricata.eve", &v3, &mut out);
    assert_eq!(
        out,
        [0],
        "the event type is read from the record when there is no event"
    );
    out.clear();
    let other = json!({"event_type": "dns", "dns": {"type": "query", "rrname": "example.org"}});
    engine.evaluate(&suricata(other), &mut out);
    assert!(out.is_empty());
}
