//! Command-line arguments (clap).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// vigie: security monitoring and alerting in one binary.
#[derive(Debug, Parser)]
#[command(name = "vigie", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (zero configuration: 127.0.0.1:9190, data in ./vigie-data).
    Serve(ServeArgs),
    /// Normalize log files and print the events as NDJSON (gzip/zstd files too).
    Normalize(NormalizeArgs),
    /// Check or show a configuration file.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// List the datasets vigie can normalize.
    Datasets,
    /// Measure vigie (end-to-end ingest throughput of its inputs).
    #[command(subcommand)]
    Bench(crate::bench::BenchCommand),
    /// Import log files and directories (gzip too) into the data directory, resumably.
    Import(ImportArgs),
    /// Search stored events (newest first) on a running vigie.
    Search(SearchArgs),
    /// Run a read-only SQL query over the `events` table of a running vigie.
    Sql(SqlArgs),
    /// Check Sigma rules, or test them on a file of events.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Run Sigma rules over stored events.
    Hunt(HuntArgs),
    /// Run only the alert manager, as a drop-in for Prometheus Alertmanager (its flags and file).
    Alertmanager(vigie_alertmanager_bin::AlertmanagerArgs),
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Load rule files and directories; report what loaded, what is idle and each failure (file:line:col: reason).
    Check(RulesCheckArgs),
    /// Run rules over a file of events; print which events each rule matched and why.
    Test(RulesTestArgs),
}

#[derive(Debug, Args)]
pub struct RulesCheckArgs {
    /// List idle rules (loaded, but no dataset provides their log source) and why.
    #[arg(long)]
    pub idle: bool,
    /// Succeed when at least this percentage loaded (default: fail on any failure).
    #[arg(long)]
    pub min_percent: Option<f64>,
    /// JSON file of `expand` placeholder values: {"name": ["v1", "v2"]}.
    #[arg(long)]
    pub placeholders: Option<PathBuf>,
    /// Processing pipeline files applied to every rule (repeatable).
    #[arg(long = "pipeline")]
    pub pipelines: Vec<PathBuf>,
    /// Rule files and directories.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RulesTestArgs {
    /// Events to test (any format vigie normalizes; gzip and zstd too).
    #[arg(long, short = 'e')]
    pub events: PathBuf,
    /// Dataset of the events (detected per record when omitted).
    #[arg(long, short = 'd')]
    pub dataset: Option<String>,
    /// JSON file of `expand` placeholder values.
    #[arg(long)]
    pub placeholders: Option<PathBuf>,
    /// Processing pipeline files applied to every rule (repeatable).
    #[arg(long = "pipeline")]
    pub pipelines: Vec<PathBuf>,
    /// Output: lines for people, or one JSON object per match.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    /// Rule files and directories.
    #[arg(required = true)]
    pub rules: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct HuntArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// Rule files and directories.
    #[arg(long, short = 'r', required = true)]
    pub rules: Vec<PathBuf>,
    /// Oldest time: RFC 3339, a date, now-15m, or epoch milliseconds.
    #[arg(long)]
    pub from: Option<String>,
    /// Newest time (exclusive).
    #[arg(long)]
    pub to: Option<String>,
    /// Narrow the events first with a search query.
    #[arg(long, default_value = "*")]
    pub query: String,
    /// JSON file of `expand` placeholder values.
    #[arg(long)]
    pub placeholders: Option<PathBuf>,
    /// Processing pipeline files applied to every rule (repeatable).
    #[arg(long = "pipeline")]
    pub pipelines: Vec<PathBuf>,
}

/// Where a running vigie is and how to talk to it.
#[derive(Debug, Args)]
pub struct ServerArgs {
    /// Base URL of the vigie API.
    #[arg(long, env = "VIGIE_URL", default_value = "http://127.0.0.1:9190")]
    pub url: String,
    /// API token with the `read` scope.
    #[arg(long, env = "VIGIE_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Output: a table for people, or one JSON object per line.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    /// Read the store's files directly instead of asking a server (the
    /// data directory and storage come from the configuration; events
    /// still in a running server's memory are not seen).
    #[arg(long)]
    pub offline: bool,
    /// YAML configuration file, for --offline.
    #[arg(long, short = 'c', env = "VIGIE_CONFIG")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Table,
    Ndjson,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// Oldest time: RFC 3339, a date, now-15m, or epoch milliseconds.
    #[arg(long)]
    pub from: Option<String>,
    /// Newest time (exclusive).
    #[arg(long)]
    pub to: Option<String>,
    /// Events to print.
    #[arg(long, short = 'n', default_value_t = 20)]
    pub size: usize,
    /// The query, e.g. `source.ip:203.0.113.7 AND NOT event.outcome:success`.
    #[arg(default_value = "*")]
    pub query: String,
}

#[derive(Debug, Args)]
pub struct SqlArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// The query, e.g. `SELECT "event.action", count(*) FROM events GROUP BY 1`.
    pub query: String,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// YAML configuration file; without one, embedded defaults apply.
    #[arg(long, short = 'c', env = "VIGIE_CONFIG")]
    pub config: Option<PathBuf>,
    /// Dataset of every record (see `vigie datasets`); detected per record when omitted.
    #[arg(long, short = 'd')]
    pub dataset: Option<String>,
    /// Checkpoint file (default: <data_dir>/import-checkpoint.json).
    #[arg(long, conflicts_with = "no_checkpoint")]
    pub checkpoint: Option<PathBuf>,
    /// Do not read or write a checkpoint.
    #[arg(long)]
    pub no_checkpoint: bool,
    /// Chunk size in bytes (tests).
    #[arg(long, hide = true, default_value_t = 8 << 20)]
    pub chunk_bytes: usize,
    /// Stop like an interruption after this many chunks (tests).
    #[arg(long, hide = true)]
    pub stop_after_chunks: Option<u64>,
    /// Files and directories to import.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// YAML configuration file; without one, embedded defaults apply.
    #[arg(long, short = 'c', env = "VIGIE_CONFIG")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct NormalizeArgs {
    /// Dataset to parse as (see `vigie datasets`); detected per record when omitted.
    #[arg(long, short = 'd')]
    pub dataset: Option<String>,
    /// Files to read (`-` for standard input).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Report every error of a configuration file at once.
    Check { file: PathBuf },
    /// Print the effective configuration (defaults, file, environment) with secrets redacted.
    Show { file: Option<PathBuf> },
}
