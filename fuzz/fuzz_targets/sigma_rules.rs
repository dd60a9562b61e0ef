//! Fuzz target: arbitrary bytes (as lossy UTF-8) loaded as one Sigma rule
//! file, then the engine evaluated on a CloudTrail-like event and a Windows
//! evtx event. Loading and evaluating never panic; every failure has a
//! reason; every document is either loaded or failed, and the only failure
//! that is not a document is a YAML syntax error of the whole file.

#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};
use vigie_sigma::LoadOptions;

fn events() -> &'static (Value, Value) {
    static EVENTS: OnceLock<(Value, Value)> = OnceLock::new();
    EVENTS.get_or_init(|| {
        let cloudtrail = json!({
            "eventVersion": "1.08",
            "eventTime": "2024-05-01T12:00:00Z",
            "eventSource": "iam.amazonaws.com",
            "eventName": "CreateAccessKey",
            "awsRegion": "us-east-1",
            "sourceIPAddress": "203.0.113.7",
            "userAgent": "aws-cli/2.15.0",
            "userIdentity": {
                "type": "IAMUser",
                "userName": "alice",
                "arn": "arn:aws:iam::123456789012:user/alice"
            },
            "requestParameters": {"userName": "bob"},
            "responseElements": null,
            "errorCode": "AccessDenied",
            "readOnly": false,
            "eventCount": 3
        });
        let windows = json!({
            "Event_attributes": {"xmlns": "http://schemas.microsoft.com/win/2004/08/events/event"},
            "Event": {
                "System": {
                    "Provider_attributes": {
                        "Name": "Microsoft-Windows-Sysmon",
                        "Guid": "{5770385f-c22a-43e0-bf4c-06f5698ffbd9}"
                    },
                    "EventID": 1,
                    "Level": 4,
                    "Keywords": "0x8000000000000000",
                    "TimeCreated_attributes": {"SystemTime": "2024-05-01T12:00:00.123456Z"},
                    "EventRecordID": 42,
                    "Execution_attributes": {"ProcessID": 2112, "ThreadID": 3004},
                    "Channel": "Microsoft-Windows-Sysmon/Operational",
                    "Computer": "WS01.corp.example",
                    "Security_attributes": {"UserID": "S-1-5-18"}
                },
                "EventData": {
                    "Image": "C:\\Windows\\System32\\cmd.exe",
                    "CommandLine": "cmd.exe /c whoami /all",
                    "ParentImage": "C:\\Windows\\explorer.exe",
                    "User": "CORP\\alice",
                    "ProcessId": 4242,
                    "Hashes": "SHA256=00FF"
                }
            }
        });
        (cloudtrail, windows)
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let syntax_error = vigie_sigma::yaml::parse_stream(&text).is_err();
    let (engine, report) = vigie_sigma::load_texts(
        [(PathBuf::from("fuzz.yml"), text)],
        &LoadOptions::default(),
    );
    for f in &report.failed {
        assert!(!f.reason.trim().is_empty(), "failure without a reason: {f:?}");
    }
    assert_eq!(
        report.loaded() + report.failed.len(),
        report.documents + usize::from(syntax_error),
        "documents neither loaded nor failed (or failed twice): {report:?}"
    );
    assert!(
        report.rules >= engine.rules().len(),
        "more compiled rules than rules: {report:?}"
    );

    let (cloudtrail, windows) = events();
    let mut out = Vec::new();
    engine.evaluate_json("aws.cloudtrail", cloudtrail, &mut out);
    engine.evaluate_json("windows.evtx", windows, &mut out);
    engine.evaluate_windows(windows, &mut out);
    for i in &out {
        assert!((*i as usize) < engine.rules().len(), "match of rule {i} out of range");
    }
});
