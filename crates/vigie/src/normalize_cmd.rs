//! `vigie normalize`: the way a user checks a parser. Events go to stdout
//! as NDJSON; rejected records go to stderr with file, record and line.

use std::io::{Read, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Context};
use vigie_ingest::decode;
use vigie_normalize::{normalize_payload, Limits, Registry};

use crate::cli::NormalizeArgs;

/// Files are read whole; this bounds what decompression may produce.
const MAX_DECOMPRESSED: usize = 4 << 30;

fn read_input(path: &Path) -> anyhow::Result<Vec<u8>> {
    if path.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .context("reading standard input")?;
        return Ok(buf);
    }
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

pub fn run(args: NormalizeArgs) -> anyhow::Result<ExitCode> {
    let registry = Registry::default();
    let normalizer = match &args.dataset {
        Some(name) => match registry.get(name) {
            Some(n) => Some(n),
            None => {
                let known: Vec<&str> = registry.datasets().collect();
                bail!(
                    "unknown dataset `{name}`; known datasets: {}",
                    known.join(", ")
                );
            }
        },
        None => None,
    };
    let limits = Limits {
        max_record_bytes: 64 << 20,
        ..Limits::default()
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut rejected = 0usize;
    for path in &args.files {
        let raw = read_input(path)?;
        let payload = decode(&raw, None, MAX_DECOMPRESSED)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        let output = normalize_payload(&registry, normalizer, &payload, &limits);
        for ev in &output.events {
            serde_json::to_writer(&mut out, &ev.to_json())?;
            out.write_all(b"\n")?;
        }
        for r in &output.rejected {
            rejected += 1;
            let item = r.item.map(|i| format!(", item {i}")).unwrap_or_default();
            eprintln!(
                "{}: record {} (line {}{item}): {}",
                path.display(),
                r.index,
                r.line,
                r.error
            );
        }
    }
    out.flush()?;
    Ok(if rejected > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

pub fn list_datasets() -> anyhow::Result<ExitCode> {
    for name in Registry::default().datasets() {
        println!("{name}");
    }
    Ok(ExitCode::SUCCESS)
}
