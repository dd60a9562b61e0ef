//! Azure datasets against Elastic's activity and sign-in fixtures, the
//! Log Analytics Entra audit export of OTRF's GoldenSAML dataset, and a
//! diagnostic-settings `records` wrapper that mixes categories.
//!
//! Elastic's sign-in expected file is from 2020 (ECS 1.5): only the fields
//! whose meaning is unchanged are compared; the others are checked against
//! the raw record (see docs/datasets/azure.signinlogs.md).

use serde_json::Value;
use vigie_normalize::{Event, Timestamp};

use crate::common::{
    self, assert_ecs_fields, expected_docs, field, normalize_bytes, normalize_clean,
};

const ACTIVITY: &str = "elastic/azure/activitylogs/test-activitylogs-raw.log";
const IDENTITY: &str = "elastic/azure/activitylogs/test-activitylogs-identity.log";
const SIGNIN: &str = "elastic/azure/signinlogs/test-signinlogs.log";
const AAD_AUDIT: &str = "attack/otrf-security-datasets/compound/GoldenSAMLADFSMailAccess/AADAuditEvents/AADAuditEvents.json";

fn lines(rel: &str) -> Vec<String> {
    String::from_utf8(common::read(rel))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).expect("fixture record is JSON")
}

fn ts(v: &Value) -> Timestamp {
    Timestamp::parse_rfc3339(v.as_str().expect("a time string")).unwrap()
}

fn millis(ev: &Event) -> String {
    let ns = ev.timestamp.as_nanos();
    Timestamp::from_nanos(ns - ns.rem_euclid(1_000_000)).to_rfc3339()
}

fn subscription_of(resource_id: &str) -> Option<String> {
    let segs: Vec<&str> = resource_id.split('/').collect();
    let i = segs
        .iter()
        .position(|s| s.eq_ignore_ascii_case("subscriptions"))?;
    segs.get(i + 1).map(|s| (*s).to_owned())
}

/// The body as a JSON value whether the source wrote an object or a string.
fn body_value(v: &Value) -> Value {
    match v {
        Value::String(s) => json(s),
        other => other.clone(),
    }
}

#[test]
fn activity_logs_raw() {
    let raw = lines(ACTIVITY);
    for dataset in [Some("azure.activitylogs"), None] {
        let events = normalize_clean(dataset, ACTIVITY);
        assert_eq!(events.len(), raw.len());
        for (ev, line) in events.iter().zip(&raw) {
            let src = json(line);
            assert_eq!(ev.dataset(), "azure.activitylogs");
            assert_eq!(&ev.original, line);
            assert_eq!(ev.timestamp, ts(&src["time"]));
            assert_eq!(
                field(ev, "event.action").as_ref(),
                Some(&src["operationName"])
            );
            assert_eq!(
                field(ev, "azure.resource.id").as_ref(),
                Some(&src["resourceId"])
            );
            let sub = subscription_of(src["resourceId"].as_str().unwrap());
            assert_eq!(field(ev, "cloud.account.id"), sub.map(Value::from));
            assert_eq!(
                field(ev, "azure.correlation_id").as_ref(),
                Some(&src["correlationId"])
            );
            assert_eq!(field(ev, "log.level").as_ref(), Some(&src["level"]));
            assert_eq!(
                field(ev, "azure.activitylogs.category").as_ref(),
                Some(&src["category"])
            );
            assert_eq!(field(ev, "cloud.provider").unwrap(), "azure");
            let outcome = match src["resultType"].as_str().unwrap() {
                "Start" => Some("unknown"),
                "Success" | "Succeeded" | "Accept" => Some("success"),
                "Failed" | "Failure" => Some("failure"),
                _ => None,
            };
            assert_eq!(
                field(ev, "event.outcome"),
                outcome.map(Value::from),
                "{line}"
            );
            assert_eq!(field(ev, "source.ip"), src.get("callerIpAddress").cloned());
            if let Some(claims) = src.pointer("/identity/claims") {
                // A service principal: its application id is the actor.
                assert_eq!(field(ev, "user.name").as_ref(), Some(&claims["appid"]));
                assert_eq!(
                    field(
                        ev,
                        "azure.activitylogs.identity.authorization.evidence.role"
                    )
                    .as_ref(),
                    src.pointer("/identity/authorization/evidence/role")
                );
            }
            if let Some(props) = src.get("properties") {
                for (key, name) in [
                    ("requestBody", "request_body"),
                    ("responseBody", "response_body"),
                ] {
                    let got = field(ev, &format!("azure.activitylogs.properties.{name}")).unwrap();
                    assert_eq!(
                        json(got.as_str().unwrap()),
                        body_value(&props[key]),
                        "{key}: {line}"
                    );
                }
                assert_eq!(
                    field(ev, "azure.activitylogs.properties.event_category").as_ref(),
                    Some(&props["eventCategory"])
                );
            }
        }
        // Lines 2 and 3 differ only in the shape of the bodies: same fields.
        let without = |e: &Event| -> Vec<(String, Value)> {
            e.fields
                .iter()
                .map(|(k, v)| (k.to_owned(), v.clone()))
                .collect()
        };
        assert_eq!(without(&events[1]), without(&events[2]));
    }
}

