//! The `vigie serve` child process a benchmark measures: a fresh data
//! directory, a syslog TCP listener, and a token for ingest and `/metrics`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::Context;

/// How long the server may take to store what was sent.
const STORE_DEADLINE: Duration = Duration::from_secs(600);

pub struct BenchServer {
    child: tokio::process::Child,
    dir: PathBuf,
    pub addr: SocketAddr,
    pub syslog_addr: SocketAddr,
    pub token: String,
    pub client: reqwest::Client,
}

fn free_port() -> anyhow::Result<SocketAddr> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(l.local_addr()?)
}

impl BenchServer {
    /// Starts the server and waits until it is ready.
    pub async fn start(queue_capacity: usize) -> anyhow::Result<Self> {
        let dir = std::env::temp_dir().join(format!("vigie-bench-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let addr = free_port()?;
        let syslog_addr = free_port()?;
        let token = format!(
            "bench-{:016x}{:016x}",
            rand::random::<u64>(),
            rand::random::<u64>()
        );
        let config = format!(
            "server:\n  listen: \"{addr}\"\n  data_dir: \"{data}\"\n\
             log:\n  level: warn\n\
             auth:\n  tokens:\n    - name: bench\n      token: {token}\n      scopes: [ingest, read]\n\
             ingest:\n  queue_capacity: {queue_capacity}\n\
             inputs:\n  syslog:\n    - name: bench-tcp\n      protocol: tcp\n      listen: \"{syslog_addr}\"\n",
            data = dir.join("data").display(),
        );
        let config_path = dir.join("vigie.yaml");
        std::fs::write(&config_path, config)?;
        let exe = std::env::current_exe().context("locating the vigie binary")?;
        let log = std::fs::File::create(dir.join("server.log"))?;
        let child = tokio::process::Command::new(exe)
            .arg("serve")
            .arg("--config")
            .arg(&config_path)
            .env_remove("VIGIE_LISTEN")
            .env_remove("VIGIE_DATA_DIR")
            .env_remove("VIGIE_INGEST_TOKEN")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .context("starting vigie serve")?;
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(64)
            .build()
            .context("building the HTTP client")?;
        let server = Self {
            child,
            dir,
            addr,
            syslog_addr,
            token,
            client,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let ready = server.client.get(server.url("/-/ready")).send().await;
            if ready.is_ok_and(|r| r.status().is_success()) {
                return Ok(server);
            }
            if Instant::now() > deadline {
                anyhow::bail!(
                    "vigie serve was not ready in 30 s; its log:\n{}",
                    std::fs::read_to_string(server.dir.join("server.log")).unwrap_or_default()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// `vigie_pipeline_events_total` now.
    pub async fn stored_events(&self) -> anyhow::Result<u64> {
        let text = self
            .client
            .get(self.url("/metrics"))
            .bearer_auth(&self.token)
            .send()
            .await?
            .error_for_status()?
            .text()
            .await?;
        text.lines()
            .find_map(|l| l.strip_prefix("vigie_pipeline_events_total "))
            .and_then(|v| v.trim().parse::<f64>().ok())
            .map(|v| v as u64)
            .context("no vigie_pipeline_events_total in /metrics")
    }

    /// Polls `/metrics` until `target` events are stored.
    pub async fn wait_stored(&self, target: u64) -> anyhow::Result<()> {
        let deadline = Instant::now() + STORE_DEADLINE;
        loop {
            let n = self.stored_events().await?;
            if n >= target {
                return Ok(());
            }
            if Instant::now() > deadline {
                anyhow::bail!("only {n} of {target} events stored after {STORE_DEADLINE:?}");
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Stops the server (SIGTERM, then waits) and removes its directory.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(pid) = self.child.id() {
            let _ = tokio::process::Command::new("kill")
                .arg("-TERM")
                .arg(pid.to_string())
                .status()
                .await;
        }
        let _ = tokio::time::timeout(Duration::from_secs(60), self.child.wait()).await;
        let _ = std::fs::remove_dir_all(&self.dir);
        Ok(())
    }
}
