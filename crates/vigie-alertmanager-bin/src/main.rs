//! `vigie-alertmanager`: vigie's alert manager and nothing else, started
//! with Prometheus Alertmanager's flags (see the library's documentation).
//!
//! Exit codes: 0 after a clean shutdown; 1 the configuration was refused;
//! 2 it could not run (bad arguments, an address in use).

#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod scavenger;

use std::process::ExitCode;

use clap::Parser;

/// vigie's alert manager, a drop-in for Prometheus Alertmanager: its
/// flags, its configuration file and its API v2.
#[derive(Parser)]
#[command(name = "vigie-alertmanager", version)]
struct Cli {
    #[command(flatten)]
    args: vigie_alertmanager_bin::AlertmanagerArgs,
}

/// The system allocator, unlike `vigie`'s mimalloc: an alert manager
/// holds little and lives long, and glibc can hand freed memory back
/// ([`scavenger`]); alert throughput measured the same with both.
fn main() -> ExitCode {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    scavenger::start();
    match vigie_alertmanager_bin::run(Cli::parse().args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("vigie-alertmanager: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
