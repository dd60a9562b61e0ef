//! Starting and stopping `vigie serve` for a test, and small clients.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub fn vigie_bin() -> &'static str {
    env!("CARGO_BIN_EXE_vigie")
}

/// `../shared/testdata/logs/<rel>`.
pub fn fixture(rel: &str) -> PathBuf {
    let base = std::env::var("VIGIE_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"));
    base.join("testdata/logs").join(rel)
}

/// A fresh directory under the target dir.
pub fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("e2e-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running `vigie serve`.
pub struct Server {
    child: Option<Child>,
    pub addr: String,
    pub dir: PathBuf,
    pub token: String,
    log: PathBuf,
}

impl Server {
    /// Starts vigie with its data under `dir` and an optional config file
    /// text; waits until `/-/ready` answers.
    pub fn start(dir: &Path, config: Option<&str>) -> Server {
        Self::start_with_env(dir, config, &[])
    }

    /// [`Server::start`] with extra environment variables.
    pub fn start_with_env(dir: &Path, config: Option<&str>, env: &[(&str, &str)]) -> Server {
        Self::start_wrapped(dir, config, env, &[])
    }

    /// [`Server::start_with_env`], run through `wrap` (a command line that
    /// ends by running the vigie command it is given as its arguments).
    pub fn start_wrapped(
        dir: &Path,
        config: Option<&str>,
        env: &[(&str, &str)],
        wrap: &[&str],
    ) -> Server {
        let port = free_port();
        let addr = format!("127.0.0.1:{port}");
        let log = dir.join(format!("vigie-{port}.log"));
        let mut cmd = match wrap.split_first() {
            None => Command::new(vigie_bin()),
            Some((program, args)) => {
                let mut c = Command::new(program);
                c.args(args).arg(vigie_bin());
                c
            }
        };
        cmd.arg("serve")
            .env("VIGIE_LISTEN", &addr)
            .env("VIGIE_DATA_DIR", dir.join("data"))
            .env_remove("VIGIE_CONFIG")
            .env_remove("VIGIE_INGEST_TOKEN")
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap());
        for (k, v) in env {
            cmd.env(k, v);
        }
        if let Some(text) = config {
            let path = dir.join("vigie.yaml");
            std::fs::write(&path, text).unwrap();
            cmd.arg("--config").arg(path);
        }
        let child = cmd.spawn().expect("starting vigie serve");
        let mut server = Server {
            child: Some(child),
            addr,
            dir: dir.to_path_buf(),
            token: String::new(),
            log,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while raw_get(&server.addr, "/-/ready") != Some(200) {
            if let Some(status) = server.child.as_mut().unwrap().try_wait().unwrap() {
                panic!("vigie exited early ({status}):\n{}", server.log_text());
            }
            assert!(
                Instant::now() < deadline,
                "vigie not ready in 30 s:\n{}",
                server.log_text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        server.token = first_token(&server.log_text()).unwrap_or_default();
        server
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().unwrap().id()
    }

    /// SIGKILL: no shutdown of any kind.
    pub fn kill9(&mut self) {
        let mut child = self.child.take().expect("running");
        child.kill().unwrap();
        child.wait().unwrap();
    }

    /// A POST of `body` to `path` with the token; (status, body).
    pub fn post(&self, path: &str, content_type: &str, body: &str) -> (u16, String) {
        let auth = format!("Authorization: Bearer {}", self.token);
        let ct = format!("Content-Type: {content_type}");
        curl(&[
            "-X",
            "POST",
            "-H",
            &auth,
            "-H",
            &ct,
            "--data-binary",
            body,
            &self.url(path),
        ])
    }

    /// A GET of `path` (query string included) with the token.
    pub fn get(&self, path: &str) -> (u16, String) {
        let auth = format!("Authorization: Bearer {}", self.token);
        curl(&["-H", &auth, &self.url(path)])
    }

    /// Sends SIGTERM and waits for the exit (at most 60 s).
    pub fn terminate(&mut self) -> ExitStatus {
        let mut child = self.child.take().expect("running");
        let ok = Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status()
            .unwrap();
        assert!(ok.success());
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!(
                    "vigie did not stop within 60 s of SIGTERM:\n{}",
                    self.log_text()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Every stored event as a nested JSON document (`@timestamp`, the ECS
    /// fields, `event.original`), in ingest order: asked of the running
    /// server, or read from the files once it has stopped.
    pub fn stored(&self) -> Vec<Value> {
        let running = self.child.is_some();
        let mut out = Vec::new();
        let mut offset = 0;
        loop {
            let q = format!(
                "SELECT \"@timestamp\", fields, original FROM events ORDER BY _id LIMIT 5000 OFFSET {offset}"
            );
            let rows = if running {
                self.sql_rows(&q)
            } else {
                offline_sql(&self.dir.join("data"), &q)
            };
            let n = rows.len();
            out.extend(rows.iter().map(nest_row));
            if n < 5000 {
                return out;
            }
            offset += n;
        }
    }

    /// Rows of a SQL query on the running server, as JSON objects.
    pub fn sql_rows(&self, q: &str) -> Vec<Value> {
        let auth = format!("Authorization: Bearer {}", self.token);
        let (status, body) = curl(&[
            "-X",
            "POST",
            "-H",
            &auth,
            "-H",
            "Content-Type: text/plain",
            "--data-binary",
            q,
            &self.url("/api/v1/query?format=ndjson"),
        ]);
        assert_eq!(status, 200, "query {q}: {body}");
        body.lines()
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

/// Rows of `vigie sql --offline` over a data directory, as JSON objects.
pub fn offline_sql(data_dir: &Path, q: &str) -> Vec<Value> {
    let out = Command::new(vigie_bin())
        .args(["sql", "--offline", "--format", "ndjson", q])
        .env("VIGIE_DATA_DIR", data_dir)
        .env_remove("VIGIE_CONFIG")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "vigie sql --offline: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// A stored row (`@timestamp`, `fields`, `original`) as the nested document
/// the event model prints.
pub fn nest_row(row: &Value) -> Value {
    let mut doc = serde_json::Map::new();
    doc.insert("@timestamp".into(), row["@timestamp"].clone());
    let fields: serde_json::Map<String, Value> =
        serde_json::from_str(row["fields"].as_str().unwrap_or("{}")).unwrap();
    for (k, v) in fields {
        insert_dotted(&mut doc, &k, v);
    }
    if let Some(o) = row["original"].as_str() {
        insert_dotted(&mut doc, "event.original", Value::String(o.to_owned()));
    }
    Value::Object(doc)
}

fn insert_dotted(doc: &mut serde_json::Map<String, Value>, key: &str, v: Value) {
    match key.split_once('.') {
        None => {
            doc.insert(key.to_owned(), v);
        }
        Some((head, rest)) => {
            let child = doc
                .entry(head.to_owned())
                .or_insert_with(|| Value::Object(serde_json::Map::new()));
            if let Value::Object(m) = child {
                insert_dotted(m, rest, v);
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// The bootstrap token printed at first start, if any.
pub fn first_token(log: &str) -> Option<String> {
    let start = log.find("vigie_")?;
    let tok: String = log[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    Some(tok)
}

/// Status of a plain GET without any client library (for readiness polls).
pub fn raw_get(addr: &str, path: &str) -> Option<u16> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut buf = String::new();
    s.read_to_string(&mut buf).ok()?;
    buf.split_whitespace().nth(1)?.parse().ok()
}

/// Runs curl with `args`; returns (HTTP status, body).
pub fn curl(args: &[&str]) -> (u16, String) {
    let out = Command::new("curl")
        .args(["-sS", "-o", "-", "-w", "\n%{http_code}"])
        .args(args)
        .output()
        .expect("curl is installed (the test script installs it)");
    assert!(
        out.status.success(),
        "curl failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, code) = text.rsplit_once('\n').unwrap();
    (code.trim().parse().unwrap(), body.to_owned())
}

pub fn json(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}): {s}"))
}

/// Runs the vigie CLI.
pub fn vigie(args: &[&str]) -> Output {
    Command::new(vigie_bin()).args(args).output().unwrap()
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// Value of one sample line of a Prometheus exposition.
pub fn metric(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(series) && l[series.len()..].starts_with(' '))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

/// Runs a Python client script from `tests/e2e` against `server` (base URL,
/// token and fixture directory as arguments); fails the test with its
/// output unless it exits 0; returns its last stdout line as JSON.
pub fn run_python_client(script: &str, server: &Server) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/e2e")
        .join(script);
    let out = Command::new("python3")
        .arg(&path)
        .arg(format!("http://{}", server.addr))
        .arg(&server.token)
        .arg(fixture(""))
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{script} failed:\nstdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    json(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .last()
            .unwrap_or("null"),
    )
}

/// The `admin` password printed at first start, if any.
pub fn first_password(log: &str) -> Option<String> {
    let at = log.find("its password (shown only this once):")?;
    log[at..].lines().nth(2).map(|l| l.trim().to_owned())
}
