//! Unit tests of `windows.evtx`: the record shapes `evtx_dump` writes, the
//! rejects, the sniff, and property tests.

use proptest::prelude::*;
use serde_json::{json, Value};

use super::*;
use crate::formats::test_support::run;

fn one(record: &str) -> Event {
    let r = run(&WindowsEvtx, record);
    assert_eq!(r.result, Ok(()), "{record}");
    assert_eq!(r.events.len(), 1);
    r.events.into_iter().next().unwrap()
}

fn get(e: &Event, k: &str) -> Option<Value> {
    e.fields.get(k).cloned()
}

const SYSMON_1: &str = r##"{"Event_attributes":{"xmlns":"http://schemas.microsoft.com/win/2004/08/events/event"},"Event":{"System":{"Provider_attributes":{"Name":"Microsoft-Windows-Sysmon","Guid":"{5770385f-c22a-43e0-bf4c-06f5698ffbd9}"},"EventID":1,"Version":5,"Level":4,"Task":1,"Opcode":0,"Keywords":"0x8000000000000000","TimeCreated_attributes":{"SystemTime":"2025-11-27T07:40:10.1653240Z"},"EventRecordID":571146,"Correlation":null,"Execution_attributes":{"ProcessID":3544,"ThreadID":4272},"Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"host1","Security_attributes":{"UserID":"S-1-5-18"}},"EventData":{"RuleName":"-","ProcessId":4460,"Image":"C:\\Windows\\System32\\cmd.exe","CommandLine":"cmd.exe /c whoami","User":"CORP\\alice","ParentProcessId":"100","ParentImage":"C:\\Windows\\explorer.exe"}}}"##;

#[test]
fn sysmon_process_create() {
    let e = one(SYSMON_1);
    assert_eq!(e.original, SYSMON_1);
    assert_eq!(e.dataset(), DATASET);
    assert_eq!(
        e.timestamp,
        Timestamp::parse_rfc3339("2025-11-27T07:40:10.165324Z").unwrap()
    );
    assert_eq!(get(&e, "event.code"), Some("1".into()));
    assert_eq!(get(&e, "winlog.event_id"), Some(1.into()));
    assert_eq!(
        get(&e, "event.provider"),
        Some("Microsoft-Windows-Sysmon".into())
    );
    assert_eq!(get(&e, "host.name"), Some("host1".into()));
    assert_eq!(get(&e, "winlog.record_id"), Some(571146.into()));
    assert_eq!(get(&e, "winlog.process.pid"), Some(3544.into()));
    assert_eq!(get(&e, "winlog.process.thread.id"), Some(4272.into()));
    assert_eq!(get(&e, "process.pid"), Some(4460.into()));
    assert_eq!(get(&e, "process.parent.pid"), Some(100.into()));
    assert_eq!(get(&e, "process.name"), Some("cmd.exe".into()));
    assert_eq!(get(&e, "process.parent.name"), Some("explorer.exe".into()));
    assert_eq!(get(&e, "user.name"), Some("alice".into()));
    assert_eq!(get(&e, "user.domain"), Some("CORP".into()));
    assert_eq!(get(&e, "user.id"), None);
    assert_eq!(get(&e, "winlog.user.identifier"), Some("S-1-5-18".into()));
    assert_eq!(get(&e, "event.category"), Some(json!(["process"])));
    assert_eq!(get(&e, "event.type"), Some(json!(["start"])));
    assert_eq!(get(&e, "log.level"), Some("information".into()));
    assert_eq!(get(&e, "winlog.event_data.RuleName"), Some("-".into()));
    assert_eq!(get(&e, "winlog.event_data.ProcessId"), Some("4460".into()));
}

