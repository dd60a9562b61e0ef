//! Integration tests of the file input: real files in a temporary
//! directory, the real registry, queue and pipeline thread, and a sink that
//! collects the events.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;
use vigie_config::{FileInput, HumanDuration, StartAt};
use vigie_event::Event;

use crate::support::{context, Collect};
use vigie_metrics::Metrics;
use vigie_normalize::Limits;
use vigie_pipeline::Pipeline;

type Collected = Arc<Mutex<Vec<Event>>>;

/// A running file source with its pipeline.
struct Running {
    events: Collected,
    metrics: Arc<Metrics>,
    cancel: CancellationToken,
    task: tokio::task::JoinHandle<()>,
    pipeline: Pipeline,
}

fn config(paths: &[&Path], start_at: StartAt) -> FileInput {
    FileInput {
        name: "tail".into(),
        paths: paths.iter().map(|p| p.display().to_string()).collect(),
        dataset: None,
        start_at,
        poll_interval: HumanDuration::millis(30),
    }
}

fn start(config: &FileInput, state_dir: &Path) -> Running {
    start_with(config, state_dir, Limits::default())
}

fn start_with(config: &FileInput, state_dir: &Path, limits: Limits) -> Running {
    let source = vigie_input::file::build(config).expect("valid config");
    let metrics = Arc::new(Metrics::new());
    let (queue, rx) = vigie_pipeline::queue(10_000, metrics.clone());
    let events = Collected::default();
    let pipeline = Pipeline::start(rx, Collect(events.clone()));
    let (ctx, cancel) = context(queue, metrics.clone(), state_dir, limits);
    let task = tokio::spawn(source.run(ctx));
    Running {
        events,
        metrics,
        cancel,
        task,
        pipeline,
    }
}

impl Running {
    /// Stops the source and the pipeline; returns every event delivered.
    async fn stop(self) -> Vec<Event> {
        self.cancel.cancel();
        self.task.await.unwrap();
        let pipeline = self.pipeline;
        tokio::task::spawn_blocking(move || pipeline.join())
            .await
            .unwrap();
        let events = self.events.lock().unwrap().clone();
        events
    }

    fn originals(&self) -> Vec<String> {
        originals(&self.events.lock().unwrap())
    }

