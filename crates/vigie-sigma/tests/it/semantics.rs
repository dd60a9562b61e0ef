//! Semantics of the specification on hand-written rules and events.
//!
//! Each test is a table: one rule (YAML) and events with the expected
//! outcome. The cases follow the semantics checklist of the Sigma plan
//! (section 3), itself following pySigma.

use std::collections::HashMap;
use std::path::PathBuf;

use serde_json::{json, Value};
use vigie_sigma::{load_texts, Engine, LoadOptions};

use crate::common::engine;

const CT: &str = "aws.cloudtrail";

/// Loads `yaml`, asserts nothing failed, evaluates `event` of `dataset` and
/// says whether any rule fired.
fn fires(rule_yaml: &str, dataset: &str, event: &Value) -> bool {
    let (engine, report) = engine(rule_yaml);
    assert!(
        report.failed.is_empty(),
        "rule failed: {:?}\n{rule_yaml}",
        report.failed
    );
    assert!(report.rules >= 1, "no rule loaded:\n{rule_yaml}");
    fired(&engine, dataset, event)
}

fn fired(engine: &Engine, dataset: &str, event: &Value) -> bool {
    let mut out = Vec::new();
    engine.evaluate_json(dataset, event, &mut out);
    !out.is_empty()
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  {l}\n")).collect::<String>()
}

/// A CloudTrail rule with `detection` (YAML, not indented).
fn ct(detection: &str) -> String {
    format!(
        "title: semantics\nid: 5e5e5e5e-0000-4000-8000-000000000001\n\
         logsource:\n  product: aws\n  service: cloudtrail\ndetection:\n{}",
        indent(detection)
    )
}

/// A Windows process-creation rule with `detection`.
fn win(detection: &str) -> String {
    format!(
        "title: semantics\nid: 5e5e5e5e-0000-4000-8000-000000000002\n\
         logsource:\n  product: windows\n  category: process_creation\ndetection:\n{}",
        indent(detection)
    )
}

/// A Sysmon process-creation event with `data` as its EventData.
fn sysmon(data: Value) -> Value {
    json!({"Event": {
        "System": {"Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": 1},
        "EventData": data,
    }})
}

/// Runs a CloudTrail table: every event with its expected outcome.
fn check_ct(detection: &str, cases: &[(Value, bool)]) {
    let rule = ct(detection);
    let (engine, report) = engine(&rule);
    assert!(
        report.failed.is_empty(),
        "rule failed: {:?}\n{rule}",
        report.failed
    );
    for (event, want) in cases {
        assert_eq!(
            fired(&engine, CT, event),
            *want,
            "event {event}\nrule:\n{rule}"
        );
    }
}

/// Runs a Windows table over CommandLine values.
fn check_cmd(detection: &str, cases: &[(&str, bool)]) {
    let rule = win(detection);
    let (engine, report) = engine(&rule);
    assert!(
        report.failed.is_empty(),
        "rule failed: {:?}\n{rule}",
        report.failed
    );
    for (cmd, want) in cases {
        let ev = sysmon(json!({ "CommandLine": cmd, "Image": "C:\\Windows\\System32\\cmd.exe" }));
        assert_eq!(
            fired(&engine, "windows.evtx", &ev),
            *want,
            "CommandLine {cmd:?}\nrule:\n{rule}"
        );
    }
}

/// The single failure of loading `yaml`.
fn failure(yaml: &str) -> vigie_sigma::Failure {
    let (_, report) = engine(yaml);
    assert_eq!(
        report.failed.len(),
        1,
        "expected one failure: {report:?}\n{yaml}"
    );
    report.failed[0].clone()
}

fn v(field: &str, value: Value) -> Value {
    json!({ field: value })
}

// ---- 1. case -----------------------------------------------------------

#[test]
fn case_insensitive_by_default_ascii_and_unicode() {
    check_ct(
        "sel:\n  eventName: GetObject\ncondition: sel",
        &[
            (v("eventName", json!("getobject")), true),
            (v("eventName", json!("GETOBJECT")), true),
            (v("eventName", json!("GetObjects")), false),
        ],
    );
    check_ct(
        "sel:\n  user|contains: ÉTÉ\ncondition: sel",
        &[
            (v("user", json!("un été chaud")), true),
            (v("user", json!("UN ÉTÉ")), true),
            (v("user", json!("ete")), false),
        ],
    );
    check_ct(
        "sel:\n  user: straße\ncondition: sel",
        &[
            (v("user", json!("STRAßE")), true),
            (v("user", json!("strasse")), false),
        ],
    );
}

#[test]
fn cased_is_case_sensitive() {
    check_ct(
        "sel:\n  eventName|cased: GetObject\ncondition: sel",
        &[
            (v("eventName", json!("GetObject")), true),
            (v("eventName", json!("getobject")), false),
        ],
    );
    check_ct(
        "sel:\n  eventName|contains|cased: Obj\ncondition: sel",
        &[
            (v("eventName", json!("GetObject")), true),
            (v("eventName", json!("GETOBJECT")), false),
        ],
    );
}

// ---- 2, 3. plain values, wildcards, escapes ------------------------------