#[test]
fn signin_record_in_the_activity_folder() {
    let raw = lines(IDENTITY);
    let src = json(&raw[0]);
    let p = &src["properties"];
    // Whether sniffed or forced to activity logs, the category decides.
    for dataset in [Some("azure.activitylogs"), Some("azure.signinlogs"), None] {
        let events = normalize_clean(dataset, IDENTITY);
        assert_eq!(events.len(), 1);
        let ev = &events[0];
        assert_eq!(ev.dataset(), "azure.signinlogs");
        assert_eq!(ev.original, raw[0]);
        assert_eq!(ev.timestamp, ts(&src["time"]));
        // A UPN with a space is kept whole.
        assert_eq!(
            field(ev, "user.name").as_ref(),
            Some(&p["userPrincipalName"])
        );
        assert_eq!(field(ev, "user.id").as_ref(), Some(&p["userId"]));
        assert_eq!(
            field(ev, "user.full_name").as_ref(),
            Some(&p["userDisplayName"])
        );
        assert_eq!(field(ev, "source.ip").as_ref(), Some(&p["ipAddress"]));
        assert_eq!(field(ev, "event.id").as_ref(), Some(&p["id"]));
        assert_eq!(p["status"]["errorCode"], 0);
        assert_eq!(field(ev, "event.outcome").unwrap(), "success");
        assert_eq!(field(ev, "log.level").unwrap(), src["Level"].to_string());
        assert_eq!(
            field(ev, "user_agent.original").as_ref(),
            Some(&p["userAgent"])
        );
        assert_eq!(
            field(ev, "source.as.number").as_ref(),
            Some(&p["autonomousSystemNumber"])
        );
        assert_eq!(
            field(ev, "azure.signinlogs.category").as_ref(),
            Some(&src["category"])
        );
        assert_eq!(
            field(
                ev,
                "azure.signinlogs.properties.applied_conditional_access_policies"
            )
            .and_then(|v| v.as_array().map(Vec::len)),
            p["appliedConditionalAccessPolicies"]
                .as_array()
                .map(Vec::len)
        );
    }
}

