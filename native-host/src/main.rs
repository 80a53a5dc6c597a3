//! `gwdoctor`: Gateway Doctor's command-line tool (and, in later releases of this binary, the
//! browser's native messaging host). See `gwdoctor --help`.

mod commands;
mod exit;
mod render;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Who produced that 502, which hop failed, whether it is you or the site, and when to try again.
#[derive(Parser)]
#[command(name = "gwdoctor", version, about, long_about = None)]
#[command(after_help = "Exit status: 0 the page is not an error; 1 it is an error (verdict printed); \
2 usage error; 3 the input could not be read or is not an HTTP response.")]
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
    /// Fetch a URL once from this machine (redirects reported, not followed) and classify it.
    Check(commands::check::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Classify(args) => commands::classify::run(args),
        Command::Check(args) => commands::check::run(args),
    };
    match result {
        Ok(code) => code.into(),
        Err(e) => {
            eprintln!("gwdoctor: {e:#}");
            exit::Exit::BadInput.into()
        }
    }
}
