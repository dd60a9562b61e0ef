//! Arbitrary bytes (as lossy UTF-8) as a notification template, added as a
//! template file beside the default templates and executed as text and as
//! HTML on fixed data with small limits: nothing panics, and a rendered
//! output never exceeds the output limit.
#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use vigie_alert::template::{Limits, TemplateAlert, TemplateData, Templates};
use vigie_alert::Timestamp;

const MAX_OUTPUT: usize = 64 << 10;

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn data() -> TemplateData {
    let start = Timestamp::from_nanos(1_709_640_000_000_000_000);
    let alert = |status: &str, ends_at| TemplateAlert {
        status: status.into(),
        labels: labels(&[
            ("alertname", "Down"),
            ("job", "api"),
            ("instance", "a:9090"),
        ]),
        annotations: labels(&[
            ("summary", "<b>down</b> & \"out\""),
            ("runbook", "http://x/y?a=b"),
        ]),
        starts_at: start,
        ends_at,
        generator_url: "http://prometheus/graph?g0.expr=up".into(),
        fingerprint: "0123456789abcdef".into(),
    };
    TemplateData {
        receiver: "team-x".into(),
        status: "firing".into(),
        alerts: vec![
            alert("firing", None),
            alert(
                "resolved",
                Some(Timestamp::from_nanos(start.as_nanos() + 60_000_000_000)),
            ),
        ],
        group_labels: labels(&[("alertname", "Down")]),
        common_labels: labels(&[("alertname", "Down"), ("job", "api")]),
        common_annotations: labels(&[("runbook", "http://x/y?a=b")]),
        external_url: "http://alertmanager:9093".into(),
    }
}

thread_local! {
    // Parsed once: cloning is much cheaper than re-reading the defaults.
    static BASE: (Templates, TemplateData) = (
        Templates::with_defaults().with_limits(Limits {
            max_output: MAX_OUTPUT,
            max_steps: 20_000,
            max_depth: 16,
        }),
        data(),
    );
}

fuzz_target!(|bytes: &[u8]| {
    let text = String::from_utf8_lossy(bytes);
    BASE.with(|(base, data)| {
        let mut templates = base.clone();
        if templates.add_file("fuzz.tmpl", &text).is_err() {
            // Execution parses the same text: it must fail the same way.
            assert!(templates.execute_text(&text, data).is_err());
            return;
        }
        for html in [false, true] {
            let out = if html {
                templates.execute_html(&text, data)
            } else {
                templates.execute_text(&text, data)
            };
            if let Ok(out) = out {
                assert!(
                    out.len() <= MAX_OUTPUT,
                    "output of {} bytes past the {MAX_OUTPUT}-byte limit",
                    out.len()
                );
            }
        }
    });
});