#[test]
fn plain_value_is_whole_field_and_contains_startswith_endswith() {
    check_ct(
        "sel:\n  f: abc\ncondition: sel",
        &[
            (v("f", json!("abc")), true),
            (v("f", json!("xabc")), false),
            (v("f", json!("abcx")), false),
        ],
    );
    check_ct(
        "sel:\n  f|contains: abc\ncondition: sel",
        &[
            (v("f", json!("xxABCxx")), true),
            (v("f", json!("ab c")), false),
        ],
    );
    check_ct(
        "sel:\n  f|startswith: abc\ncondition: sel",
        &[
            (v("f", json!("abcxx")), true),
            (v("f", json!("xabc")), false),
        ],
    );
    check_ct(
        "sel:\n  f|endswith: abc\ncondition: sel",
        &[
            (v("f", json!("xxabc")), true),
            (v("f", json!("abcx")), false),
        ],
    );
}

#[test]
fn wildcards_stay_live_inside_contains_and_question_is_one_char() {
    check_ct(
        "sel:\n  f|contains: 'a*b'\ncondition: sel",
        &[
            (v("f", json!("xx a 123 b yy")), true),
            (v("f", json!("b then a")), false),
        ],
    );
    check_ct(
        "sel:\n  f: 'a?c'\ncondition: sel",
        &[
            (v("f", json!("abc")), true),
            (v("f", json!("aéc")), true),
            (v("f", json!("ac")), false),
            (v("f", json!("abbc")), false),
        ],
    );
    check_ct(
        "sel:\n  f: 'a*c'\ncondition: sel",
        &[
            (v("f", json!("ac")), true),
            (v("f", json!("a\nlong\nc")), true),
            (v("f", json!("acx")), false),
        ],
    );
}

#[test]
fn escapes_follow_sigma_string() {
    // \* literal star
    check_ct(
        "sel:\n  f: 'a\\*b'\ncondition: sel",
        &[(v("f", json!("a*b")), true), (v("f", json!("axb")), false)],
    );
    // \? literal question mark
    check_ct(
        "sel:\n  f: 'a\\?b'\ncondition: sel",
        &[(v("f", json!("a?b")), true), (v("f", json!("axb")), false)],
    );
    // \\ literal backslash
    check_ct(
        "sel:\n  f: 'a\\\\b'\ncondition: sel",
        &[
            (v("f", json!("a\\b")), true),
            (v("f", json!("a\\\\b")), false),
        ],
    );
    // \T stays \T
    check_ct(
        "sel:\n  f: 'C:\\Temp'\ncondition: sel",
        &[
            (v("f", json!("c:\\temp")), true),
            (v("f", json!("C:Temp")), false),
        ],
    );
    // trailing lone backslash
    check_ct(
        "sel:\n  f|endswith: 'dir\\'\ncondition: sel",
        &[
            (v("f", json!("C:\\dir\\")), true),
            (v("f", json!("C:\\dir")), false),
        ],
    );
    // \\* : literal backslash then a live wildcard
    check_ct(
        "sel:\n  f: 'C:\\\\*'\ncondition: sel",
        &[
            (v("f", json!("C:\\Windows")), true),
            (v("f", json!("C:\\")), true),
            (v("f", json!("C:/x")), false),
        ],
    );
    // the GLOBALROOT example: text \\?\GLOBALROOT
    check_ct(
        "sel:\n  f|startswith: '\\\\\\\\\\?\\\\GLOBALROOT'\ncondition: sel",
        &[
            (v("f", json!("\\\\?\\GLOBALROOT\\Device")), true),
            (v("f", json!("\\\\x\\GLOBALROOT\\Device")), false),
        ],
    );
}

// ---- 4. lists, all, maps, keywords ---------------------------------------

#[test]
fn lists_or_all_and_maps() {
    check_ct(
        "sel:\n  f:\n    - a\n    - b\ncondition: sel",
        &[
            (v("f", json!("a")), true),
            (v("f", json!("b")), true),
            (v("f", json!("c")), false),
        ],
    );
    check_ct(
        "sel:\n  f|contains|all:\n    - a\n    - b\ncondition: sel",
        &[(v("f", json!("xbxa")), true), (v("f", json!("xa")), false)],
    );
    // all on a single value is accepted
    check_ct(
        "sel:\n  f|contains|all: a\ncondition: sel",
        &[(v("f", json!("xa")), true), (v("f", json!("x")), false)],
    );
    // a map is AND
    check_ct(
        "sel:\n  f: a\n  g: b\ncondition: sel",
        &[
            (json!({"f": "a", "g": "b"}), true),
            (json!({"f": "a", "g": "c"}), false),
            (json!({"f": "a"}), false),
        ],
    );
    // a list of maps is OR
    check_ct(
        "sel:\n  - f: a\n    g: b\n  - h: c\ncondition: sel",
        &[
            (json!({"f": "a", "g": "b"}), true),
            (json!({"h": "c"}), true),
            (json!({"f": "a", "h": "x"}), false),
        ],
    );
}