#[test]
fn security_logon_with_qualifiers_and_object_event_id() {
    let rec = r##"{"Event":{"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Security-Auditing"}},"EventID":{"#attributes":{"Qualifiers":0},"#text":4625},"Keywords":"0x8010000000000000","TimeCreated":{"#attributes":{"SystemTime":"2019-03-19T23:34:25.6967346Z"}},"EventRecordID":"42","Channel":"Security","Computer":"dc"},"EventData":{"TargetUserName":"bob","TargetDomainName":"LAB","TargetUserSid":"S-1-0-0","SubjectUserName":"-","IpAddress":"10.0.0.5","IpPort":"4444","ProcessId":"0x1f4"}}}"##;
    let e = one(rec);
    assert_eq!(get(&e, "event.code"), Some("4625".into()));
    assert_eq!(get(&e, "winlog.event_id"), Some(4625.into()));
    assert_eq!(get(&e, "winlog.record_id"), Some(42.into()));
    assert_eq!(get(&e, "event.outcome"), Some("failure".into()));
    assert_eq!(get(&e, "event.action"), Some("logon-failed".into()));
    assert_eq!(get(&e, "user.name"), Some("bob".into()));
    assert_eq!(get(&e, "user.domain"), Some("LAB".into()));
    assert_eq!(get(&e, "user.id"), Some("S-1-0-0".into()));
    assert_eq!(get(&e, "source.ip"), Some("10.0.0.5".into()));
    assert_eq!(get(&e, "source.port"), Some(4444.into()));
    assert_eq!(get(&e, "related.ip"), Some(json!(["10.0.0.5"])));
    assert_eq!(get(&e, "related.user"), Some(json!(["bob"])));
    assert_eq!(get(&e, "process.pid"), Some(500.into()));
}

#[test]
fn unnamed_data_userdata_null_channel_and_dash_ip() {
    let rec = r##"{"Event_attributes":{},"Event":{"System":{"Provider_attributes":{"Name":"MSSQLSERVER"},"EventID_attributes":{"Qualifiers":16384},"EventID":15457,"TimeCreated_attributes":{"SystemTime":"2019-11-04T09:27:26.1430643Z"},"Channel":null,"Computer":"w"},"EventData":{"Data":{"#text":["a","0","1"]},"Source Name":"x","IpAddress":"-"},"UserData":{"Op_attributes":{"xmlns":"u"},"Op":{"SubjectUserName":"CORP\\eve","Count":3}}}}"##;
    let e = one(rec);
    assert_eq!(get(&e, "winlog.channel"), None);
    assert_eq!(get(&e, "winlog.event_data.param1"), Some("a".into()));
    assert_eq!(get(&e, "winlog.event_data.param3"), Some("1".into()));
    assert_eq!(get(&e, "winlog.event_data.Source Name"), Some("x".into()));
    assert_eq!(get(&e, "winlog.user_data.Count"), Some("3".into()));
    assert_eq!(get(&e, "user.name"), Some("eve".into()));
    assert_eq!(get(&e, "source.ip"), None);
    let single = r##"{"Event":{"System":{"EventID":"7","TimeCreated_attributes":{"SystemTime":"2019-11-04T09:27:26Z"}},"EventData":{"Data":{"#text":"only"}}}}"##;
    let e = one(single);
    assert_eq!(get(&e, "winlog.event_data.param1"), Some("only".into()));
    assert_eq!(get(&e, "event.code"), Some("7".into()));
    let no_data = r##"{"Event":{"System":{"TimeCreated_attributes":{"SystemTime":"2019-11-04T09:27:26Z"}},"EventData":null}}"##;
    assert_eq!(get(&one(no_data), "event.kind"), Some("event".into()));
}