#[test]
fn signin_logs_match_the_fields_elastic_still_maps_the_same_way() {
    let raw = lines(SIGNIN);
    let expected = expected_docs(&format!("{SIGNIN}-expected.json"));
    for dataset in [Some("azure.signinlogs"), None] {
        let events = normalize_clean(dataset, SIGNIN);
        assert_eq!(events.len(), expected.len());
        for ((ev, exp), line) in events.iter().zip(&expected).zip(&raw) {
            let src = json(line);
            let p = &src["properties"];
            assert_eq!(&ev.original, line);
            let mut fields = vec![
                "cloud.provider",
                "event.action",
                "event.category",
                "event.type",
                "event.kind",
                "event.outcome",
                "event.duration",
                "log.level",
                "message",
                "user.id",
                "user.full_name",
                "user.domain",
                "azure.tenant_id",
                "azure.correlation_id",
                "azure.resource.id",
                "azure.resource.provider",
                "azure.signinlogs.operation_name",
                "azure.signinlogs.result_type",
                "azure.signinlogs.result_description",
                "azure.signinlogs.operation_version",
                "azure.signinlogs.identity",
                "azure.signinlogs.result_signature",
                "azure.signinlogs.category",
            ];
            let props = [
                "risk_level_aggregated",
                "client_app_used",
                "is_interactive",
                "created_at",
                "app_display_name",
                "risk_level_during_signin",
                "ip_address",
                "device_detail.operating_system",
                "device_detail.browser",
                "risk_detail",
                "risk_state",
                "user_principal_name",
                "token_issuer_type",
                "processing_time_ms",
                "original_request_id",
                "user_id",
                "conditional_access_status",
                "correlation_id",
                "id",
                "user_display_name",
                "app_id",
                "status.error_code",
            ];
            let props: Vec<String> = props
                .iter()
                .map(|p| format!("azure.signinlogs.properties.{p}"))
                .collect();
            fields.extend(props.iter().map(String::as_str));
            // user.name: Elastic cuts the UPN at `@`; vigie keeps it whole.
            if !p["userPrincipalName"].as_str().unwrap().contains('@') {
                fields.push("user.name");
            }
            // source.ip: the 2020 pipeline took callerIpAddress, today's
            // takes properties.ipAddress first, as vigie does.
            if src["callerIpAddress"] == p["ipAddress"] {
                fields.push("source.ip");
            }
            assert_ecs_fields("signinlogs", exp, ev, &fields, &[]);
            assert_eq!(millis(ev), exp["@timestamp"].as_str().unwrap());
            assert_eq!(
                field(ev, "user.name").as_ref(),
                Some(&p["userPrincipalName"])
            );
            assert_eq!(field(ev, "source.ip").as_ref(), Some(&p["ipAddress"]));
            let related = field(ev, "related.ip").unwrap();
            assert!(related
                .as_array()
                .unwrap()
                .contains(&src["callerIpAddress"]));
            // Elastic's top-level geo.* (state put in country_name) is
            // source.geo.* here, with the state as the region.
            assert_eq!(
                field(ev, "source.geo.city_name").as_ref(),
                Some(&exp["geo"]["city_name"])
            );
            assert_eq!(
                field(ev, "source.geo.region_name").as_ref(),
                Some(&exp["geo"]["country_name"])
            );
            assert_eq!(
                field(ev, "source.geo.country_iso_code").as_ref(),
                Some(&exp["geo"]["country_iso_code"])
            );
            assert_eq!(
                field(ev, "source.geo.location").as_ref(),
                Some(&exp["geo"]["location"])
            );
        }
    }
}

