//! Unit and property tests of the Azure normalizers.

use proptest::prelude::*;
use serde_json::{json, Value};
use vigie_event::Event;

use super::*;

struct Run {
    events: Vec<Event>,
    item_errors: Vec<(usize, NormalizeError)>,
    skipped: bool,
}

fn run(n: &dyn Normalizer, record: &str) -> Result<Run, NormalizeError> {
    let mut events = Vec::new();
    let mut out = RecordOutput::new(&mut events);
    n.normalize(record, &mut StreamState::default(), &mut out)?;
    let item_errors = out.item_errors().to_vec();
    let skipped = out.skipped.is_some();
    Ok(Run {
        events,
        item_errors,
        skipped,
    })
}

fn one(n: &dyn Normalizer, record: &str) -> Event {
    let r = run(n, record).unwrap_or_else(|e| panic!("{e}: {record}"));
    assert!(r.item_errors.is_empty(), "{:?}", r.item_errors);
    assert_eq!(r.events.len(), 1);
    r.events.into_iter().next().unwrap()
}

fn get(ev: &Event, key: &str) -> Option<Value> {
    ev.fields.get(key).cloned()
}

fn activity() -> Value {
    json!({
        "time": "2024-05-06T07:08:09.1234567Z",
        "resourceId": "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/Prod-RG/providers/Microsoft.Compute/virtualMachines/web-01",
        "operationName": "MICROSOFT.COMPUTE/VIRTUALMACHINES/DELETE",
        "category": "Administrative",
        "resultType": "Success",
        "resultSignature": "Succeeded.OK",
        "callerIpAddress": "198.51.100.7",
        "correlationId": "c-1",
        "durationMs": "1500",
        "level": "Information",
        "location": "westeurope",
        "identity": {
            "authorization": {"action": "Microsoft.Compute/virtualMachines/delete", "evidence": {"principalId": "p-1", "roleAssignmentId": "ra-1"}},
            "claims": {
                "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn": "jane@contoso.example",
                "name": "Jane Doe",
                "http://schemas.microsoft.com/identity/claims/objectidentifier": "oid-1",
                "appid": "app-1"
            }
        },
        "properties": {"statusCode": "OK", "requestbody": "{\"a\":1}", "responseBody": {"b": [2]}}
    })
}

fn signin() -> Value {
    json!({
        "time": "2024-05-06T07:08:09Z",
        "resourceId": "/tenants/tttt/providers/Microsoft.aadiam",
        "operationName": "Sign-in activity",
        "category": "SignInLogs",
        "resultType": "0",
        "callerIpAddress": "203.0.113.9",
        "identity": "Jane Doe",
        "Level": 4,
        "location": "FR",
        "properties": {
            "id": "s-1",
            "userPrincipalName": "Jane Doe@contoso.example",
            "userId": "u-1",
            "userDisplayName": "Jane Doe",
            "ipAddress": "203.0.113.9",
            "appDisplayName": "Azure Portal",
            "conditionalAccessStatus": "success",
            "riskLevelDuringSignIn": "none",
            "processingTimeInMilliseconds": 12,
            "createdDateTime": "2024-05-06T02:08:09.1234567-05:00",
            "status": {"errorCode": 0},
            "deviceDetail": {"operatingSystem": "Windows 10", "deviceId": ""},
            "location": {"city": "Paris", "countryOrRegion": "FR", "geoCoordinates": {"latitude": 48.8, "longitude": 2.3}},
            "authenticationDetails": [{"authenticationMethod": "Password", "succeeded": true}]
        }
    })
}

fn audit() -> Value {
    json!({
        "time": "2024-05-06T07:08:09Z",
        "resourceId": "/tenants/tttt/providers/Microsoft.aadiam",
        "operationName": "Add member to role",
        "category": "AuditLogs",
        "identity": "MS-PIM",
        "properties": {
            "id": "Directory_1",
            "activityDisplayName": "Add member to role",
            "activityDateTime": "2024-05-06T07:08:09.5+00:00",
            "category": "RoleManagement",
            "result": "success",
            "resultReason": "",
            "loggedByService": "Core Directory",
            "operationType": "Assign",
            "initiatedBy": {"user": {"id": "u-9", "userPrincipalName": "admin@contoso.example", "ipAddress": "192.0.2.4"}},
            "targetResources": [{"id": "u-7", "type": "User", "userPrincipalName": "bob@contoso.example"}],
            "additionalDetails": [{"key": "User-Agent", "value": "Mozilla/5.0"}]
        }
    })
}

