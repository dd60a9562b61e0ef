//! `kill -9` realism: a child process (this test binary re-executed)
//! appends and commits in a loop, printing each committed seq; the parent
//! SIGKILLs it and checks that recovery has every printed seq.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use vigie_wal::{FsyncPolicy, Wal, WalOptions};

use crate::support::{assert_payloads_match, payload_for};

const CHILD_DIR_ENV: &str = "VIGIE_WAL_CRASH_CHILD_DIR";
const TEST_NAME: &str = "crash::committed_records_survive_sigkill";
const COMMITTED_PREFIX: &str = "committed ";

fn child_options() -> WalOptions {
    // Small segments so that the kill can land during a roll too.
    WalOptions {
        segment_bytes: 512,
        fsync: FsyncPolicy::Always,
    }
}

/// The child's side: append, commit, report, until killed.
fn run_child(dir: &Path) {
    let (mut wal, _) = Wal::open(dir, child_options(), 0).unwrap();
    let mut stdout = std::io::stdout().lock();
    for _ in 0..1_000_000 {
        let seq = wal.last_seq() + 1;
        assert_eq!(wal.append(&payload_for(seq)).unwrap(), seq);
        wal.commit().unwrap();
        writeln!(stdout, "{COMMITTED_PREFIX}{seq}").unwrap();
        stdout.flush().unwrap();
    }
}

#[test]
fn committed_records_survive_sigkill() {
    if let Some(dir) = std::env::var_os(CHILD_DIR_ENV) {
        run_child(Path::new(&dir));
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", TEST_NAME, "--nocapture", "--test-threads=1"])
        .env(CHILD_DIR_ENV, dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let mut committed = Vec::new();
    while committed.len() < 300 {
        let Some(line) = lines.next() else { break };
        if let Some(seq) = line.unwrap().strip_prefix(COMMITTED_PREFIX) {
            committed.push(seq.parse::<u64>().unwrap());
        }
    }
    child.kill().unwrap(); // SIGKILL on Unix
                           // Lines already written before the kill are committed too.
    for line in lines {
        if let Some(seq) = line.unwrap().strip_prefix(COMMITTED_PREFIX) {
            committed.push(seq.parse::<u64>().unwrap());
        }
    }
    child.wait().unwrap();
    assert!(
        committed.len() >= 300,
        "child stopped early after {} commits",
        committed.len()
    );

    let (wal, recovery) = Wal::open(dir.path(), child_options(), 0).unwrap();
    let seqs: Vec<u64> = recovery.records.iter().map(|r| r.seq).collect();
    let expected: Vec<u64> = (1..=seqs.len() as u64).collect();
    assert_eq!(seqs, expected, "unique and contiguous from 1");
    let present: BTreeSet<u64> = seqs.iter().copied().collect();
    for seq in &committed {
        assert!(present.contains(seq), "committed seq {seq} lost");
    }
    assert_payloads_match(&recovery);
    assert_eq!(wal.last_seq(), seqs.len() as u64);
}
