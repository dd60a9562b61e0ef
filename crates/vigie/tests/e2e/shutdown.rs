//! Graceful shutdown: what was acknowledged is written before exit.

use std::thread;

use crate::harness::{curl, json, scratch, Server};

#[test]
fn sigterm_during_ingest_keeps_every_acknowledged_event() {
    let dir = scratch("shutdown");
    let mut server = Server::start(&dir, None);
    let auth = format!("Authorization: Bearer {}", server.token);
    let url = server.url("/api/v1/ingest/json");
    let body: String = (0..2000)
        .map(|i| format!("{{\"@timestamp\":\"2024-05-01T00:00:00Z\",\"message\":\"event {i}\"}}\n"))
        .collect();
    let path = dir.join("batch.ndjson");
    std::fs::write(&path, body).unwrap();
    let arg = format!("@{}", path.display());

    // Four clients push batches until the server goes away; each counts
    // the events it was told were accepted.
    let clients: Vec<_> = (0..4)
        .map(|_| {
            let (auth, url, arg) = (auth.clone(), url.clone(), arg.clone());
            thread::spawn(move || {
                let mut acked = 0u64;
                for _ in 0..200 {
                    let out = std::process::Command::new("curl")
                        .args([
                            "-s",
                            "-o",
                            "-",
                            "-w",
                            "\n%{http_code}",
                            "-H",
                            &auth,
                            "-H",
                            "Content-Type: application/x-ndjson",
                            "--data-binary",
                            &arg,
                            &url,
                        ])
                        .output()
                        .unwrap();
                    let text = String::from_utf8_lossy(&out.stdout).into_owned();
                    let Some((body, code)) = text.rsplit_once('\n') else {
                        break;
                    };
                    match code.trim() {
                        "200" => acked += json(body)["events"].as_u64().unwrap(),
                        "429" => continue,
                        _ => break, // connection refused or 503: the server is stopping
                    }
                }
                acked
            })
        })
        .collect();
    // Let the clients get going, then stop the server under load.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let (_, text) = curl(&["-H", &auth, &server.url("/metrics")]);
        let accepted = crate::harness::metric(
            &text,
            r#"vigie_ingest_records_total{dataset="json",outcome="accepted"}"#,
        )
        .unwrap_or(0.0);
        if accepted >= 20_000.0 || std::time::Instant::now() > deadline {
            break;
        }
        thread::sleep(std::time::Duration::from_millis(20));
    }
    let status = server.terminate();
    let acked: u64 = clients.into_iter().map(|c| c.join().unwrap()).sum();
    assert_eq!(status.code(), Some(0), "{}", server.log_text());
    assert!(
        acked >= 20_000,
        "load was running when SIGTERM arrived ({acked})"
    );
    let spooled = server.stored();
    assert_eq!(
        spooled.len() as u64,
        acked,
        "every acknowledged event is in the store, none twice"
    );
}
