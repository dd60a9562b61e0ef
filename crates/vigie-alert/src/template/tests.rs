use std::time::Duration;

use super::*;
use crate::alert::Alert;
use crate::dispatch::Flush;
use vigie_event::Timestamp;

const SEC: i64 = 1_000_000_000;

fn t(seconds: i64) -> Timestamp {
    let base = Timestamp::from_civil(2024, 3, 5, 12, 0, 0, 0).unwrap();
    Timestamp::from_nanos(base.as_nanos() + seconds * SEC)
}

fn alert(instance: &str, ends: i64) -> Alert {
    Alert {
        labels: [
            ("alertname", "Down"),
            ("instance", instance),
            ("job", "node"),
        ]
        .into_iter()
        .collect(),
        annotations: [("summary", format!("{instance} is down"))]
            .into_iter()
            .collect(),
        starts_at: t(0),
        ends_at: t(ends),
        generator_url: "http://prom/graph?g0.expr=up".into(),
        updated_at: t(0),
        timeout: false,
    }
}

/// One firing alert (`a`) and one resolved (`b`), or both resolved.
fn data(all_resolved: bool) -> TemplateData {
    let a_end = if all_resolved { 30 } else { 3600 };
    let alerts = vec![alert("a", a_end), alert("b", 30)];
    let flush = Flush {
        group_key: "{}:{alertname=\"Down\"}".into(),
        receiver: "ops".into(),
        route_id: "{}".into(),
        group_labels: [("alertname", "Down")].into_iter().collect(),
        alerts: alerts.clone(),
        flushed_at: t(60),
        repeat_interval: Duration::from_secs(3600),
    };
    TemplateData::new(&flush, &alerts, "http://am.example:9093")
}

