//! VPC Flow Logs fixture tests: Elastic's v5 all-fields sample compared
//! field by field with its expected ECS document, and the same line read
//! through header lines of different column orders.

use serde_json::Value;

use crate::common::{
    assert_ecs_fields, expected_docs, field, flatten, normalize_bytes, normalize_clean, read,
};

const DATASET: &str = "aws.vpcflow";
const V5: &str = "elastic/aws/vpcflow/test-v5-all-fields.log";

const COMPARED: &[&str] = &[
    "@timestamp",
    "event.original",
    "event.category",
    "event.kind",
    "event.outcome",
    "event.start",
    "event.end",
    "aws.vpcflow.account_id",
    "aws.vpcflow.action",
    "aws.vpcflow.instance_id",
    "aws.vpcflow.interface_id",
    "aws.vpcflow.log_status",
    "aws.vpcflow.pkt_dst_service",
    "aws.vpcflow.pkt_dstaddr",
    "aws.vpcflow.pkt_src_service",
    "aws.vpcflow.pkt_srcaddr",
    "aws.vpcflow.subnet_id",
    "aws.vpcflow.sublocation.type",
    "aws.vpcflow.sublocation.id",
    "aws.vpcflow.tcp_flags",
    "aws.vpcflow.tcp_flags_array",
    "aws.vpcflow.traffic_path",
    "aws.vpcflow.type",
    "aws.vpcflow.version",
    "aws.vpcflow.vpc_id",
    "cloud.account.id",
    "cloud.availability_zone",
    "cloud.instance.id",
    "cloud.provider",
    "cloud.region",
    "destination.address",
    "destination.ip",
    "destination.port",
    "network.bytes",
    "network.direction",
    "network.iana_number",
    "network.packets",
    "network.transport",
    "network.type",
    "related.ip",
    "source.address",
    "source.bytes",
    "source.ip",
    "source.packets",
    "source.port",
    "network.community_id",
];

/// Elastic fields not compared: GeoIP/ASN enrichment, pipeline metadata, and `event.type` (checked
/// separately: vigie adds `allowed`/`denied` to Elastic's `connection`).
fn not_compared(f: &str) -> bool {
    [
        "source.geo.",
        "source.as.",
        "destination.geo.",
        "destination.as.",
        "ecs.",
        "tags",
    ]
    .iter()
    .any(|p| f.starts_with(p))
        || f == "event.type"
}

fn check_v5(label: &str, ev: &vigie_event::Event, exp: &Value) {
    assert_ecs_fields(label, exp, ev, COMPARED, &[]);
    for f in flatten(exp).keys() {
        assert!(
            COMPARED.contains(&f.as_str()) || not_compared(f),
            "{label}: Elastic field {f} is neither compared nor listed as not mapped"
        );
    }
    // Elastic's event.type is `connection`; vigie adds the verdict.
    let types = field(ev, "event.type").unwrap();
    for t in exp["event"]["type"].as_array().unwrap() {
        assert!(
            types.as_array().unwrap().contains(t),
            "{label}: {t} missing from {types}"
        );
    }
    let verdict = if exp["event"]["outcome"] == "failure" {
        "denied"
    } else {
        "allowed"
    };
    assert!(
        types.as_array().unwrap().contains(&Value::from(verdict)),
        "{label}"
    );
    // The fields ECS has a place for are also kept under aws.vpcflow.*.
    let line = exp["event"]["original"].as_str().unwrap();
    let tokens: Vec<&str> = line.split(' ').collect();
    assert_eq!(
        field(ev, "aws.vpcflow.region"),
        Some(Value::from(tokens[21]))
    );
    assert_eq!(
        field(ev, "aws.vpcflow.az_id"),
        Some(Value::from(tokens[22]))
    );
    assert_eq!(
        field(ev, "aws.vpcflow.flow_direction"),
        Some(Value::from(tokens[27]))
    );
}

#[test]
fn v5_all_fields_matches_elastic_expected_document() {
    let expected = expected_docs(&format!("{V5}-expected.json"));
    for dataset in [Some(DATASET), None] {
        let events = normalize_clean(dataset, V5);
        assert_eq!(events.len(), expected.len());
        for (i, (ev, exp)) in events.iter().zip(&expected).enumerate() {
            assert_eq!(ev.dataset(), DATASET);
            check_v5(&format!("{V5} #{i}"), ev, exp);
        }
    }
}

/// The v5 field names in AWS's order (the order of the headerless sample).
const V5_FIELDS: [&str; 29] = [
    "version",
    "account-id",
    "interface-id",
    "srcaddr",
    "dstaddr",
    "srcport",
    "dstport",
    "protocol",
    "packets",
    "bytes",
    "start",
    "end",
    "action",
    "log-status",
    "vpc-id",
    "subnet-id",
    "instance-id",
    "tcp-flags",
    "type",
    "pkt-srcaddr",
    "pkt-dstaddr",
    "region",
    "az-id",
    "sublocation-type",
    "sublocation-id",
    "pkt-src-aws-service",
    "pkt-dst-aws-service",
    "flow-direction",
    "traffic-path",
];

#[test]
fn a_header_line_sets_the_column_order() {
    let raw = String::from_utf8(read(V5)).unwrap();
    let line = raw.lines().next().unwrap();
    let values: Vec<&str> = line.split(' ').collect();
    let expected = &expected_docs(&format!("{V5}-expected.json"))[0];

    // Same order, announced by a header (as in an S3 log file).
    let payload = format!("{}\n{line}\n", V5_FIELDS.join(" "));
    let out = normalize_bytes(None, payload.as_bytes());
    assert!(out.rejected.is_empty(), "{:?}", out.rejected);
    assert_eq!((out.skipped, out.events.len()), (1, 1));
    check_v5("header, same order", &out.events[0], expected);

    // Reversed columns: the header alone tells which value is which.
    let header: Vec<&str> = V5_FIELDS.iter().rev().copied().collect();
    let reversed: Vec<&str> = values.iter().rev().copied().collect();
    let reversed_line = reversed.join(" ");
    let payload = format!("{}\n{reversed_line}\n", header.join(" "));
    let out = normalize_bytes(Some(DATASET), payload.as_bytes());
    assert!(out.rejected.is_empty(), "{:?}", out.rejected);
    let ev = &out.events[0];
    assert_eq!(ev.original, reversed_line);
    let mut exp = expected.clone();
    exp["event"]["original"] = Value::from(reversed_line.as_str());
    assert_ecs_fields("header, reversed order", &exp, ev, COMPARED, &[]);
}

#[test]
fn nodata_and_skipdata_records_are_kept() {
    let raw = String::from_utf8(read(V5)).unwrap();
    let mut values: Vec<&str> = raw.lines().next().unwrap().split(' ').collect();
    for i in [3, 4, 5, 6, 7, 8, 9, 12] {
        values[i] = "-";
    }
    for status in ["NODATA", "SKIPDATA"] {
        values[13] = status;
        let line = values.join(" ");
        let out = normalize_bytes(None, line.as_bytes());
        assert!(out.rejected.is_empty(), "{:?}", out.rejected);
        let ev = &out.events[0];
        assert_eq!(field(ev, "event.outcome"), Some(Value::from("unknown")));
        assert_eq!(
            field(ev, "aws.vpcflow.log_status"),
            Some(Value::from(status))
        );
        for absent in ["source.ip", "destination.ip", "related.ip", "network.bytes"] {
            assert_eq!(field(ev, absent), None, "{status}: {absent}");
        }
    }
}
