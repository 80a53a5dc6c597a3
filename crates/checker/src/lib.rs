//! The hosted checker behind `gwdoctor serve`: the checker page (`www/`), the wasm core, and
//! `GET /api/v1/check?url=…` — the verdict from this vantage point, optionally fanned out to peer
//! checkers and, with `--globalping`, to Globalping's probes worldwide — safe to put on the
//! internet: public addresses only unless told otherwise, every
//! redirect re-checked, per-client rate limits, bounded probes and connections, a short result
//! cache per URL.
//!
//! The public interface is [`Args`] (the command line of `serve`, a `clap::Args`) and [`run`].
//! The `gwdoctor` binary (`native-host/`) wires it in as its `serve` command.
#![deny(missing_docs)]

mod cache;
mod checker;
mod config;
mod connections;
mod error;
mod limit;
mod listener;
mod routes;
mod vantage;
mod world;

use std::{net::SocketAddr, path::PathBuf, sync::Arc, time::Duration};

use anyhow::{bail, Context, Result};
use gwdoctor_net::{probe::phase_limits, AddressPolicy, Cidr, ProbeOptions, ResolverSpec};

use cache::{CacheLimits, CachedChecker};
use checker::Checker;
use config::VantageConfig;
use connections::Connections;
use limit::ClientLimiter;
use routes::App;
use vantage::Vantage;
use world::World;

/// Bytes of results the cache keeps at most.
const CACHE_BYTES: u64 = 64 << 20;

/// Arguments of `serve`.
#[derive(clap::Args)]
pub struct Args {
    /// Address and port to listen on (port 0 picks a free one; the address is printed).
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR:PORT")]
    listen: SocketAddr,
    /// The checker page's directory.
    #[arg(long, default_value = "www", value_name = "DIR")]
    www: PathBuf,
    /// The wasm core (`wasm-bindgen --target web` output), served at /wasm/.
    #[arg(long, default_value = "dist/wasm", value_name = "DIR")]
    wasm: PathBuf,
    /// Vantage-point file (TOML): this checker's name and its peer checkers.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// This vantage point's name (instead of the file's).
    #[arg(long)]
    name: Option<String>,
    /// Also check private, loopback, link-local and other non-public addresses. For a checker on
    /// your own network, and tests; never on a server open to the internet.
    #[arg(long)]
    allow_private: bool,
    /// A network to allow despite the address policy (repeatable), e.g. 10.20.0.0/16.
    #[arg(long = "allow", value_name = "NETWORK")]
    allow: Vec<Cidr>,
    /// Checks per minute per client (IPv4 address, IPv6 /64); 0 turns the limit off.
    #[arg(long, default_value_t = 20, value_name = "N")]
    rate_limit: u32,
    /// A reverse proxy in front of this checker (repeatable), e.g. 127.0.0.1: requests from it are
    /// rate-limited by the client address it puts in `X-Forwarded-For`, not as one client.
    #[arg(long = "trusted-proxy", value_name = "NETWORK")]
    trusted_proxies: Vec<Cidr>,
    /// Checks a client may make in a burst before the per-minute rate applies.
    #[arg(long, default_value_t = 10, value_name = "N")]
    rate_burst: u32,
    /// Seconds a URL's result is reused (one probe per URL per period, however many ask).
    #[arg(long, default_value_t = 30, value_name = "SECONDS")]
    cache_ttl: u64,
    /// Probes at once; further checks wait for a slot.
    #[arg(long, default_value_t = 64, value_name = "N")]
    max_probes: usize,
    /// Seconds a check waits for a probe slot before the answer is `busy` (503).
    #[arg(long, default_value_t = 10, value_name = "SECONDS")]
    queue_wait: u64,
    /// Client connections open at once. At the bound a new connection takes the place of an idle
    /// one (no request in flight), the oldest of the client holding the most; it is closed only
    /// when all are busy.
    #[arg(long, default_value_t = 512, value_name = "N")]
    max_connections: usize,
    /// Connections open at once per client (IPv4 address, IPv6 /64); more are closed at once. A
    /// `--trusted-proxy` carries many clients, so its connections count against
    /// `--max-connections` only.
    #[arg(long, default_value_t = 16, value_name = "N")]
    max_connections_per_client: usize,
    /// Seconds a connection may wait for a whole request head (request line and headers): from
    /// its opening, and after each answer, so this is the idle keep-alive timeout too.
    #[arg(long, default_value_t = 5, value_name = "SECONDS")]
    header_timeout: u64,
    /// Seconds each probe phase (DNS, connect, TLS, response, body) may take; a whole check,
    /// redirects included, gets four times as long.
    #[arg(long, default_value_t = 8, value_name = "SECONDS")]
    timeout: u64,
    /// Redirects followed, each one probed, and so re-checked against the address policy.
    #[arg(long, default_value_t = 5, value_name = "N")]
    max_redirects: usize,
    /// Add the world view to `fanout=1` answers: Globalping's probes worldwide fetch the URL
    /// (sent to Globalping's API), once per URL per --globalping-ttl.
    #[arg(long)]
    globalping: bool,
    /// A file whose first line is a Globalping API token (higher limits).
    #[arg(long, value_name = "FILE", requires = "globalping")]
    globalping_token_file: Option<PathBuf>,
    /// Globalping's API, for a stand-in or a relay.
    #[arg(long, value_name = "URL", env = "GWDOCTOR_GLOBALPING_API", default_value = gwdoctor_net::globalping::PUBLIC_API)]
    globalping_api: String,
    /// Places asked per measurement (1…50).
    #[arg(long, default_value_t = 25, value_name = "N")]
    globalping_places: u32,
    /// Seconds a URL's world view is reused (one measurement per URL per period).
    #[arg(long, default_value_t = 300, value_name = "SECONDS")]
    globalping_ttl: u64,
    /// New measurements one client may cause an hour (world views already cached are free),
    /// so that no client spends the whole Globalping allowance.
    #[arg(long, default_value_t = 10, value_name = "N")]
    globalping_per_client: u32,
}

