//! `gwdoctor check URL [--json]`.

use std::time::Duration;

use anyhow::{Context, Result};
use gwdoctor_net::{fetch, FetchOptions, FetchReport, Target};
use serde_json::{json, Value};

use crate::{exit::Exit, render};

/// Arguments of `check`.
#[derive(clap::Args)]
pub struct Args {
    /// The URL to fetch (http:// or https://; a bare host gets http://).
    url: String,
    /// Print the verdict as one JSON object (verdict.md, plus `probe`: address, timings, redirect).
    #[arg(long)]
    json: bool,
    /// Seconds to wait for the response headers.
    #[arg(long, default_value_t = 20, value_name = "SECONDS")]
    timeout: u64,
}

/// Runs `check`.
pub fn run(args: Args) -> Result<Exit> {
    let target = Target::parse(&args.url).with_context(|| format!("cannot check `{}`", args.url))?;
    let options = FetchOptions {
        response_timeout: Duration::from_secs(args.timeout),
        ..FetchOptions::default()
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let report = runtime.block_on(fetch(&target, &options));
    let verdict = report.verdict();
    if args.json {
        let mut object = serde_json::to_value(&verdict)?;
        object["probe"] = probe_json(&report);
        println!("{}", serde_json::to_string_pretty(&object)?);
    } else {
        print!("{}", render::summary(&verdict, Some(&report)));
    }
    Ok(Exit::for_verdict(&verdict))
}

/// The probe details added to the verdict object.
fn probe_json(report: &FetchReport) -> Value {
    json!({
        "address": report.address.map(|a| a.to_string()),
        "timings": report.timings,
        "redirect": report.redirect,
    })
}