#[test]
fn keywords_or_all_contains_and_never_key_names() {
    check_ct(
        "keywords:\n  - evil\n  - 'bad*thing'\ncondition: keywords",
        &[
            (json!({"a": "some EVIL here"}), true),
            (json!({"a": {"deep": ["x", "a bad old thing"]}}), true),
            (json!({"a": "bad"}), false),
            // key names never match
            (json!({"evil": "benign"}), false),
            (json!({"nested": {"evil_key": 1}}), false),
        ],
    );
    check_ct(
        "keywords:\n  '|all':\n    - alpha\n    - beta\ncondition: keywords",
        &[
            (json!({"a": "alpha", "b": "beta"}), true),
            (json!({"a": "alpha and beta"}), true),
            (json!({"a": "alpha"}), false),
            (json!({"alpha": "beta"}), false),
        ],
    );
    // numbers are searched by their text
    check_ct(
        "keywords:\n  - 4688\ncondition: keywords",
        &[(json!({"a": 14688}), true), (json!({"a": 468}), false)],
    );
}

// ---- 5. null ---------------------------------------------------------------

#[test]
fn null_matches_absent_or_json_null_and_empty_matches_only_empty() {
    check_ct(
        "sel:\n  f: null\ncondition: sel",
        &[
            (json!({"g": "x"}), true),
            (json!({"f": null}), true),
            (json!({"f": ""}), false),
            (json!({"f": "x"}), false),
        ],
    );
    check_ct(
        "sel:\n  f: ''\ncondition: sel",
        &[
            (json!({"f": ""}), true),
            (json!({"f": "x"}), false),
            (json!({"g": "x"}), false),
            (json!({"f": null}), false),
        ],
    );
    // Windows: a present EventData key with "" is an empty string, not null
    let rule = win("sel:\n  ParentImage: null\ncondition: sel");
    assert!(!fires(
        &rule,
        "windows.evtx",
        &sysmon(json!({"ParentImage": ""}))
    ));
    assert!(fires(&rule, "windows.evtx", &sysmon(json!({"Image": "x"}))));
    let rule = win("sel:\n  ParentImage: ''\ncondition: sel");
    assert!(fires(
        &rule,
        "windows.evtx",
        &sysmon(json!({"ParentImage": ""}))
    ));
    assert!(!fires(
        &rule,
        "windows.evtx",
        &sysmon(json!({"Image": "x"}))
    ));
}

// ---- 6. numbers and booleans ---------------------------------------------

#[test]
fn numbers_and_booleans_compare_by_text() {
    for rule_value in ["4688", "'4688'"] {
        check_ct(
            &format!("sel:\n  code: {rule_value}\ncondition: sel"),
            &[
                (v("code", json!(4688)), true),
                (v("code", json!("4688")), true),
                (v("code", json!(4689)), false),
                (v("code", json!("04688")), false),
            ],
        );
    }
    check_ct(
        "sel:\n  flag: True\ncondition: sel",
        &[
            (v("flag", json!(true)), true),
            (v("flag", json!("true")), true),
            (v("flag", json!("True")), true),
            (v("flag", json!(false)), false),
            (v("flag", json!("yes")), false),
        ],
    );
    check_ct(
        "sel:\n  flag: false\ncondition: sel",
        &[
            (v("flag", json!(false)), true),
            (v("flag", json!(true)), false),
        ],
    );
    // Windows EventID as rule value
    let rule = win("sel:\n  EventID: 1\n  Image|endswith: cmd.exe\ncondition: sel");
    let ev = sysmon(json!({"Image": "C:\\cmd.exe"}));
    assert!(fires(&rule, "windows.evtx", &ev));
}

#[test]
fn numeric_comparisons() {
    check_ct(
        "sel:\n  n|gt: 10\ncondition: sel",
        &[
            (v("n", json!(11)), true),
            (v("n", json!("11")), true),
            (v("n", json!(10.5)), true),
            (v("n", json!(10)), false),
            (v("n", json!("abc")), false),
            (v("n", json!(true)), false),
            (json!({}), false),
        ],
    );
    check_ct(
        "sel:\n  n|gte: 10\ncondition: sel",
        &[(v("n", json!(10)), true), (v("n", json!("9")), false)],
    );
    check_ct(
        "sel:\n  n|lt: 2.5\ncondition: sel",
        &[
            (v("n", json!(2)), true),
            (v("n", json!("-1")), true),
            (v("n", json!(2.5)), false),
            (v("n", json!("x")), false),
        ],
    );
    check_ct(
        "sel:\n  n|lte: 3\ncondition: sel",
        &[(v("n", json!("3")), true), (v("n", json!(3.1)), false)],
    );
}

// ---- 7. exists -------------------------------------------------------------

#[test]
fn exists_true_and_false() {
    check_ct(
        "sel:\n  f|exists: true\ncondition: sel",
        &[
            (v("f", json!("")), true),
            (v("f", json!(0)), true),
            (v("f", json!(null)), false),
            (json!({"g": 1}), false),
        ],
    );
    check_ct(
        "sel:\n  f|exists: false\ncondition: sel",
        &[
            (v("f", json!("x")), false),
            (v("f", json!(null)), true),
            (json!({"g": 1}), true),
        ],
    );
}