#[test]
fn activity_record_fields() {
    let text = activity().to_string();
    let ev = one(&AzureActivity, &text);
    assert_eq!(ev.original, text);
    assert_eq!(ev.dataset(), "azure.activitylogs");
    assert_eq!(ev.timestamp.to_rfc3339(), "2024-05-06T07:08:09.123456700Z");
    assert_eq!(
        get(&ev, "event.action"),
        Some(json!("MICROSOFT.COMPUTE/VIRTUALMACHINES/DELETE"))
    );
    assert_eq!(get(&ev, "event.outcome"), Some(json!("success")));
    assert_eq!(get(&ev, "cloud.provider"), Some(json!("azure")));
    assert_eq!(
        get(&ev, "cloud.account.id"),
        Some(json!("11111111-2222-3333-4444-555555555555"))
    );
    assert_eq!(get(&ev, "azure.resource.group"), Some(json!("Prod-RG")));
    assert_eq!(
        get(&ev, "azure.resource.provider"),
        Some(json!("Microsoft.Compute"))
    );
    assert_eq!(get(&ev, "azure.resource.name"), Some(json!("web-01")));
    assert_eq!(get(&ev, "source.ip"), Some(json!("198.51.100.7")));
    assert_eq!(get(&ev, "user.name"), Some(json!("jane@contoso.example")));
    assert_eq!(get(&ev, "user.email"), Some(json!("jane@contoso.example")));
    assert_eq!(get(&ev, "user.full_name"), Some(json!("Jane Doe")));
    assert_eq!(get(&ev, "user.id"), Some(json!("oid-1")));
    assert_eq!(get(&ev, "event.duration"), Some(json!(1_500_000_000i64)));
    assert_eq!(get(&ev, "log.level"), Some(json!("Information")));
    assert_eq!(get(&ev, "cloud.region"), Some(json!("westeurope")));
    assert_eq!(get(&ev, "event.category"), Some(json!(["configuration"])));
    assert_eq!(get(&ev, "event.type"), Some(json!(["deletion"])));
    assert_eq!(
        get(
            &ev,
            "azure.activitylogs.identity.authorization.evidence.principal_id"
        ),
        Some(json!("p-1"))
    );
    assert_eq!(
        get(&ev, "azure.activitylogs.properties.status_code"),
        Some(json!("OK"))
    );
    assert_eq!(
        get(&ev, "azure.activitylogs.properties.request_body"),
        Some(json!("{\"a\":1}"))
    );
    assert_eq!(
        get(&ev, "azure.activitylogs.properties.response_body"),
        Some(json!("{\"b\": [2]}".replace(' ', "")))
    );
}

#[test]
fn activity_outcomes_and_string_identity() {
    for (result, outcome) in [
        ("Start", Some("unknown")),
        ("Failed", Some("failure")),
        ("Accept", Some("success")),
        ("Updated", None),
    ] {
        let mut a = activity();
        a["resultType"] = json!(result);
        a["identity"] = json!("someone");
        let ev = one(&AzureActivity, &a.to_string());
        assert_eq!(
            get(&ev, "event.outcome"),
            outcome.map(Value::from),
            "{result}"
        );
        assert_eq!(
            get(&ev, "azure.activitylogs.identity_name"),
            Some(json!("someone"))
        );
        assert!(get(&ev, "user.name").is_none());
    }
    let mut a = activity();
    a["identity"]["claims"] = json!({"appid": "app-9"});
    let ev = one(&AzureActivity, &a.to_string());
    assert_eq!(get(&ev, "user.name"), Some(json!("app-9")));
}

