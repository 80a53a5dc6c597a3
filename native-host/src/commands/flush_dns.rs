//! `gwdoctor flush-dns [--dry-run] [--json]`.

use anyhow::Result;
use gwdoctor_net::flush::{self, FlushReport, StepOutcome};

use crate::exit::Exit;

/// Arguments of `flush-dns`.
#[derive(clap::Args)]
pub struct Args {
    /// Say which caches are present and which commands would run, without running them.
    #[arg(long)]
    dry_run: bool,
    /// Print the report as one JSON object (PROTOCOL.md, command `flush-dns`).
    #[arg(long)]
    json: bool,
}

/// Runs `flush-dns`: exit 0 when a cache was flushed (or, dry, none needs it), 1 otherwise.
pub fn run(args: Args) -> Result<Exit> {
    let os = flush::Os::current();
    let report = flush::execute(
        os,
        flush::plan(os, &flush::ThisMachine),
        args.dry_run,
        &flush::run_command,
    );
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", text(&report));
    }
    let fine = report.flushed_any || (args.dry_run && !report.needs_privileges);
    Ok(if fine { Exit::Healthy } else { Exit::ErrorPage })
}

fn text(report: &FlushReport) -> String {
    let mut out = String::new();
    for cache in &report.caches {
        let command = cache.command.join(" ");
        let line = match cache.outcome {
            StepOutcome::Flushed => format!("flushed           {}  ({command})", cache.cache),
            StepOutcome::NeedsPrivileges => {
                format!(
                    "needs privileges  {}: run `sudo {command}` yourself ({})",
                    cache.cache, cache.detail
                )
            }
            StepOutcome::Failed => format!(
                "failed            {}: {command}: {}",
                cache.cache, cache.detail
            ),
            StepOutcome::NotFound => {
                format!("not found         {} ({})", cache.cache, cache.detail)
            }
            StepOutcome::Planned => format!("would run         {command}  ({})", cache.cache),
        };
        out.push_str(&line);
        out.push('\n');
    }
    if report.caches.iter().all(|c| !c.found) {
        out.push_str("No OS DNS cache found here: names are resolved afresh each time.\n");
    }
    out.push_str(report.browser_cache);
    out.push('\n');
    out
}
