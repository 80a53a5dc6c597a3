//! `gwdoctor dns NAME [--resolver SPEC]… [--no-system] [--json]`.

use std::{fmt::Write, time::Duration};

use anyhow::{anyhow, Context, Result};
use gwdoctor_net::dns::{DnsComparison, FindingKind, Outcome};
use gwdoctor_net::resolver::{check_name, resolver_list};

use crate::exit::Exit;

/// Arguments of `dns`.
#[derive(clap::Args)]
pub struct Args {
    /// The name to look up (A and AAAA).
    name: String,
    /// An alternate resolver: IP[:port], tls://IP[:port][#name], https://IP[:port][/path][#name],
    /// or cloudflare, google, quad9 (with -tls or -https for encrypted DNS). Repeatable;
    /// default: cloudflare, google, quad9.
    #[arg(long = "resolver", value_name = "SPEC")]
    resolvers: Vec<String>,
    /// Leave out the system resolver's column. (GWDOCTOR_SYSTEM_RESOLVER=SPEC replaces the system
    /// resolver by a given server.)
    #[arg(long)]
    no_system: bool,
    /// Seconds to wait for each resolver (they are asked in parallel).
    #[arg(long, default_value_t = 3.0, value_name = "SECONDS")]
    timeout: f64,
    /// Print the comparison as one JSON object (PROTOCOL.md, command `dns`).
    #[arg(long)]
    json: bool,
}

/// Runs `dns`: exit 0 when the resolvers agree, 1 when one diverges, misses or fails.
pub fn run(args: Args) -> Result<Exit> {
    let name = check_name(&args.name).map_err(|e| anyhow!(e))?;
    let alternates = (!args.resolvers.is_empty()).then_some(args.resolvers.as_slice());
    let resolvers = resolver_list(alternates, !args.no_system).map_err(|e| anyhow!(e))?;
    if !(0.1..=60.0).contains(&args.timeout) {
        return Err(anyhow!("--timeout must be between 0.1 and 60 seconds"));
    }
    let runtime = super::runtime()?;
    let comparison = runtime.block_on(gwdoctor_net::compare(
        name,
        &resolvers,
        Duration::from_secs_f64(args.timeout),
    ));
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&comparison).context("cannot print JSON")?
        );
    } else {
        print!("{}", table(&comparison));
    }
    let trouble = comparison
        .findings
        .iter()
        .any(|f| f.kind != FindingKind::Agree)
        || comparison
            .answers
            .iter()
            .all(|a| a.outcome != Outcome::Answered);
    Ok(if trouble {
        Exit::ErrorPage
    } else {
        Exit::Healthy
    })
}

/// Resolvers side by side, then the findings.
fn table(comparison: &DnsComparison) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", comparison.name);
    let width = comparison
        .answers
        .iter()
        .map(|a| a.resolver.len())
        .max()
        .unwrap_or(8)
        .max(8);
    let _ = writeln!(
        out,
        "  {:width$}  {:10}  {:>9}  answers",
        "resolver", "outcome", "time"
    );
    for answer in &comparison.answers {
        let outcome = serde_json::to_value(answer.outcome)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let answers = if answer.records.is_empty() {
            answer.error.clone().unwrap_or_else(|| "—".into())
        } else {
            answer
                .records
                .iter()
                .map(|r| format!("{} ({} s)", r.address, r.ttl))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(
            out,
            "  {:width$}  {outcome:10}  {:>6.1} ms  {answers}",
            answer.resolver, answer.elapsed_ms
        );
    }
    let _ = writeln!(out, "Findings:");
    for finding in &comparison.findings {
        let mark = if finding.kind == FindingKind::Agree {
            "ok"
        } else {
            "!"
        };
        let _ = writeln!(out, "  {mark} {}", finding.message);
    }
    if comparison.findings.is_empty() {
        let _ = writeln!(out, "  ! no resolver returned an address");
    }
    out
}
