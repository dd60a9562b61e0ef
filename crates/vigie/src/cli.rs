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
