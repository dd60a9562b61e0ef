//! Real HTTP clients against a real server: curl and Python `requests`.

use serde_json::Value;

use crate::harness::{curl, fixture, gzip, json, metric, run_python_client, scratch, Server};

#[test]
fn zero_config_start_prints_a_token_once_and_guards_every_api_but_health() {
    let dir = scratch("zero-config");
    let mut server = Server::start(&dir, None);
    let token = server.token.clone();
    assert!(
        token.starts_with("vigie_") && token.len() > 40,
        "token printed at first start:\n{}",
        server.log_text()
    );

    assert_eq!(curl(&[&server.url("/-/healthy")]).0, 200);
    assert_eq!(curl(&[&server.url("/-/ready")]).0, 200);
    let (status, body) = curl(&[&server.url("/metrics")]);
    assert_eq!(status, 401);
    assert!(body.contains("missing token"));
    let auth = format!("Authorization: Bearer {token}");
    let (status, body) = curl(&["-H", &auth, &server.url("/metrics")]);
    assert_eq!(status, 200);
    assert!(body.contains("vigie_build_info"));
    assert_eq!(server.terminate().code(), Some(0));

    // A restart keeps the token and prints nothing new; the log never held
    // the secret except in that one first-start notice.
    let mut again = Server::start(&dir, None);
    assert!(
        !again.log_text().contains("vigie_"),
        "no new token at the second start"
    );
    assert_eq!(curl(&["-H", &auth, &again.url("/metrics")]).0, 200);
    again.terminate();
    let stored = std::fs::read_to_string(dir.join("data/auth/tokens.json")).unwrap();
    assert!(!stored.contains(&token));
}

#[test]
fn curl_pushes_cloudtrail_gzip_the_k8s_webhook_and_falco_output() {
    let dir = scratch("curl-push");
    let mut server = Server::start(&dir, None);
    let auth = format!("Authorization: Bearer {}", server.token);

    // A CloudTrail file, gzip-compressed as S3 delivers it.
    let raw = std::fs::read(fixture(
        "elastic/aws/cloudtrail/test-console-login-json.log",
    ))
    .unwrap();
    let lines = raw.split(|b| *b == b'\n').filter(|l| !l.is_empty()).count();
    let gz = dir.join("ct.json.gz");
    std::fs::write(&gz, gzip(&raw)).unwrap();
    let (status, body) = curl(&[
        "-H",
        &auth,
        "-H",
        "Content-Type: application/x-ndjson",
        "-H",
        "Content-Encoding: gzip",
        "--data-binary",
        &format!("@{}", gz.display()),
        &server.url("/api/v1/ingest/aws.cloudtrail"),
    ]);
    assert_eq!(status, 200, "{body}");
    let reply = json(&body);
    assert_eq!(reply["accepted"], lines);
    assert_eq!(reply["events"], lines);
    assert_eq!(reply["rejected"], 0);

    // The kube-apiserver webhook backend sends an EventList.
    let mut items = Vec::new();
    for name in [
        "create_secret.json",
        "create_configmap.json",
        "delete_namespace_foo.json",
    ] {
        let text = std::fs::read_to_string(fixture(&format!("falco/k8s_audit_trace_files/{name}")))
            .unwrap();
        items.push(json(&text));
    }
    let list = serde_json::json!({"kind": "EventList", "apiVersion": "audit.k8s.io/v1", "metadata": {}, "items": items});
    let (status, body) = curl(&[
        "-H",
        &auth,
        "-H",
        "Content-Type: application/json",
        "--data-binary",
        &list.to_string(),
        &server.url("/api/v1/k8s/audit"),
    ]);
    assert_eq!(status, 200, "{body}");
    assert_eq!(json(&body)["events"], 3);

    // Falco's http_output puts credentials in the URL (HTTP Basic).
    let payloads =
        std::fs::read_to_string(fixture("falcosidekick/test_payloads_extracted.jsonl")).unwrap();
    let first: Value = json(payloads.lines().next().unwrap());
    let falco_url = format!("http://falco:{}@{}/api/v1/falco", server.token, server.addr);
    let (status, body) = curl(&[
        "-H",
        "Content-Type: application/json",
        "--data-binary",
        first["raw"].as_str().unwrap(),
        &falco_url,
    ]);
    assert_eq!(status, 200, "{body}");
    assert_eq!(json(&body)["events"], 1);

    assert_eq!(server.terminate().code(), Some(0));
    let events = server.stored();
    let count = |d: &str| events.iter().filter(|e| e["event"]["dataset"] == d).count();
    assert_eq!(count("aws.cloudtrail"), lines);
    assert_eq!(count("kubernetes.audit"), 3);
    assert_eq!(count("falco.alerts"), 1);
    // Originals are kept verbatim.
    let first_line =
        String::from_utf8(raw.split(|b| *b == b'\n').next().unwrap().to_vec()).unwrap();
    assert!(events
        .iter()
        .any(|e| e["event"]["original"] == first_line.as_str()));
}

