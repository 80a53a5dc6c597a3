//! `gwdoctor`: Gateway Doctor's command-line tool and the browser's native messaging host
//! (started by the browser with the caller on the command line: `native-host/PROTOCOL.md`).
//! See `gwdoctor --help`.

// The doc comments of the command line are clap's help text, written for a terminal, not
// rustdoc: `IP[:port]` and bare URLs are meant literally.
#![allow(rustdoc::broken_intra_doc_links, rustdoc::bare_urls)]

mod commands;
mod exit;
mod render;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Who produced that 502, which hop failed, whether it is you or the site, and when to try again.
#[derive(Parser)]
#[command(name = "gwdoctor", version, about, long_about = None)]
#[command(
    after_help = "Exit status: 0 the page is not an error; 1 it is an error (verdict printed); \
2 usage error; 3 the input could not be read or is not an HTTP response."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Classify a saved raw response, as `curl -si URL` prints it.
    ///
    /// Example: curl -si https://example.com/ | gwdoctor classify -
    Classify(commands::classify::Args),
    /// The verdict on a URL from this machine: every resolved address probed (redirects reported,
    /// not followed), the verdict first, then timings and hops. With --origin (owner mode), the
    /// URL also fetched straight from each origin address, and whether the gateway or the server
    /// fails.
    Check(commands::check::Args),
    /// Probe a URL hop by hop (DNS → TCP → TLS → HTTP) for every resolved address.
    Probe(commands::probe::Args),
    /// Look a name up through the system resolver and alternates, side by side.
    Dns(commands::dns::Args),
    /// Flush the operating system's DNS cache (never escalates privileges).
    FlushDns(commands::flush_dns::Args),
    /// Install the native messaging host for every browser found (Chrome, Chromium, Edge,
    /// Brave, Vivaldi, Firefox).
    Install(commands::install::Args),
    /// The upstream failures in a gateway's own error and access logs, grouped by upstream
    /// and cause, with the likely fix (owner mode).
    ///
    /// Example: journalctl -u nginx | gwdoctor logs -
    Logs(commands::logs::Args),
    /// Remove what `install` wrote.
    Uninstall(commands::install::Args),
    /// Run the hosted checker: the checker page and `GET /api/v1/check?url=…` (public
    /// addresses only unless --allow-private).
    Serve(gwdoctor_checker::Args),
}

fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if let Some(caller) = gwdoctor_host::host::allow::Caller::detect(&args) {
        return ExitCode::from(gwdoctor_host::host::run_native(caller));
    }
    let cli = Cli::parse_from(args);
    let result = match cli.command {
        Command::Classify(args) => commands::classify::run(args),
        Command::Check(args) => commands::check::run(args),
        Command::Probe(args) => commands::probe::run(args),
        Command::Dns(args) => commands::dns::run(args),
        Command::FlushDns(args) => commands::flush_dns::run(args),
        Command::Install(args) => commands::install::install(args),
        Command::Uninstall(args) => commands::install::uninstall(args),
        Command::Logs(args) => commands::logs::run(args),
        Command::Serve(args) => gwdoctor_checker::run(args).map(|()| exit::Exit::Healthy),
    };
    match result {
        Ok(code) => code.into(),
        Err(e) => {
            eprintln!("gwdoctor: {e:#}");
            exit::Exit::BadInput.into()
        }
    }
}