#[test]
fn wrapper_items_dispatch_by_category() {
    let items = [
        activity().to_string(),
        signin().to_string(),
        audit().to_string(),
        json!({"time": "2024-05-06T07:08:09Z", "category": "kube-audit", "operationName": "x", "resourceId": "/x",
               "properties": {"log": "{}"}})
        .to_string(),
        "42".to_owned(),
        json!({"category": "Administrative", "operationName": "x"}).to_string(),
    ];
    let record = format!("{{\"records\": [\n{}\n]}}", items.join(",\n  "));
    assert!(AzureActivity.sniff(&record));
    assert!(!EntraSignIn.sniff(&record) && !EntraAudit.sniff(&record));
    let r = run(&AzureActivity, &record).unwrap();
    let by_set: Vec<(&str, &str)> = r
        .events
        .iter()
        .map(|e| (e.dataset(), e.original.as_str()))
        .collect();
    assert_eq!(by_set[0], ("azure.activitylogs", items[0].as_str()));
    assert_eq!(by_set[1], ("azure.signinlogs", items[1].as_str()));
    assert_eq!(by_set[2], ("azure.auditlogs", items[2].as_str()));
    // The AKS item goes to the Kubernetes audit normalizer: its event or its rejection.
    let kube_ok = r.events.iter().any(|e| e.original == items[3]);
    let rejected: Vec<usize> = r.item_errors.iter().map(|(i, _)| *i).collect();
    assert_eq!(kube_ok, !rejected.contains(&3));
    assert!(rejected.contains(&4) && rejected.contains(&5));
    let missing_time = &r.item_errors.iter().find(|(i, _)| *i == 5).unwrap().1;
    assert_eq!(missing_time.to_string(), "missing required field `time`");
}