#[test]
fn bad_input_gets_clear_errors_and_is_counted_in_metrics() {
    let dir = scratch("bad-input");
    let config = "ingest:\n  max_body_bytes: 64KiB\n  max_decompressed_bytes: 256KiB\n  max_record_bytes: 4KiB\n";
    let mut server = Server::start(&dir, Some(config));
    let auth = format!("Authorization: Bearer {}", server.token);
    let url = server.url("/api/v1/ingest/json");

    // curl's default form content type is refused.
    let (status, body) = curl(&["-H", &auth, "-d", "a=b", &url]);
    assert_eq!(status, 415);
    assert!(body.contains("application/x-www-form-urlencoded"));

    // A body over the limit.
    let big = dir.join("big.ndjson");
    std::fs::write(&big, "{\"message\":\"x\"}\n".repeat(10_000)).unwrap();
    let (status, body) = curl(&[
        "-H",
        &auth,
        "-H",
        "Content-Type: application/x-ndjson",
        "--data-binary",
        &format!("@{}", big.display()),
        &url,
    ]);
    assert_eq!(status, 413);
    assert!(body.contains("65536 bytes"), "{body}");

    // A gzip bomb: 50 MiB of zeros in ~50 KiB.
    let bomb = dir.join("bomb.gz");
    std::fs::write(&bomb, gzip(&vec![b'0'; 50 << 20])).unwrap();
    let (status, body) = curl(&[
        "-H",
        &auth,
        "-H",
        "Content-Type: application/x-ndjson",
        "-H",
        "Content-Encoding: gzip",
        "--data-binary",
        &format!("@{}", bomb.display()),
        &url,
    ]);
    assert_eq!(status, 413, "{body}");
    assert!(body.contains("decompressed"));

    // Malformed, oversized and too-deep records are rejected alone.
    let body_text = format!(
        "{{\"message\":\"ok1\"}}\n{{\"message\":\n{{\"message\":\"{}\"}}\n{}{}\n{{\"message\":\"ok2\"}}\n",
        "y".repeat(5000),
        "[".repeat(80),
        "]".repeat(80)
    );
    let (status, body) = curl(&[
        "-H",
        &auth,
        "-H",
        "Content-Type: application/x-ndjson",
        "--data-binary",
        &body_text,
        &url,
    ]);
    assert_eq!(status, 200, "{body}");
    let reply = json(&body);
    assert_eq!(reply["accepted"], 2);
    let indices: Vec<u64> = reply["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["index"].as_u64().unwrap())
        .collect();
    assert_eq!(indices, [1, 2, 3]);

    let (_, text) = curl(&["-H", &auth, &server.url("/metrics")]);
    let expected = [
        (
            r#"vigie_ingest_request_errors_total{input="http",reason="content_type"}"#,
            1.0,
        ),
        (
            r#"vigie_ingest_request_errors_total{input="http",reason="body_too_large"}"#,
            1.0,
        ),
        (
            r#"vigie_ingest_request_errors_total{input="http",reason="decompressed_too_large"}"#,
            1.0,
        ),
        (
            r#"vigie_ingest_records_total{dataset="json",outcome="accepted"}"#,
            2.0,
        ),
        (
            r#"vigie_ingest_records_total{dataset="json",outcome="rejected"}"#,
            3.0,
        ),
        (
            r#"vigie_ingest_rejected_records_total{dataset="json",reason="too_large"}"#,
            1.0,
        ),
        (
            r#"vigie_ingest_rejected_records_total{dataset="json",reason="too_deep"}"#,
            1.0,
        ),
    ];
    let wrong: Vec<String> = expected
        .iter()
        .filter(|(series, want)| metric(&text, series) != Some(*want))
        .map(|(series, want)| format!("{series}: want {want}, got {:?}", metric(&text, series)))
        .collect();
    assert!(wrong.is_empty(), "metrics:\n{}", wrong.join("\n"));
    assert_eq!(server.terminate().code(), Some(0));
    assert_eq!(
        server.stored().len(),
        2,
        "only the good records reached the pipeline"
    );
    // The secret shows only in the first-start notice, never in a log record.
    let log = server.log_text();
    let leaks: Vec<&str> = log
        .lines()
        .filter(|l| {
            l.contains(&server.token)
                && (l.starts_with("20") || l.contains(" INFO ") || l.contains(" DEBUG "))
        })
        .collect();
    assert!(leaks.is_empty(), "token in log records: {leaks:?}");
    assert!(
        log.lines().any(|l| l.trim() == server.token),
        "the notice shows it once on its own line"
    );
}

#[test]
fn python_requests_client_pushes_and_reads_replies() {
    let dir = scratch("python");
    let mut server = Server::start(&dir, None);
    let summary = run_python_client("push_client.py", &server);
    server.terminate();
    assert_eq!(
        server.stored().len() as u64,
        summary["events"].as_u64().unwrap()
    );
}

#[test]
fn configured_tokens_from_the_environment_replace_the_bootstrap_token() {
    let dir = scratch("configured-tokens");
    let config = "auth:\n  tokens:\n    - name: shipper\n      token: ${SHIPPER_TOKEN}\n      scopes: [ingest]\n";
    let secret = "shipper-secret-0123456789abcdef";
    let mut server = Server::start_with_env(&dir, Some(config), &[("SHIPPER_TOKEN", secret)]);
    assert!(
        server.token.is_empty(),
        "no bootstrap token when tokens are configured:\n{}",
        server.log_text()
    );
    let auth = format!("Authorization: Bearer {secret}");
    let (status, body) = curl(&[
        "-H",
        &auth,
        "-H",
        "Content-Type: application/json",
        "--data-binary",
        "{\"message\":\"hello\"}",
        &server.url("/api/v1/ingest/json"),
    ]);
    assert_eq!(status, 200, "{body}");
    let (status, body) = curl(&["-H", &auth, &server.url("/metrics")]);
    assert_eq!(status, 403);
    assert!(
        body.contains("token `shipper` lacks the `read` scope"),
        "{body}"
    );
    server.terminate();
    assert!(
        !server.log_text().contains(secret),
        "the secret never reaches the log"
    );
}

#[test]
fn the_python_elasticsearch_client_ships_with_bulk() {
    let dir = scratch("es-client");
    let mut server = Server::start(&dir, None);
    let summary = run_python_client("es_client.py", &server);
    server.terminate();
    let events = server.stored();
    let count = |d: &str| events.iter().filter(|e| e["event"]["dataset"] == d).count() as u64;
    assert_eq!(
        count("aws.cloudtrail"),
        summary["cloudtrail"].as_u64().unwrap()
    );
    assert_eq!(count("kubernetes.audit"), summary["k8s"].as_u64().unwrap());
    assert_eq!(
        count("json"),
        1,
        "the app-logs document, detected as generic JSON"
    );
}