// ---- 8. windash --------------------------------------------------------------

#[test]
fn windash_expands_leading_dashes_only() {
    check_cmd(
        "sel:\n  CommandLine|windash|contains: ' -exec-policy '\ncondition: sel",
        &[
            ("x -exec-policy y", true),
            ("x /exec-policy y", true),
            ("x \u{2013}exec-policy y", true),
            ("x \u{2014}exec-policy y", true),
            ("x \u{2015}exec-policy y", true),
            // the middle dash is not expanded
            ("x -exec/policy y", false),
            ("x /exec\u{2013}policy y", false),
            ("x +exec-policy y", false),
        ],
    );
    check_cmd(
        "sel:\n  CommandLine|windash|contains|all:\n    - ' -a '\n    - ' -b '\ncondition: sel",
        &[
            ("x /a /b", false),
            ("x /a \u{2014}b ", true),
            ("x /a ", false),
        ],
    );
}

// ---- 9, 10, 11. base64, base64offset, utf16 -------------------------------

#[test]
fn base64_keeps_padding() {
    check_cmd(
        "sel:\n  CommandLine|base64|contains: 'cmd.exe /c'\ncondition: sel",
        &[
            ("echo Y21kLmV4ZSAvYw== | decode", true),
            ("echo Y21kLmV4ZSAvYw | decode", false),
            ("cmd.exe /c", false),
        ],
    );
}

#[test]
fn base64offset_matches_at_each_offset() {
    // the three encodings of 'whoami /all' at offsets 0, 1 and 2 bytes
    check_cmd(
        "sel:\n  CommandLine|base64offset|contains: 'whoami /all'\ncondition: sel",
        &[
            ("powershell -e d2hvYW1pIC9hbGwgdGFpbA==", true),
            ("powershell -e eHdob2FtaSAvYWxsIHRhaWw=", true),
            ("powershell -e eHl3aG9hbWkgL2FsbCB0YWls", true),
            ("powershell -e d2hvYW1pIC9hbWwgdGFpbA==", false),
            ("whoami /all", false),
        ],
    );
    // pySigma's published vectors for /bin/bash
    for (enc, want) in [
        ("L2Jpbi9iYXNo", true),
        ("9iaW4vYmFza", true),
        ("vYmluL2Jhc2", true),
        ("L2Jpbi9iYXN", false),
    ] {
        check_ct(
            "sel:\n  f|base64offset|contains: '/bin/bash'\ncondition: sel",
            &[(v("f", json!(format!("x{enc}x"))), want)],
        );
    }
}

#[test]
fn utf16_variants_then_base64() {
    // PowerShell -enc of a UTF-16LE script, at the three offsets
    for name in ["utf16le", "wide"] {
        check_cmd(
            &format!(
                "sel:\n  CommandLine|{name}|base64offset|contains: 'IEX (New'\ncondition: sel"
            ),
            &[
                (
                    "powershell -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAKQA=",
                    true,
                ),
                (
                    "powershell -enc eAAgAEkARQBYACAAKABOAGUAdwAtAE8AYgBqAGUAYwB0ACkA",
                    true,
                ),
                (
                    "powershell -enc eAB4ACAASQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAKQA=",
                    true,
                ),
                // UTF-8 base64 of the same text does not match
                ("powershell -enc SUVYIChOZXctT2JqZWN0KQ==", false),
            ],
        );
    }
    check_ct(
        "sel:\n  f|utf16le|base64: cmd\ncondition: sel",
        &[
            (v("f", json!("YwBtAGQA")), true),
            (v("f", json!("AGMAbQBk")), false),
        ],
    );
    check_ct(
        "sel:\n  f|utf16be|base64: cmd\ncondition: sel",
        &[
            (v("f", json!("AGMAbQBk")), true),
            (v("f", json!("YwBtAGQA")), false),
        ],
    );
    check_ct(
        "sel:\n  f|utf16|base64: cmd\ncondition: sel",
        &[
            (v("f", json!("//5jAG0AZAA=")), true),
            (v("f", json!("YwBtAGQA")), false),
        ],
    );
}

// ---- 12. re ----------------------------------------------------------------

#[test]
fn regex_is_unanchored_search_with_flags() {
    check_ct(
        "sel:\n  f|re: 'b+c'\ncondition: sel",
        &[
            (v("f", json!("abbbcd")), true),
            (v("f", json!("ABC")), false),
            (v("f", json!("ac")), false),
        ],
    );
    check_ct(
        "sel:\n  f|re|i: '^abc$'\ncondition: sel",
        &[(v("f", json!("ABC")), true), (v("f", json!("xabc")), false)],
    );
    check_ct(
        "sel:\n  f|re: '(?i)^abc$'\ncondition: sel",
        &[(v("f", json!("AbC")), true)],
    );
    check_ct(
        "sel:\n  f|re|m: '^two$'\ncondition: sel",
        &[
            (v("f", json!("one\ntwo\nthree")), true),
            (v("f", json!("one two")), false),
        ],
    );
    check_ct(
        "sel:\n  f|re: '^two$'\ncondition: sel",
        &[(v("f", json!("one\ntwo\nthree")), false)],
    );
    check_ct(
        "sel:\n  f|re|s: 'a.b'\ncondition: sel",
        &[(v("f", json!("a\nb")), true), (v("f", json!("ab")), false)],
    );
    check_ct(
        "sel:\n  f|re: 'a.b'\ncondition: sel",
        &[(v("f", json!("a\nb")), false), (v("f", json!("axb")), true)],
    );
    // escapes are raw regex under re
    check_ct(
        "sel:\n  f|re: '\\d+\\.exe'\ncondition: sel",
        &[
            (v("f", json!("a12.exe")), true),
            (v("f", json!("a12xexe")), false),
        ],
    );
}

