//! `gwdoctor check URL [--json]`: the probe (DNS → TCP → TLS → HTTP per address), then the
//! verdict.

use anyhow::Result;
use serde_json::Value;

use crate::{exit::Exit, render};

/// Arguments of `check`.
#[derive(clap::Args)]
pub struct Args {
    /// The URL to fetch (http:// or https://; a bare host gets http://).
    url: String,
    /// Print the verdict as one JSON object (verdict.md, plus `probe`: address, timings,
    /// redirect, dns, attempts, failed_hop — see PROTOCOL.md, command `probe`).
    #[arg(long)]
    json: bool,
    /// Seconds to wait for the response headers.
    #[arg(long, default_value_t = 20, value_name = "SECONDS")]
    timeout: u64,
    #[command(flatten)]
    probe: super::probe::Options,
}

/// Runs `check`.
pub fn run(args: Args) -> Result<Exit> {
    let options = args.probe.probe_options(Some(args.timeout))?;
    let report = super::probe::probe(&args.url, &options)?;
    let verdict = &report.verdict;
    if args.json {
        let mut object = serde_json::to_value(verdict)?;
        let mut probe = serde_json::to_value(&report)?;
        if let Value::Object(members) = &mut probe {
            members.remove("verdict");
            members.remove("url");
        }
        object["probe"] = probe;
        println!("{}", serde_json::to_string_pretty(&object)?);
    } else {
        print!("{}", render::summary(verdict, Some(&report)));
        print!("{}", render::hops(&report));
    }
    Ok(Exit::for_verdict(verdict))
}
