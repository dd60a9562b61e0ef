//! The S3 poller against moto's server mode (a real S3 API on loopback):
//! CloudTrail and VPC Flow Log deliveries arrive field for field, digest
//! files are skipped, a corrupt object is counted without stopping the
//! others, and a restart with the same state never reads an object twice.
//!
//! moto (`moto_server`, or `python3 -m moto.server`) and boto3 must be
//! installed (scripts/test.sh does it); the test fails, not skips, without.

use std::collections::BTreeMap;
use std::io::Write;
use std::net::{IpAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;
use vigie_config::{HumanDuration, S3Input, Secret};
use vigie_event::Event;

use crate::support::{context, Collect};
use vigie_input::{s3, SourceContext};
use vigie_metrics::Metrics;
use vigie_normalize::Limits;
use vigie_pipeline::{queue, Pipeline, QueueReceiver};

const BUCKET: &str = "trail-bucket";
const CT_DIR: &str = "AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/23/";
const VPC_KEY: &str =
    "AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/11/23/123456789012_vpcflowlogs_us-east-1_fl-0a1b2c3d_20261123T0800Z_9f8e7d6c.log.gz";
const DIGEST_KEY: &str =
    "AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2026/11/23/123456789012_CloudTrail-Digest_us-east-1_trail_us-east-1_20261123T080000Z.json.gz";

/// A moto server on a free loopback port, killed on drop.
struct Moto {
    child: Child,
    endpoint: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_moto() -> Moto {
    let port = free_port().to_string();
    let args = ["-H", "127.0.0.1", "-p", port.as_str()];
    let spawn = |program: &str, pre: &[&str]| {
        Command::new(program)
            .args(pre)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
    };
    let child = match spawn("moto_server", &[]) {
        Ok(c) => c,
        Err(_) => spawn("python3", &["-m", "moto.server"]).unwrap_or_else(|e| {
            panic!("cannot start moto (`moto_server` or `python3 -m moto.server`): {e}; install it with `pip install 'moto[server]' boto3`")
        }),
    };
    let mut moto = Moto {
        child,
        endpoint: format!("http://127.0.0.1:{port}"),
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(Some(status)) = moto.child.try_wait() {
            panic!("moto server exited at start ({status}): is moto[server] installed? (`pip install 'moto[server]' boto3`)");
        }
        if TcpStream::connect(("127.0.0.1", port.parse::<u16>().unwrap())).is_ok() {
            return moto;
        }
        assert!(
            Instant::now() < deadline,
            "moto server did not answer on port {port} within 60 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Uploads every file under `dir` with its relative path as key.
fn put_objects(moto: &Moto, dir: &Path) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/put_objects.py");
    let out = Command::new("python3")
        .args([script, &moto.endpoint, BUCKET])
        .arg(dir)
        .output()
        .expect("running python3");
    assert!(
        out.status.success(),
        "put_objects.py failed (is boto3 installed?): {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn write(dir: &Path, key: &str, bytes: &[u8]) {
    let path = dir.join(key);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

fn ct_key(minute: u32) -> String {
    format!("{CT_DIR}123456789012_CloudTrail_us-east-1_20261123T08{minute:02}Z_abcdef{minute:02}.json.gz")
}

fn config(moto: &Moto) -> S3Input {
    config_for_endpoint(moto.endpoint.clone())
}

fn config_for_endpoint(endpoint: String) -> S3Input {
    S3Input {
        name: "trail".into(),
        bucket: BUCKET.into(),
        prefix: "AWSLogs/123456789012/".into(),
        region: Some("us-east-1".into()),
        endpoint: Some(endpoint),
        dataset: None,
        poll_interval: HumanDuration(Duration::from_millis(200)),
        access_key_id: Some(Secret::new("testing")),
        secret_access_key: Some(Secret::new("testing")),
    }
}

/// Runs the poller until the checkpoint records `last_key`, then stops it
/// and returns every event the pipeline delivered, and the metrics.
async fn run_until_done(cfg: &S3Input, state: &Path, last_key: &str) -> (Vec<Event>, Arc<Metrics>) {
    let metrics = Arc::new(Metrics::new());
    let (q, rx) = queue(100_000, metrics.clone());
    let sink = Collect::default();
    let seen = sink.0.clone();
    let pipeline = Pipeline::start(rx, sink);
    let (ctx, shutdown) = context(q, metrics.clone(), state, Limits::default());
    let source = s3::build(cfg).expect("building the S3 input");
    let task = tokio::spawn(source.run(ctx));
    let checkpoint: PathBuf = state.join(&cfg.name).join(s3::CHECKPOINT_FILE);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let text = std::fs::read_to_string(&checkpoint).unwrap_or_default();
        if text.contains(&format!("\"{last_key}\"")) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the poller did not record {last_key} within 60 s; checkpoint: {text}; metrics:\n{}",
            metrics.encode()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    shutdown.cancel();
    task.await.unwrap();
    tokio::task::spawn_blocking(move || pipeline.join())
        .await
        .unwrap();
    let events = std::mem::take(&mut *seen.lock().unwrap());
    (events, metrics)
}

/// `vigie_input_errors_total` for the `trail` input and `reason`.
fn input_errors(metrics: &Metrics, reason: &str) -> u64 {
    let text = metrics.encode();
    text.lines()
        .filter(|l| {
            l.starts_with("vigie_input_errors_total{") || l.starts_with("input_errors_total{")
        })
        .filter(|l| l.contains("input=\"s3\"") && l.contains("name=\"trail\""))
        .filter(|l| l.contains(&format!("reason=\"{reason}\"")))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
        .sum()
}

/// Checks that `events` hold exactly the CloudTrail `records` delivered in
/// `key`, field by field.
fn assert_cloudtrail(events: &[&Event], records: &[String], key: &str) {
    assert_eq!(events.len(), records.len(), "events of {key}");
    let by_original: BTreeMap<&str, &Event> =
        events.iter().map(|e| (e.original.as_str(), *e)).collect();
    let mut with_ip = 0;
    for r in records {
        let ev = by_original
            .get(r.as_str())
            .unwrap_or_else(|| panic!("record of {key} not delivered: {r}"));
        let v: serde_json::Value = serde_json::from_str(r).unwrap();
        let f = &ev.fields;
        assert_eq!(f.get_str("event.dataset"), Some("aws.cloudtrail"), "{r}");
        assert_eq!(f.get_str("event.action"), v["eventName"].as_str(), "{r}");
        let ip = v["sourceIPAddress"].as_str().unwrap();
        if ip.parse::<IpAddr>().is_ok() {
            assert_eq!(f.get_str("source.ip"), Some(ip), "{r}");
            with_ip += 1;
        }
        assert_eq!(f.get_str("aws.s3.bucket.name"), Some(BUCKET));
        assert_eq!(f.get_str("aws.s3.object.key"), Some(key));
        assert_eq!(
            f.get_str("log.file.path"),
            Some(format!("s3://{BUCKET}/{key}").as_str())
        );
    }
    assert!(
        with_ip > 0,
        "no record of {key} has an IP source to compare"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_deliveries_arrive_once_and_a_corrupt_object_does_not_stop_the_others() {
    let moto = start_moto();
    let tmp = tempfile::tempdir().unwrap();
    let (up, state) = (tmp.path().join("up"), tmp.path().join("state"));

    // Three CloudTrail files; the corrupt object sorts between them.
    let mut trails = Vec::new();
    for (i, minute) in [5u32, 10, 20].into_iter().enumerate() {
        let records = vigie_synth::cloudtrail_records(40 + i as u64, 5 + i);
        let key = ct_key(minute);
        write(
            &up,
            &key,
            &gzip(vigie_synth::cloudtrail_s3_wrap(&records).as_bytes()),
        );
        trails.push((key, records));
    }
    let corrupt_key = ct_key(15);
    write(
        &up,
        &corrupt_key,
        b"\x1f\x8b\x08\x00 this is not really gzip",
    );
    write(&up, DIGEST_KEY, &gzip(br#"{"awsAccountId":"123456789012","digestStartTime":"2026-11-23T07:00:00Z","digestEndTime":"2026-11-23T08:00:00Z","digestS3Bucket":"trail-bucket","digestS3Object":"x","logFiles":[]}"#));
    let vpc_lines = vigie_synth::vpcflow_v2_lines(7, 12);
    let mut vpc = format!("{}\n", vigie_synth::VPCFLOW_V2_HEADER);
    for l in &vpc_lines {
        vpc.push_str(l);
        vpc.push('\n');
    }
    write(&up, VPC_KEY, &gzip(vpc.as_bytes()));
    put_objects(&moto, &up);

    let cfg = config(&moto);
    let (events, metrics) = run_until_done(&cfg, &state, VPC_KEY).await;

    for (key, records) in &trails {
        let of_key: Vec<&Event> = events
            .iter()
            .filter(|e| e.fields.get_str("aws.s3.object.key") == Some(key.as_str()))
            .collect();
        assert_cloudtrail(&of_key, records, key);
    }
    let vpc_events: Vec<&Event> = events
        .iter()
        .filter(|e| e.fields.get_str("aws.s3.object.key") == Some(VPC_KEY))
        .collect();
    assert_eq!(
        vpc_events
            .iter()
            .map(|e| e.original.as_str())
            .collect::<Vec<_>>(),
        vpc_lines.iter().map(String::as_str).collect::<Vec<_>>()
    );
    for e in &vpc_events {
        assert_eq!(e.fields.get_str("event.dataset"), Some("aws.vpcflow"));
        assert_eq!(e.fields.get_str("aws.s3.bucket.name"), Some(BUCKET));
    }
    let ct_total: usize = trails.iter().map(|(_, r)| r.len()).sum();
    assert_eq!(
        events.len(),
        ct_total + vpc_lines.len(),
        "no other event (digest, corrupt object)"
    );
    assert_eq!(
        input_errors(&metrics, "corrupt_object"),
        1,
        "{}",
        metrics.encode()
    );
    assert_eq!(input_errors(&metrics, "get"), 0);
    assert_eq!(input_errors(&metrics, "list"), 0);
    let checkpoint =
        std::fs::read_to_string(state.join("trail").join(s3::CHECKPOINT_FILE)).unwrap();
    assert!(
        checkpoint.contains(&corrupt_key),
        "the corrupt object is recorded as done: {checkpoint}"
    );
    assert!(!checkpoint.contains("CloudTrail-Digest"), "{checkpoint}");

    // One more delivery; a restart with the same state reads only it.
    let up2 = tmp.path().join("up2");
    let records = vigie_synth::cloudtrail_records(99, 4);
    let new_key = ct_key(30);
    write(
        &up2,
        &new_key,
        &gzip(vigie_synth::cloudtrail_s3_wrap(&records).as_bytes()),
    );
    put_objects(&moto, &up2);
    let (events, metrics) = run_until_done(&cfg, &state, &new_key).await;
    assert_cloudtrail(&events.iter().collect::<Vec<_>>(), &records, &new_key);
    assert_eq!(
        input_errors(&metrics, "corrupt_object"),
        0,
        "the corrupt object is not retried"
    );
    let read = metrics
        .encode()
        .lines()
        .find(|l| l.contains("input_messages_total{") && l.contains("name=\"trail\""))
        .map(str::to_owned);
    assert!(
        read.as_deref().is_some_and(|l| l.ends_with(" 1")),
        "one object read after the restart: {read:?}"
    );
}

/// A context whose events nobody reads; keep the receiver alive.
fn bare_context(
    state: &Path,
) -> (
    SourceContext,
    Arc<Metrics>,
    CancellationToken,
    QueueReceiver,
) {
    let metrics = Arc::new(Metrics::new());
    let (q, rx) = queue(1000, metrics.clone());
    let (ctx, shutdown) = context(q, metrics.clone(), state, Limits::default());
    (ctx, metrics, shutdown, rx)
}

#[tokio::test]
async fn an_unreachable_endpoint_is_counted_as_a_list_error_and_retried() {
    let tmp = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut cfg = S3Input {
        endpoint: Some(format!("http://127.0.0.1:{port}")),
        ..config_for_endpoint(String::new())
    };
    cfg.poll_interval = HumanDuration(Duration::from_millis(50));
    let (ctx, metrics, shutdown, _rx) = bare_context(tmp.path());
    let task = tokio::spawn(s3::build(&cfg).unwrap().run(ctx));
    let deadline = Instant::now() + Duration::from_secs(60);
    while input_errors(&metrics, "list") < 2 {
        assert!(
            Instant::now() < deadline,
            "no second list error within 60 s:\n{}",
            metrics.encode()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    shutdown.cancel();
    task.await.unwrap();
    let checkpoint =
        std::fs::read_to_string(tmp.path().join("trail").join(s3::CHECKPOINT_FILE)).unwrap();
    assert!(checkpoint.contains("\"done\":{}"), "{checkpoint}");
}

#[tokio::test]
async fn a_corrupt_checkpoint_stops_the_input_instead_of_rereading_the_bucket() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("trail").join(s3::CHECKPOINT_FILE);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, b"{\"bucket\": ").unwrap();
    let (ctx, metrics, _shutdown, _rx) = bare_context(tmp.path());
    let cfg = config_for_endpoint(format!("http://127.0.0.1:{}", free_port()));
    // Returns by itself: nothing cancels it.
    tokio::time::timeout(Duration::from_secs(60), s3::build(&cfg).unwrap().run(ctx))
        .await
        .expect("the input stops on a corrupt checkpoint");
    assert_eq!(input_errors(&metrics, "checkpoint"), 1);
    assert_eq!(
        input_errors(&metrics, "list"),
        0,
        "the bucket was not listed"
    );
    assert_eq!(
        std::fs::read(&file).unwrap(),
        b"{\"bucket\": ",
        "left as it was"
    );
}