#[test]
fn log_analytics_entra_audit_export() {
    let raw = lines(AAD_AUDIT);
    let events = normalize_clean(None, AAD_AUDIT);
    assert_eq!(events.len(), raw.len());
    for (ev, line) in events.iter().zip(&raw) {
        let src = json(line);
        let initiated_by = json(src["InitiatedBy"].as_str().unwrap());
        let targets = json(src["TargetResources"].as_str().unwrap());
        assert_eq!(ev.dataset(), "azure.auditlogs");
        assert_eq!(&ev.original, line);
        assert_eq!(ev.timestamp, ts(&src["TimeGenerated"]));
        assert_eq!(
            field(ev, "event.action").as_ref(),
            Some(&src["ActivityDisplayName"])
        );
        assert_eq!(field(ev, "event.id").as_ref(), Some(&src["Id"]));
        assert_eq!(field(ev, "event.outcome").as_ref(), Some(&src["Result"]));
        assert_eq!(
            field(ev, "user.name").as_ref(),
            Some(&initiated_by["user"]["userPrincipalName"])
        );
        assert_eq!(
            field(ev, "user.id").as_ref(),
            Some(&initiated_by["user"]["id"])
        );
        assert_eq!(
            field(ev, "azure.tenant_id").as_ref(),
            Some(&src["TenantId"])
        );
        assert_eq!(
            field(ev, "azure.correlation_id").as_ref(),
            Some(&src["CorrelationId"])
        );
        assert_eq!(
            field(ev, "azure.resource.id").as_ref(),
            Some(&src["ResourceId"])
        );
        assert_eq!(
            field(ev, "azure.auditlogs.properties.logged_by_service").as_ref(),
            Some(&src["LoggedByService"])
        );
        assert_eq!(
            field(ev, "azure.auditlogs.properties.category").as_ref(),
            Some(&src["Category"])
        );
        assert_eq!(
            field(ev, "azure.auditlogs.properties.target_resources")
                .and_then(|t| t.as_array().map(Vec::len)),
            targets.as_array().map(Vec::len)
        );
        assert_eq!(
            field(ev, "event.category").unwrap(),
            serde_json::json!(["iam"])
        );
    }
}

#[test]
fn records_wrapper_mixing_categories() {
    let activity = lines(ACTIVITY);
    let signin = lines(SIGNIN);
    let identity = lines(IDENTITY);
    let aks = lines("elastic/kubernetes/audit_logs/test-audit.log@0b97ab02")
        .pop()
        .unwrap();
    assert!(aks.contains("\"kube-audit-admin\""));
    let items = [
        activity[0].as_str(),
        signin[0].as_str(),
        identity[0].as_str(),
        aks.as_str(),
        "[1,2]",
        activity[2].as_str(),
    ];
    let payload = format!("{{\"records\": [\n  {}\n]}}\n", items.join(",\n  "));
    for dataset in [Some("azure.activitylogs"), None] {
        let out = normalize_bytes(dataset, payload.as_bytes());
        assert_eq!(out.records, 1);
        let originals: Vec<&str> = out.events.iter().map(|e| e.original.as_str()).collect();
        let datasets: Vec<&str> = out.events.iter().map(|e| e.dataset()).collect();
        let bad: Vec<usize> = out.rejected.iter().filter_map(|r| r.item).collect();
        let not_object = out
            .rejected
            .iter()
            .find(|r| r.item == Some(4))
            .expect("item 4 rejected");
        assert_eq!(
            not_object.error.to_string(),
            "field `records[4]`: not a JSON object"
        );
        assert_eq!(not_object.dataset.as_deref(), Some("azure.activitylogs"));
        // The AKS item is the Kubernetes audit normalizer's: its event, or
        // (while that normalizer rejects it) a rejection of that item only.
        let aks_event = out.events.iter().find(|e| e.original == aks);
        match aks_event {
            Some(e) => {
                assert_eq!(e.dataset(), "kubernetes.audit");
                assert_eq!(bad, [4]);
            }
            None => assert_eq!(bad, [3, 4]),
        }
        let mine: Vec<(&str, &str)> = originals
            .iter()
            .zip(&datasets)
            .filter(|(o, _)| **o != aks)
            .map(|(o, d)| (*o, *d))
            .collect();
        assert_eq!(
            mine,
            [
                (items[0], "azure.activitylogs"),
                (items[1], "azure.signinlogs"),
                (items[2], "azure.signinlogs"),
                (items[5], "azure.activitylogs"),
            ]
        );
        let direct = normalize_clean(Some("azure.signinlogs"), SIGNIN);
        let from_wrapper = out.events.iter().find(|e| e.original == items[1]).unwrap();
        assert_eq!(from_wrapper.fields, direct[0].fields);
        assert_eq!(from_wrapper.timestamp, direct[0].timestamp);
    }
}