#[test]
fn regex_refusals_name_the_reason() {
    let f = failure(&ct("sel:\n  f|re|contains: 'a'\ncondition: sel"));
    assert!(f.reason.contains("contains"), "{f}");
    assert!(f.reason.contains("re"), "{f}");
    assert_eq!(f.mark.line, 8, "{f}");
    let f = failure(&ct("sel:\n  f|re: '(a{1000}){1000}'\ncondition: sel"));
    assert!(f.reason.contains("regular expression refused"), "{f}");
    assert!(f.reason.contains("size limit"), "{f}");
    assert_eq!(f.mark.line, 8, "{f}");
    let f = failure(&ct("sel:\n  f|re: 'a(b'\ncondition: sel"));
    assert!(f.reason.contains("unclosed group"), "{f}");
}

// ---- 13. cidr ----------------------------------------------------------------

#[test]
fn cidr_v4_v6_and_non_ip() {
    check_ct(
        "sel:\n  ip|cidr:\n    - 10.1.2.3/8\n    - '2001:db8::/32'\ncondition: sel",
        &[
            (v("ip", json!("10.200.0.1")), true),
            (v("ip", json!("11.0.0.1")), false),
            (v("ip", json!("2001:db8:1::5")), true),
            (v("ip", json!("2001:db9::1")), false),
            (v("ip", json!("not an ip")), false),
            (v("ip", json!("")), false),
            (json!({}), false),
        ],
    );
}

// ---- 14. fieldref ------------------------------------------------------------

#[test]
fn fieldref_equal_startswith_and_missing() {
    check_ct(
        "sel:\n  a|fieldref: b\ncondition: sel",
        &[
            (json!({"a": "Same", "b": "same"}), true),
            (json!({"a": "same", "b": "other"}), false),
            (json!({"a": "same"}), false),
            (json!({"b": "same"}), false),
            (json!({"a": 5, "b": "5"}), true),
        ],
    );
    check_ct(
        "sel:\n  a|fieldref|startswith: b\ncondition: sel",
        &[
            (json!({"a": "prefix-rest", "b": "PREFIX"}), true),
            (json!({"a": "rest-prefix", "b": "prefix"}), false),
            // the referenced value is literal: no wildcards
            (json!({"a": "abc", "b": "a*"}), false),
            (json!({"a": "a*bc", "b": "a*"}), true),
        ],
    );
    check_ct(
        "sel:\n  a|fieldref|cased: b\ncondition: sel",
        &[
            (json!({"a": "X", "b": "x"}), false),
            (json!({"a": "x", "b": "x"}), true),
        ],
    );
}

// ---- 15. expand -------------------------------------------------------------

#[test]
fn expand_with_placeholders_and_idle_without() {
    let rule =
        ct("sel:\n  user|expand: '%admins%'\n  path|expand: 'C:\\\\%dir%\\\\*'\ncondition: sel");
    let mut placeholders = HashMap::new();
    placeholders.insert(
        "admins".to_owned(),
        vec!["root".to_owned(), "Admin*".to_owned()],
    );
    placeholders.insert("dir".to_owned(), vec!["tools".to_owned()]);
    let options = LoadOptions {
        placeholders,
        ..LoadOptions::default()
    };
    let (eng, report) = load_texts([(PathBuf::from("r.yml"), rule.clone())], &options);
    assert!(
        report.failed.is_empty() && report.idle.is_empty(),
        "{report:?}"
    );
    let ev = |u: &str, p: &str| json!({"user": u, "path": p});
    assert!(fired(&eng, CT, &ev("root", "c:\\tools\\x.exe")));
    assert!(fired(&eng, CT, &ev("administrator", "C:\\TOOLS\\y")));
    assert!(!fired(&eng, CT, &ev("bob", "C:\\tools\\x.exe")));
    assert!(!fired(&eng, CT, &ev("root", "C:\\other\\x.exe")));

    // without the values: loaded, idle, naming the placeholder; not failed
    let (eng, report) = load_texts([(PathBuf::from("r.yml"), rule)], &LoadOptions::default());
    assert!(report.failed.is_empty(), "{report:?}");
    assert_eq!(report.rules, 1);
    assert_eq!(report.idle.len(), 1, "{report:?}");
    assert!(
        report.idle[0].reason.contains("admins") || report.idle[0].reason.contains("dir"),
        "{:?}",
        report.idle[0]
    );
    assert!(!fired(&eng, CT, &ev("root", "C:\\tools\\x")));

    // %name% without expand is literal text
    check_ct(
        "sel:\n  path|contains: '%APPDATA%'\ncondition: sel",
        &[
            (v("path", json!("x %appdata% y")), true),
            (v("path", json!("C:\\Users")), false),
        ],
    );
}