/// Runs `serve` until interrupted.
pub fn run(args: Args) -> Result<()> {
    if !(1..=120).contains(&args.timeout) || args.max_redirects > 20 || args.cache_ttl > 3600 {
        bail!("--timeout must be 1…120 s, --max-redirects at most 20, --cache-ttl at most 3600 s");
    }
    if args.max_probes == 0 || args.max_connections == 0 || args.max_connections_per_client == 0 {
        bail!(
            "--max-probes, --max-connections and --max-connections-per-client must be at least 1"
        );
    }
    if !(1..=300).contains(&args.header_timeout) {
        bail!("--header-timeout must be 1…300 s");
    }
    if !(1..=50).contains(&args.globalping_places)
        || !(10..=86_400).contains(&args.globalping_ttl)
        || !(1..=1000).contains(&args.globalping_per_client)
    {
        bail!("--globalping-places must be 1…50, --globalping-ttl 10…86400 s and --globalping-per-client 1…1000");
    }
    let mut vantage = match &args.config {
        Some(path) => VantageConfig::load(path)?,
        None => VantageConfig::default(),
    };
    if let Some(name) = &args.name {
        vantage.name = config::checked_name(name)?;
    }
    let policy = if args.allow_private {
        AddressPolicy::allow_all()
    } else {
        AddressPolicy::public_only().with_allowed(args.allow.iter().copied())
    };
    let phase = Duration::from_secs(args.timeout);
    let mut request = phase_limits(phase);
    request.address_policy = policy;
    request.vantage = gwdoctor_net::Vantage::Checker;
    request.user_agent =
        concat!("gwdoctor-serve/", env!("CARGO_PKG_VERSION"), " (+checker)").into();
    let options = ProbeOptions {
        request,
        resolver: ResolverSpec::System,
        // Never a fixed address: a public checker fetches only what the name resolves to.
        connect_to: None,
    };
    let limits = CacheLimits {
        ttl: Duration::from_secs(args.cache_ttl),
        max_probes: args.max_probes,
        queue_wait: Duration::from_secs(args.queue_wait),
        deadline: phase * 4,
        max_bytes: CACHE_BYTES,
    };
    for (dir, what) in [(&args.www, "page"), (&args.wasm, "wasm core")] {
        if !dir.is_dir() {
            eprintln!(
                "gwdoctor serve: warning: the {what} directory {} does not exist",
                dir.display()
            );
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(serve(args, vantage, options, limits))
}

/// Globalping as the world-wide vantage network, when `--globalping` asks for it.
fn world(args: &Args) -> Result<Option<World>> {
    if !args.globalping {
        return Ok(None);
    }
    let token = match &args.globalping_token_file {
        Some(path) => Some(
            gwdoctor_net::globalping::Globalping::token_from_file(path)
                .with_context(|| format!("cannot read the token file {}", path.display()))?,
        ),
        None => None,
    };
    let ttl = Duration::from_secs(args.globalping_ttl);
    Ok(Some(World::new(
        &args.globalping_api,
        token,
        args.globalping_places,
        ttl,
        args.globalping_per_client,
    )?))
}

async fn serve(
    args: Args,
    vantage: VantageConfig,
    options: ProbeOptions,
    limits: CacheLimits,
) -> Result<()> {
    let private = options.request.address_policy.allows_private();
    let app = Arc::new(App {
        checks: CachedChecker::new(
            Checker::new(vantage.name.clone(), options, args.max_redirects),
            limits,
        ),
        vantage: Vantage::new(vantage.peers.clone(), vantage.peer_timeout, limits.ttl)?,
        world: world(&args)?,
        trusted_proxies: args.trusted_proxies.clone(),
    });
    let limiter = ClientLimiter::new(
        args.rate_limit,
        args.rate_burst,
        args.trusted_proxies.clone(),
    );
    if let Some(limiter) = limiter.clone() {
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(60));
            loop {
                every.tick().await;
                limiter.forget_idle();
            }
        });
    }
    if app.world.is_some() {
        let app = Arc::clone(&app);
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(600));
            loop {
                every.tick().await;
                if let Some(world) = &app.world {
                    world.forget_idle();
                }
            }
        });
    }
    let router = routes::router(app, limiter, &args.www, &args.wasm);
    let tcp = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let address = tcp.local_addr()?;
    println!(
        "gwdoctor serve: listening on http://{address}/ as vantage point \"{}\" ({} peers; {})",
        vantage.name,
        vantage.peers.len(),
        if private {
            "private addresses ALLOWED".to_string()
        } else if args.allow.is_empty() {
            "public addresses only".to_string()
        } else {
            let allowed: Vec<String> = args.allow.iter().map(Cidr::to_string).collect();
            format!("public addresses and {}", allowed.join(", "))
        }
    );
    let connections = Connections::new(
        args.max_connections,
        args.max_connections_per_client,
        args.trusted_proxies.clone(),
    );
    let header_timeout = Duration::from_secs(args.header_timeout);
    listener::serve(tcp, router, connections, header_timeout, shutdown()).await;
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(_) => {
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}
