//! The `vigie` command: a thin front over the library crates.
//!
//! Exit codes: 0 success; 1 the command ran but found problems (rejected
//! records, config errors); 2 it could not run (unreadable input, bad
//! arguments, a server that failed to start).

mod alerting_setup;
mod bench;
mod cli;
mod config_cmd;
mod detect_setup;
mod hunt_cmd;
mod import_cmd;
mod logging;
mod normalize_cmd;
mod query_cmd;
mod reload;
mod rules_cmd;
mod serve;
mod store_setup;
mod tls_setup;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc: normalization allocates a string per field; the system
/// allocator spent over a quarter of CloudTrail parse time in malloc/free.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let result = match cli.command {
        cli::Command::Serve(args) => serve::run(args),
        cli::Command::Normalize(args) => normalize_cmd::run(args),
        cli::Command::Config(cmd) => config_cmd::run(cmd),
        cli::Command::Datasets => normalize_cmd::list_datasets(),
        cli::Command::Bench(cmd) => bench::dispatch(cmd),
        cli::Command::Import(args) => import_cmd::run(args),
        cli::Command::Search(args) => query_cmd::search(args),
        cli::Command::Sql(args) => query_cmd::sql(args),
        cli::Command::Rules(cmd) => rules_cmd::dispatch(cmd),
        cli::Command::Hunt(args) => hunt_cmd::run(args),
        cli::Command::Alertmanager(args) => vigie_alertmanager_bin::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("vigie: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
