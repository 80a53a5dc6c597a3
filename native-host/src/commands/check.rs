//! `gwdoctor check URL [--from WHERE] [--origin ADDR[:PORT]]… [--json]`: the probe (DNS → TCP →
//! TLS → HTTP per address), then the verdict; with `--from`, Globalping's probes worldwide fetch
//! the same URL at the same time and the core sums up what the world sees; with `--origin`
//! (owner mode), the same URL straight from each origin address beside it and what the
//! comparison means.

use std::{path::PathBuf, time::Duration};

use anyhow::{anyhow, Context, Result};
use gwdoctor_core::world::WorldView;
use gwdoctor_host::origin::{compare, parse_origin, probe_members, MAX_HEADERS, MAX_ORIGINS};
use gwdoctor_net::globalping::{Globalping, PUBLIC_API};
use gwdoctor_net::{parse_header, ProbeOptions, Target};
use gwdoctor_wire::globalping::{place_answers, FromSpec, MeasurementRequest};

use crate::{exit::Exit, render};

/// Seconds Globalping's probes get to finish.
const WORLD_DEADLINE_S: u64 = 30;

/// Arguments of `check`.
#[derive(clap::Args)]
#[command(
    after_help = "With --origin (owner mode): exit status 0 when both paths work, 1 \
otherwise (the comparison printed)."
)]
pub struct Args {
    /// The URL to fetch (http:// or https://; a bare host gets http://).
    url: String,
    /// Print the verdict as one JSON object (verdict.md, plus `probe`: address, timings,
    /// redirect, dns, attempts, failed_hop — see PROTOCOL.md, command `probe`; with --from,
    /// `world`: the world view, or `world_error`; with --origin, `comparison` and `direct`, as
    /// PROTOCOL.md's `compare-origin`).
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
    /// Owner mode: also fetch the URL straight from this origin address (IP[:PORT], the URL's
    /// port by default; repeatable), with the URL's Host header and TLS name, and say whether
    /// the gateway in front or the server fails. The origin's certificate is checked against the
    /// URL's name; a mismatch is reported and the request still completes.
    #[arg(long, value_name = "ADDR[:PORT]", conflicts_with = "from")]
    origin: Vec<String>,
    /// A header sent only on the direct requests to the origins (NAME:VALUE; repeatable), for
    /// origins that require a secret header from their CDN.
    #[arg(long, value_name = "NAME:VALUE", requires = "origin")]
    origin_header: Vec<String>,
    #[command(flatten)]
    probe: super::probe::Options,
}

/// Runs `check`.
pub fn run(args: Args) -> Result<Exit> {
    let options = args.probe.probe_options(Some(args.timeout))?;
    let target = super::probe::target(&args.url)?;
    if !args.origin.is_empty() {
        return run_with_origins(&args, &target, &options);
    }
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
        object["probe"] = probe_members(&report).into();
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

/// Owner mode: the usual path and each origin, compared.
fn run_with_origins(args: &Args, target: &Target, options: &ProbeOptions) -> Result<Exit> {
    if args.origin.len() > MAX_ORIGINS || args.origin_header.len() > MAX_HEADERS {
        return Err(anyhow!(
            "at most {MAX_ORIGINS} --origin and {MAX_HEADERS} --origin-header"
        ));
    }
    let origins = args
        .origin
        .iter()
        .map(|spec| parse_origin(spec, target.port).map_err(|e| anyhow!("--origin {e}")))
        .collect::<Result<Vec<_>>>()?;
    let headers = args
        .origin_header
        .iter()
        .map(|spec| parse_header(spec).map_err(|e| anyhow!("--origin-header {e}")))
        .collect::<Result<Vec<_>>>()?;
    let compared = super::runtime()?
        .block_on(compare(target, options, &origins, &headers))
        .ok_or_else(|| anyhow!("give at least one --origin"))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&compared.check)?);
    } else {
        print!("{}", render::comparison(&compared));
    }
    Ok(match compared.check.comparison.conclusion {
        gwdoctor_core::origin::Conclusion::BothWork => Exit::Healthy,
        _ => Exit::ErrorPage,
    })
}
