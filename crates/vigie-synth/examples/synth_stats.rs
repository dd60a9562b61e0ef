//! Prints the average event size of each generator, and optionally writes
//! a sample: `cargo run -p vigie-synth --example synth_stats [FORMAT N SEED]`
//! (FORMAT: cloudtrail | k8s | vpcflow | gcp | falco) prints N events as
//! NDJSON to stdout instead.

use vigie_synth::{average_len, events, ndjson, Format};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [format, n, seed] = args.as_slice() {
        let format = match format.as_str() {
            "cloudtrail" => Format::CloudTrail,
            "k8s" => Format::K8sAudit,
            "vpcflow" => Format::VpcFlowV2,
            "gcp" => Format::GcpAudit,
            "falco" => Format::Falco,
            other => {
                eprintln!("unknown format {other}");
                std::process::exit(2);
            }
        };
        let (n, seed) = (n.parse().unwrap_or(10), seed.parse().unwrap_or(1));
        print!("{}", ndjson(&events(format, seed, n)));
        return;
    }
    println!("| format | seed | events | average bytes | min | max |");
    println!("| --- | --- | --- | --- | --- | --- |");
    for f in Format::ALL {
        let ev = events(f, 42, 20_000);
        let min = ev.iter().map(String::len).min().unwrap_or(0);
        let max = ev.iter().map(String::len).max().unwrap_or(0);
        println!(
            "| {} | 42 | {} | {:.0} | {min} | {max} |",
            f.dataset(),
            ev.len(),
            average_len(&ev)
        );
    }
}