#[test]
fn rejects_name_the_field() {
    let cases = [
        (r##"{"Foo":1}"##, "missing required field `Event`"),
        (r##"{"Event":{}}"##, "missing required field `Event.System`"),
        (
            r##"{"Event":{"System":{"EventID":1}}}"##,
            "missing required field `Event.System.TimeCreated_attributes.SystemTime`",
        ),
        (
            r##"{"Event":{"System":{"TimeCreated_attributes":{"SystemTime":"yesterday"}}}}"##,
            "field `Event.System.TimeCreated_attributes.SystemTime`",
        ),
        (r##"[1]"##, "not a windows.evtx record"),
    ];
    for (rec, want) in cases {
        let r = run(&WindowsEvtx, rec);
        let err = r.result.expect_err(rec).to_string();
        assert!(err.contains(want), "{rec}: {err}");
        assert!(r.events.is_empty());
    }
}

#[test]
fn sniff_is_specific() {
    assert!(sniff(SYSMON_1));
    assert!(sniff(r##" { "Event" : {"System":{}}}"##));
    assert!(!sniff(r##"{"EventList":{"System":1}}"##));
    assert!(!sniff(r##"{"Events":{"System":1}}"##));
    assert!(!sniff(r##"{"eventVersion":"1.08","Event":{"System":1}}"##));
    assert!(!sniff(r##"{"Event":"System"}"##));
    assert!(!sniff("<13>Event System"));
    assert!(!sniff(""));
}

proptest! {
    #[test]
    fn mapped_fields_equal_the_generated_values(
        id in 0u16..65535, record_id in any::<u32>(), computer in "\\PC{1,24}",
        channel in "\\PC{1,24}", provider in "\\PC{1,24}", image in "\\PC{1,40}",
        user in "[A-Za-z0-9_.$ ]{1,16}", domain in "[A-Z]{1,8}", ip in any::<std::net::Ipv4Addr>(),
        secs in 0i64..4_000_000_000, frac in 0u32..10_000_000, id_as_text in any::<bool>(),
    ) {
        let ts = Timestamp::from_nanos(secs * 1_000_000_000 + i64::from(frac) * 100);
        let time = format!("{}.{frac:07}Z", &ts.to_rfc3339()[..19]);
        let event_id = if id_as_text { json!(id.to_string()) } else { json!({"#text": id}) };
        let rec = json!({"Event_attributes": {}, "Event": {"System": {
            "Provider_attributes": {"Name": provider}, "EventID": event_id,
            "TimeCreated_attributes": {"SystemTime": time}, "EventRecordID": record_id,
            "Channel": channel, "Computer": computer},
            "EventData": {"Image": image, "SubjectUserName": format!("{domain}\\{user}"),
                          "SourceIp": ip.to_string()}}}).to_string();
        prop_assert!(sniff(&rec));
        let e = one(&rec);
        prop_assert_eq!(&e.original, &rec);
        prop_assert_eq!(e.timestamp, ts);
        prop_assert_eq!(get(&e, "event.code"), Some(id.to_string().into()));
        prop_assert_eq!(get(&e, "winlog.event_id"), Some(i64::from(id).into()));
        prop_assert_eq!(get(&e, "winlog.record_id"), Some(i64::from(record_id).into()));
        prop_assert_eq!(get(&e, "host.name"), Some(computer.into()));
        prop_assert_eq!(get(&e, "winlog.channel"), Some(channel.into()));
        prop_assert_eq!(get(&e, "event.provider"), Some(provider.into()));
        prop_assert_eq!(get(&e, "process.executable"), Some(image.into()));
        prop_assert_eq!(get(&e, "user.name"), Some(user.into()));
        prop_assert_eq!(get(&e, "user.domain"), Some(domain.into()));
        prop_assert_eq!(get(&e, "source.ip"), Some(ip.to_string().into()));
    }

    #[test]
    fn arbitrary_input_never_panics(s in "\\PC{0,200}", prefix in any::<bool>()) {
        let rec = if prefix { format!("{{\"Event\":{{\"System\":{s}") } else { s };
        let _ = sniff(&rec);
        let r = run(&WindowsEvtx, &rec);
        for e in &r.events {
            prop_assert_eq!(&e.original, &rec);
        }
    }

    #[test]
    fn arbitrary_json_values_never_panic(v in arb_json()) {
        let rec = json!({"Event": {"System": v.clone(), "EventData": v.clone(), "UserData": v}}).to_string();
        let r = run(&WindowsEvtx, &rec);
        for e in &r.events {
            prop_assert_eq!(&e.original, &rec);
        }
    }
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::from),
        Just(Value::from("2020-01-01T00:00:00Z")),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(
                prop_oneof![
                    Just("TimeCreated_attributes".to_owned()),
                    Just("SystemTime".to_owned()),
                    Just("EventID".to_owned()),
                    Just("Data".to_owned()),
                    Just("#text".to_owned()),
                    Just("ProcessId".to_owned()),
                    "[A-Za-z]{1,6}",
                ],
                inner,
                0..4
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}