// ---- 16, 17. arrays, objects, dotted names --------------------------------

#[test]
fn arrays_objects_and_dotted_fields() {
    check_ct(
        "sel:\n  tags: b\ncondition: sel",
        &[
            (v("tags", json!(["a", "b"])), true),
            (v("tags", json!(["a", "c"])), false),
        ],
    );
    check_ct(
        "sel:\n  tags|all:\n    - a\n    - b\ncondition: sel",
        &[
            (v("tags", json!(["b", "x", "a"])), true),
            (v("tags", json!(["a", "c"])), false),
        ],
    );
    check_ct(
        "sel:\n  requestParameters|contains: '\"bucketName\":\"secret\"'\ncondition: sel",
        &[
            (
                v(
                    "requestParameters",
                    json!({"bucketName": "secret", "key": "k"}),
                ),
                true,
            ),
            (
                v("requestParameters", json!({"bucketName": "public"})),
                false,
            ),
        ],
    );
    check_ct(
        "sel:\n  userIdentity.type: Root\ncondition: sel",
        &[
            (json!({"userIdentity": {"type": "Root"}}), true),
            (json!({"userIdentity": {"type": "IAMUser"}}), false),
            (json!({"userIdentity": "Root"}), false),
            (
                json!({"resources": [{"x": 1}], "userIdentity": [{"type": "x"}, {"type": "root"}]}),
                true,
            ),
        ],
    );
    check_ct(
        "sel:\n  id.orig_h: 10.0.0.1\ncondition: sel",
        &[
            (json!({"id.orig_h": "10.0.0.1"}), true),
            (json!({"id": {"orig_h": "10.0.0.1"}}), true),
            (json!({"id.orig_h": "10.0.0.2"}), false),
        ],
    );
}

// ---- 18. conditions -----------------------------------------------------------

#[test]
fn condition_precedence_parentheses_and_not() {
    let det = "a:\n  f: a\nb:\n  g: b\nc:\n  h: c\n";
    let e = |f: bool, g: bool, h: bool| {
        let mut m = serde_json::Map::new();
        m.insert("f".into(), json!(if f { "a" } else { "-" }));
        m.insert("g".into(), json!(if g { "b" } else { "-" }));
        m.insert("h".into(), json!(if h { "c" } else { "-" }));
        Value::Object(m)
    };
    // a or b and c == a or (b and c)
    check_ct(
        &format!("{det}condition: a or b and c"),
        &[
            (e(true, false, false), true),
            (e(false, true, false), false),
            (e(false, true, true), true),
        ],
    );
    check_ct(
        &format!("{det}condition: (a or b) and c"),
        &[(e(true, false, false), false), (e(true, false, true), true)],
    );
    // not binds tighter than and
    check_ct(
        &format!("{det}condition: not a and b"),
        &[
            (e(false, true, false), true),
            (e(true, true, false), false),
            (e(false, false, false), false),
        ],
    );
    check_ct(
        &format!("{det}condition: not (a and b)"),
        &[(e(true, true, false), false), (e(true, false, false), true)],
    );
}

#[test]
fn condition_quantifiers() {
    let det = "sel_a:\n  f: a\nsel_b:\n  g: b\n_helper:\n  h: c\nother:\n  i: d\n";
    let e = |pairs: &[(&str, &str)]| {
        Value::Object(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), json!(v)))
                .collect(),
        )
    };
    check_ct(
        &format!("{det}condition: 1 of sel*"),
        &[(e(&[("g", "b")]), true), (e(&[("i", "d")]), false)],
    );
    check_ct(
        &format!("{det}condition: any of sel_*"),
        &[(e(&[("f", "a")]), true), (e(&[("h", "c")]), false)],
    );
    check_ct(
        &format!("{det}condition: all of sel*"),
        &[
            (e(&[("f", "a"), ("g", "b")]), true),
            (e(&[("f", "a")]), false),
        ],
    );
    // them excludes _helper
    check_ct(
        &format!("{det}condition: all of them"),
        &[
            (e(&[("f", "a"), ("g", "b"), ("i", "d")]), true),
            (e(&[("f", "a"), ("g", "b"), ("h", "c")]), false),
        ],
    );
    check_ct(
        &format!("{det}condition: 1 of them"),
        &[(e(&[("i", "d")]), true), (e(&[("h", "c")]), false)],
    );
    check_ct(
        &format!("{det}condition: other and not 1 of sel*"),
        &[
            (e(&[("i", "d")]), true),
            (e(&[("i", "d"), ("g", "b")]), false),
        ],
    );
    // a pattern matching nothing is an error
    let f = failure(&ct(&format!("{det}condition: 1 of nothing*")));
    assert!(f.reason.contains("nothing"), "{f}");
}

// ---- invalid rules: reason and line ----------------------------------------

