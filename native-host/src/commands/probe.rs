//! `gwdoctor probe URL [--resolver SPEC] [--json]`.

use std::{path::PathBuf, time::Duration};

use anyhow::{anyhow, Context, Result};
use gwdoctor_net::{
    certificate::trust_anchors_from_pem,
    probe::{phase_limits, ProbeOptions},
    ProbeReport, ResolverSpec, Target,
};

use crate::{exit::Exit, render};

/// Arguments of `probe` (and the probe options of `check`).
#[derive(clap::Args)]
pub struct Args {
    /// The URL to probe (http:// or https://; a bare host gets http://).
    url: String,
    /// Print the probe as one JSON object (PROTOCOL.md, command `probe`).
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    options: Options,
}

/// How to probe.
#[derive(clap::Args)]
pub struct Options {
    /// Resolve the host with this resolver instead of the system's (IP[:port], tls://…,
    /// https://…, or a shortcut as in `gwdoctor dns`).
    #[arg(long, value_name = "SPEC")]
    resolver: Option<String>,
    /// Seconds each phase (DNS, connect, TLS, response, body) may take.
    #[arg(long, default_value_t = 10, value_name = "SECONDS")]
    phase_timeout: u64,
    /// Addresses tried at most (each one probed on its own).
    #[arg(long, default_value_t = 4, value_name = "N")]
    max_addresses: usize,
    /// Also trust the certificate authorities in this PEM file (a private CA of your own),
    /// besides the Mozilla roots.
    #[arg(long, value_name = "FILE")]
    cacert: Option<PathBuf>,
}

impl Options {
    /// Probe options; `response_timeout` replaces the phase limit for the response when given.
    pub fn probe_options(&self, response_timeout: Option<u64>) -> Result<ProbeOptions> {
        if !(1..=600).contains(&self.phase_timeout) || !(1..=16).contains(&self.max_addresses) {
            return Err(anyhow!(
                "--phase-timeout must be 1…600 seconds and --max-addresses 1…16"
            ));
        }
        let mut request = phase_limits(Duration::from_secs(self.phase_timeout));
        request.max_addresses = self.max_addresses;
        if let Some(seconds) = response_timeout {
            request.response_timeout = Duration::from_secs(seconds);
        }
        let resolver = match &self.resolver {
            Some(spec) => ResolverSpec::parse(spec)?,
            None => ResolverSpec::System,
        };
        if let Some(path) = &self.cacert {
            let pem = std::fs::read(path)
                .with_context(|| format!("--cacert: cannot read {}", path.display()))?;
            request.extra_roots = trust_anchors_from_pem(&pem)
                .map_err(|e| anyhow!("--cacert {}: {e}", path.display()))?;
        }
        Ok(ProbeOptions {
            request,
            resolver,
            connect_to: None,
        })
    }
}

/// Reads the URL to probe (shared with `check`).
pub fn target(url: &str) -> Result<Target> {
    Target::parse(url).with_context(|| format!("cannot probe `{url}`"))
}

/// Probes a URL (shared with `check`).
pub fn probe(url: &str, options: &ProbeOptions) -> Result<ProbeReport> {
    let target = target(url)?;
    Ok(super::runtime()?.block_on(gwdoctor_net::probe(&target, options)))
}

/// Runs `probe`: exit status as `check`.
pub fn run(args: Args) -> Result<Exit> {
    let report = probe(&args.url, &args.options.probe_options(None)?)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", render::hops(&report));
        print!("{}", render::summary(&report.verdict, Some(&report)));
    }
    Ok(Exit::for_verdict(&report.verdict))
}