fn render(name: &str, data: &TemplateData) -> String {
    Templates::with_defaults()
        .execute_text(&format!("{{{{ template \"{name}\" . }}}}"), data)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

const LIST_A: &str = "Labels:\n - alertname = Down\n - instance = a\n - job = node\nAnnotations:\n - summary = a is down\nSource: http://prom/graph?g0.expr=up\n";
const LIST_B: &str = "Labels:\n - alertname = Down\n - instance = b\n - job = node\nAnnotations:\n - summary = b is down\nSource: http://prom/graph?g0.expr=up\n";
const MD_A: &str = "\nLabels:\n  - alertname = Down\n  - instance = a\n  - job = node\n\nAnnotations:\n  - summary = a is down\n\nSource: http://prom/graph?g0.expr=up\n\n";
const MD_B: &str = "\nLabels:\n  - alertname = Down\n  - instance = b\n  - job = node\n\nAnnotations:\n  - summary = b is down\n\nSource: http://prom/graph?g0.expr=up\n\n";
const URL: &str = "http://am.example:9093/#/alerts?receiver=ops";

#[test]
fn the_embedded_default_templates_parse() {
    parse::parse("default.tmpl", DEFAULT_TEMPLATES).unwrap();
    let t = Templates::with_defaults();
    for name in [
        "slack.default.title",
        "pagerduty.default.instances",
        "opsgenie.default.description",
        "msteams.default.text",
        "email.default.subject",
        "email.default.html",
    ] {
        assert!(t.has(name), "{name}");
    }
}

#[test]
fn subjects_count_firing_alerts_and_show_extra_common_labels() {
    let firing = data(false);
    let resolved = data(true);
    for name in [
        "slack.default.title",
        "pagerduty.default.description",
        "opsgenie.default.message",
        "msteams.default.title",
        "msteams.default.summary",
        "email.default.subject",
    ] {
        assert_eq!(render(name, &firing), "[FIRING:1] Down (node)", "{name}");
        assert_eq!(render(name, &resolved), "[RESOLVED] Down (node)", "{name}");
    }
}

#[test]
fn slack_defaults_render_like_alertmanager() {
    let firing = data(false);
    assert_eq!(render("slack.default.username", &firing), "Alertmanager");
    assert_eq!(render("slack.default.titlelink", &firing), URL);
    assert_eq!(
        render("slack.default.fallback", &firing),
        format!("[FIRING:1] Down (node) | {URL}")
    );
    for empty in [
        "slack.default.pretext",
        "slack.default.text",
        "slack.default.footer",
        "slack.default.iconemoji",
        "slack.default.iconurl",
        "slack.default.callbackid",
    ] {
        assert_eq!(render(empty, &firing), "", "{empty}");
    }
    let t = Templates::with_defaults();
    let color = r#"{{ if eq .Status "firing" }}danger{{ else }}good{{ end }}"#;
    assert_eq!(t.execute_text(color, &firing).unwrap(), "danger");
    assert_eq!(t.execute_text(color, &data(true)).unwrap(), "good");
}

#[test]
fn pagerduty_defaults_render_like_alertmanager() {
    let firing = data(false);
    assert_eq!(render("pagerduty.default.client", &firing), "Alertmanager");
    assert_eq!(render("pagerduty.default.clientURL", &firing), URL);
    let t = Templates::with_defaults();
    let details = crate::config::default_pagerduty_details();
    let rendered: Vec<String> = details
        .iter()
        .map(|(_, text)| t.execute_text(text, &firing).unwrap())
        .collect();
    assert_eq!(rendered, [LIST_A, LIST_B, "1", "1"]);
    let resolved = data(true);
    let rendered: Vec<String> = details
        .iter()
        .map(|(_, text)| t.execute_text(text, &resolved).unwrap())
        .collect();
    assert_eq!(rendered, ["", &format!("{LIST_A}{LIST_B}"), "0", "2"]);
}

#[test]
fn opsgenie_description_lists_firing_then_resolved_alerts() {
    assert_eq!(
        render("opsgenie.default.description", &data(false)),
        format!("\nAlerts Firing:\n{LIST_A}\nAlerts Resolved:\n{LIST_B}")
    );
    assert_eq!(
        render("opsgenie.default.description", &data(true)),
        format!("\n\nAlerts Resolved:\n{LIST_A}{LIST_B}")
    );
    assert_eq!(render("opsgenie.default.source", &data(true)), URL);
}

#[test]
fn msteams_text_is_markdown_lists() {
    assert_eq!(
        render("msteams.default.text", &data(false)),
        format!("\n\n# Alerts Firing:\n{MD_A}\n\n\n# Alerts Resolved:\n{MD_B}\n\n")
    );
    assert_eq!(
        render("msteams.default.text", &data(true)),
        // One newline after the whole list, not after each alert.
        format!(
            "\n\n\n# Alerts Resolved:\n{}{MD_B}\n\n",
            MD_A.strip_suffix('\n').unwrap()
        )
    );
}

#[test]
fn email_html_escapes_values_and_drops_the_comment() {
    let mut firing = data(false);
    firing.alerts[0]
        .annotations
        .insert("summary".into(), "<b>a</b> & 'quoted'".into());
    let t = Templates::with_defaults();
    let html = t
        .execute_html(r#"{{ template "email.default.html" . }}"#, &firing)
        .unwrap();
    assert!(
        html.starts_with("\n\n<!DOCTYPE html PUBLIC"),
        "{}",
        &html[..80]
    );
    assert!(!html.contains("<!--"));
    assert!(html.contains("<title>[FIRING:1] Down (node)</title>"));
    assert!(html.contains("2 alerts for \n                alertname=Down\n              \n"));
    assert!(html.contains(">[1] Firing</strong>"));
    assert!(html.contains(">[1] Resolved</strong>"));
    assert!(html.contains("summary = &lt;b&gt;a&lt;/b&gt; &amp; &#39;quoted&#39;<br"));
    assert!(html.contains(&format!("<a href=\"{URL}\" class=\"btn-primary\"")));
    assert!(html.contains("background-color: #E6522C;"));
    let resolved = t
        .execute_html(r#"{{ template "email.default.html" . }}"#, &data(true))
        .unwrap();
    assert!(resolved.contains("background-color: #68B90F;"));
    assert!(!resolved.contains("] Firing</strong>"));
    // Text templates do not escape; safeHtml marks text as safe.
    let text = t
        .execute_text("{{ .CommonLabels.job | printf \"<%s>\" }}", &firing)
        .unwrap();
    assert_eq!(text, "<node>");
    let safe = t
        .execute_html(r#"{{ "<i>" | safeHtml }}{{ "<i>" }}"#, &firing)
        .unwrap();
    assert_eq!(safe, "<i>&lt;i&gt;");
}

#[test]
fn receiver_is_quoted_then_url_escaped() {
    let mut d = data(false);
    d.receiver = crate::webhook::quote_meta("team ops/1.x");
    assert_eq!(
        Templates::with_defaults()
            .execute_text(r#"{{ template "__alertmanagerURL" . }}"#, &d)
            .unwrap(),
        "http://am.example:9093/#/alerts?receiver=team+ops%2F1%5C.x"
    );
}

#[test]
fn functions_behave_like_alertmanagers() {
    let t = Templates::with_defaults();
    let d = data(false);
    let cases = [
        (r#"{{ "hello wORLD" | title }}"#, "Hello World"),
        (r#"{{ "Ab" | toUpper }}{{ "Ab" | toLower }}"#, "ABab"),
        (r#"{{ stringSlice "a" "b" | join "," }}"#, "a,b"),
        (
            r#"{{ match "^a.c$" "abc" }} {{ match "x" "abc" }}"#,
            "true false",
        ),
        (r#"{{ reReplaceAll "(a+)" "<$1>" "baab" }}"#, "b<aa>b"),
        (r#"{{ len .Alerts }} {{ .Alerts.Resolved | len }}"#, "2 1"),
        (
            r#"{{ index .CommonLabels "job" }}|{{ index .CommonLabels "nope" }}"#,
            "node|",
        ),
        (
            r#"{{ .CommonLabels.job }}|{{ .CommonLabels.nope }}"#,
            "node|",
        ),
        (r#"{{ (index .Alerts 1).Labels.instance }}"#, "b"),
        (
            r#"{{ printf "%s=%d %q %.2f %v" "x" 3 "y" 1.5 true }}"#,
            "x=3 \"y\" 1.50 true",
        ),
        (
            r#"{{ and 1 0 }} {{ or 0 "" "z" }} {{ not false }}"#,
            "0 z true",
        ),
        (
            r#"{{ if and (eq .Status "firing") (gt (len .Alerts) 1) }}yes{{ end }}"#,
            "yes",
        ),
        (
            r#"{{ eq "a" "b" "a" }} {{ ne 1 2 }} {{ lt 1 2 }} {{ ge "b" "a" }}"#,
            "true true true true",
        ),
        (
            r#"{{ .GroupLabels.Names }} {{ .CommonLabels }}"#,
            "[alertname] map[alertname:Down job:node]",
        ),
        (
            r#"{{ range $i, $a := .Alerts }}{{ $i }}={{ $a.Status }} {{ end }}"#,
            "0=firing 1=resolved ",
        ),
        (
            r#"{{ range $k, $v := .CommonLabels }}{{ $k }}:{{ $v }};{{ end }}"#,
            "alertname:Down;job:node;",
        ),
        (
            r#"{{ range .Alerts }}{{ if eq .Status "resolved" }}{{ break }}{{ end }}x{{ end }}"#,
            "x",
        ),
        (
            r#"{{ range .Alerts.Firing }}{{ continue }}x{{ else }}none{{ end }}!"#,
            "!",
        ),
        (
            r#"{{ range .GroupLabels.Remove .GroupLabels.Names }}x{{ else }}empty{{ end }}"#,
            "empty",
        ),
        (
            r#"{{ $x := "a" }}{{ with .CommonLabels.job }}{{ $x = . }}{{ end }}{{ $x }}"#,
            "node",
        ),
        (
            r#"{{ with $.Alerts.Firing }}{{ (index . 0).Fingerprint | len }}{{ end }}"#,
            "16",
        ),
        (
            r#"{{ if false }}a{{ else if eq 1 2 }}b{{ else }}c{{ end }}"#,
            "c",
        ),
        (r#"{{- /* comment */ -}}  {{ "x" -}}  y"#, "xy"),
        (
            r#"{{ (index .Alerts 0).StartsAt }}"#,
            "2024-03-05 12:00:00 +0000 UTC",
        ),
        (r#"{{ (index .Alerts 0).StartsAt.Unix }}"#, "1709640000"),
        (
            r#"{{ date "2006-01-02 15:04 MST" (index .Alerts 0).StartsAt }}"#,
            "2024-03-05 12:00 UTC",
        ),
        (
            r#"{{ (index .Alerts 0).StartsAt | tz "UTC" | date "Jan _2" }}"#,
            "Mar  5",
        ),
        (
            r#"{{ (index .Alerts 0).EndsAt.IsZero }} {{ (index .Alerts 1).EndsAt.IsZero }}"#,
            "true false",
        ),
        (r#"{{ .Nothing.Here | len }}"#, ""),
    ];
    for (text, want) in cases.iter().take(cases.len() - 1) {
        assert_eq!(
            t.execute_text(text, &d)
                .unwrap_or_else(|e| panic!("{text}: {e}")),
            *want,
            "{text}"
        );
    }
    let e = t.execute_text(cases[cases.len() - 1].0, &d).unwrap_err();
    assert!(
        e.message
            .contains("can't evaluate field Nothing in type *template.Data"),
        "{e}"
    );
}

#[test]
fn user_templates_override_defaults_and_define_new_ones() {
    let mut t = Templates::with_defaults();
    t.add_file(
        "custom.tmpl",
        r#"{{ define "slack.default.title" }}custom {{ .Status }}{{ end }}{{ define "mine" }}{{ len .Alerts }}{{ end }}"#,
    )
    .unwrap();
    let d = data(false);
    assert_eq!(
        t.execute_text(r#"{{ template "slack.default.title" . }}"#, &d)
            .unwrap(),
        "custom firing"
    );
    assert_eq!(
        t.execute_text(r#"{{ template "mine" . }}"#, &d).unwrap(),
        "2"
    );
    // An empty definition does not replace a non-empty one.
    t.add_file("empty.tmpl", r#"{{ define "mine" }} {{ end }}"#)
        .unwrap();
    assert_eq!(
        t.execute_text(r#"{{ template "mine" . }}"#, &d).unwrap(),
        "2"
    );
}

#[test]
fn parse_errors_name_the_template_and_position() {
    let mut t = Templates::empty();
    let e = t
        .add_file(
            "bad.tmpl",
            "line one\n  {{ define \"x\" }}{{ .A | nosuch }}{{ end }}",
        )
        .unwrap_err();
    assert_eq!((e.name.as_str(), e.line, e.column), ("bad.tmpl", 2, 19));
    assert!(e.message.contains("function \"nosuch\" not defined"), "{e}");
    assert!(e.to_string().starts_with("template: bad.tmpl:2:19: "));
    for bad in [
        "{{ if .A }}x",
        "{{ .A ",
        "{{ end }}",
        "{{ \"x }}",
        "{{ ( .A }}",
        "{{ else }}",
    ] {
        assert!(Templates::check(bad).is_err(), "{bad}");
    }
}

#[test]
fn execution_is_bounded_and_never_panics() {
    let d = data(false);
    let t = Templates::with_defaults();
    let recursion = t
        .execute_text(
            r#"{{ define "r" }}{{ template "r" . }}{{ end }}{{ template "r" . }}"#,
            &d,
        )
        .unwrap_err();
    assert!(
        recursion.message.contains("nested too deeply"),
        "{recursion}"
    );
    let huge_range = t
        .execute_text("{{ range 1000000000000 }}x{{ end }}", &d)
        .unwrap_err();
    assert!(
        huge_range.message.contains("too many steps"),
        "{huge_range}"
    );
    let small = Templates::with_defaults().with_limits(Limits {
        max_output: 1000,
        ..Limits::default()
    });
    let output = small
        .execute_text("{{ range 100 }}{{ range 100 }}xx{{ end }}{{ end }}", &d)
        .unwrap_err();
    assert!(
        output.message.contains("output larger than 1000 bytes"),
        "{output}"
    );
    let missing = t
        .execute_text(r#"{{ template "nope" . }}"#, &d)
        .unwrap_err();
    assert!(missing.message.contains("no such template \"nope\""));
    assert!(t.execute_text("{{ index .Alerts 9 }}", &d).is_err());
    assert!(t
        .execute_text("{{ reReplaceAll \"(\" \"\" \"x\" }}", &d)
        .is_err());
    assert!(t.execute_text("{{ len 3 }}", &d).is_err());
    assert!(t.execute_text("{{ eq .Alerts 1 }}", &d).is_err());
}

/// Outputs of Alertmanager 0.25's own Go template package for the same
/// data (see `testdata/README.md`): text templates by text, then mode.
const GO_TEXT: &str = include_str!("testdata/go_text.json");

#[test]
fn text_templates_render_byte_for_byte_like_alertmanagers_go_code() {
    let golden: serde_json::Value = serde_json::from_str(GO_TEXT).unwrap();
    let t = Templates::with_defaults();
    let mut checked = 0;
    for (text, outputs) in golden.as_object().unwrap() {
        for (mode, data) in [("firing", data(false)), ("resolved", data(true))] {
            let want = outputs[mode].as_str().unwrap();
            let got = t
                .execute_text(text, &data)
                .unwrap_or_else(|e| format!("ERROR: {e}"));
            assert_eq!(got, want, "{text} ({mode})");
            checked += 1;
        }
    }
    assert!(checked >= 50, "{checked}");
}

#[test]
fn email_html_renders_byte_for_byte_like_alertmanagers_go_code() {
    let t = Templates::with_defaults();
    // Characters that html/template escapes, in text and in a URL.
    let mut special = data(false);
    special.alerts[0]
        .annotations
        .insert("summary".into(), "<b>x+y</b> & 'q' \"d\" é".into());
    special.alerts[0].generator_url =
        "http://prom/graph?g0.expr=rate(x[5m]) > 0&g0.tab=1%20".into();
    for (data, want) in [
        (data(false), include_str!("testdata/email_firing.html")),
        (data(true), include_str!("testdata/email_resolved.html")),
        (special, include_str!("testdata/email_special.html")),
    ] {
        let got = t
            .execute_html(r#"{{ template "email.default.html" . }}"#, &data)
            .unwrap();
        if got != want {
            let at = got
                .bytes()
                .zip(want.bytes())
                .position(|(a, b)| a != b)
                .unwrap_or(got.len().min(want.len()));
            panic!(
                "differs at byte {at}:\n got: {:?}\nwant: {:?}",
                &got[at.saturating_sub(80)..(at + 80).min(got.len())],
                &want[at.saturating_sub(80)..(at + 80).min(want.len())]
            );
        }
    }
}

mod never_panics {
    use proptest::prelude::*;

    use super::*;

    const PIECES: &[&str] = &[
        "{{",
        "}}",
        "{{-",
        "-}}",
        " ",
        "\n",
        ".",
        "$",
        "$x",
        ":=",
        "=",
        "|",
        "(",
        ")",
        "\"",
        "`",
        "'",
        "/*",
        "*/",
        "if",
        "else",
        "end",
        "range",
        "with",
        "define",
        "template",
        "block",
        "break",
        "continue",
        "len",
        "index",
        "printf",
        "eq",
        "and",
        "or",
        "not",
        "join",
        "reReplaceAll",
        "match",
        "title",
        "safeHtml",
        "Alerts",
        ".Alerts",
        ".Status",
        ".CommonLabels",
        ".SortedPairs",
        ".Remove",
        ".Firing",
        "\"x\"",
        "\"%s %d %v\"",
        "1",
        "-1",
        "0x1f",
        "1.5",
        "nil",
        "true",
        "\"[\"",
        "é",
        "<a href=\"",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn random_templates_parse_or_fail_and_never_panic(
            picks in proptest::collection::vec(0..PIECES.len(), 0..40),
        ) {
            let text: String = picks.iter().map(|&i| PIECES[i]).collect();
            let t = Templates::with_defaults().with_limits(Limits {
                max_output: 1 << 16,
                max_steps: 10_000,
                max_depth: 16,
            });
            let d = data(false);
            let _ = t.execute_text(&text, &d);
            let _ = t.execute_html(&text, &d);
            let mut files = Templates::empty();
            let _ = files.add_file("random.tmpl", &text);
        }
    }
}