#[test]
fn invalid_rules_fail_with_reason_and_line() {
    // unknown modifier: the key's line
    let f = failure(&ct("sel:\n  f|contans: a\ncondition: sel"));
    assert!(f.reason.contains("unknown value modifier 'contans'"), "{f}");
    // and no second error about the selection that did not read
    assert!(!f.reason.contains("unknown selection"), "{f}");
    assert_eq!(f.mark.line, 8, "{f}");

    // missing condition
    let f = failure(&ct("sel:\n  f: a"));
    assert!(f.reason.contains("condition"), "{f}");
    assert!((5..=7).contains(&f.mark.line), "{f}");

    // unknown selection in the condition: the condition's line
    let f = failure(&ct("sel:\n  f: a\ncondition: sel and missing"));
    assert!(f.reason.contains("missing"), "{f}");
    assert_eq!(f.mark.line, 9, "{f}");

    // bad YAML: the line of the error
    let f = failure(
        "title: x\nlogsource:\n  product: aws\ndetection:\n  sel: [a, b\n  condition: sel\n",
    );
    assert!((5..=7).contains(&f.mark.line), "{f}");
    assert!(!f.reason.is_empty());
    let f = failure("title: x\ndetection:\n  sel:\n    f: 'unterminated\n");
    assert!(f.mark.line >= 4, "{f}");

    // one bad rule does not stop another in the same file
    let two = format!(
        "{}\n---\n{}",
        ct("sel:\n  f|contans: a\ncondition: sel"),
        win("sel:\n  Image: x\ncondition: sel")
    );
    let (_, report) = engine(&two);
    assert_eq!(report.failed.len(), 1, "{report:?}");
    assert_eq!(report.rules, 1, "{report:?}");
    assert_eq!(report.failed[0].mark.line, 8, "{report:?}");
}

// ---- 20. multi-document files ------------------------------------------------

#[test]
fn multi_document_file_loads_both_rules() {
    let text = format!(
        "{}---\n{}",
        ct("sel:\n  f: one\ncondition: sel"),
        ct("sel:\n  f: two\ncondition: sel").replace("0001", "0003")
    );
    let (eng, report) = engine(&text);
    assert!(report.failed.is_empty(), "{report:?}");
    assert_eq!(report.rules, 2);
    assert_eq!(report.documents, 2);
    let mut out = Vec::new();
    eng.evaluate_json(CT, &v("f", json!("one")), &mut out);
    eng.evaluate_json(CT, &v("f", json!("two")), &mut out);
    eng.evaluate_json(CT, &v("f", json!("three")), &mut out);
    assert_eq!(out, vec![0, 1]);
}

// ---- 22. filters -------------------------------------------------------------

#[test]
fn filter_suppresses_matching_events_only() {
    let text = format!(
        "{}---\ntitle: known admin\nlogsource:\n  product: aws\n  service: cloudtrail\n\
         filter:\n  rules:\n    - 5e5e5e5e-0000-4000-8000-000000000001\n  \
         selection:\n    user: admin\n  condition: not selection\n",
        ct("selection:\n  eventName: DeleteTrail\ncondition: selection")
    );
    let (eng, report) = engine(&text);
    assert!(report.failed.is_empty(), "{report:?}");
    assert_eq!(report.filters, 1, "{report:?}");
    assert_eq!(report.rules, 1, "{report:?}");
    assert!(fired(
        &eng,
        CT,
        &json!({"eventName": "DeleteTrail", "user": "mallory"})
    ));
    assert!(!fired(
        &eng,
        CT,
        &json!({"eventName": "DeleteTrail", "user": "admin"})
    ));
    assert!(fired(&eng, CT, &json!({"eventName": "DeleteTrail"})));
    assert!(!fired(
        &eng,
        CT,
        &json!({"eventName": "StopLogging", "user": "mallory"})
    ));

    // a filter naming an unknown rule is reported, not a failure
    let text = "title: f\nlogsource:\n  product: aws\nfilter:\n  rules:\n    - nope\n  sel:\n    user: x\n  condition: not sel\n";
    let (_, report) = engine(text);
    assert!(report.failed.is_empty(), "{report:?}");
    assert!(
        report.idle.iter().any(|i| i.reason.contains("nope")),
        "{report:?}"
    );
}

// ---- 19. logsource -----------------------------------------------------------

#[test]
fn logsource_routes_rules_to_their_data() {
    let rule = ct("sel:\n  f: a\ncondition: sel");
    assert!(fires(&rule, CT, &v("f", json!("a"))));
    // the same record under a Windows event does not meet a CloudTrail rule
    assert!(!fires(&rule, "windows.evtx", &sysmon(json!({"f": "a"}))));
    let rule = win("sel:\n  f: a\ncondition: sel");
    assert!(!fires(&rule, CT, &v("f", json!("a"))));
    assert!(fires(&rule, "windows.evtx", &sysmon(json!({"f": "a"}))));
}