    /// Waits (up to 10 s) until at least `n` events arrived.
    async fn wait_events(&self, n: usize) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let got = self.originals();
            if got.len() >= n || Instant::now() > deadline {
                assert!(got.len() >= n, "waited for {n} events, got {got:?}");
                return got;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// The value of the sample of `family` whose labels contain `label`.
fn metric(text: &str, family: &str, label: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.contains(family) && l.contains(label) && !l.starts_with('#'))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

fn originals(events: &[Event]) -> Vec<String> {
    events.iter().map(|e| e.original.clone()).collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// Waits until the source has saved a position for each of `files`.
async fn wait_following(state_dir: &Path, files: &[&Path]) {
    let positions = state_dir.join("tail/positions.json");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let text = std::fs::read_to_string(&positions).unwrap_or_default();
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        let paths: Vec<PathBuf> = doc["files"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|f| f["path"].as_str().map(PathBuf::from))
                    .collect()
            })
            .unwrap_or_default();
        if files.iter().all(|f| paths.iter().any(|p| p == f)) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "source never followed {files:?}: {text}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn append(path: &Path, text: &str) {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

fn lines(prefix: &str, range: std::ops::Range<usize>) -> (String, Vec<String>) {
    let v: Vec<String> = range.map(|i| format!("{prefix} line {i:04}")).collect();
    let text = v.iter().map(|l| format!("{l}\n")).collect();
    (text, v)
}

#[tokio::test]
async fn appended_ssh_lines_arrive_normalized_with_the_file_path() {
    let dir = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let log = dir.path().join("auth.log");
    append(
        &log,
        "Mar 10 11:59:00 host sshd[1]: Failed password for old from 10.0.0.1 port 1 ssh2\n",
    );
    let run = start(&config(&[&log], StartAt::End), state.path());
    wait_following(state.path(), &[&log]).await;
    let line = "Mar 10 12:00:00 web1 sshd[4242]: Failed password for invalid user alice from 203.0.113.9 port 52144 ssh2";
    append(&log, &format!("{line}\r\n"));
    run.wait_events(1).await;
    let metrics = run.metrics.encode();
    let events = run.stop().await;
    assert_eq!(
        originals(&events),
        vec![line.to_string()],
        "the old line stays unread"
    );
    let f = &events[0].fields;
    assert_eq!(f.get_str("event.dataset"), Some("syslog"));
    assert_eq!(f.get_str("event.action"), Some("ssh_login"));
    assert_eq!(f.get_str("event.outcome"), Some("failure"));
    assert_eq!(f.get_str("user.name"), Some("alice"));
    assert_eq!(f.get_str("source.ip"), Some("203.0.113.9"));
    assert_eq!(f.get_str("log.file.path"), Some(log.to_str().unwrap()));
    assert_eq!(
        metric(&metrics, "input_messages_total", "input=\"file\""),
        Some(1.0),
        "{metrics}"
    );
    let bytes = (line.len() + 2) as f64;
    assert_eq!(
        metric(&metrics, "input_received_bytes_total", "name=\"tail\""),
        Some(bytes),
        "{metrics}"
    );
}

#[tokio::test]
async fn a_partial_line_waits_for_its_newline() {
    let dir = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let log = dir.path().join("app.log");
    std::fs::write(&log, "").unwrap();
    let run = start(&config(&[&log], StartAt::Beginning), state.path());
    append(&log, "first complete\nsecond is par");
    assert_eq!(run.wait_events(1).await, vec!["first complete"]);
    append(&log, "tial\nthird\n");
    run.wait_events(3).await;
    let events = run.stop().await;
    assert_eq!(
        originals(&events),
        vec!["first complete", "second is partial", "third"]
    );
    assert!(events
        .iter()
        .all(|e| e.fields.get_str("event.dataset") == Some("raw")));
}

#[tokio::test]
async fn rename_rotation_loses_and_duplicates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let log = dir.path().join("app.log");
    let (first, mut expected) = lines("before", 0..200);
    std::fs::write(&log, &first).unwrap();
    let run = start(&config(&[&log], StartAt::Beginning), state.path());
    run.wait_events(100).await;
    // logrotate: rename, create; the writer appends to the old file until
    // it reopens, then to the new one.
    std::fs::rename(&log, dir.path().join("app.log.1")).unwrap();
    std::fs::write(&log, "").unwrap();
    let (late, late_lines) = lines("late", 0..5);
    append(&dir.path().join("app.log.1"), &late);
    let (after, after_lines) = lines("after", 0..150);
    append(&log, &after);
    expected.extend(late_lines);
    expected.extend(after_lines);
    run.wait_events(expected.len()).await;
    // One more poll cycle in the new file, to catch a duplicate read.
    let (last, last_lines) = lines("last", 0..1);
    append(&log, &last);
    expected.extend(last_lines);
    run.wait_events(expected.len()).await;
    let events = run.stop().await;
    assert_eq!(sorted(originals(&events)), sorted(expected));
    let paths: Vec<_> = events
        .iter()
        .filter_map(|e| e.fields.get_str("log.file.path"))
        .collect();
    assert!(
        paths
            .iter()
            .all(|p| *p == log.to_str().unwrap() || p.ends_with("app.log.1")),
        "{paths:?}"
    );
}

#[tokio::test]
async fn copytruncate_reads_the_truncated_file_from_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let log = dir.path().join("app.log");
    let (first, mut expected) = lines("old content that is long", 0..20);
    std::fs::write(&log, &first).unwrap();
    let run = start(&config(&[&log], StartAt::Beginning), state.path());
    run.wait_events(20).await;
    std::fs::copy(&log, dir.path().join("app.log.1")).unwrap();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&log)
        .unwrap()
        .set_len(0)
        .unwrap();
    let (after, after_lines) = lines("new", 0..3);
    append(&log, &after);
    expected.extend(after_lines);
    run.wait_events(expected.len()).await;
    let events = run.stop().await;
    assert_eq!(originals(&events), expected);
}

#[tokio::test]
async fn a_restart_resumes_at_the_saved_position_even_with_start_at_end() {
    let dir = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let log = dir.path().join("app.log");
    std::fs::write(&log, "before start\n").unwrap();
    let cfg = config(&[&log], StartAt::End);
    let run = start(&cfg, state.path());
    wait_following(state.path(), &[&log]).await;
    append(&log, "one\ntwo\n");
    run.wait_events(2).await;
    assert_eq!(originals(&run.stop().await), vec!["one", "two"]);

    append(&log, "three while stopped\nfour while stopped\n");
    let run = start(&cfg, state.path());
    run.wait_events(2).await;
    append(&log, "five\n");
    run.wait_events(3).await;
    let events = run.stop().await;
    assert_eq!(
        originals(&events),
        vec!["three while stopped", "four while stopped", "five"]
    );
}

