//! The event store end to end: `kill -9` under load loses no acknowledged
//! event and duplicates none; a full disk answers 507 and damages nothing;
//! files on S3 (moto) are read by a second process; the query APIs and the
//! `vigie search` / `vigie sql` commands.

use std::collections::BTreeMap;
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use crate::harness::{curl, json, metric, scratch, vigie_bin, Server};

/// Quick flushes, so that a crash finds events both in files and only in
/// the log.
const FAST_FLUSH: &str = "store:\n  flush_interval: 1s\n  flush_events: 5000\n";

/// Pushes batches of `size` events with unique messages `c<client>-<batch>-<i>`
/// until `stop` says so or the server fails; returns the acknowledged
/// batch ids.
fn push_until(
    server: &Server,
    client: usize,
    size: usize,
    stop: &std::sync::atomic::AtomicBool,
) -> Vec<String> {
    let auth = format!("Authorization: Bearer {}", server.token);
    let url = server.url("/api/v1/ingest/json");
    let dir = server.dir.clone();
    let mut acked = Vec::new();
    for batch in 0.. {
        if stop.load(std::sync::atomic::Ordering::SeqCst) {
            break;
        }
        let id = format!("c{client}-{batch}");
        let body: String = (0..size)
            .map(|i| {
                format!(
                    "{{\"@timestamp\":\"2024-05-01T00:{:02}:{:02}Z\",\"message\":\"{id}-{i}\"}}\n",
                    batch % 60,
                    i % 60
                )
            })
            .collect();
        let path = dir.join(format!("batch-{client}.ndjson"));
        std::fs::write(&path, body).unwrap();
        let arg = format!("@{}", path.display());
        let out = Command::new("curl")
            .args([
                "-s",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
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
        match String::from_utf8_lossy(&out.stdout).trim() {
            "200" => acked.push(id),
            "429" => continue,
            _ => break,
        }
    }
    acked
}

/// Events per batch id, counted by the server.
fn per_batch(server: &Server) -> BTreeMap<String, u64> {
    server
        .sql_rows(
            "SELECT split_part(message, '-', 1) || '-' || split_part(message, '-', 2) AS b, count(*) AS n FROM events GROUP BY 1",
        )
        .into_iter()
        .map(|r| (r["b"].as_str().unwrap().to_owned(), r["n"].as_u64().unwrap()))
        .collect()
}

#[test]
fn kill_9_during_ingest_loses_no_acknowledged_event_and_duplicates_none() {
    let dir = scratch("kill9");
    let mut server = Server::start(&dir, Some(FAST_FLUSH));
    let token = server.token.clone();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    const SIZE: usize = 500;
    let acked: Vec<String> = thread::scope(|s| {
        let clients: Vec<_> = (0..4)
            .map(|c| {
                let (server, stop) = (&server, stop.clone());
                s.spawn(move || push_until(server, c, SIZE, &stop))
            })
            .collect();
        // Under load long enough for flushes to files to happen.
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let (_, text) = server.get("/metrics");
            let flushes = metric(&text, "vigie_store_flushes_total").unwrap_or(0.0);
            let events = metric(&text, "vigie_pipeline_events_total").unwrap_or(0.0);
            if (flushes >= 2.0 && events >= 40_000.0) || Instant::now() > deadline {
                break;
            }
            thread::sleep(Duration::from_millis(50));
        }
        let pid = server.pid();
        let ok = Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        clients
            .into_iter()
            .flat_map(|c| c.join().unwrap())
            .collect()
    });
    server.kill9();
    assert!(
        acked.len() >= 40,
        "load was running when the kill came ({} batches)",
        acked.len()
    );

    let mut server = Server::start(&dir, Some(FAST_FLUSH));
    server.token = token;
    assert!(
        server.log_text().contains("event store open"),
        "{}",
        server.log_text()
    );
    let stored = per_batch(&server);
    for id in &acked {
        assert_eq!(
            stored.get(id),
            Some(&(SIZE as u64)),
            "acknowledged batch {id} is whole after the crash"
        );
    }
    for (id, n) in &stored {
        assert!(
            *n <= SIZE as u64,
            "batch {id} stored {n} times over {SIZE} events: duplicated"
        );
    }
}

#[test]
fn a_full_disk_answers_507_and_keeps_every_acknowledged_event() {
    let dir = scratch("diskfull");
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    // A 3 MiB tmpfs as the data directory, in a private mount namespace
    // (needs root, as CI has).
    let mount = format!(
        "mount -t tmpfs -o size=3m tmpfs '{}' && exec \"$@\"",
        data.display()
    );
    let server = Server::start_wrapped(
        &dir,
        Some(FAST_FLUSH),
        &[],
        &["unshare", "-m", "sh", "-c", &mount, "sh"],
    );
    let mut acked = 0u64;
    let mut refused = None;
    for batch in 0..400 {
        let body: String = (0..200)
            .map(|i| {
                format!(
                    "{{\"@timestamp\":\"2024-05-01T00:00:00Z\",\"message\":\"b{batch}-{i} {}\"}}\n",
                    "x".repeat(200)
                )
            })
            .collect();
        let path = dir.join("batch.ndjson");
        std::fs::write(&path, body).unwrap();
        let (status, text) = server.post(
            "/api/v1/ingest/json",
            "application/x-ndjson",
            &format!("@{}", path.display()),
        );
        match status {
            200 => acked += 200,
            507 => {
                refused = Some(text);
                break;
            }
            other => panic!("unexpected {other}: {text}\n{}", server.log_text()),
        }
    }
    let refused = refused.expect("the disk filled up within 1000 batches");
    assert!(
        json(&refused)["error"]
            .as_str()
            .unwrap()
            .contains("disk is full"),
        "{refused}"
    );
    assert!(acked > 0);
    assert!(
        server
            .log_text()
            .contains("disk holding the write-ahead log is full"),
        "{}",
        server.log_text()
    );
    let (_, text) = server.get("/metrics");
    assert!(
        metric(&text, "vigie_store_disk_full_refusals_total").unwrap_or(0.0) >= 1.0,
        "{text}"
    );
    // Reads still work, and hold exactly what was acknowledged.
    let rows = server.sql_rows("SELECT count(*) AS n FROM events");
    assert_eq!(rows[0]["n"].as_u64(), Some(acked));
    // Still refused, still consistent.
    let (status, _) = server.post(
        "/api/v1/ingest/json",
        "application/x-ndjson",
        "{\"message\":\"one more\"}",
    );
    assert!(status == 507 || status == 200, "{status}");
}

/// A moto S3 server on a free port, killed on drop.
struct Moto {
    child: std::process::Child,
    endpoint: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_moto(dir: &std::path::Path) -> Moto {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let log = std::fs::File::create(dir.join("moto.log")).unwrap();
    let args = ["-H", "127.0.0.1", "-p", &port.to_string()];
    let child = Command::new("moto_server")
        .args(args)
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .or_else(|_| {
            Command::new("python3")
                .args(["-m", "moto.server"])
                .args(args)
                .spawn()
        })
        .expect("moto (pip install 'moto[server]') is needed for the S3 storage test");
    let moto = Moto {
        child,
        endpoint: format!("http://127.0.0.1:{port}"),
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "moto did not start");
        thread::sleep(Duration::from_millis(100));
    }
    moto
}

#[test]
fn s3_storage_is_read_by_a_second_process() {
    let dir = scratch("s3store");
    let moto = start_moto(&dir);
    let (status, text) = curl(&["-X", "PUT", &format!("{}/vigie-events", moto.endpoint)]);
    assert_eq!(status, 200, "create bucket: {text}");
    let config = format!(
        "store:\n  storage: s3://vigie-events/prod\n  flush_interval: 1s\n  s3:\n    endpoint: {}\n    region: us-east-1\n    access_key_id: testing\n    secret_access_key: testing\n",
        moto.endpoint
    );
    let first_dir = dir.join("first");
    std::fs::create_dir_all(&first_dir).unwrap();
    let first = Server::start(&first_dir, Some(&config));
    let body: String = (0..1000)
        .map(|i| format!("{{\"@timestamp\":\"2024-05-01T00:00:{:02}Z\",\"message\":\"from the first {i}\",\"src_ip\":\"198.51.100.{}\"}}\n", i % 60, i % 200))
        .collect();
    let path = dir.join("batch.ndjson");
    std::fs::write(&path, body).unwrap();
    let (status, text) = first.post(
        "/api/v1/ingest/json",
        "application/x-ndjson",
        &format!("@{}", path.display()),
    );
    assert_eq!(status, 200, "{text}");
    // Wait for the flush to the bucket.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, m) = first.get("/metrics");
        if metric(&m, "vigie_store_file_events").unwrap_or(0.0) >= 1000.0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no flush to S3 in 30 s:\n{}",
            first.log_text()
        );
        thread::sleep(Duration::from_millis(100));
    }
    // The objects are in the bucket.
    let (_, listing) = curl(&[&format!(
        "{}/vigie-events?list-type=2&prefix=prod/events/v1/",
        moto.endpoint
    )]);
    assert!(
        listing.contains(".parquet") && listing.contains(".tokens"),
        "{listing}"
    );

    // A second vigie with its own data directory, the same bucket.
    let second_dir = dir.join("second");
    std::fs::create_dir_all(&second_dir).unwrap();
    let second = Server::start(&second_dir, Some(&config));
    let rows = second.sql_rows("SELECT count(*) AS n, count(DISTINCT message) AS m FROM events");
    assert_eq!(rows[0]["n"].as_u64(), Some(1000));
    assert_eq!(rows[0]["m"].as_u64(), Some(1000));
    let (status, page) = second.get("/api/v1/search?q=%22from%20the%20first%20777%22");
    assert_eq!(status, 200, "{page}");
    assert_eq!(json(&page)["hits"].as_array().unwrap().len(), 1, "{page}");

    // And the command line, offline, from the same configuration.
    let cfg = dir.join("offline.yaml");
    std::fs::write(&cfg, &config).unwrap();
    let out = Command::new(vigie_bin())
        .args([
            "sql",
            "--offline",
            "--format",
            "ndjson",
            "SELECT count(*) AS n FROM events",
        ])
        .arg("--config")
        .arg(&cfg)
        .env("VIGIE_DATA_DIR", dir.join("offline-data"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(json(String::from_utf8_lossy(&out.stdout).trim())["n"], 1000);
}

#[test]
fn query_apis_and_commands_answer_and_point_at_mistakes() {
    let dir = scratch("queryapi");
    let server = Server::start(&dir, None);
    let body: String = (0..300)
        .map(|i| format!("{{\"@timestamp\":\"2024-05-01T00:{:02}:00Z\",\"message\":\"login for user{} from 192.0.2.{}\",\"user\":\"user{}\"}}\n", i % 60, i % 3, i % 7, i % 3))
        .collect();
    let path = dir.join("batch.ndjson");
    std::fs::write(&path, body).unwrap();
    let (status, text) = server.post(
        "/api/v1/ingest/json",
        "application/x-ndjson",
        &format!("@{}", path.display()),
    );
    assert_eq!(status, 200, "{text}");

    // Searchable at once (from memory), newest first.
    let (status, page) = server.get("/api/v1/search?q=192.0.2.5&size=5");
    assert_eq!(status, 200, "{page}");
    let page = json(&page);
    let hits = page["hits"].as_array().unwrap();
    assert_eq!(hits.len(), 5);
    assert_eq!(hits[0]["@timestamp"], "2024-05-01T00:59:00.000Z");
    assert!(page["next"].is_string());

    // A syntax error: 400 with the position.
    let (status, err) = server.get("/api/v1/search?q=message:(a%20OR");
    assert_eq!(status, 400, "{err}");
    assert_eq!(json(&err)["position"]["line"], 1, "{err}");
    let (status, err) = server.post(
        "/api/v1/query",
        "text/plain",
        "SELECT count(*) FROM events WHERE",
    );
    assert_eq!(status, 400, "{err}");
    assert!(json(&err)["position"]["column"].as_u64().is_some(), "{err}");
    let (status, err) = server.post("/api/v1/query", "text/plain", "DROP TABLE events");
    assert_eq!(status, 400, "{err}");
    // No token, no answer.
    let (status, _) = curl(&[&server.url("/api/v1/search?q=*")]);
    assert_eq!(status, 401);

    // Counts over time and top values.
    let (status, agg) = server.get("/api/v1/aggregate?q=*&interval=30m");
    assert_eq!(status, 200, "{agg}");
    let counts: Vec<u64> = json(&agg)["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["count"].as_u64().unwrap())
        .collect();
    assert_eq!(counts, vec![150, 150]);
    let (status, top) = server.get("/api/v1/aggregate?field=message&top=1&q=user1");
    assert_eq!(status, 200, "{top}");
    assert_eq!(json(&top)["values"][0]["count"], 15, "{top}");

    // The commands print a table, or NDJSON.
    let cmd = |args: &[&str]| {
        let out = Command::new(vigie_bin())
            .args(args)
            .env("VIGIE_URL", format!("http://{}", server.addr))
            .env("VIGIE_TOKEN", &server.token)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, table, _) = cmd(&["search", "-n", "3", "message:\"for user2 from\""]);
    assert_eq!(code, Some(0));
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 5, "header, rule and 3 rows:\n{table}");
    assert!(lines[0].starts_with("@timestamp"));
    assert!(lines[2].contains("login for user2 from"), "{table}");
    let (code, nd, _) = cmd(&[
        "sql",
        "--format",
        "ndjson",
        "SELECT count(*) AS n FROM events WHERE message LIKE '%user2%'",
    ]);
    assert_eq!(code, Some(0));
    assert_eq!(json(nd.trim())["n"], 100);
    let (code, _, err) = cmd(&["sql", "SELEC 1"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("line 1"), "{err}");
}
