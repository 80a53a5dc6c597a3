//! `gwdoctor check URL [--from WHERE] [--json]`: the probe (DNS → TCP → TLS → HTTP per address),
//! then the verdict; with `--from`, Globalping's probes worldwide fetch the same URL at the same
//! time and the core sums up what the world sees.

use std::{path::PathBuf, time::Duration};

use anyhow::{Context, Result};
use gwdoctor_core::world::WorldView;
use gwdoctor_net::globalping::{Globalping, PUBLIC_API};
use gwdoctor_net::Target;
use gwdoctor_wire::globalping::{place_answers, FromSpec, MeasurementRequest};
use serde_json::Value;

use crate::{exit::Exit, render};

/// Seconds Globalping's probes get to finish.
const WORLD_DEADLINE_S: u64 = 30;

/// Arguments of `check`.
#[derive(clap::Args)]
pub struct Args {
    /// The URL to fetch (http:// or https://; a bare host gets http://).
    url: String,
    /// Print the verdict as one JSON object (verdict.md, plus `probe`: address, timings,
    /// redirect, dns, attempts, failed_hop — see PROTOCOL.md, command `probe`; with --from,
    /// `world`: the world view, or `world_error`).
    #[arg(long)]
    json: bool,
    /// Seconds to wait for the response headers.
    #[arg(long, default_value_t = 20, value_name = "SECONDS")]
    timeout: u64,
    /// Also ask Globalping's probes (globalping.io) and say what the world sees: `world`,
    /// `world:N` (N places, default 25, at most 50), or places such as `DE,US,AS13335[:N]`.
    /// Sends the URL to Globalping's API; without a token it allows 250 tests an hour.
    #[arg(long, value_name = "WHERE", value_parser = FromSpec::parse)]
    from: Option<FromSpec>,
    /// A file whose first line is a Globalping API token (higher limits).
    #[arg(long, value_name = "FILE", requires = "from")]
    globalping_token_file: Option<PathBuf>,
    /// Globalping's API, for a stand-in or a relay.
    #[arg(long, value_name = "URL", env = "GWDOCTOR_GLOBALPING_API", default_value = PUBLIC_API)]
    globalping_api: String,
    #[command(flatten)]
    probe: super::probe::Options,
}

/// Runs `check`.
pub fn run(args: Args) -> Result<Exit> {
    let options = args.probe.probe_options(Some(args.timeout))?;
    let target =
        Target::parse(&args.url).with_context(|| format!("cannot probe `{}`", args.url))?;
    let world = match &args.from {
        Some(from) => Some(world_request(&args, from, target.url.as_str())?),
        None => None,
    };
    let (report, measured) = super::runtime()?.block_on(async {
        let local = gwdoctor_net::probe(&target, &options);
        match &world {
            Some((client, request)) => {
                let deadline = Duration::from_secs(WORLD_DEADLINE_S);
                let (report, measured) = tokio::join!(local, client.measure(request, deadline));
                (report, Some(measured))
            }
            None => (local.await, None),
        }
    });
    let verdict = &report.verdict;
    let world = measured.map(|measured| {
        measured.map(|m| WorldView::of(&place_answers(&m, target.url.as_str()), Some(verdict)))
    });
    if args.json {
        let mut object = serde_json::to_value(verdict)?;
        let mut probe = serde_json::to_value(&report)?;
        if let Value::Object(members) = &mut probe {
            members.remove("verdict");
            members.remove("url");
        }
        object["probe"] = probe;
        match &world {
            Some(Ok(view)) => object["world"] = serde_json::to_value(view)?,
            Some(Err(e)) => object["world_error"] = serde_json::to_value(e.answer())?,
            None => {}
        }
        println!("{}", serde_json::to_string_pretty(&object)?);
    } else {
        print!("{}", render::summary(verdict, Some(&report)));
        print!("{}", render::hops(&report));
        match &world {
            Some(Ok(view)) => print!("{}", render::world(view)),
            Some(Err(e)) => println!("\nFrom around the world: no answer. {e}"),
            None => {}
        }
    }
    Ok(Exit::for_verdict(verdict))
}

/// The Globalping client and the measurement `--from` asks for.
fn world_request(
    args: &Args,
    from: &FromSpec,
    url: &str,
) -> Result<(Globalping, MeasurementRequest)> {
    let token = match &args.globalping_token_file {
        Some(path) => Some(
            Globalping::token_from_file(path)
                .with_context(|| format!("cannot read the token file {}", path.display()))?,
        ),
        None => None,
    };
    let request = MeasurementRequest::http(url, from)?;
    Ok((Globalping::new(&args.globalping_api, token)?, request))
}