#[tokio::test]
async fn start_at_beginning_reads_existing_lines_and_end_skips_them() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("app.log");
    std::fs::write(&log, "existing 1\nexisting 2\n").unwrap();

    let state_b = tempfile::tempdir().unwrap();
    let run = start(&config(&[&log], StartAt::Beginning), state_b.path());
    run.wait_events(2).await;
    assert_eq!(
        originals(&run.stop().await),
        vec!["existing 1", "existing 2"]
    );

    let state_e = tempfile::tempdir().unwrap();
    let run = start(&config(&[&log], StartAt::End), state_e.path());
    wait_following(state_e.path(), &[&log]).await;
    append(&log, "appended\n");
    run.wait_events(1).await;
    assert_eq!(originals(&run.stop().await), vec!["appended"]);
}

#[tokio::test]
async fn a_glob_picks_up_a_file_created_after_start_from_its_beginning() {
    let dir = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.log");
    std::fs::write(&a, "a old\n").unwrap();
    let run = start(
        &config(&[&dir.path().join("*.log")], StartAt::End),
        state.path(),
    );
    wait_following(state.path(), &[&a]).await;
    let b = dir.path().join("b.log");
    std::fs::write(dir.path().join("c.txt"), "not matched\n").unwrap();
    std::fs::write(dir.path().join(".hidden.log"), "hidden\n").unwrap();
    std::fs::write(&b, "b one\nb two\n").unwrap();
    append(&a, "a new\n");
    run.wait_events(3).await;
    append(&a, "a last\n");
    run.wait_events(4).await;
    let events = run.stop().await;
    assert_eq!(
        sorted(originals(&events)),
        vec!["a last", "a new", "b one", "b two"]
    );
    let b_paths: Vec<_> = events
        .iter()
        .filter(|e| e.original.starts_with("b "))
        .map(|e| e.fields.get_str("log.file.path"))
        .collect();
    assert_eq!(b_paths, vec![b.to_str(), b.to_str()]);
}

#[tokio::test]
async fn an_over_long_line_is_rejected_and_counted_and_the_next_lines_still_arrive() {
    let dir = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let log = dir.path().join("app.log");
    std::fs::write(&log, format!("before\n{}\n", "a".repeat(5000))).unwrap();
    let limits = Limits {
        max_record_bytes: 1000,
        ..Limits::default()
    };
    let run = start_with(&config(&[&log], StartAt::Beginning), state.path(), limits);
    assert_eq!(run.wait_events(1).await, vec!["before"]);
    // Unterminated and already past the limit: delivered (and rejected) as
    // is; the rest of it up to its newline is discarded.
    append(&log, &"b".repeat(5000));
    let deadline = Instant::now() + Duration::from_secs(10);
    while metric(&run.metrics.encode(), "ingest_rejected_records_total", "") != Some(2.0) {
        assert!(Instant::now() < deadline, "{}", run.metrics.encode());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    append(&log, "bbb end of the long line\nafter\n");
    run.wait_events(2).await;
    let metrics = run.metrics.encode();
    let events = run.stop().await;
    assert_eq!(originals(&events), vec!["before", "after"]);
    let rejected = metrics
        .lines()
        .filter(|l| l.contains("ingest_rejected_records_total") && !l.starts_with('#'))
        .collect::<Vec<_>>();
    assert_eq!(rejected.len(), 1, "{metrics}");
    assert!(rejected[0].ends_with(" 2"), "{metrics}");
}

#[test]
fn a_malformed_pattern_is_a_config_error_naming_it() {
    let cfg = config(&[Path::new("/var/log/app[.log")], StartAt::End);
    let err = vigie_input::file::build(&cfg).err().expect("refused");
    let text = err.to_string();
    assert!(
        text.contains("tail") && text.contains("/var/log/app[.log"),
        "{text}"
    );
    let cfg = FileInput {
        paths: Vec::new(),
        ..cfg
    };
    assert!(vigie_input::file::build(&cfg).is_err());
}

#[tokio::test]
async fn a_deleted_file_is_read_to_its_end_then_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let log = dir.path().join("app.log");
    std::fs::write(&log, "").unwrap();
    let run = start(&config(&[&log], StartAt::Beginning), state.path());
    wait_following(state.path(), &[&log]).await;
    let mut f = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
    std::fs::remove_file(&log).unwrap();
    f.write_all(b"written after delete\n").unwrap();
    run.wait_events(1).await;
    // Dropped from the positions once idle past the grace period.
    let positions = state.path().join("tail/positions.json");
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::fs::read_to_string(&positions)
        .unwrap()
        .contains("app.log")
    {
        assert!(Instant::now() < deadline, "deleted file never dropped");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(originals(&run.stop().await), vec!["written after delete"]);
}

#[test]
fn the_source_is_named_after_the_input() {
    let cfg = config(&[Path::new("/tmp/x.log")], StartAt::End);
    assert_eq!(vigie_input::file::build(&cfg).unwrap().name(), "tail");
}