#[test]
fn empty_wrappers_are_skipped() {
    let r = run(&AzureActivity, r#"{"records":[]}"#).unwrap();
    assert!(r.skipped && r.events.is_empty());
}

#[test]
fn signin_fields() {
    let text = signin().to_string();
    assert!(EntraSignIn.sniff(&text));
    let ev = one(&EntraSignIn, &text);
    assert_eq!(ev.dataset(), "azure.signinlogs");
    assert_eq!(get(&ev, "event.outcome"), Some(json!("success")));
    assert_eq!(get(&ev, "event.category"), Some(json!(["authentication"])));
    assert_eq!(
        get(&ev, "user.name"),
        Some(json!("Jane Doe@contoso.example"))
    );
    assert_eq!(get(&ev, "user.domain"), Some(json!("contoso.example")));
    assert_eq!(get(&ev, "user.id"), Some(json!("u-1")));
    assert_eq!(get(&ev, "event.id"), Some(json!("s-1")));
    assert_eq!(get(&ev, "source.ip"), Some(json!("203.0.113.9")));
    assert_eq!(get(&ev, "source.geo.city_name"), Some(json!("Paris")));
    assert_eq!(
        get(&ev, "source.geo.location"),
        Some(json!({"lat": 48.8, "lon": 2.3}))
    );
    assert_eq!(get(&ev, "log.level"), Some(json!("4")));
    assert_eq!(
        get(&ev, "azure.signinlogs.identity"),
        Some(json!("Jane Doe"))
    );
    assert_eq!(
        get(&ev, "azure.signinlogs.properties.app_display_name"),
        Some(json!("Azure Portal"))
    );
    assert_eq!(
        get(&ev, "azure.signinlogs.properties.risk_level_during_signin"),
        Some(json!("none"))
    );
    assert_eq!(
        get(&ev, "azure.signinlogs.properties.processing_time_ms"),
        Some(json!(12))
    );
    assert_eq!(
        get(
            &ev,
            "azure.signinlogs.properties.device_detail.operating_system"
        ),
        Some(json!("Windows 10"))
    );
    assert!(get(&ev, "azure.signinlogs.properties.device_detail.device_id").is_none());
    assert_eq!(
        get(&ev, "azure.signinlogs.properties.authentication_details"),
        Some(json!([{"authentication_method": "Password", "succeeded": true}]))
    );
}

#[test]
fn signin_outcome_and_time_fallbacks() {
    let mut s = signin();
    s["properties"]["status"] = json!({"errorCode": 50126, "failureReason": "Invalid password"});
    let ev = one(&EntraSignIn, &s.to_string());
    assert_eq!(get(&ev, "event.outcome"), Some(json!("failure")));
    assert_eq!(get(&ev, "message"), Some(json!("Invalid password")));
    assert_eq!(get(&ev, "error.code"), Some(json!("50126")));
    let mut s = signin();
    s["properties"]["status"] = json!({});
    s["resultType"] = json!("50140");
    assert_eq!(
        get(&one(&EntraSignIn, &s.to_string()), "event.outcome"),
        Some(json!("failure"))
    );
    s["resultType"] = Value::Null;
    assert_eq!(
        get(&one(&EntraSignIn, &s.to_string()), "event.outcome"),
        Some(json!("unknown"))
    );
    let mut s = signin();
    s.as_object_mut().unwrap().remove("time");
    let ev = one(&EntraSignIn, &s.to_string());
    assert_eq!(ev.timestamp.to_rfc3339(), "2024-05-06T07:08:09.123456700Z");
    s["properties"]["createdDateTime"] = json!("not a time");
    let err = run(&EntraSignIn, &s.to_string()).err().unwrap();
    assert!(
        err.to_string().contains("properties.createdDateTime"),
        "{err}"
    );
}

#[test]
fn audit_fields() {
    let text = audit().to_string();
    assert!(EntraAudit.sniff(&text) && !EntraSignIn.sniff(&text));
    let ev = one(&EntraAudit, &text);
    assert_eq!(ev.dataset(), "azure.auditlogs");
    assert_eq!(get(&ev, "event.action"), Some(json!("Add member to role")));
    assert_eq!(get(&ev, "event.outcome"), Some(json!("success")));
    assert_eq!(get(&ev, "user.name"), Some(json!("admin@contoso.example")));
    assert_eq!(get(&ev, "user.id"), Some(json!("u-9")));
    assert_eq!(get(&ev, "source.ip"), Some(json!("192.0.2.4")));
    assert_eq!(
        get(&ev, "user.target.name"),
        Some(json!("bob@contoso.example"))
    );
    assert_eq!(
        get(&ev, "related.user"),
        Some(json!(["admin@contoso.example", "bob@contoso.example"]))
    );
    assert_eq!(get(&ev, "user_agent.original"), Some(json!("Mozilla/5.0")));
    assert_eq!(get(&ev, "event.category"), Some(json!(["iam"])));
    assert_eq!(get(&ev, "event.type"), Some(json!(["change"])));
    assert_eq!(
        get(&ev, "azure.auditlogs.properties.logged_by_service"),
        Some(json!("Core Directory"))
    );
    assert_eq!(
        get(&ev, "azure.auditlogs.properties.activity_datetime"),
        Some(json!("2024-05-06T07:08:09.5+00:00"))
    );
    let mut a = audit();
    a["properties"]["initiatedBy"] = json!({"app": {"displayName": "Device Registration Service", "servicePrincipalId": "sp-1"}});
    a["properties"]["result"] = json!("failure");
    let ev = one(&EntraAudit, &a.to_string());
    assert_eq!(
        get(&ev, "user.name"),
        Some(json!("Device Registration Service"))
    );
    assert_eq!(get(&ev, "user.id"), Some(json!("sp-1")));
    assert_eq!(get(&ev, "event.outcome"), Some(json!("failure")));
}

#[test]
fn log_analytics_audit_rows() {
    let row = json!({
        "TenantId": "tttt", "TimeGenerated": "2024-05-06T07:08:09.5Z", "OperationName": "Update user",
        "Category": "UserManagement", "Result": "success", "AADOperationType": "Update", "Id": "Directory_2",
        "InitiatedBy": "{\"user\":{\"id\":\"u-1\",\"userPrincipalName\":\"admin@contoso.example\",\"ipAddress\":null}}",
        "TargetResources": "[{\"id\":\"u-2\",\"type\":\"User\",\"userPrincipalName\":\"eve@contoso.example\"}]",
        "ActivityDisplayName": "Update user", "LoggedByService": "Core Directory", "Level": "4"
    })
    .to_string();
    assert!(EntraAudit.sniff(&row));
    for n in [&EntraAudit as &dyn Normalizer, &AzureActivity] {
        let ev = one(n, &row);
        assert_eq!(ev.original, row);
        assert_eq!(ev.dataset(), "azure.auditlogs");
        assert_eq!(ev.timestamp.to_rfc3339(), "2024-05-06T07:08:09.500Z");
        assert_eq!(get(&ev, "user.name"), Some(json!("admin@contoso.example")));
        assert_eq!(
            get(&ev, "user.target.name"),
            Some(json!("eve@contoso.example"))
        );
        assert_eq!(get(&ev, "event.type"), Some(json!(["change", "user"])));
        assert_eq!(get(&ev, "azure.tenant_id"), Some(json!("tttt")));
        assert_eq!(
            get(&ev, "azure.auditlogs.source_schema"),
            Some(json!("log_analytics"))
        );
    }
}

#[test]
fn sniffs() {
    let a = activity().to_string();
    assert!(AzureActivity.sniff(&a) && !EntraSignIn.sniff(&a) && !EntraAudit.sniff(&a));
    assert!(!AzureActivity.sniff(r#"{"Records":[{"eventSource":"s3.amazonaws.com"}]}"#));
    assert_eq!(
        category_value(r#"{"category" : "SignInLogs"}"#),
        Some("SignInLogs")
    );
    assert_eq!(category_value(r#"{"category":5}"#), None);
}

fn arb_kind() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        Just("Administrative"),
        Just("Policy"),
        Just("SignInLogs"),
        Just("NonInteractiveUserSignInLogs"),
        Just("ServicePrincipalSignInLogs"),
        Just("AuditLogs"),
    ]
}

proptest! {
    #[test]
    fn wrapper_items_map_their_own_values(
        items in proptest::collection::vec(
            (arb_kind(), "[a-z]{1,8}(@[a-z]{1,6}\\.com)?", "[A-Za-z/. -]{1,30}", any::<[u8; 4]>(), 0i64..4_000_000_000_000_000_000, any::<bool>()),
            1..6,
        ),
    ) {
        let mut texts = Vec::new();
        for (category, user, op, ip, nanos, ok) in &items {
            let ip = std::net::Ipv4Addr::from(*ip).to_string();
            let ts = vigie_event::Timestamp::from_nanos(*nanos).to_rfc3339();
            let rec = match *category {
                "AuditLogs" => json!({"time": ts, "category": category, "operationName": op, "resourceId": "/tenants/t/providers/Microsoft.aadiam",
                    "properties": {"activityDisplayName": op, "result": if *ok {"success"} else {"failure"},
                                   "initiatedBy": {"user": {"userPrincipalName": user, "ipAddress": ip}}}}),
                c if c.ends_with("SignInLogs") => json!({"time": ts, "category": category, "operationName": op, "resourceId": "/tenants/t/providers/Microsoft.aadiam",
                    "properties": {"userPrincipalName": user, "ipAddress": ip, "status": {"errorCode": if *ok {0} else {50126}}}}),
                _ => json!({"time": ts, "category": category, "operationName": op, "resourceId": "/subscriptions/s/resourceGroups/g",
                    "resultType": if *ok {"Success"} else {"Failed"}, "callerIpAddress": ip,
                    "identity": {"claims": {"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn": user}}}),
            };
            texts.push(rec.to_string());
        }
        let record = format!("{{\"records\":[{}]}}", texts.join(","));
        let r = run(&AzureActivity, &record).unwrap();
        prop_assert!(r.item_errors.is_empty(), "{:?}", r.item_errors);
        prop_assert_eq!(r.events.len(), items.len());
        for (ev, ((category, user, op, ip, nanos, ok), text)) in r.events.iter().zip(items.iter().zip(&texts)) {
            let want = match *category {
                "AuditLogs" => "azure.auditlogs",
                c if c.ends_with("SignInLogs") => "azure.signinlogs",
                _ => "azure.activitylogs",
            };
            prop_assert_eq!(ev.dataset(), want);
            prop_assert_eq!(&ev.original, text);
            prop_assert_eq!(ev.timestamp.as_nanos(), *nanos);
            prop_assert_eq!(get(ev, "user.name"), Some(json!(user)));
            prop_assert_eq!(get(ev, "event.action"), Some(json!(op)));
            prop_assert_eq!(get(ev, "source.ip"), Some(json!(std::net::Ipv4Addr::from(*ip).to_string())));
            prop_assert_eq!(get(ev, "event.outcome"), Some(json!(if *ok {"success"} else {"failure"})));
        }
    }

    #[test]
    fn arbitrary_text_never_panics(s in ".{0,200}") {
        for n in [&AzureActivity as &dyn Normalizer, &EntraSignIn, &EntraAudit] {
            let _ = n.sniff(&s);
            if let Ok(r) = run(n, &s) {
                for ev in r.events {
                    prop_assert!(s.contains(&ev.original));
                }
            }
        }
    }

    #[test]
    fn damaged_records_never_panic(which in 0usize..3, cut in 0usize..1500, junk in ".{0,6}", at in 0usize..1500) {
        let text = format!("{{\"records\":[{}]}}", [activity(), signin(), audit()][which]);
        let mut damaged: String = text.chars().take(cut).collect();
        let pos = damaged.char_indices().map(|(i, _)| i).nth(at % (damaged.chars().count() + 1)).unwrap_or(damaged.len());
        damaged.insert_str(pos, &junk);
        if let Ok(r) = run(&AzureActivity, &damaged) {
            for ev in r.events {
                prop_assert!(damaged.contains(&ev.original));
            }
        }
    }
}