#[test]
fn condition_list_is_or_and_aggregations_are_refused() {
    check_ct(
        "a:\n  f: a\nb:\n  g: b\ncondition:\n  - a\n  - b",
        &[
            (json!({"f": "a"}), true),
            (json!({"g": "b"}), true),
            (json!({"f": "x", "g": "x"}), false),
        ],
    );
    let f = failure(&ct("sel:\n  f: a\ncondition: sel | count() > 5"));
    assert!(f.reason.contains("correlation"), "{f}");
    assert_eq!(f.mark.line, 9, "{f}");
    let f = failure(&ct(
        "sel:\n  f: a\nother:\n  g: b\ncondition: sel | near other",
    ));
    assert!(f.reason.contains("correlation"), "{f}");
}

#[test]
fn more_value_shapes() {
    // null inside a list is one alternative
    check_ct(
        "sel:\n  f:\n    - null\n    - x\ncondition: sel",
        &[
            (json!({"g": 1}), true),
            (v("f", json!("x")), true),
            (v("f", json!("y")), false),
        ],
    );
    // numbers under string modifiers and regexes use their text
    check_ct(
        "sel:\n  n|contains: 68\ncondition: sel",
        &[(v("n", json!(14688)), true), (v("n", json!(4600)), false)],
    );
    check_ct(
        "sel:\n  n|re: '^46'\ncondition: sel",
        &[(v("n", json!(4688)), true), (v("n", json!(1468)), false)],
    );
    // an array is a present value
    check_ct(
        "sel:\n  f|exists: true\ncondition: sel",
        &[(v("f", json!(["a"])), true)],
    );
}

#[test]
fn keywords_search_windows_event_data() {
    let rule = win("keywords:\n  - mimikatz\ncondition: keywords");
    assert!(fires(
        &rule,
        "windows.evtx",
        &sysmon(json!({"CommandLine": "C:\\tmp\\MimiKatz.exe"}))
    ));
    assert!(!fires(
        &rule,
        "windows.evtx",
        &sysmon(json!({"mimikatz": "benign"}))
    ));
}

#[test]
fn refused_modifier_combinations_name_the_modifier() {
    for (det, word) in [
        ("sel:\n  f|exists|contains: true\ncondition: sel", "exists"),
        ("sel:\n  f|cidr|base64: 10.0.0.0/8\ncondition: sel", "cidr"),
        ("sel:\n  f|gt|contains: 5\ncondition: sel", "gt"),
        ("sel:\n  f|i: a\ncondition: sel", "'i'"),
        (
            "sel:\n  f|base64|contains: 'a*b'\ncondition: sel",
            "wildcard",
        ),
    ] {
        let f = failure(&ct(det));
        assert!(f.reason.contains(word), "{det}: {f}");
        assert_eq!(f.mark.line, 8, "{f}");
    }
}

#[test]
fn more_modifier_edges() {
    // two leading dashes: the cartesian product of forms
    check_cmd(
        "sel:\n  CommandLine|windash|contains: ' -a -b'\ncondition: sel",
        &[
            ("x /a \u{2013}b", true),
            ("x \u{2015}a /b", true),
            ("x -a -b", true),
            ("x -a +b", false),
        ],
    );
    // fieldref with contains and endswith: the other field's text, literally
    check_ct(
        "sel:\n  a|fieldref|contains: b\ncondition: sel",
        &[
            (json!({"a": "xxNEEDLExx", "b": "needle"}), true),
            (json!({"a": "xxneexx", "b": "needle"}), false),
            (json!({"a": "x?y", "b": "?"}), true),
            (json!({"a": "xy", "b": "?"}), false),
        ],
    );
    check_ct(
        "sel:\n  a|fieldref|endswith: b\ncondition: sel",
        &[
            (json!({"a": "C:\\dir\\evil.exe", "b": "EVIL.EXE"}), true),
            (json!({"a": "evil.exe.txt", "b": "evil.exe"}), false),
        ],
    );
    // contains|all over array elements: each value may be met by another element
    check_ct(
        "sel:\n  tags|contains|all:\n    - alpha\n    - beta\ncondition: sel",
        &[
            (v("tags", json!(["x-alpha", "beta-y"])), true),
            (v("tags", json!(["x-alpha", "gamma"])), false),
        ],
    );
    // not over an absent field holds
    check_ct(
        "sel:\n  g: x\nfilter:\n  f: a\ncondition: sel and not filter",
        &[
            (json!({"g": "x"}), true),
            (json!({"g": "x", "f": "A"}), false),
        ],
    );
}

#[test]
fn opaque_identifiers_and_unicode_folding_on_either_side() {
    check_ct(
        "sel.one:\n  f: a\nsel-two:\n  g: b\ncondition: sel.one and not sel-two",
        &[
            (json!({"f": "a"}), true),
            (json!({"f": "a", "g": "b"}), false),
        ],
    );
    // an ASCII pattern meets non-ASCII text: the Kelvin sign folds to k
    check_ct(
        "sel:\n  f|contains: 'kelvin'\ncondition: sel",
        &[
            (v("f", json!("\u{212A}ELVIN")), true),
            (v("f", json!("KELVIN")), true),
            (v("f", json!("ELVIN")), false),
        ],
    );
    check_ct(
        "sel:\n  f|startswith|cased: 'Été'\ncondition: sel",
        &[
            (v("f", json!("Été x")), true),
            (v("f", json!("été x")), false),
        ],
    );
}
